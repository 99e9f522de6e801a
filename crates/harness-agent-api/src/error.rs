//! [`AgentError`]: why an agent could not run at all.

use std::path::PathBuf;

/// An agent that could not run. The runner skips the verifier and records the trial as an
/// agent error, or as an infrastructure error when the sandbox failed under the agent. An
/// agent that ran and failed returns `Ok` with an error status instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The agent could not start or went wrong in a way it can describe.
    #[error("{message}")]
    Failed {
        /// What happened (shown to people; no secrets).
        message: String,
    },
    /// The sandbox failed under the agent: not the agent's doing.
    #[error("sandbox: {0}")]
    Sandbox(#[from] harness_sandbox::SandboxError),
    /// Reading or writing a host file failed.
    #[error("i/o error on {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl AgentError {
    /// A failure described by `message`.
    pub fn failed(message: impl Into<String>) -> Self {
        AgentError::Failed {
            message: message.into(),
        }
    }

    /// Whether the infrastructure, not the agent, failed.
    pub fn is_infrastructure(&self) -> bool {
        matches!(self, AgentError::Sandbox(_))
    }
}
