//! The `noop` agent: does nothing. Its score is the floor a task's tests must not pass.

use async_trait::async_trait;

use crate::agent::{Agent, AgentContext, AgentError, AgentOutcome};

/// Does nothing and finishes at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopAgent;

#[async_trait]
impl Agent for NoopAgent {
    fn name(&self) -> &str {
        "noop"
    }

    fn version(&self) -> &str {
        env!("CARGO_PKG_VERSION")
    }

    async fn run(&self, _ctx: AgentContext<'_>) -> Result<AgentOutcome, AgentError> {
        Ok(AgentOutcome::finished())
    }
}
