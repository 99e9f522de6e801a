//! [`SelfHarness`]: the Self-Harness paper's acceptance rule. The mean paired difference is
//! non-negative on every listed split and positive on at least one.

use harness_types::Split;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::EPSILON;
use crate::comparison::Comparison;
use crate::rule::{Rule, RuleOutcome};

/// Improve one split, degrade none: delta (mean of candidate minus parent reward over the
/// split's shared cells; 0 for a split without shared cells) >= 0 on every split, > 0 on
/// at least one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct SelfHarness {
    /// The splits (default: held_in and validation).
    pub splits: Vec<Split>,
}

impl Default for SelfHarness {
    fn default() -> Self {
        Self {
            splits: super::gate_splits(),
        }
    }
}

impl Rule for SelfHarness {
    fn name(&self) -> String {
        "self_harness".into()
    }

    fn check(&self, comparison: &Comparison) -> RuleOutcome {
        let deltas: Vec<(Split, f64, usize)> = self
            .splits
            .iter()
            .map(|split| {
                let (sum, n) = comparison
                    .pairs_in(std::slice::from_ref(split))
                    .fold((0.0, 0usize), |(s, n), p| (s + p.difference(), n + 1));
                (*split, if n == 0 { 0.0 } else { sum / n as f64 }, n)
            })
            .collect();
        let none_worse = deltas.iter().all(|(_, d, _)| *d >= -EPSILON);
        let one_better = deltas.iter().any(|(_, d, _)| *d > EPSILON);
        let shown = deltas
            .iter()
            .map(|(s, d, n)| format!("{s} {d:+.4} over {n} cells"))
            .collect::<Vec<_>>()
            .join(", ");
        let verdict = match (none_worse, one_better) {
            (true, true) => "no split worse, one better",
            (false, _) => "a split got worse",
            (true, false) => "no split better",
        };
        RuleOutcome::new(
            self.name(),
            none_worse && one_better,
            format!("{verdict}: {shown}"),
        )
    }
}
