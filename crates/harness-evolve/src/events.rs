//! The event stream: what the loop is doing, for progress bars, logs and dashboards. Every
//! event also goes to `<run>/events.jsonl`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The loop's phases, for progress per phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The parent on held-in and validation.
    Parent,
    /// A candidate's cascade.
    Candidate,
    /// The merge of accepted candidates.
    Merge,
    /// The sealed test split.
    Final,
}

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EvolveEvent {
    /// A run started or resumed.
    RunStarted {
        /// Resumed from saved state.
        resumed: bool,
        /// Generations at most.
        generations: u32,
        /// The pre-flight estimate, when it warns.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warning: Option<String>,
    },
    /// A generation started.
    GenerationStarted {
        /// The generation (from 1).
        generation: u32,
        /// The parent's content hash.
        parent: String,
    },
    /// An evaluation of some trials started.
    EvaluationStarted {
        /// The phase.
        phase: Phase,
        /// The harness evaluated.
        harness: String,
        /// The stage (`parent`, `smoke`, `minibatch`, `full`, `test`).
        stage: String,
        /// Trials planned.
        trials: usize,
    },
    /// A trial finished (or was answered from the cache).
    TrialFinished {
        /// The phase.
        phase: Phase,
        /// The task.
        task_id: String,
        /// The repeat.
        repeat: u32,
        /// Its reward.
        reward: Option<f64>,
    },
    /// The proposer answered.
    Proposed {
        /// The generation.
        generation: u32,
        /// Proposal ids.
        proposals: Vec<String>,
        /// Refused change lists.
        refused: usize,
        /// Why fewer than k, if so.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The gate decided on a candidate.
    CandidateDecided {
        /// The generation.
        generation: u32,
        /// The proposal (or `merge-<generation>`).
        candidate: String,
        /// Promoted.
        accepted: bool,
        /// The stage it was decided after.
        stage: String,
        /// The gate's summary line.
        reason: String,
    },
    /// A version was committed to the lineage (and accepted when `accepted`).
    VersionCommitted {
        /// The generation.
        generation: u32,
        /// The commit id.
        version: String,
        /// The harness hash.
        harness: String,
        /// Moved `main`.
        accepted: bool,
    },
    /// Spending so far.
    BudgetCharged {
        /// Trials run (not answered from the cache).
        rollouts: u64,
        /// Tokens.
        tokens: u64,
        /// Dollars.
        usd: f64,
    },
    /// The loop stopped (before the final evaluation).
    Stopped {
        /// Why.
        reason: String,
    },
    /// The run finished.
    Finished {
        /// The final harness's hash.
        harness: String,
    },
}

/// Receives events. Object-safe; called from the loop's task, so keep it quick.
pub trait EventSink: Send + Sync {
    /// One event.
    fn on_event(&self, event: &EvolveEvent);
}

/// Appends events as JSON lines.
#[derive(Debug)]
pub struct JsonlEvents {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

/// The events file in a run directory.
pub const EVENTS_FILE: &str = "events.jsonl";

impl JsonlEvents {
    /// Append to `<run>/events.jsonl`.
    pub fn open(run: &Path) -> std::io::Result<Self> {
        let path = run.join(EVENTS_FILE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        Ok(Self {
            path,
            file: Mutex::new(file),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl EventSink for JsonlEvents {
    fn on_event(&self, event: &EvolveEvent) {
        let Ok(mut line) = serde_json::to_string(event) else {
            return;
        };
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        // Events are a log for people and tools; losing one to a full disk must not stop
        // the loop, whose state is kept elsewhere.
        let _ = file.write_all(line.as_bytes());
    }
}
