//! [`NoRegression`]: no task that passed in every parent repeat fails in every candidate
//! repeat, beyond a configured number of such tasks.

use harness_types::Split;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::comparison::Comparison;
use crate::rule::{Rule, RuleOutcome};
use crate::tasks::{Flip, summarize_tasks};

/// Counts the tasks that regressed (passed in every shared parent repeat, failed in every
/// shared candidate repeat) and holds while there are at most `max_regressed_tasks`.
///
/// The default tolerates one such task. With three repeats a single task flipping from 3/3
/// to 0/3 is common noise: a candidate better by 0.15 on every task of two 25-task splits
/// shows one in about a fifth of its evaluations, while two are rare (figures in
/// `docs/gate.md`). `max_regressed_tasks: 0` is the strict reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct NoRegression {
    /// How many regressed tasks are tolerated (default 1).
    pub max_regressed_tasks: usize,
    /// The splits (default: held_in and validation).
    pub splits: Vec<Split>,
}

impl Default for NoRegression {
    fn default() -> Self {
        Self {
            max_regressed_tasks: 1,
            splits: super::gate_splits(),
        }
    }
}

impl NoRegression {
    /// The strict rule: no regressed task at all.
    pub fn strict() -> Self {
        Self {
            max_regressed_tasks: 0,
            ..Self::default()
        }
    }
}

impl Rule for NoRegression {
    fn name(&self) -> String {
        "no_regression".into()
    }

    fn check(&self, comparison: &Comparison) -> RuleOutcome {
        let regressed: Vec<String> = summarize_tasks(comparison.pairs_in(&self.splits))
            .into_iter()
            .filter(|t| t.flip() == Some(Flip::Regressed))
            .map(|t| format!("{} ({}/{} -> 0/{})", t.task_id, t.cells, t.cells, t.cells))
            .collect();
        let passed = regressed.len() <= self.max_regressed_tasks;
        let reason = if regressed.is_empty() {
            "no task regressed".to_owned()
        } else {
            format!(
                "{} regressed (tolerated: {}): {}",
                regressed.len(),
                self.max_regressed_tasks,
                regressed.join(", ")
            )
        };
        RuleOutcome::new(self.name(), passed, reason)
    }
}
