//! Writing one trial's trace: converts the loop's messages and calls into trace events.
//! Without a sink every method is a no-op, so the loop reads the same either way.

use harness_trace::{
    CallError, ContextEvent, ContextKind, Event, Finish, FinishStatus, Intervention,
    InterventionAction, ModelCall, RetryAttempt, Role, TokenUsage, ToolCallRequest, TraceError,
    TraceSink,
};

use crate::middleware::{Effect, HookPoint};
use crate::model::{Message, ModelError, ToolCall, Usage};
use crate::tools::ToolOutput;

/// Bytes of a tool output kept inline in the event; the rest goes to a blob.
const EXCERPT_BYTES: usize = 4096;

/// The trace of one trial, or nothing.
pub struct Recorder {
    sink: Option<Box<dyn TraceSink>>,
    /// Retried attempts of the call about to be recorded, when it succeeded (a failed call's
    /// error carries its own).
    retries: Vec<RetryAttempt>,
}

/// Convert a loop message to the trace's message type.
pub fn trace_message(message: &Message) -> harness_trace::Message {
    match message {
        Message::System { content } => harness_trace::Message::text(Role::System, content.clone()),
        Message::User { content } => harness_trace::Message::text(Role::User, content.clone()),
        Message::Tool {
            tool_call_id,
            content,
        } => {
            let mut m = harness_trace::Message::text(Role::Tool, content.clone());
            m.tool_call_id = Some(tool_call_id.clone());
            m
        }
        Message::Assistant(a) => {
            let mut m = harness_trace::Message::text(Role::Assistant, a.text_or_empty());
            m.reasoning = a.reasoning.clone();
            m.tool_calls = a
                .tool_calls
                .iter()
                .map(|c| ToolCallRequest {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    arguments: if c.parse_error.is_some() {
                        serde_json::Value::String(c.raw_arguments.clone())
                    } else {
                        c.arguments.clone()
                    },
                })
                .collect();
            m
        }
    }
}

impl Recorder {
    /// A recorder writing to `sink`, or a no-op one.
    pub fn new(sink: Option<Box<dyn TraceSink>>) -> Self {
        Self {
            sink,
            retries: Vec::new(),
        }
    }

    /// The retried attempts of the next successful call ([`crate::model::ChatResponse::retries`]),
    /// recorded with it by [`model_call`](Self::model_call).
    pub fn note_retries(&mut self, retries: &[crate::model::RetryAttempt]) {
        self.retries = retries.iter().map(trace_retry).collect();
    }

    /// One model call: the messages sent (stored by reference), the reply or the error.
    #[allow(clippy::too_many_arguments)]
    pub fn model_call(
        &mut self,
        turn: u32,
        model: &str,
        sent: &[Message],
        reply: Option<&Message>,
        usage: Option<&Usage>,
        latency_ms: u64,
        finish_reason: Option<&str>,
        error: Option<&ModelError>,
    ) -> Result<(), TraceError> {
        let noted = std::mem::take(&mut self.retries);
        let Some(sink) = self.sink.as_mut() else {
            return Ok(());
        };
        let retries = match error {
            Some(e) => e.retries().iter().map(trace_retry).collect(),
            None => noted,
        };
        let messages: Vec<harness_trace::Message> = sent.iter().map(trace_message).collect();
        let input = sink.store_messages(&messages)?;
        let event = ModelCall {
            turn,
            model: Some(model.to_owned()),
            input,
            response: reply.map(trace_message),
            usage: usage
                .map(|u| TokenUsage {
                    input_tokens: u.prompt_tokens,
                    output_tokens: u.completion_tokens,
                    cached_tokens: u.cached_tokens,
                })
                .unwrap_or_default(),
            latency_ms,
            cost_usd: None,
            finish_reason: finish_reason.map(str::to_owned),
            error: error.map(|e| CallError {
                kind: model_error_kind(e).to_owned(),
                message: e.to_string(),
            }),
            retries,
        };
        sink.append(Event::ModelCall(event)).map(|_| ())
    }

    /// One tool execution (or a blocked or invalid call, with its error).
    pub fn tool_call(&mut self, call: &ToolCall, output: &ToolOutput) -> Result<(), TraceError> {
        let Some(sink) = self.sink.as_mut() else {
            return Ok(());
        };
        let captured = sink.capture_output(&output.content, EXCERPT_BYTES)?;
        let arguments = if call.parse_error.is_some() {
            serde_json::Value::String(call.raw_arguments.clone())
        } else {
            call.arguments.clone()
        };
        let error = if output.is_error && output.exit_code.is_none() {
            Some(first_line(&output.content))
        } else {
            None
        };
        let event = harness_trace::ToolCall {
            call_id: call.id.clone(),
            name: call.name.clone(),
            arguments,
            output: captured,
            exit_code: output.exit_code,
            duration_ms: u64::try_from(output.duration.as_millis()).unwrap_or(u64::MAX),
            error,
        };
        sink.append(Event::ToolCall(event)).map(|_| ())
    }

    /// One middleware effect.
    pub fn intervention(
        &mut self,
        layer: &str,
        hook: HookPoint,
        effect: &Effect,
        call_id: Option<&str>,
    ) -> Result<(), TraceError> {
        let Some(sink) = self.sink.as_mut() else {
            return Ok(());
        };
        let (action, trigger, message) = match effect {
            Effect::Inject { trigger, message } => {
                (InterventionAction::Inject, trigger, Some(message))
            }
            Effect::Block { trigger, message } => {
                (InterventionAction::Block, trigger, Some(message))
            }
            Effect::Stop { trigger, reason } => (InterventionAction::Stop, trigger, Some(reason)),
            Effect::Note { trigger, what } => (
                if hook == HookPoint::BeforeTool {
                    InterventionAction::Rewrite
                } else {
                    InterventionAction::Observe
                },
                trigger,
                Some(what),
            ),
        };
        let (kind, rule) = match layer.strip_prefix("rule:") {
            Some(name) => ("rule".to_owned(), Some(name.to_owned())),
            None => (layer.to_owned(), None),
        };
        let event = Intervention {
            kind,
            rule,
            trigger: format!("{}: {trigger}", hook.as_str()),
            action,
            message: message.cloned(),
            call_id: call_id.map(str::to_owned),
        };
        sink.append(Event::Intervention(event)).map(|_| ())
    }

    /// A context event (compaction by middleware, a truncated output).
    pub fn context(
        &mut self,
        kind: ContextKind,
        tokens_before: u64,
        tokens_after: u64,
        note: &str,
    ) -> Result<(), TraceError> {
        let Some(sink) = self.sink.as_mut() else {
            return Ok(());
        };
        let event = ContextEvent {
            kind,
            tokens_before: Some(tokens_before),
            tokens_after: Some(tokens_after),
            messages_removed: None,
            note: Some(note.to_owned()),
        };
        sink.append(Event::Context(event)).map(|_| ())
    }

    /// The end of the loop, then close the sink.
    pub fn finish(
        &mut self,
        status: FinishStatus,
        turns: u32,
        message: Option<String>,
    ) -> Result<(), TraceError> {
        let Some(sink) = self.sink.as_mut() else {
            return Ok(());
        };
        sink.append(Event::Finish(Finish {
            status,
            turns,
            message,
        }))?;
        sink.close()
    }
}

/// A retried attempt as the trace records it.
fn trace_retry(attempt: &crate::model::RetryAttempt) -> RetryAttempt {
    RetryAttempt {
        kind: attempt.kind.clone(),
        status: attempt.status,
        wait_ms: attempt.wait_ms,
    }
}

/// Stable name of a model error kind, for traces.
pub fn model_error_kind(error: &ModelError) -> &'static str {
    match error {
        ModelError::RateLimited { .. } => "rate_limited",
        ModelError::ContextOverflow { .. } => "context_overflow",
        ModelError::BadRequest { .. } => "bad_request",
        ModelError::Transient { .. } => "transient",
        _ => "fatal",
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}
