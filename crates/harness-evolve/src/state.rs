//! The run's state (`<run>/state.json`), written atomically after every decision, so a run
//! killed at any point resumes where it was: finished generations, the pending generation's
//! proposals and the decisions already made. Trials are not in it: the evaluation cache holds
//! every scored trial, so redoing a phase costs nothing.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use harness_gate::Decision;
use harness_proposer::{GateSummary, History, ProposalBatch};
use harness_types::ContentHash;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::EvolveError;

/// The state file in a run directory.
pub const STATE_FILE: &str = "state.json";
/// Value of [`RunState::format`].
pub const STATE_FORMAT: &str = "harness-evolve/1";

/// What the gate decided about one candidate, and after which stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct CandidateOutcome {
    /// The candidate's content hash.
    pub harness: ContentHash,
    /// The stage the decision came after (`smoke`, `minibatch`, `full`).
    pub stage: String,
    /// The decision.
    pub decision: Decision,
    /// Its summary for the proposer's history.
    pub gate: GateSummary,
    /// The candidate's lineage commit.
    pub version: String,
}

/// A generation under way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct PendingGeneration {
    /// The generation.
    pub generation: u32,
    /// The proposer's batch.
    pub batch: ProposalBatch,
    /// Decisions so far, by proposal id (and `merge-<generation>`).
    pub decided: BTreeMap<String, CandidateOutcome>,
}

/// One finished generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct GenerationRecord {
    /// The generation.
    pub generation: u32,
    /// The parent's hash.
    pub parent: ContentHash,
    /// Proposal ids.
    pub proposals: Vec<String>,
    /// Accepted proposal ids (all of them when their merge was accepted).
    pub accepted: Vec<String>,
    /// The version accepted, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Trials the baseline protocol would have run for this generation.
    pub baseline_rollouts: u64,
}

/// Mean reward per split.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SplitScores {
    /// Held-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_in: Option<f64>,
    /// Validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<f64>,
    /// The sealed test split (seed and final only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<f64>,
}

/// Everything the loop must not lose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct RunState {
    /// [`STATE_FORMAT`].
    pub format: String,
    /// Digest of the configuration: a resume with another one is refused.
    pub config_digest: String,
    /// The seed harness.
    pub seed: ContentHash,
    /// Its lineage commit.
    pub seed_version: String,
    /// The current parent.
    pub parent: ContentHash,
    /// Its lineage commit.
    pub parent_version: String,
    /// The last finished generation (0 before the first).
    pub generation: u32,
    /// Finished generations in a row without an accepted change.
    pub since_accept: u32,
    /// Every proposal and its fate.
    pub history: History,
    /// The generation under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingGeneration>,
    /// Finished generations.
    pub generations: Vec<GenerationRecord>,
    /// Accepted proposal ids that are part of the current parent.
    pub accepted_changes: Vec<String>,
    /// Why the loop stopped, once it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// Trials the loop ran before the final evaluation (ours).
    pub rollouts: u64,
    /// Wall seconds spent over every process of the run.
    pub wall_seconds: f64,
    /// Of those, seconds outside the evaluator (mining, proposing, gating, lineage, state).
    #[serde(default)]
    pub overhead_seconds: f64,
    /// Whether the final evaluation is done.
    pub finished: bool,
}

impl RunState {
    /// The state of a new run.
    pub fn new(config_digest: String, seed: ContentHash, seed_version: String) -> Self {
        Self {
            format: STATE_FORMAT.to_owned(),
            config_digest,
            seed,
            seed_version: seed_version.clone(),
            parent: seed,
            parent_version: seed_version,
            generation: 0,
            since_accept: 0,
            history: History::new(),
            pending: None,
            generations: Vec::new(),
            accepted_changes: Vec::new(),
            stopped: None,
            rollouts: 0,
            wall_seconds: 0.0,
            overhead_seconds: 0.0,
            finished: false,
        }
    }

    /// The state file of `run`.
    pub fn path(run: &Path) -> PathBuf {
        run.join(STATE_FILE)
    }

    /// Load the state of `run`, if it has one.
    pub fn load(run: &Path) -> Result<Option<Self>, EvolveError> {
        let path = Self::path(run);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(EvolveError::io(&path, e)),
        };
        let state: RunState = serde_json::from_slice(&bytes).map_err(|e| EvolveError::State {
            path: path.clone(),
            message: format!("unreadable state: {e}"),
        })?;
        if state.format != STATE_FORMAT {
            return Err(EvolveError::State {
                path,
                message: format!(
                    "format {} (this version reads {STATE_FORMAT})",
                    state.format
                ),
            });
        }
        Ok(Some(state))
    }

    /// Write the state atomically: a temporary file, synced, renamed over the old one, and the
    /// folder synced, so a kill leaves the old state or the new one, never a torn one.
    pub fn save(&self, run: &Path) -> Result<(), EvolveError> {
        let path = Self::path(run);
        let text = serde_json::to_vec_pretty(self).map_err(|e| EvolveError::State {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&path, &text)
    }
}

/// Write `bytes` to `path` atomically: a temporary file beside it, synced, renamed over the
/// old one, and the folder synced, so a kill leaves the old file or the new one, never a torn
/// one.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), EvolveError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!("{name}.tmp"));
    let mut file = std::fs::File::create(&tmp).map_err(|e| EvolveError::io(&tmp, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| EvolveError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| EvolveError::io(path, e))?;
    if let Some(dir) = path.parent().and_then(|d| std::fs::File::open(d).ok()) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_round_trips_and_a_torn_or_foreign_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        assert!(RunState::load(dir.path()).unwrap().is_none());
        let hash = ContentHash::of_bytes(b"seed");
        let mut state = RunState::new("digest".into(), hash, "abc".into());
        state.generation = 2;
        state.save(dir.path()).unwrap();
        assert_eq!(RunState::load(dir.path()).unwrap(), Some(state.clone()));
        assert!(!dir.path().join(format!("{STATE_FILE}.tmp")).exists());
        std::fs::write(RunState::path(dir.path()), "{\"format\": ").unwrap();
        let err = RunState::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("state.json"), "{err}");
        let mut other = serde_json::to_value(&state).unwrap();
        other["format"] = "harness-evolve/0".into();
        std::fs::write(RunState::path(dir.path()), other.to_string()).unwrap();
        assert!(
            RunState::load(dir.path())
                .unwrap_err()
                .to_string()
                .contains("format")
        );
    }
}
