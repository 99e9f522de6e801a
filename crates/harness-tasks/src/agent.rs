//! The seam for agents: what an agent gets for one trial ([`AgentContext`]) and what it reports
//! ([`AgentOutcome`]). Built-in agents live in [`crate::agents`]; the reference LLM agent of a
//! later crate implements the same trait.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use harness_sandbox::Sandbox;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::TaskError;
use crate::split::Split;
use crate::task::Task;

/// An agent: given a task's instruction and a sandbox, change the sandbox so that the task's
/// (hidden) tests pass.
#[async_trait]
pub trait Agent: Send + Sync {
    /// Name recorded as `agent_info.name`.
    fn name(&self) -> &str;

    /// Version recorded as `agent_info.version`.
    fn version(&self) -> &str {
        "unversioned"
    }

    /// Whether the agent is given the task's `solution/` ([`AgentContext::solution`]). Only
    /// the oracle should say yes.
    fn needs_solution(&self) -> bool {
        false
    }

    /// Work on the task. The runner also enforces `ctx.timeout` from outside; an `Err` means
    /// the agent could not run at all (the verifier is then skipped), while an agent that ran
    /// and failed returns `Ok` with [`AgentStatus::Error`], and one stopped by its model
    /// server (unreachable, failing after retries) returns `Ok` with
    /// [`AgentStatus::ModelError`].
    async fn run(&self, ctx: AgentContext<'_>) -> Result<AgentOutcome, TaskError>;
}

/// What an agent may know about the task: no host paths, so no route to `tests/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AgentTask {
    /// Task id (folder name).
    pub id: String,
    /// instruction.md.
    pub instruction: String,
    /// `[metadata]` of task.toml.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Task content checksum.
    pub checksum: String,
    /// WORKDIR as the task's files name it (e.g. `/app`); commands run in the sandbox's own
    /// WORKDIR, [`harness_sandbox::SandboxPaths::workdir`], which is the same path on `bwrap`.
    pub workdir: String,
}

impl AgentTask {
    /// The agent's view of a loaded task.
    pub fn from_task(task: &Task) -> Self {
        Self {
            id: task.id.clone(),
            instruction: task.instruction.clone(),
            metadata: task.config.metadata.clone(),
            checksum: task.checksum.clone(),
            workdir: task.plan.workdir.clone(),
        }
    }
}

/// Who a trial is: recorded in results and trace headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TrialIdentity {
    /// Job name.
    pub job_name: String,
    /// `<task>__<repeat>`.
    pub trial_name: String,
    /// Task id.
    pub task_id: String,
    /// Repeat index from 0.
    pub repeat: u32,
    /// Seed for this trial, derived from the job seed, task id and repeat.
    pub seed: u64,
    /// The task's split.
    pub split: Split,
}

/// The task's solution, handed only to agents that ask for it (the oracle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SolutionAccess {
    /// `solution/` on the host.
    pub dir: PathBuf,
    /// `[solution] env` of task.toml.
    pub env: BTreeMap<String, String>,
    /// Whether to put the offline shims on PATH for solve.sh.
    pub offline_shims: bool,
}

/// Everything an agent gets for one trial. A plain struct with public fields so that later
/// crates can add what they need (a harness, a trace sink).
pub struct AgentContext<'a> {
    /// The task as the agent may see it.
    pub task: &'a AgentTask,
    /// The trial's sandbox, environment built, WORKDIR ready.
    pub sandbox: &'a dyn Sandbox,
    /// Trial identity.
    pub trial: &'a TrialIdentity,
    /// Wall-clock budget.
    pub timeout: Duration,
    /// Host folder for the agent's own records (`<trial>/agent/`).
    pub agent_dir: &'a Path,
    /// The solution, for agents whose [`Agent::needs_solution`] is true.
    pub solution: Option<&'a SolutionAccess>,
}

/// How the agent's run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AgentStatus {
    /// The agent said it was done.
    Finished,
    /// The agent ran out of time.
    Timeout,
    /// The agent ran and failed.
    Error {
        /// What happened.
        message: String,
    },
    /// The model server failed the agent: unreachable, or transport, HTTP, authentication
    /// or server errors that survived the retries. Not the agent's failure and not the
    /// task's: the trial is classed `model_error` and left out of scores. A reply the agent
    /// could not use (malformed, over-long conversation) is [`AgentStatus::Error`].
    ModelError {
        /// What the model client reported (no secrets).
        message: String,
    },
}

/// What the agent reports: status, token counts and cost (Harbor's `agent_result`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AgentOutcome {
    /// How it ended.
    pub status: AgentStatus,
    /// Prompt tokens.
    pub n_input_tokens: u64,
    /// Prompt tokens served from a cache.
    pub n_cache_tokens: u64,
    /// Completion tokens.
    pub n_output_tokens: u64,
    /// Cost in US dollars.
    pub cost_usd: f64,
}

impl AgentOutcome {
    /// An outcome with this status and zero usage (oracle, noop).
    pub fn with_status(status: AgentStatus) -> Self {
        Self {
            status,
            n_input_tokens: 0,
            n_cache_tokens: 0,
            n_output_tokens: 0,
            cost_usd: 0.0,
        }
    }

    /// Finished, zero usage.
    pub fn finished() -> Self {
        Self::with_status(AgentStatus::Finished)
    }
}
