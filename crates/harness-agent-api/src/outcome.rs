//! [`AgentOutcome`]: how an agent's run ended and what it spent.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
#[non_exhaustive]
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

    /// The same outcome with these token counts and cost.
    pub fn with_usage(
        mut self,
        n_input_tokens: u64,
        n_cache_tokens: u64,
        n_output_tokens: u64,
        cost_usd: f64,
    ) -> Self {
        self.n_input_tokens = n_input_tokens;
        self.n_cache_tokens = n_cache_tokens;
        self.n_output_tokens = n_output_tokens;
        self.cost_usd = cost_usd;
        self
    }
}
