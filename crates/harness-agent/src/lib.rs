//! The reference agent runtime.
//!
//! The agent loop ([`agent`]), its tools ([`tools`]) and the middleware engine
//! ([`middleware`]) build on the model layer of `harness-model`, re-exported as [`model`]:
//! the [`ModelClient`] trait every model backend implements, the per-trial [`ModelProvider`]
//! seam, the message types, the OpenAI-compatible backend ([`model::openai`]), the retry
//! layer and [`ScriptedClient`], a replaying test double.
//!
//! Errors: the model layer reports [`ModelError`], which separates what an agent can act on
//! (context overflow) from what a retry may cure (rate limits, transient failures) and from
//! what ends the run (bad requests, authentication, configuration).

pub mod agent;
pub mod middleware;
pub mod model;
pub mod state;
pub mod tools;

pub use agent::{BuiltinAgent, BuiltinAgentFactory, TraceStoreRecall};
pub use middleware::{Middleware, MiddlewareRegistry, MiddlewareStack};
pub use model::{
    AssistantMessage, ChatRequest, ChatResponse, FinishReason, Message, ModelClient, ModelError,
    ModelProvider, RetryPolicy, RetryingClient, ScriptStep, ScriptedClient, SecretString,
    SharedClientProvider, Sleeper, ToolCall, ToolDefinition, TrialModelContext, Usage,
};
pub use tools::ToolSet;
