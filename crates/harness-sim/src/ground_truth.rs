//! Ground truth: which pathologies fired in a trial, and what neutralised them. Written to a
//! side file per trial (never into the trace), for scoring a failure miner.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::pathology::Pathology;

/// File name of a trial's ground truth: `<task>__<repeat>.json`, like the trial's name.
pub fn ground_truth_file(dir: &Path, task_id: &str, repeat: u32) -> PathBuf {
    dir.join(format!("{task_id}__{repeat}.json"))
}

/// One thing that happened, by call number (1-based, counting the simulator's calls).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TruthEvent {
    /// The simulator's call number.
    pub call: u32,
    /// The pathology concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pathology: Option<Pathology>,
    /// What happened.
    pub what: String,
}

/// A pathology neutralised by the harness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Remedy {
    /// The pathology.
    pub pathology: Pathology,
    /// What neutralised it: a layer name (`loop_breaker`, `memory_hints`, `rule:<name>`).
    pub by: String,
    /// The simulator's call number when it reacted.
    pub call: u32,
}

/// The ground truth of one trial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GroundTruth {
    /// Profile name.
    pub profile: String,
    /// Task id.
    pub task_id: String,
    /// Trial seed.
    pub seed: u64,
    /// Repeat index.
    pub repeat: u32,
    /// Pathologies drawn active for the trial.
    pub drawn: Vec<Pathology>,
    /// Pathologies that showed in the trial, in order of first showing.
    pub fired: Vec<Pathology>,
    /// Pathologies the harness neutralised.
    pub remedied: Vec<Remedy>,
    /// The step fumbled for good, if any (0-based index into the solution's steps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fumbled_step: Option<usize>,
    /// Steps whose fixes were skipped because a truncated check hid its failing line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden_evidence: Vec<usize>,
    /// Steps in the solution.
    pub steps: usize,
    /// Calls the simulator made.
    pub calls: u32,
    /// Whether the simulator refused a prompt above its context window.
    pub context_overflow: bool,
    /// Everything noteworthy, in order.
    pub events: Vec<TruthEvent>,
    /// What interventions cost it when they were not needed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub costs: Vec<Cost>,
}

/// One cost an intervention incurred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Cost {
    /// `distraction`, `rushed`, `lost_cwd`, `false_block`, `compaction` or `trivial_check`.
    pub kind: String,
    /// The layer whose intervention it was (empty when none is known, as for compaction).
    pub by: String,
    /// The call being chosen.
    pub call: u32,
    /// What it did.
    pub what: String,
}

impl GroundTruth {
    /// An empty record for a trial.
    pub fn new(profile: &str, task_id: &str, seed: u64, repeat: u32) -> Self {
        Self {
            profile: profile.to_owned(),
            task_id: task_id.to_owned(),
            seed,
            repeat,
            drawn: Vec::new(),
            fired: Vec::new(),
            remedied: Vec::new(),
            fumbled_step: None,
            hidden_evidence: Vec::new(),
            steps: 0,
            calls: 0,
            context_overflow: false,
            events: Vec::new(),
            costs: Vec::new(),
        }
    }

    /// Record a cost.
    pub fn cost(&mut self, kind: &str, by: &str, what: impl Into<String>) {
        let what = what.into();
        self.event(None, format!("{kind} ({by}): {what}"));
        self.costs.push(Cost {
            kind: kind.to_owned(),
            by: by.to_owned(),
            call: self.calls,
            what,
        });
    }

    /// Record that `pathology` showed, with what happened.
    pub fn fired(&mut self, pathology: Pathology, what: impl Into<String>) {
        if !self.fired.contains(&pathology) {
            self.fired.push(pathology);
        }
        self.event(Some(pathology), what);
    }

    /// Record that the harness neutralised `pathology` through `by`.
    pub fn remedied(&mut self, pathology: Pathology, by: &str) {
        if !self.remedied.iter().any(|r| r.pathology == pathology) {
            self.remedied.push(Remedy {
                pathology,
                by: by.to_owned(),
                call: self.calls,
            });
        }
        self.event(Some(pathology), format!("neutralised by {by}"));
    }

    /// Record an event.
    pub fn event(&mut self, pathology: Option<Pathology>, what: impl Into<String>) {
        self.events.push(TruthEvent {
            call: self.calls,
            pathology,
            what: what.into(),
        });
    }

    /// Write to `path` atomically (a temporary file, then a rename), so a crash leaves the
    /// previous complete version.
    pub fn write(&self, path: &Path) -> Result<(), SimError> {
        let io = |source| SimError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|e| io(std::io::Error::other(e)))?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text + "\n").map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Read one file.
    pub fn read(path: &Path) -> Result<Self, SimError> {
        let io = |source| SimError::Io {
            path: path.to_owned(),
            source,
        };
        let text = std::fs::read_to_string(path).map_err(io)?;
        serde_json::from_str(&text).map_err(|e| io(std::io::Error::other(e)))
    }

    /// Every trial's ground truth in a folder, by file name.
    pub fn read_dir(dir: &Path) -> Result<Vec<Self>, SimError> {
        let io = |source| SimError::Io {
            path: dir.to_owned(),
            source,
        };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        paths.iter().map(|p| Self::read(p)).collect()
    }
}
