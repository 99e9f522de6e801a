//! Which splits may be mined. The test split is sealed: [`MinableSplit`] has no variant for
//! it, so no caller can ask the miner for it, whatever it passes.

use std::str::FromStr;

use harness_trace::{Split, SplitScope};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A split the miner may read: every split but `test`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MinableSplit {
    /// The split the optimizer learns from (the default).
    HeldIn,
    /// The promotion gate's split: minable on request (a proposer that reads it overfits
    /// the gate, so the default leaves it out).
    Validation,
    /// Trials of suites that assign no splits, such as imported traces without one.
    Unassigned,
}

impl MinableSplit {
    /// The trace split.
    pub fn split(self) -> Split {
        match self {
            MinableSplit::HeldIn => Split::HeldIn,
            MinableSplit::Validation => Split::Validation,
            MinableSplit::Unassigned => Split::Unassigned,
        }
    }

    /// The minable split of `split`; none for `test`.
    pub fn of(split: Split) -> Option<Self> {
        match split {
            Split::HeldIn => Some(MinableSplit::HeldIn),
            Split::Validation => Some(MinableSplit::Validation),
            Split::Unassigned => Some(MinableSplit::Unassigned),
            Split::Test => None,
        }
    }
}

impl FromStr for MinableSplit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let split: Split = s.parse()?;
        Self::of(split).ok_or_else(|| {
            "the test split is sealed: the miner never reads it (held_in, validation or \
             unassigned)"
                .to_owned()
        })
    }
}

/// The splits a mining run reads: a non-empty set of [`MinableSplit`]s, held-in by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MineScope {
    splits: Vec<MinableSplit>,
}

impl Default for MineScope {
    fn default() -> Self {
        Self {
            splits: vec![MinableSplit::HeldIn],
        }
    }
}

impl MineScope {
    /// These splits (held-in when `splits` is empty), sorted and without repeats.
    pub fn new(splits: impl IntoIterator<Item = MinableSplit>) -> Self {
        let mut splits: Vec<MinableSplit> = splits.into_iter().collect();
        splits.sort();
        splits.dedup();
        if splits.is_empty() {
            return Self::default();
        }
        Self { splits }
    }

    /// The splits, sorted.
    pub fn splits(&self) -> &[MinableSplit] {
        &self.splits
    }

    /// Whether a trial of `split` may be mined (never for `test`).
    pub fn admits(&self, split: Split) -> bool {
        MinableSplit::of(split).is_some_and(|s| self.splits.contains(&s))
    }

    /// The trace store's scope for these splits (it never names `test`).
    pub fn split_scope(&self) -> SplitScope {
        SplitScope::Only(self.splits.iter().map(|s| s.split()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_split_cannot_be_named() {
        assert!("test".parse::<MinableSplit>().is_err());
        assert_eq!("held-in".parse::<MinableSplit>(), Ok(MinableSplit::HeldIn));
        let all = MineScope::new([
            MinableSplit::HeldIn,
            MinableSplit::Validation,
            MinableSplit::Unassigned,
        ]);
        assert!(!all.admits(Split::Test));
        assert!(!all.split_scope().admits(Split::Test));
        assert_eq!(MineScope::new([]), MineScope::default());
        assert!(MineScope::default().admits(Split::HeldIn));
        assert!(!MineScope::default().admits(Split::Validation));
    }
}
