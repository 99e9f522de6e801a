//! [`Paired`]: a one-sided paired test over shared cells at level `alpha`, with a minimum
//! effect; ties reject.

use harness_types::Split;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{EPSILON, split_names};
use crate::comparison::Comparison;
use crate::rule::{Rule, RuleOutcome};
use crate::stats::random::hash_bytes;
use crate::stats::{sign_flip_p_value, sign_test_p_value};

/// Which paired test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PairedTest {
    /// Exact sign test on pass/fail (the exact McNemar test): wins are cells the candidate
    /// passes and the parent fails, losses the reverse.
    SignTest,
    /// Sign-flip permutation test on the sum of reward differences (for partial rewards).
    Permutation,
}

/// Promote only on a significant improvement: one-sided p-value <= `alpha` and an effect
/// (mean paired difference, in pass rate for the sign test and in reward for the
/// permutation test) strictly above `min_effect`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Paired {
    /// The test (default: the exact sign test).
    pub test: PairedTest,
    /// Level of the one-sided test (default 0.1).
    pub alpha: f64,
    /// The effect must exceed this (default 0: any strict improvement).
    pub min_effect: f64,
    /// The splits whose shared cells are tested together (default: held_in and validation).
    pub splits: Vec<Split>,
    /// Sign vectors the permutation test samples (default 9,999).
    pub resamples: u32,
    /// Seed of the permutation test's sign vectors.
    pub seed: u64,
}

impl Default for Paired {
    fn default() -> Self {
        Self {
            test: PairedTest::SignTest,
            alpha: 0.1,
            min_effect: 0.0,
            splits: super::gate_splits(),
            resamples: 9_999,
            seed: 0,
        }
    }
}

impl Paired {
    /// The permutation test on rewards, other settings at their defaults.
    pub fn permutation() -> Self {
        Self {
            test: PairedTest::Permutation,
            ..Self::default()
        }
    }
}

/// What a paired test found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct TestResult {
    /// The test.
    pub test: PairedTest,
    /// The splits tested together.
    pub splits: Vec<Split>,
    /// Shared cells tested.
    pub cells: usize,
    /// Cells the candidate won (passed where the parent failed; or a higher reward).
    pub wins: usize,
    /// Cells the candidate lost.
    pub losses: usize,
    /// Cells with equal results.
    pub ties: usize,
    /// Mean paired difference in the test's unit (pass rate or reward).
    pub effect: f64,
    /// One-sided p-value (candidate better).
    pub p_value: f64,
    /// The level.
    pub alpha: f64,
    /// The minimum effect.
    pub min_effect: f64,
}

impl Rule for Paired {
    fn name(&self) -> String {
        match self.test {
            PairedTest::SignTest => "paired(sign_test)".into(),
            PairedTest::Permutation => "paired(permutation)".into(),
        }
    }

    fn check(&self, comparison: &Comparison) -> RuleOutcome {
        let pairs: Vec<_> = comparison.pairs_in(&self.splits).collect();
        let (mut wins, mut losses, mut sum) = (0usize, 0usize, 0.0);
        let mut differences = Vec::new();
        for pair in &pairs {
            let d = match self.test {
                PairedTest::SignTest => {
                    f64::from(u8::from(pair.candidate.passed))
                        - f64::from(u8::from(pair.parent.passed))
                }
                PairedTest::Permutation => pair.difference(),
            };
            if d > EPSILON {
                wins += 1;
            } else if d < -EPSILON {
                losses += 1;
            }
            sum += d;
            if self.test == PairedTest::Permutation {
                let k = &pair.key;
                let cell =
                    hash_bytes(format!("{}\0{}\0{}", k.task_id, k.repeat, k.seed).as_bytes());
                differences.push((cell, d));
            }
        }
        let cells = pairs.len();
        let effect = if cells == 0 { 0.0 } else { sum / cells as f64 };
        let p_value = match self.test {
            PairedTest::SignTest => sign_test_p_value(wins as u64, losses as u64),
            PairedTest::Permutation => sign_flip_p_value(&differences, self.resamples, self.seed),
        };
        let significant = p_value <= self.alpha;
        let large_enough = effect > self.min_effect + EPSILON;
        let result = TestResult {
            test: self.test,
            splits: self.splits.clone(),
            cells,
            wins,
            losses,
            ties: cells - wins - losses,
            effect,
            p_value,
            alpha: self.alpha,
            min_effect: self.min_effect,
        };
        let reason = format!(
            "{} over {cells} {} cells: {wins} won, {losses} lost, effect {effect:+.4} (needs > {}), one-sided p = {p_value:.4} (needs <= {})",
            self.name(),
            split_names(&self.splits),
            self.min_effect,
            self.alpha,
        );
        RuleOutcome::new(self.name(), significant && large_enough, reason).with_test(result)
    }
}
