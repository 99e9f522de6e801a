//! A model that replays a script: fixed responses and errors, in order.

use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;
use harness_types::ModelSettings;
use serde::{Deserialize, Serialize};

use crate::client::{ChatRequest, ModelClient};
use crate::error::ModelError;
use crate::message::Message;
use crate::response::ChatResponse;
use crate::tool::ToolDefinition;

/// One step of a script: what the next call returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptStep {
    /// Return this response.
    Response(ChatResponse),
    /// Fail with this error.
    Error(ModelError),
}

impl From<ChatResponse> for ScriptStep {
    fn from(response: ChatResponse) -> Self {
        ScriptStep::Response(response)
    }
}

impl From<ModelError> for ScriptStep {
    fn from(error: ModelError) -> Self {
        ScriptStep::Error(error)
    }
}

/// A [`ModelClient`] that answers call `n` with step `n` of its script and records every
/// request it receives. Once the script is used up, calls fail with [`ModelError::Fatal`].
///
/// Made for tests of agent loops and middleware, and for reproducing a recorded
/// conversation without a model. Scripts can be written as JSON: a list of
/// `{"response": ChatResponse}` or `{"error": ModelError}` objects.
#[derive(Debug)]
pub struct ScriptedClient {
    steps: Mutex<VecDeque<ScriptStep>>,
    requests: Mutex<Vec<ChatRequest>>,
    model: String,
}

impl ScriptedClient {
    /// A client that plays `steps` in order.
    pub fn new(steps: impl IntoIterator<Item = impl Into<ScriptStep>>) -> Self {
        Self {
            steps: Mutex::new(steps.into_iter().map(Into::into).collect()),
            requests: Mutex::new(Vec::new()),
            model: "scripted".to_string(),
        }
    }

    /// A client whose script is a JSON list of steps.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        let steps: Vec<ScriptStep> = serde_json::from_str(text)?;
        Ok(Self::new(steps))
    }

    /// Report `model` as the model name.
    pub fn with_model_name(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Append a step to the script.
    pub fn push(&self, step: impl Into<ScriptStep>) {
        lock(&self.steps).push_back(step.into());
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<ChatRequest> {
        lock(&self.requests).clone()
    }

    /// Steps not yet played.
    pub fn remaining(&self) -> usize {
        lock(&self.steps).len()
    }
}

impl Default for ScriptedClient {
    /// A client with an empty script (push steps later).
    fn default() -> Self {
        Self::new(Vec::<ScriptStep>::new())
    }
}

#[async_trait]
impl ModelClient for ScriptedClient {
    async fn chat(
        &self,
        messages: &[Message],
        tools: &[ToolDefinition],
        settings: &ModelSettings,
    ) -> Result<ChatResponse, ModelError> {
        let received = {
            let mut requests = lock(&self.requests);
            requests.push(ChatRequest::new(messages, tools, settings));
            requests.len()
        };
        match lock(&self.steps).pop_front() {
            Some(ScriptStep::Response(response)) => Ok(response),
            Some(ScriptStep::Error(error)) => Err(error),
            None => Err(ModelError::fatal(format!(
                "scripted model has no step left for call {received}"
            ))),
        }
    }

    fn provider_name(&self) -> &str {
        "scripted"
    }

    fn model_name(&self) -> &str {
        &self.model
    }
}

/// Lock a mutex, taking over a poisoned one: the data stays consistent because every
/// critical section here is a single push or pop.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::message::ToolCall;

    #[tokio::test]
    async fn replays_in_order_and_records_requests() {
        let scripted = Arc::new(ScriptedClient::new([
            ScriptStep::from(ChatResponse::tool_calls(vec![ToolCall::new(
                "c1",
                "shell",
                serde_json::json!({"command": "ls"}),
            )])),
            ScriptStep::from(ModelError::transient("blip")),
            ScriptStep::from(ChatResponse::text("done")),
        ]));
        let client: Arc<dyn ModelClient> = scripted.clone();
        let settings = ModelSettings::default();
        let tools = [ToolDefinition::new(
            "shell",
            "Run a command.",
            serde_json::json!({}),
        )];

        let first = client
            .chat(&[Message::user("go")], &tools, &settings)
            .await
            .unwrap();
        assert_eq!(first.message.tool_calls[0].name, "shell");
        let second = client.chat(&[Message::user("again")], &[], &settings).await;
        assert_eq!(second, Err(ModelError::transient("blip")));
        let third = client.chat(&[], &[], &settings).await.unwrap();
        assert_eq!(third.message.content.as_deref(), Some("done"));
        let fourth = client.chat(&[], &[], &settings).await;
        assert!(matches!(fourth, Err(ModelError::Fatal { .. })));

        let requests = scripted.requests();
        assert_eq!(requests.len(), 4);
        assert_eq!(requests[0].messages, vec![Message::user("go")]);
        assert_eq!(requests[0].tools, tools);
        assert_eq!(requests[1].messages, vec![Message::user("again")]);
        assert_eq!(scripted.remaining(), 0);
    }

    #[tokio::test]
    async fn scripts_load_from_json() {
        let scripted = ScriptedClient::from_json(
            r#"[
                {"error": {"kind": "rate_limited", "retry_after_sec": 1, "message": "slow"}},
                {"response": {"message": {"content": "hi"}, "finish_reason": "stop"}}
            ]"#,
        )
        .unwrap();
        assert_eq!(scripted.remaining(), 2);
        let settings = ModelSettings::default();
        assert!(matches!(
            scripted.chat(&[], &[], &settings).await,
            Err(ModelError::RateLimited { .. })
        ));
        let reply = scripted.chat(&[], &[], &settings).await.unwrap();
        assert_eq!(reply.message.text_or_empty(), "hi");
    }
}
