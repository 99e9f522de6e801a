//! [`Evidence`]: everything a decision rests on, as data: per-split counts and means, the
//! paired differences per task, the effect with its interval, the flips, the test, and what
//! was left out. Reports and the lineage show it as it is.

use harness_types::{ContentHash, Split};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::comparison::{Comparison, LeftOut};
use crate::rules::TestResult;
use crate::stats::{Interval, clustered_mean_interval};
use crate::tasks::{Flip, TaskSummary, summarize_tasks};

/// One split's shared cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct SplitSummary {
    /// The split.
    pub split: Split,
    /// Tasks with at least one shared cell.
    pub tasks: usize,
    /// Shared cells.
    pub cells: usize,
    /// Parent passes.
    pub parent_passes: usize,
    /// Candidate passes.
    pub candidate_passes: usize,
    /// Parent mean reward.
    pub parent_mean: f64,
    /// Candidate mean reward.
    pub candidate_mean: f64,
    /// Candidate minus parent mean.
    pub delta: f64,
}

/// The paired differences of rewards over all shared cells of the gate's splits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Differences {
    /// Shared cells.
    pub cells: usize,
    /// Cells where the candidate's reward is higher.
    pub wins: usize,
    /// Cells where it is lower.
    pub losses: usize,
    /// Cells with equal rewards.
    pub ties: usize,
    /// Mean difference (candidate minus parent) with its interval, clustered by task.
    pub effect: Interval,
    /// Per task: shared cells, passes and means of both harnesses.
    pub tasks: Vec<TaskSummary>,
}

/// One flipped task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct TaskFlip {
    /// Task id.
    pub task_id: String,
    /// Its split.
    pub split: Split,
    /// Fixed or regressed.
    pub flip: Flip,
    /// Shared repeats it flipped over.
    pub repeats: usize,
}

/// What a decision rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Evidence {
    /// The harness in place.
    pub parent: ContentHash,
    /// The harness proposed.
    pub candidate: ContentHash,
    /// Per split (held_in, validation, unassigned; never test).
    pub splits: Vec<SplitSummary>,
    /// The paired differences.
    pub differences: Differences,
    /// Tasks that flipped.
    pub flips: Vec<TaskFlip>,
    /// The paired test the rules ran (the first one, if several).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<TestResult>,
    /// Planned cells not shared yet.
    pub pending: usize,
    /// What was left out, and why.
    pub left_out: LeftOut,
}

impl Evidence {
    /// The evidence of a comparison, with the effect's interval at `level`.
    pub fn of(comparison: &Comparison, level: f64) -> Self {
        let splits = [Split::HeldIn, Split::Validation, Split::Unassigned]
            .into_iter()
            .filter_map(|split| {
                let tasks = summarize_tasks(comparison.pairs_in(std::slice::from_ref(&split)));
                let cells: usize = tasks.iter().map(|t| t.cells).sum();
                (cells > 0).then(|| {
                    let weighted = |f: fn(&TaskSummary) -> f64| {
                        tasks.iter().map(|t| f(t) * t.cells as f64).sum::<f64>() / cells as f64
                    };
                    let parent_mean = weighted(|t| t.parent_mean);
                    let candidate_mean = weighted(|t| t.candidate_mean);
                    SplitSummary {
                        split,
                        tasks: tasks.len(),
                        cells,
                        parent_passes: tasks.iter().map(|t| t.parent_passes).sum(),
                        candidate_passes: tasks.iter().map(|t| t.candidate_passes).sum(),
                        parent_mean,
                        candidate_mean,
                        delta: candidate_mean - parent_mean,
                    }
                })
            })
            .collect();
        let pairs = &comparison.pairs;
        let wins = pairs.iter().filter(|p| p.difference() > 0.0).count();
        let losses = pairs.iter().filter(|p| p.difference() < 0.0).count();
        let effect = clustered_mean_interval(
            pairs
                .iter()
                .map(|p| (p.key.task_id.as_str(), p.difference())),
            level,
        );
        let tasks = summarize_tasks(pairs);
        let flips = tasks
            .iter()
            .filter_map(|t| {
                t.flip().map(|flip| TaskFlip {
                    task_id: t.task_id.clone(),
                    split: t.split,
                    flip,
                    repeats: t.cells,
                })
            })
            .collect();
        Self {
            parent: comparison.parent,
            candidate: comparison.candidate,
            splits,
            differences: Differences {
                cells: pairs.len(),
                wins,
                losses,
                ties: pairs.len() - wins - losses,
                effect,
                tasks,
            },
            flips,
            test: None,
            pending: comparison.pending.len(),
            left_out: comparison.left_out.clone(),
        }
    }

    /// Tasks fixed.
    pub fn fixed(&self) -> usize {
        self.flips.iter().filter(|f| f.flip == Flip::Fixed).count()
    }

    /// Tasks regressed.
    pub fn regressed(&self) -> usize {
        self.flips
            .iter()
            .filter(|f| f.flip == Flip::Regressed)
            .count()
    }
}
