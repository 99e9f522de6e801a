//! The simulated model as a [`ModelClient`]: one per trial, holding that trial's episode.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use harness_agent::state::{conversation_tokens, estimate_tokens};
use harness_core::ModelSettings;
use harness_model::{
    AssistantMessage, ChatResponse, FinishReason, Message, ModelClient, ModelError, ToolCall,
    ToolDefinition, Usage,
};

use crate::episode::{Encoding, Episode, MoveKind};
use crate::observe::observe;
use crate::profile::Profile;

/// Provider name in traces.
pub const SIM_PROVIDER: &str = "harness-sim";

/// The simulated model of one trial.
pub struct SimClient {
    profile: Arc<Profile>,
    model_name: String,
    episode: Mutex<Episode>,
    ground_truth: Option<PathBuf>,
}

impl std::fmt::Debug for SimClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimClient")
            .field("profile", &self.profile.name)
            .field("ground_truth", &self.ground_truth)
            .finish_non_exhaustive()
    }
}

impl SimClient {
    /// A client for one trial; `ground_truth` is the side file it keeps up to date.
    pub fn new(profile: Arc<Profile>, episode: Episode, ground_truth: Option<PathBuf>) -> Self {
        Self {
            model_name: format!("sim:{}", profile.name),
            profile,
            episode: Mutex::new(episode),
            ground_truth,
        }
    }

    fn save(&self, episode: &Episode) -> Result<(), ModelError> {
        match &self.ground_truth {
            Some(path) => episode.truth.write(path).map_err(|e| ModelError::Fatal {
                message: format!("simulated model: cannot write ground truth: {e}"),
            }),
            None => Ok(()),
        }
    }
}

/// The tool to act through: one taking a `command` string (the shell), preferring `shell`.
fn shell_tool(tools: &[ToolDefinition]) -> Option<&ToolDefinition> {
    let takes_command = |t: &&ToolDefinition| t.parameters["properties"]["command"].is_object();
    tools
        .iter()
        .filter(takes_command)
        .find(|t| t.name == "shell")
        .or_else(|| tools.iter().find(takes_command))
}

#[async_trait]
impl ModelClient for SimClient {
    async fn chat(
        &self,
        messages: &[Message],
        tools: &[ToolDefinition],
        _settings: &ModelSettings,
    ) -> Result<ChatResponse, ModelError> {
        let prompt_tokens = conversation_tokens(messages);
        let mut episode = self.episode.lock().map_err(|_| ModelError::Fatal {
            message: "simulated model: a previous call panicked".to_owned(),
        })?;
        if prompt_tokens > self.profile.context_window {
            episode.truth.context_overflow = true;
            episode.truth.event(
                None,
                format!(
                    "prompt of {prompt_tokens} tokens refused: window is {}",
                    self.profile.context_window
                ),
            );
            self.save(&episode)?;
            return Err(ModelError::ContextOverflow {
                message: format!(
                    "This model's maximum context length is {} tokens, but the messages use {prompt_tokens} tokens.",
                    self.profile.context_window
                ),
            });
        }
        let observation = observe(messages);
        let (mv, encoding) = episode.next(&observation);
        let call_id = format!("call_{}", episode.truth.calls);
        self.save(&episode)?;
        drop(episode);

        let call = if mv.kind == MoveKind::Finish {
            tools.iter().find(|t| t.name == "finish").map(|t| {
                ToolCall::new(
                    &call_id,
                    &t.name,
                    serde_json::json!({"summary": mv.thought}),
                )
            })
        } else {
            shell_tool(tools).map(|t| match &encoding {
                Encoding::Valid => ToolCall::new(
                    &call_id,
                    &t.name,
                    serde_json::json!({"command": mv.command}),
                ),
                Encoding::Malformed(raw) => ToolCall::from_raw(&call_id, &t.name, raw.clone()),
            })
        };
        let (message, finish_reason) = match call {
            Some(call) => (
                AssistantMessage {
                    content: Some(mv.thought.clone()),
                    reasoning: None,
                    tool_calls: vec![call],
                },
                FinishReason::ToolCalls,
            ),
            None => (
                AssistantMessage::text(format!(
                    "{} (no suitable tool is offered to do this)",
                    mv.thought
                )),
                FinishReason::Stop,
            ),
        };
        let completion_tokens = estimate_tokens(message.text_or_empty())
            + message
                .tool_calls
                .iter()
                .map(|c| estimate_tokens(&c.raw_arguments) + 8)
                .sum::<u64>();
        Ok(ChatResponse::new(message, finish_reason)
            .with_usage(Usage::new(prompt_tokens, completion_tokens))
            .with_model(self.model_name.clone()))
    }

    fn provider_name(&self) -> &str {
        SIM_PROVIDER
    }

    fn model_name(&self) -> &str {
        &self.model_name
    }
}
