//! The model seam of the harness toolkit: how an agent talks to a language model.
//!
//! Implementing a model takes this crate alone: no HTTP stack, database or sandbox.
//!
//! - [`ModelClient`]: one chat completion, messages and tools in, an assistant message out.
//! - [`ModelProvider`]: the per-trial seam that hands each trial its client
//!   ([`SharedClientProvider`] for real backends).
//! - [`Message`], [`ToolCall`], [`ToolDefinition`], [`ChatResponse`]: plain serde data.
//! - [`RetryPolicy`] and [`RetryingClient`]: the one retry layer, backoff that honours the
//!   provider's `retry-after`, bounded by a [`RetryBudget`] shared by concurrent trials.
//! - [`ScriptedClient`]: replays fixed responses and records requests, for tests.
//! - [`ModelSpec`] (`SCHEME:MODEL`), [`ModelBackend`] and [`ModelRegistry`]: from a spec on a
//!   command line to a provider, plus the [`Redactor`](harness_types::Redactor) of the
//!   secrets the backend knows ([`BuiltModel`]).
//! - `openai` (feature `openai`, on by default): OpenAI-compatible chat completions (OpenAI,
//!   vLLM, Ollama, llama.cpp's server) over http and verified https.
//!
//! Everything composes through `Arc<dyn ModelClient>`: a backend, a retry wrapper around any
//! backend, or a simulated model handed out per trial by a provider.
//!
//! Errors: [`ModelError`] separates what an agent can act on (context overflow) from what a
//! retry may cure (rate limits, transient failures) and from what ends the run (bad requests,
//! authentication, configuration).

pub mod client;
pub mod error;
pub mod message;
#[cfg(feature = "openai")]
pub mod openai;
pub mod provider;
pub mod registry;
pub mod response;
pub mod retry;
pub mod schema;
pub mod scripted;
pub mod secret;
pub mod sleep;
pub mod spec;
pub mod tool;

pub use client::{ChatRequest, ModelClient};
pub use error::ModelError;
pub use harness_types::ModelSettings;
pub use message::{AssistantMessage, Message, ToolCall};
#[cfg(feature = "openai")]
pub use openai::{OpenAiClient, OpenAiConfig};
pub use provider::{ModelProvider, SharedClientProvider, TrialModelContext};
pub use registry::{BackendOptions, BuiltModel, ModelBackend, ModelRegistry};
pub use response::{ChatResponse, FinishReason, Usage};
pub use retry::{RetryAttempt, RetryBudget, RetryPolicy, RetryingClient};
pub use schema::inline_subschemas;
pub use scripted::{ScriptStep, ScriptedClient};
pub use secret::SecretString;
pub use sleep::{RecordingSleeper, Sleeper, TokioSleeper};
pub use spec::ModelSpec;
pub use tool::ToolDefinition;
