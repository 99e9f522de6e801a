//! Per-task views of a comparison: each task's shared cells summed up, and whether the task
//! flipped (fixed: failed in every parent repeat, passed in every candidate repeat;
//! regressed: the opposite).

use std::collections::BTreeMap;

use harness_types::Split;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::comparison::Pair;

/// How a task's pass/fail pattern changed between the two harnesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flip {
    /// Failed in every shared parent repeat, passed in every shared candidate repeat.
    Fixed,
    /// Passed in every shared parent repeat, failed in every shared candidate repeat.
    Regressed,
}

/// One task's shared cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct TaskSummary {
    /// Task id.
    pub task_id: String,
    /// Its split.
    pub split: Split,
    /// Shared cells (repeats) of the task.
    pub cells: usize,
    /// Parent passes among them.
    pub parent_passes: usize,
    /// Candidate passes among them.
    pub candidate_passes: usize,
    /// Parent mean reward.
    pub parent_mean: f64,
    /// Candidate mean reward.
    pub candidate_mean: f64,
}

impl TaskSummary {
    /// Candidate mean minus parent mean.
    pub fn difference(&self) -> f64 {
        self.candidate_mean - self.parent_mean
    }

    /// The task's flip, if it flipped.
    pub fn flip(&self) -> Option<Flip> {
        if self.cells == 0 {
            None
        } else if self.parent_passes == self.cells && self.candidate_passes == 0 {
            Some(Flip::Regressed)
        } else if self.parent_passes == 0 && self.candidate_passes == self.cells {
            Some(Flip::Fixed)
        } else {
            None
        }
    }
}

/// Summaries of the tasks of `pairs`, in task order.
pub fn summarize_tasks<'a>(pairs: impl IntoIterator<Item = &'a Pair>) -> Vec<TaskSummary> {
    let mut tasks: BTreeMap<&str, TaskSummary> = BTreeMap::new();
    for pair in pairs {
        let t = tasks
            .entry(pair.key.task_id.as_str())
            .or_insert_with(|| TaskSummary {
                task_id: pair.key.task_id.clone(),
                split: pair.split,
                cells: 0,
                parent_passes: 0,
                candidate_passes: 0,
                parent_mean: 0.0,
                candidate_mean: 0.0,
            });
        t.cells += 1;
        t.parent_passes += usize::from(pair.parent.passed);
        t.candidate_passes += usize::from(pair.candidate.passed);
        // Running sums; divided below.
        t.parent_mean += pair.parent.reward;
        t.candidate_mean += pair.candidate.reward;
    }
    tasks
        .into_values()
        .map(|mut t| {
            t.parent_mean /= t.cells as f64;
            t.candidate_mean /= t.cells as f64;
            t
        })
        .collect()
}
