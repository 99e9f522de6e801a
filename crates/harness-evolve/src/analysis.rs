//! What the analysis commands write into a run directory (`<run>/analysis/`), for the run
//! report to show beside the run: the ablation of the final harness and the budget-matched
//! baseline arm.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::EvolveError;

/// The folder of a run directory holding the analyses.
pub const ANALYSIS_DIR: &str = "analysis";
/// The ablation's file in [`ANALYSIS_DIR`].
pub const ABLATION_FILE: &str = "ablation.json";
/// The budget-matched baseline's file in [`ANALYSIS_DIR`].
pub const BUDGET_MATCHED_FILE: &str = "budget-matched.json";

/// A mean reward over cells with its confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ArmScore {
    /// What was scored (a harness's short content hash, or a label).
    pub harness: String,
    /// Mean reward.
    pub mean: f64,
    /// Its 95% confidence interval.
    pub interval: (f64, f64),
    /// Cells (task, repeat) scored.
    pub cells: usize,
}

impl ArmScore {
    /// A score.
    pub fn new(harness: impl Into<String>, mean: f64, interval: (f64, f64), cells: usize) -> Self {
        Self {
            harness: harness.into(),
            mean,
            interval,
            cells,
        }
    }
}

/// What an ablation row takes away from the final harness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Ablated {
    /// One accepted change reverted (a three-way merge against the version before it).
    Change {
        /// The proposal id.
        proposal: String,
        /// The surface it edited.
        surface: String,
    },
    /// One component kind set back to the seed's (`prompt`, `tools`, `middleware`, `memory`,
    /// `skills`, `limits`, ...).
    Component {
        /// The component kind.
        component: String,
    },
}

impl Ablated {
    /// What was taken away, in a few words (`without p-1 (middleware)`, `seed's memory`).
    pub fn label(&self) -> String {
        match self {
            Ablated::Change { proposal, surface } => format!("without {proposal} ({surface})"),
            Ablated::Component { component } => format!("seed's {component}"),
        }
    }
}

/// One ablated harness against the final one, on their shared cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct AblationRow {
    /// What was taken away.
    pub ablated: Ablated,
    /// The ablated harness's score; `None` when it could not be built (see `note`) or is
    /// the final harness itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<ArmScore>,
    /// Mean paired difference, ablated minus final: negative when what was removed helped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<f64>,
    /// Its 95% confidence interval (clustered by task).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<(f64, f64)>,
    /// Two-sided p-value of the paired test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// Tasks that pass with the final harness and fail without the part.
    #[serde(default)]
    pub regressed: Vec<String>,
    /// Tasks that fail with the final harness and pass without the part.
    #[serde(default)]
    pub fixed: Vec<String>,
    /// Why there is no score (a revert that conflicts, a component identical to the seed's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The final harness with each accepted change removed, and each component kind reverted to
/// the seed's, one at a time (`<run>/analysis/ablation.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Ablation {
    /// The split evaluated.
    pub split: String,
    /// Repeats per task.
    pub repeats: u32,
    /// The final harness on that split.
    pub reference: ArmScore,
    /// One row per ablated harness.
    pub rows: Vec<AblationRow>,
    /// Trials run for the ablation (the rest came from the evaluation cache).
    pub rollouts: u64,
}

/// The seed harness on the test split with as many rollouts as the run spent, beside the
/// evolved harness (`<run>/analysis/budget-matched.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct BudgetMatched {
    /// The rollouts the run spent (what the baseline arm may use).
    pub budget: u64,
    /// Tasks of the test split.
    pub tasks: usize,
    /// Samples of the seed per task: the budget divided evenly over the tasks.
    pub samples_per_task: u32,
    /// Rollouts the arm ran (the rest came from the cache).
    pub rollouts: u64,
    /// The seed's mean pass@1 over every sample.
    pub seed_pass_at_1: ArmScore,
    /// The seed's best-of-K with the verifier as selector: the share of tasks any of its
    /// samples solved.
    pub seed_best_of_k: ArmScore,
    /// The evolved harness's mean pass@1 on the same split.
    pub evolved_pass_at_1: ArmScore,
}

/// Path of an analysis file in a run directory.
pub fn analysis_path(run: &Path, file: &str) -> PathBuf {
    run.join(ANALYSIS_DIR).join(file)
}

/// Read an analysis file if the run has one; a malformed file is an error naming it.
pub fn read_analysis<T: serde::de::DeserializeOwned>(
    run: &Path,
    file: &str,
) -> Result<Option<T>, EvolveError> {
    let path = analysis_path(run, file);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(EvolveError::io(&path, e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| EvolveError::State {
            path,
            message: e.to_string(),
        })
}

/// Write an analysis file atomically.
pub fn write_analysis<T: Serialize>(run: &Path, file: &str, value: &T) -> Result<(), EvolveError> {
    let path = analysis_path(run, file);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| EvolveError::io(dir, e))?;
    }
    let text = serde_json::to_vec_pretty(value).map_err(|e| EvolveError::State {
        path: path.clone(),
        message: e.to_string(),
    })?;
    crate::state::write_atomic(&path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyses_round_trip_and_a_malformed_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            read_analysis::<Ablation>(dir.path(), ABLATION_FILE)
                .unwrap()
                .is_none()
        );
        let arm = BudgetMatched {
            budget: 90,
            tasks: 11,
            samples_per_task: 8,
            rollouts: 88,
            seed_pass_at_1: ArmScore::new("abc", 0.4, (0.3, 0.5), 88),
            seed_best_of_k: ArmScore::new("abc", 0.7, (0.4, 0.9), 11),
            evolved_pass_at_1: ArmScore::new("def", 0.9, (0.8, 1.0), 33),
        };
        write_analysis(dir.path(), BUDGET_MATCHED_FILE, &arm).unwrap();
        let back: BudgetMatched = read_analysis(dir.path(), BUDGET_MATCHED_FILE)
            .unwrap()
            .unwrap();
        assert_eq!(back, arm);
        std::fs::write(analysis_path(dir.path(), ABLATION_FILE), "{").unwrap();
        let err = read_analysis::<Ablation>(dir.path(), ABLATION_FILE).unwrap_err();
        assert!(err.to_string().contains("ablation.json"), "{err}");
    }
}
