//! Streamed chat completions: with `stream: true` the answer arrives as server-sent events,
//! `data: {chunk}` lines ending with `data: [DONE]`. Each chunk carries a `delta` of the
//! first choice: text and reasoning to append, and tool calls in pieces keyed by `index`
//! (the id and name usually in the first piece, the arguments spread over many). The
//! finish reason comes in a late chunk and usage in the last one (when
//! `stream_options.include_usage` was asked for, in a chunk with no choices).
//!
//! Servers differ in the details, all of which are accepted: pieces without `index` (they
//! continue the last call, or start one when they bring a new id), the name repeated in
//! every piece, `\r\n` line ends, comments and `event:` lines, usage in the same chunk as
//! the finish reason, no `[DONE]` after a finish reason, or a plain JSON completion when
//! the server ignored `stream`. A stream that stops before any finish reason is a
//! transient error: the same request may well complete on a retry.

use serde::Deserialize;
use serde_json::Value;

use crate::error::ModelError;
use crate::openai::status;
use crate::openai::wire::{self, WireFunction, WireParts, WireToolCall, WireUsage, excerpt_bytes};
use crate::response::ChatResponse;

/// Gathers the events of one streamed answer into a [`ChatResponse`].
#[derive(Debug, Default)]
pub struct StreamAssembler {
    /// Everything received, for a body that turns out not to be a stream, and for errors.
    raw: Vec<u8>,
    /// Bytes after the last complete line.
    pending: Vec<u8>,
    events: usize,
    done: bool,
    content: String,
    reasoning: String,
    calls: Vec<PartialCall>,
    finish_reason: Option<String>,
    usage: Option<WireUsage>,
    model: Option<String>,
    error: Option<Value>,
}

/// A tool call being assembled.
#[derive(Debug, Default)]
struct PartialCall {
    index: Option<usize>,
    id: String,
    name: String,
    arguments: String,
}

#[derive(Deserialize)]
struct WireChunk {
    #[serde(default)]
    choices: Option<Vec<WireChunkChoice>>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct WireChunkChoice {
    #[serde(default)]
    delta: Option<WireDelta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireDelta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    reasoning_content: Option<String>,
    #[serde(default)]
    reasoning: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<WireDeltaCall>>,
}

#[derive(Deserialize)]
struct WireDeltaCall {
    #[serde(default)]
    index: Option<usize>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<WireDeltaFunction>,
}

#[derive(Deserialize)]
struct WireDeltaFunction {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<Value>,
}

impl StreamAssembler {
    /// An assembler that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed the next bytes of the body, cut anywhere.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), ModelError> {
        self.raw.extend_from_slice(bytes);
        self.pending.extend_from_slice(bytes);
        while let Some(end) = self.pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            self.line(&line)?;
        }
        Ok(())
    }

    /// The answer, once the body has ended.
    pub fn finish(mut self) -> Result<ChatResponse, ModelError> {
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.line(&line)?;
        }
        if self.events == 0 {
            // Not a stream at all: a server that ignored `stream` answers with one object.
            return wire::parse_response(&self.raw);
        }
        if let Some(error) = &self.error {
            return Err(status::classify_error_object(error));
        }
        if self.finish_reason.is_none() && !self.done {
            return Err(ModelError::transient(format!(
                "the stream ended before the answer finished: {}",
                excerpt_bytes(&self.raw)
            )));
        }
        let tool_calls = self
            .calls
            .into_iter()
            .map(|call| WireToolCall {
                id: Some(call.id),
                function: Some(WireFunction {
                    name: Some(call.name),
                    arguments: Some(Value::String(call.arguments)),
                }),
            })
            .collect();
        Ok(wire::assemble(WireParts {
            content: Some(self.content),
            reasoning: Some(self.reasoning),
            tool_calls,
            finish_reason: self.finish_reason,
            usage: self.usage,
            model: self.model,
        }))
    }

    /// One line of the event stream.
    fn line(&mut self, line: &[u8]) -> Result<(), ModelError> {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end_matches(['\n', '\r']);
        let Some(data) = text.strip_prefix("data:") else {
            // Blank lines end events; `event:`, `id:`, `retry:` and `:` comments say nothing
            // the answer needs.
            return Ok(());
        };
        let data = data.trim_start();
        self.events += 1;
        if data == "[DONE]" {
            self.done = true;
            return Ok(());
        }
        let chunk: WireChunk = serde_json::from_str(data).map_err(|e| {
            ModelError::malformed(format!(
                "a stream event is not a chat completion chunk ({e}): {}",
                status::excerpt(data)
            ))
        })?;
        if chunk.error.is_some() {
            self.error = chunk.error;
            return Ok(());
        }
        if chunk.model.is_some() {
            self.model = chunk.model;
        }
        if chunk.usage.is_some() {
            self.usage = chunk.usage;
        }
        let Some(choice) = chunk.choices.and_then(|choices| choices.into_iter().next()) else {
            return Ok(());
        };
        if let Some(reason) = choice.finish_reason.filter(|r| !r.is_empty()) {
            self.finish_reason = Some(reason);
        }
        let Some(delta) = choice.delta else {
            return Ok(());
        };
        if let Some(text) = delta.content {
            self.content.push_str(&text);
        }
        if let Some(text) = delta.reasoning_content.or(delta.reasoning) {
            self.reasoning.push_str(&text);
        }
        for piece in delta.tool_calls.unwrap_or_default() {
            self.tool_call_piece(piece);
        }
        Ok(())
    }

    /// Add a piece of a tool call to the call it belongs to.
    fn tool_call_piece(&mut self, piece: WireDeltaCall) {
        let id = piece.id.filter(|id| !id.is_empty());
        let position = match piece.index {
            Some(index) => self.calls.iter().position(|c| c.index == Some(index)),
            // Without an index: a new id starts a call, anything else continues the last.
            None => match &id {
                Some(id)
                    if self
                        .calls
                        .last()
                        .is_none_or(|c| !c.id.is_empty() && c.id != *id) =>
                {
                    None
                }
                _ => self.calls.len().checked_sub(1),
            },
        };
        let position = position.unwrap_or_else(|| {
            self.calls.push(PartialCall {
                index: piece.index,
                ..PartialCall::default()
            });
            self.calls.len() - 1
        });
        let call = &mut self.calls[position];
        if let Some(id) = id
            && call.id.is_empty()
        {
            call.id = id;
        }
        if let Some(function) = piece.function {
            if let Some(name) = function.name.filter(|n| !n.is_empty())
                && call.name.is_empty()
            {
                call.name = name;
            }
            match function.arguments {
                Some(Value::String(text)) => call.arguments.push_str(&text),
                Some(Value::Null) | None => {}
                // An object sent whole instead of a string.
                Some(other) => call.arguments.push_str(&other.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::{FinishReason, Usage};
    use serde_json::json;

    fn assemble(body: &str, cut: usize) -> Result<ChatResponse, ModelError> {
        let mut assembler = StreamAssembler::new();
        for piece in body.as_bytes().chunks(cut.max(1)) {
            assembler.push(piece)?;
        }
        assembler.finish()
    }

    fn events(chunks: &[Value]) -> String {
        let mut body: String = chunks
            .iter()
            .map(|chunk| format!("data: {chunk}\n\n"))
            .collect();
        body.push_str("data: [DONE]\n\n");
        body
    }

    #[test]
    fn text_and_usage_assemble_whatever_the_cuts() {
        let body = events(&[
            json!({"model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}),
            json!({"choices": [{"index": 0, "delta": {"content": "Hel"}}]}),
            json!({"choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": null}]}),
            json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
            json!({"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 3,
                "prompt_tokens_details": {"cached_tokens": 8}}}),
        ]);
        for cut in [1, 2, 7, 64, body.len()] {
            let response = assemble(&body, cut).unwrap();
            assert_eq!(response.message.content.as_deref(), Some("Hello"));
            assert_eq!(response.finish_reason, FinishReason::Stop);
            assert_eq!(
                response.usage,
                Usage {
                    prompt_tokens: 12,
                    completion_tokens: 3,
                    cached_tokens: 8
                }
            );
            assert_eq!(response.model.as_deref(), Some("m"));
        }
    }

    #[test]
    fn tool_call_pieces_join_by_index() {
        let body = events(&[
            json!({"choices": [{"delta": {"tool_calls": [
                {"index": 0, "id": "a", "type": "function", "function": {"name": "shell", "arguments": ""}}]}}]}),
            json!({"choices": [{"delta": {"tool_calls": [
                {"index": 1, "id": "b", "function": {"name": "finish", "arguments": "{}"}}]}}]}),
            json!({"choices": [{"delta": {"tool_calls": [
                {"index": 0, "function": {"arguments": "{\"command\": "}}]}}]}),
            json!({"choices": [{"delta": {"tool_calls": [
                {"index": 0, "function": {"name": "shell", "arguments": "\"ls\"}"}}]}}]}),
            json!({"choices": [{"delta": {}, "finish_reason": "tool_calls"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 9}}),
        ]);
        let response = assemble(&body, 5).unwrap();
        let calls = &response.message.tool_calls;
        assert_eq!(calls.len(), 2);
        assert_eq!(
            (calls[0].id.as_str(), calls[0].name.as_str()),
            ("a", "shell")
        );
        assert_eq!(calls[0].arguments, json!({"command": "ls"}));
        assert_eq!(calls[1].name, "finish");
        assert_eq!(response.finish_reason, FinishReason::ToolCalls);
        assert_eq!(response.usage, Usage::new(5, 9));
    }

    #[test]
    fn pieces_without_index_continue_the_last_call_or_start_one_with_a_new_id() {
        let body = "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"x\",\"function\":{\"name\":\"shell\",\"arguments\":\"{\\\"command\\\"\"}}]}}]}\r\n\r\n\
                    : keep-alive\r\n\
                    event: message\r\n\
                    data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":{\"arguments\":\": \\\"pwd\\\"}\"}}]}}]}\r\n\r\n\
                    data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"y\",\"function\":{\"name\":\"finish\",\"arguments\":{}}}]},\"finish_reason\":\"tool_calls\"}]}\r\n";
        let response = assemble(body, 3).unwrap();
        let calls = &response.message.tool_calls;
        assert_eq!(calls.len(), 2, "{calls:?}");
        assert_eq!(calls[0].arguments, json!({"command": "pwd"}));
        assert_eq!(calls[1].id, "y");
        assert_eq!(calls[1].arguments, json!({}));
    }

    #[test]
    fn a_plain_completion_is_read_as_one() {
        let body = json!({"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1}})
        .to_string();
        let response = assemble(&body, 4).unwrap();
        assert_eq!(response.message.content.as_deref(), Some("hi"));
    }

    #[test]
    fn a_cut_stream_is_transient_and_an_error_event_is_classified() {
        let cut = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n";
        assert!(matches!(
            assemble(cut, 10),
            Err(ModelError::Transient { .. })
        ));
        let error = "data: {\"error\": {\"message\": \"context too long\", \"type\": \"invalid_request_error\", \"code\": 400}}\n\n";
        let error = assemble(error, 10).unwrap_err();
        assert!(error.to_string().contains("context too long"), "{error}");
        let garbage = "data: {not json\n\n";
        assert!(matches!(
            assemble(garbage, 10),
            Err(ModelError::MalformedResponse { .. })
        ));
    }
}
