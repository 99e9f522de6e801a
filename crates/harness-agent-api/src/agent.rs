//! [`Agent`]: the trait every agent implements.

use async_trait::async_trait;
use harness_types::{ContentHash, ModelId, TrialKey};

use crate::context::AgentContext;
use crate::error::AgentError;
use crate::outcome::AgentOutcome;

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
    /// the oracle should say yes (and the reference agent driving the simulated model, whose
    /// competence is drawn from it).
    fn needs_solution(&self) -> bool {
        false
    }

    /// Content hash of the harness this agent runs: part of every trial's [`TrialKey`]. Agents
    /// without a harness keep the default, [`TrialKey::no_harness`].
    fn harness_hash(&self) -> ContentHash {
        TrialKey::no_harness()
    }

    /// The model this agent drives, as the key and the trace header name it (a model spec
    /// without endpoint or credentials, e.g. `openai:gpt-4o-mini`); [`ModelId::none`] for
    /// agents without one.
    fn model(&self) -> ModelId {
        ModelId::none()
    }

    /// Work on the task. The runner also enforces `ctx.timeout` from outside; an `Err` means
    /// the agent could not run at all (the verifier is then skipped), while an agent that ran
    /// and failed returns `Ok` with [`crate::AgentStatus::Error`], and one stopped by its model
    /// server (unreachable, failing after retries) returns `Ok` with
    /// [`crate::AgentStatus::ModelError`].
    ///
    /// A panic inside `run` is caught by the runner and recorded as an infrastructure error.
    async fn run(&self, ctx: AgentContext<'_>) -> Result<AgentOutcome, AgentError>;
}
