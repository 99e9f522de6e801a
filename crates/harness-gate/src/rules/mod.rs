//! The built-in rules: [`SelfHarness`], [`NoRegression`], [`Paired`]. Each is a plain
//! serde struct (its configuration) that implements [`crate::Rule`].

mod no_regression;
mod paired;
mod self_harness;

pub use no_regression::NoRegression;
pub use paired::{Paired, PairedTest, TestResult};
pub use self_harness::SelfHarness;

use harness_types::Split;

/// The splits the built-in rules look at unless told otherwise.
pub fn gate_splits() -> Vec<Split> {
    vec![Split::HeldIn, Split::Validation]
}

/// Sums of differences within this much of zero count as zero (rewards are sums of a few
/// hundred numbers in [0, 1]).
pub(crate) const EPSILON: f64 = 1e-9;

pub(crate) fn split_names(splits: &[Split]) -> String {
    splits
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join("+")
}
