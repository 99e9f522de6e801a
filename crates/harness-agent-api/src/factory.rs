//! [`AgentFactory`]: how a candidate harness becomes an agent.

use std::path::PathBuf;
use std::sync::Arc;

use harness_core::Harness;

use crate::agent::Agent;
use crate::error::AgentError;

/// The run a factory builds an agent for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunContext {
    /// Run (job) id.
    pub run_id: String,
    /// A folder where the agent may keep run-level records beside the run, if any.
    pub run_dir: Option<PathBuf>,
}

impl RunContext {
    /// A context for run `run_id`.
    pub fn new(run_id: impl Into<String>) -> Self {
        Self {
            run_id: run_id.into(),
            run_dir: None,
        }
    }

    /// The same context with a records folder.
    pub fn with_run_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.run_dir = Some(dir.into());
        self
    }
}

/// Given a harness, the agent that runs it. The loop evaluates candidate harnesses only
/// through a factory, so any agent that can be shaped by a harness can be optimized.
pub trait AgentFactory: Send + Sync {
    /// The agent for `harness` in run `run`. Errors are configuration errors (a harness the
    /// agent cannot run, a model that cannot be reached) named for the user.
    fn agent_for(
        &self,
        harness: Arc<Harness>,
        run: &RunContext,
    ) -> Result<Arc<dyn Agent>, AgentError>;
}
