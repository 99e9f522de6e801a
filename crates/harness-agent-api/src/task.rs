//! What an agent may know about its trial: the task ([`AgentTask`]), who the trial is
//! ([`TrialIdentity`]) and, for the oracle only, the solution ([`SolutionAccess`]).

use std::collections::BTreeMap;
use std::path::PathBuf;

use harness_types::{Split, TaskChecksum, TrialId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What an agent may know about the task: no host paths, so no route to `tests/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct AgentTask {
    /// Task id (folder name).
    pub id: String,
    /// instruction.md.
    pub instruction: String,
    /// `[metadata]` of task.toml.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Task content checksum.
    pub checksum: TaskChecksum,
    /// WORKDIR as the task's files name it (e.g. `/app`); commands run in the sandbox's own
    /// WORKDIR, [`harness_sandbox::SandboxPaths::workdir`], which is the same path on `bwrap`.
    pub workdir: String,
}

impl AgentTask {
    /// The agent's view of a task.
    pub fn new(
        id: impl Into<String>,
        instruction: impl Into<String>,
        checksum: TaskChecksum,
        workdir: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            instruction: instruction.into(),
            metadata: serde_json::Map::new(),
            checksum,
            workdir: workdir.into(),
        }
    }
}

/// Who a trial is: recorded in results and trace headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct TrialIdentity {
    /// Job name.
    pub job_name: String,
    /// `<task>__<repeat>`: unique within the job, the trial's folder name.
    pub trial_name: String,
    /// Unique across runs: `<job>.<task>__<repeat>` ([`TrialId::scoped`]); the trace's id.
    pub trial_id: TrialId,
    /// Task id.
    pub task_id: String,
    /// Repeat index from 0.
    pub repeat: u32,
    /// Seed for this trial, derived from the job seed, task id and repeat.
    pub seed: u64,
    /// The task's split.
    pub split: Split,
}

impl TrialIdentity {
    /// The identity of repeat `repeat` of `task_id` in job `job_name`.
    pub fn new(job_name: &str, task_id: &str, repeat: u32, seed: u64, split: Split) -> Self {
        let trial_name = format!("{task_id}__{repeat}");
        Self {
            job_name: job_name.to_owned(),
            trial_id: TrialId::scoped(job_name, &trial_name),
            trial_name,
            task_id: task_id.to_owned(),
            repeat,
            seed,
            split,
        }
    }
}

/// The task's solution, handed only to agents that ask for it (the oracle).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SolutionAccess {
    /// `solution/` on the host.
    pub dir: PathBuf,
    /// `[solution] env` of task.toml.
    pub env: BTreeMap<String, String>,
    /// Whether to put the offline shims on PATH for solve.sh.
    pub offline_shims: bool,
}

impl SolutionAccess {
    /// Access to the solution in `dir`.
    pub fn new(dir: PathBuf, env: BTreeMap<String, String>, offline_shims: bool) -> Self {
        Self {
            dir,
            env,
            offline_shims,
        }
    }
}
