//! What a run produced: the seed's and the final harness's scores per split, what was
//! accepted, what it cost, and what the baseline protocol would have cost.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::state::SplitScores;

/// The summary of a run (`<run>/summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct EvolveSummary {
    /// The seed harness's content hash.
    pub seed_harness: String,
    /// The final harness's content hash (the seed's when nothing beat it).
    pub final_harness: String,
    /// The final harness's lineage commit.
    pub final_version: String,
    /// The seed's mean reward per split.
    pub seed: SplitScores,
    /// The final harness's mean reward per split.
    pub evolved: SplitScores,
    /// Accepted proposals the final harness holds.
    pub accepted_changes: usize,
    /// Their ids.
    pub accepted: Vec<String>,
    /// Generations run.
    pub generations: u32,
    /// Proposals evaluated.
    pub proposals: usize,
    /// Proposals the gate rejected.
    pub rejected: usize,
    /// Trials our protocol ran to reach the final harness (the sealed test evaluation not
    /// included).
    pub rollouts: u64,
    /// Trials the plain baseline protocol needs for the same generations, computed exactly
    /// from the run's plan: per generation, the parent and every candidate on held-in and
    /// validation with every repeat.
    pub baseline_rollouts: u64,
    /// Wall seconds over every process of the run.
    pub wall_seconds: f64,
    /// Of those, seconds the loop spent outside the evaluator (mining, proposing, gating,
    /// merging, committing, saving state): its own overhead.
    pub overhead_seconds: f64,
    /// Why the loop stopped.
    pub stopped: String,
}

/// The summary file in a run directory.
pub const SUMMARY_FILE: &str = "summary.json";
