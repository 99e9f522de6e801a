//! Where an OpenAI-compatible server is and how to talk to it.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::retry::RetryPolicy;

/// Settings of the [`OpenAiClient`](super::OpenAiClient). Holds the *name* of the
/// environment variable with the API key, never the key, so it can be written to files
/// and traces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OpenAiConfig {
    /// Base URL up to and including the version segment, e.g. `https://api.openai.com/v1`,
    /// `http://localhost:8000/v1` (vLLM), `http://localhost:11434/v1` (Ollama) or
    /// `http://localhost:8080/v1` (llama.cpp). Requests go to `<base_url>/chat/completions`.
    /// `https` servers are verified against Mozilla's root certificates and
    /// [`extra_root_certificates`](Self::extra_root_certificates).
    pub base_url: String,
    /// Model name sent as `model`.
    pub model: String,
    /// Name of the environment variable holding the API key; none for servers that need no
    /// key. The key is sent as `Authorization: Bearer <key>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
    /// Time limit of one attempt (connect, send, wait, read), in milliseconds.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// Time limit for establishing a connection, in milliseconds.
    #[serde(default = "default_connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    /// Retries of rate-limited and transient failures, made by the
    /// [`RetryingClient`](crate::RetryingClient) that [`OpenAiBackend`](super::OpenAiBackend)
    /// wraps the client in (the client itself makes one attempt per call).
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Which request field carries the output token limit.
    #[serde(default)]
    pub max_tokens_field: MaxTokensField,
    /// Extra top-level request fields for server-specific options (for example vLLM's
    /// `chat_template_kwargs` or Ollama's `options`). They cannot replace `model`,
    /// `messages`, `tools`, `temperature` or the token limit, and `stream` and
    /// `stream_options` are dropped (see [`stream`](Self::stream)).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra_body: serde_json::Map<String, serde_json::Value>,
    /// Ask for a streamed answer (`stream: true` with usage in the last chunk) and assemble
    /// it from its server-sent events; the result is the same [`ChatResponse`](crate::ChatResponse)
    /// as without streaming. Off by default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stream: bool,
    /// PEM files of further root certificates to trust for https, besides Mozilla's: a
    /// private certificate authority, or a local server's self-signed certificate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_root_certificates: Vec<PathBuf>,
}

fn default_request_timeout_ms() -> u64 {
    600_000
}

fn default_connect_timeout_ms() -> u64 {
    10_000
}

impl OpenAiConfig {
    /// A configuration for `model` at `base_url`, without a key, with default timeouts and
    /// retries.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            api_key_env: None,
            request_timeout_ms: default_request_timeout_ms(),
            connect_timeout_ms: default_connect_timeout_ms(),
            retry: RetryPolicy::default(),
            max_tokens_field: MaxTokensField::default(),
            extra_body: serde_json::Map::new(),
            stream: false,
            extra_root_certificates: Vec::new(),
        }
    }

    /// The same configuration reading the key from the environment variable `name`.
    pub fn with_api_key_env(mut self, name: impl Into<String>) -> Self {
        self.api_key_env = Some(name.into());
        self
    }

    /// The same configuration with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The same configuration also trusting the root certificates in the PEM file `path`.
    pub fn with_extra_root_certificate(mut self, path: impl Into<PathBuf>) -> Self {
        self.extra_root_certificates.push(path.into());
        self
    }

    /// The same configuration, streamed or not (see [`stream`](Self::stream)).
    pub fn with_stream(mut self, stream: bool) -> Self {
        self.stream = stream;
        self
    }

    /// The same configuration with another per-attempt time limit.
    pub fn with_request_timeout_ms(mut self, timeout_ms: u64) -> Self {
        self.request_timeout_ms = timeout_ms;
        self
    }
}

/// The request field for [`ModelSettings::max_output_tokens`](harness_types::ModelSettings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MaxTokensField {
    /// `max_tokens`: understood by vLLM, Ollama, llama.cpp and older OpenAI models.
    #[default]
    MaxTokens,
    /// `max_completion_tokens`: required by OpenAI's reasoning models.
    MaxCompletionTokens,
}

impl MaxTokensField {
    /// The field name.
    pub fn as_str(self) -> &'static str {
        match self {
            MaxTokensField::MaxTokens => "max_tokens",
            MaxTokensField::MaxCompletionTokens => "max_completion_tokens",
        }
    }
}
