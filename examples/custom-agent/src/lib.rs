//! A model backend and an agent written against the toolkit's seam crates only.
//!
//! - [`LookupModel`] implements `ModelClient`: it answers from a table of instruction
//!   keywords to shell commands. It stands in for a user's own backend (a local inference
//!   library, a company gateway); it is not a language model and makes no claim about one.
//! - [`CommandAgent`] implements `Agent`: it asks its model for one shell command, runs it in
//!   the trial's sandbox, records the step in the trace the runner handed it, and reports
//!   what it spent.
//!
//! Neither needs SQLite, an HTTP client or the task runner: the crate depends on
//! `harness-model` without its `openai` feature, `harness-agent-api`, `harness-trace` without
//! its `sqlite` feature, `harness-sandbox` and `harness-types`. Its tests run the agent with the
//! toolkit's job runner, which a user's program would add the same way.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use harness_agent_api::{Agent, AgentContext, AgentError, AgentOutcome, AgentStatus};
use harness_model::{
    AssistantMessage, ChatResponse, FinishReason, Message, ModelClient, ModelError, ModelSettings,
    ToolDefinition, Usage,
};
use harness_sandbox::{ExecOptions, ExitStatus};
use harness_trace::{Event, ToolCall, ToolOutput, TraceSink};
use harness_types::ModelId;

/// Answers with the command of the first keyword the last user message contains.
#[derive(Debug, Clone)]
pub struct LookupModel {
    table: Vec<(String, String)>,
}

impl LookupModel {
    /// A model answering `command` to messages containing `keyword`, first match wins.
    pub fn new(table: &[(&str, &str)]) -> Self {
        Self {
            table: table
                .iter()
                .map(|(k, c)| ((*k).to_owned(), (*c).to_owned()))
                .collect(),
        }
    }
}

#[async_trait]
impl ModelClient for LookupModel {
    async fn chat(
        &self,
        messages: &[Message],
        _tools: &[ToolDefinition],
        _settings: &ModelSettings,
    ) -> Result<ChatResponse, ModelError> {
        let asked = messages
            .iter()
            .rev()
            .find_map(|m| match m {
                Message::User { content } => Some(content.as_str()),
                _ => None,
            })
            .unwrap_or_default();
        let command = self
            .table
            .iter()
            .find(|(keyword, _)| asked.contains(keyword.as_str()))
            .map(|(_, command)| command.clone())
            .unwrap_or_else(|| "true".to_owned());
        let mut response = ChatResponse::new(AssistantMessage::text(command), FinishReason::Stop);
        // Whitespace-separated words stand in for tokens.
        response.usage = Usage::new(
            asked.split_whitespace().count() as u64,
            response.message.text_or_empty().split_whitespace().count() as u64,
        );
        Ok(response)
    }

    fn provider_name(&self) -> &str {
        "lookup"
    }

    fn model_name(&self) -> &str {
        "table"
    }
}

/// Asks its model for one shell command and runs it.
pub struct CommandAgent {
    model: Arc<dyn ModelClient>,
}

impl CommandAgent {
    /// An agent driving `model`.
    pub fn new(model: Arc<dyn ModelClient>) -> Self {
        Self { model }
    }
}

#[async_trait]
impl Agent for CommandAgent {
    fn name(&self) -> &str {
        "command-agent"
    }

    fn version(&self) -> &str {
        env!("CARGO_PKG_VERSION")
    }

    fn model(&self) -> ModelId {
        ModelId::new(format!(
            "{}:{}",
            self.model.provider_name(),
            self.model.model_name()
        ))
    }

    async fn run(&self, ctx: AgentContext<'_>) -> Result<AgentOutcome, AgentError> {
        let messages = [
            Message::system("Answer with one shell command."),
            Message::user(ctx.task.instruction.clone()),
        ];
        let reply = match self
            .model
            .chat(&messages, &[], &ModelSettings::default())
            .await
        {
            Ok(reply) => reply,
            // The model server failed, not the agent: the runner leaves the trial unscored.
            Err(e) if e.is_model_unavailable() => {
                return Ok(AgentOutcome::with_status(AgentStatus::ModelError {
                    message: e.to_string(),
                }));
            }
            Err(e) => return Err(AgentError::failed(e.to_string())),
        };
        let command = reply.message.text_or_empty().trim().to_owned();
        let started = Instant::now();
        let options = ExecOptions {
            timeout: ctx.timeout,
            ..ExecOptions::default()
        };
        let out = ctx.sandbox.exec(&command, options).await?;
        if let Some(mut trace) = ctx.trace.clone() {
            let text = format!(
                "{}{}",
                out.stdout.text_with_marker(),
                out.stderr.text_with_marker()
            );
            let output: ToolOutput = trace
                .capture_output(&text, 4096)
                .map_err(|e| AgentError::failed(format!("trace: {e}")))?;
            trace
                .append(Event::ToolCall(ToolCall {
                    call_id: "call-1".into(),
                    name: "shell".into(),
                    arguments: serde_json::json!({ "command": command }),
                    output,
                    exit_code: match out.status {
                        ExitStatus::Code(code) => Some(code),
                        _ => None,
                    },
                    duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                    error: None,
                }))
                .map_err(|e| AgentError::failed(format!("trace: {e}")))?;
            trace
                .close()
                .map_err(|e| AgentError::failed(format!("trace: {e}")))?;
        }
        let status = if out.status.success() {
            AgentStatus::Finished
        } else {
            AgentStatus::Error {
                message: format!("`{command}` failed"),
            }
        };
        Ok(AgentOutcome::with_status(status).with_usage(
            reply.usage.prompt_tokens,
            0,
            reply.usage.completion_tokens,
            0.0,
        ))
    }
}
