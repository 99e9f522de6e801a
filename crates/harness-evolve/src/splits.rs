//! The splits as the loop holds them: held-in and validation in [`GatedSplits`] (held-in is
//! mined and gated, validation only gated), and the test split in [`SealedTest`], whose tasks
//! no code outside this module can reach. The only way to evaluate them is
//! `SealedTest::plan` (crate-private), which the loop's final step calls for the seed and the final
//! harness; the miner, the proposer and the gate are handed the gated splits only.

use std::sync::Arc;

use harness_core::Harness;
use harness_eval::EvalPlan;
use harness_tasks::{PlannedTrial, Suite, SuiteTask};
use harness_types::Split;

use crate::error::EvolveError;

/// Held-in and validation tasks.
#[derive(Debug, Clone)]
pub struct GatedSplits {
    held_in: Vec<SuiteTask>,
    validation: Vec<SuiteTask>,
}

/// The test split, sealed: its tasks are private, and it can only be planned for a harness as
/// a whole (never mined, shown or gated).
#[derive(Debug, Clone)]
pub struct SealedTest {
    tasks: Vec<SuiteTask>,
}

/// Cut a suite into its gated splits and the sealed test split. Refused when held-in or
/// validation is empty (nothing to learn from, or nothing to check on).
pub fn split_suite(suite: &Suite) -> Result<(GatedSplits, SealedTest), EvolveError> {
    let of = |split: Split| -> Vec<SuiteTask> {
        suite
            .tasks
            .iter()
            .filter(|t| t.split == split)
            .cloned()
            .collect()
    };
    let gated = GatedSplits {
        held_in: of(Split::HeldIn),
        validation: of(Split::Validation),
    };
    if gated.held_in.is_empty() || gated.validation.is_empty() {
        return Err(EvolveError::Suite(format!(
            "{}: the loop needs held_in and validation tasks (suite.yaml `splits`); found {} \
             and {}",
            suite.dir.display(),
            gated.held_in.len(),
            gated.validation.len()
        )));
    }
    Ok((
        gated,
        SealedTest {
            tasks: of(Split::Test),
        },
    ))
}

impl GatedSplits {
    /// Held-in tasks (mined and gated).
    pub fn held_in(&self) -> &[SuiteTask] {
        &self.held_in
    }

    /// Validation tasks (gated only).
    pub fn validation(&self) -> &[SuiteTask] {
        &self.validation
    }

    /// Both, held-in first.
    pub fn all(&self) -> impl Iterator<Item = &SuiteTask> {
        self.held_in.iter().chain(&self.validation)
    }

    /// Trials of `tasks` for the repeats `repeats`.
    pub fn trials<'a>(
        tasks: impl IntoIterator<Item = &'a SuiteTask>,
        repeats: std::ops::Range<u32>,
    ) -> Vec<PlannedTrial> {
        tasks
            .into_iter()
            .flat_map(|t| {
                repeats.clone().map(move |repeat| PlannedTrial {
                    task: t.clone(),
                    repeat,
                })
            })
            .collect()
    }

    /// A held-in task by id.
    pub fn held_in_task(&self, id: &str) -> Option<&SuiteTask> {
        self.held_in.iter().find(|t| t.task.id == id)
    }
}

impl SealedTest {
    /// How many test tasks there are (the only thing the loop may know before the end).
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the suite has no test split.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The plan of the sealed evaluation of `harness`: every test task, `repeats` times.
    pub(crate) fn plan(
        &self,
        harness: Arc<Harness>,
        suite: &Suite,
        repeats: u32,
        seed: u64,
        run_name: String,
    ) -> EvalPlan {
        EvalPlan::repeats(
            Some(harness),
            suite.clone(),
            &self.tasks,
            repeats,
            seed,
            run_name,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_suite_splits_into_gated_and_sealed_tasks() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/suites/terminal-lite");
        let suite = Suite::load(&dir).unwrap();
        let (gated, sealed) = split_suite(&suite).unwrap();
        assert!(gated.held_in().iter().all(|t| t.split == Split::HeldIn));
        assert!(
            gated
                .validation()
                .iter()
                .all(|t| t.split == Split::Validation)
        );
        assert!(gated.all().all(|t| t.split != Split::Test));
        let tests = suite
            .tasks
            .iter()
            .filter(|t| t.split == Split::Test)
            .count();
        assert_eq!(sealed.len(), tests);
        assert!(tests > 0);
        // A suite without validation tasks has nothing to gate on.
        let mut held_in_only = suite.clone();
        held_in_only.tasks.retain(|t| t.split == Split::HeldIn);
        let err = split_suite(&held_in_only).unwrap_err();
        assert!(err.to_string().contains("validation"), "{err}");
    }
}
