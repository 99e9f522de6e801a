//! The model client trait: one chat completion per call.

use async_trait::async_trait;
use harness_types::ModelSettings;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::message::Message;
use crate::response::ChatResponse;
use crate::tool::ToolDefinition;

/// A language model behind some API. Implementations are shared across tasks as
/// `Arc<dyn ModelClient>` and called concurrently, so they hold no per-conversation state:
/// every call carries the whole conversation.
#[async_trait]
pub trait ModelClient: Send + Sync {
    /// Ask for the next assistant turn of `messages`, offering `tools`, sampled with
    /// `settings` (temperature, most output tokens).
    async fn chat(
        &self,
        messages: &[Message],
        tools: &[ToolDefinition],
        settings: &ModelSettings,
    ) -> Result<ChatResponse, ModelError>;

    /// Provider name for traces (`gen_ai.provider.name`), e.g. `openai`.
    fn provider_name(&self) -> &str {
        "unknown"
    }

    /// Model name for traces (`gen_ai.request.model`).
    fn model_name(&self) -> &str {
        "unknown"
    }
}

impl std::fmt::Debug for dyn ModelClient {
    /// Provider and model names only: clients hold credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ModelClient({}/{})",
            self.provider_name(),
            self.model_name()
        )
    }
}

/// The arguments of one [`ModelClient::chat`] call, owned: what test doubles record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ChatRequest {
    /// The conversation so far.
    pub messages: Vec<Message>,
    /// Tools offered to the model.
    pub tools: Vec<ToolDefinition>,
    /// Sampling settings.
    pub settings: ModelSettings,
}

impl ChatRequest {
    /// Copy the arguments of a call.
    pub fn new(messages: &[Message], tools: &[ToolDefinition], settings: &ModelSettings) -> Self {
        Self {
            messages: messages.to_vec(),
            tools: tools.to_vec(),
            settings: settings.clone(),
        }
    }

    /// Send this request to `client`.
    pub async fn send(&self, client: &dyn ModelClient) -> Result<ChatResponse, ModelError> {
        client
            .chat(&self.messages, &self.tools, &self.settings)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_responses_have_json_schemas() {
        let request = serde_json::Value::from(schemars::schema_for!(ChatRequest));
        assert!(request["properties"]["messages"].is_object());
        let response = serde_json::Value::from(schemars::schema_for!(ChatResponse));
        assert!(response["properties"]["finish_reason"].is_object());
    }
}
