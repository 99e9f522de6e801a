//! The chat completions wire format: request bodies out, responses in.

use harness_types::ModelSettings;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::ModelError;
use crate::message::{AssistantMessage, Message, ToolCall};
use crate::openai::config::OpenAiConfig;
use crate::openai::status::{self, excerpt};
use crate::response::{ChatResponse, FinishReason, Usage};
use crate::schema::inline_subschemas;
use crate::tool::ToolDefinition;

/// The JSON body of one `POST /chat/completions`.
pub fn request_body(
    config: &OpenAiConfig,
    messages: &[Message],
    tools: &[ToolDefinition],
    settings: &ModelSettings,
) -> Value {
    let mut body = config.extra_body.clone();
    body.insert("model".into(), Value::String(config.model.clone()));
    body.insert(
        "messages".into(),
        Value::Array(messages.iter().map(message_json).collect()),
    );
    body.remove("tools");
    // Streaming is the configuration's choice, never the extra fields'.
    body.remove("stream");
    body.remove("stream_options");
    if config.stream {
        body.insert("stream".into(), Value::Bool(true));
        // Usage arrives in a last chunk only when asked for.
        body.insert("stream_options".into(), json!({"include_usage": true}));
    }
    if !tools.is_empty() {
        body.insert(
            "tools".into(),
            Value::Array(tools.iter().map(tool_json).collect()),
        );
    }
    body.insert("temperature".into(), json!(settings.temperature));
    body.remove("max_tokens");
    body.remove("max_completion_tokens");
    body.insert(
        config.max_tokens_field.as_str().into(),
        json!(settings.max_output_tokens),
    );
    Value::Object(body)
}

/// One message in the chat completions shape.
pub fn message_json(message: &Message) -> Value {
    match message {
        Message::System { content } => json!({"role": "system", "content": content}),
        Message::User { content } => json!({"role": "user", "content": content}),
        Message::Tool {
            tool_call_id,
            content,
        } => json!({"role": "tool", "tool_call_id": tool_call_id, "content": content}),
        Message::Assistant(assistant) => {
            let mut out = Map::new();
            out.insert("role".into(), json!("assistant"));
            let content = match (&assistant.content, assistant.tool_calls.is_empty()) {
                (Some(text), _) => Value::String(text.clone()),
                // The API wants content or tool calls; an empty turn becomes empty text.
                (None, true) => Value::String(String::new()),
                (None, false) => Value::Null,
            };
            out.insert("content".into(), content);
            if !assistant.tool_calls.is_empty() {
                out.insert(
                    "tool_calls".into(),
                    Value::Array(assistant.tool_calls.iter().map(tool_call_json).collect()),
                );
            }
            Value::Object(out)
        }
    }
}

/// A tool call as sent back in the conversation history. Servers such as vLLM parse the
/// arguments of past calls to render their chat templates and fail on invalid JSON, so an
/// invalid call is replayed with `{}` (its tool result tells the model what went wrong) and
/// a repaired one with its repaired form; a clean one keeps the model's exact text.
fn tool_call_json(call: &ToolCall) -> Value {
    let arguments = if !call.is_valid() {
        "{}".to_string()
    } else if matches!(
        serde_json::from_str::<Value>(&call.raw_arguments),
        Ok(Value::Object(_))
    ) {
        call.raw_arguments.clone()
    } else {
        call.arguments.to_string()
    };
    json!({
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": arguments},
    })
}

/// A tool in the `tools` list: `{type: function, function: {name, description, parameters}}`,
/// parameters with subschemas inlined and no `$schema`.
pub fn tool_json(tool: &ToolDefinition) -> Value {
    let parameters = match &tool.parameters {
        Value::Object(map) if !map.is_empty() => inline_subschemas(&tool.parameters),
        _ => json!({"type": "object", "properties": {}}),
    };
    json!({
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": parameters,
        }
    })
}

#[derive(Deserialize)]
struct WireResponse {
    #[serde(default)]
    choices: Option<Vec<WireChoice>>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct WireChoice {
    #[serde(default)]
    message: Option<WireMessage>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    content: Option<Value>,
    #[serde(default)]
    reasoning_content: Option<String>,
    #[serde(default)]
    reasoning: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<WireToolCall>>,
}

#[derive(Deserialize)]
pub(crate) struct WireToolCall {
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) function: Option<WireFunction>,
}

#[derive(Deserialize)]
pub(crate) struct WireFunction {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) arguments: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireUsage {
    #[serde(default)]
    pub(crate) prompt_tokens: Option<u64>,
    #[serde(default)]
    pub(crate) completion_tokens: Option<u64>,
    #[serde(default)]
    pub(crate) prompt_tokens_details: Option<WireUsageDetails>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireUsageDetails {
    #[serde(default)]
    pub(crate) cached_tokens: Option<u64>,
}

/// Read a success body. A body that is not a chat completion is a
/// [`ModelError::MalformedResponse`]; an `error` object without choices (some gateways
/// answer 200 with one) is classified like an HTTP error.
pub fn parse_response(body: &[u8]) -> Result<ChatResponse, ModelError> {
    let wire: WireResponse = serde_json::from_slice(body).map_err(|e| malformed(&e, body))?;
    let choice = match wire.choices.and_then(|choices| choices.into_iter().next()) {
        Some(choice) => choice,
        None => {
            return Err(match wire.error {
                Some(error) => status::classify_error_object(&error),
                None => ModelError::malformed(format!(
                    "no choices in the response: {}",
                    excerpt_bytes(body)
                )),
            });
        }
    };
    let wire_message = choice.message.ok_or_else(|| {
        ModelError::malformed(format!(
            "the first choice has no message: {}",
            excerpt_bytes(body)
        ))
    })?;
    Ok(assemble(WireParts {
        content: content_text(wire_message.content),
        reasoning: wire_message.reasoning_content.or(wire_message.reasoning),
        tool_calls: wire_message.tool_calls.unwrap_or_default(),
        finish_reason: choice.finish_reason,
        usage: wire.usage,
        model: wire.model,
    }))
}

/// The parts of one answer as the server sent them, whole or gathered from a stream.
pub(crate) struct WireParts {
    /// Text content; empty means none.
    pub(crate) content: Option<String>,
    /// Reasoning text; empty means none.
    pub(crate) reasoning: Option<String>,
    /// Tool calls in order.
    pub(crate) tool_calls: Vec<WireToolCall>,
    /// The finish reason as sent.
    pub(crate) finish_reason: Option<String>,
    /// Usage, when sent.
    pub(crate) usage: Option<WireUsage>,
    /// The model that answered, when named.
    pub(crate) model: Option<String>,
}

/// One [`ChatResponse`] from its wire parts.
pub(crate) fn assemble(parts: WireParts) -> ChatResponse {
    let tool_calls: Vec<ToolCall> = parts
        .tool_calls
        .into_iter()
        .enumerate()
        .map(|(index, call)| tool_call_from_wire(index, call))
        .collect();
    let message = AssistantMessage {
        content: parts.content.filter(|text| !text.is_empty()),
        reasoning: parts.reasoning.filter(|text| !text.is_empty()),
        tool_calls,
    };
    let finish_reason = FinishReason::from_wire(
        parts.finish_reason.as_deref(),
        !message.tool_calls.is_empty(),
    );
    let usage = parts
        .usage
        .map(|usage| Usage {
            prompt_tokens: usage.prompt_tokens.unwrap_or(0),
            completion_tokens: usage.completion_tokens.unwrap_or(0),
            cached_tokens: usage
                .prompt_tokens_details
                .and_then(|details| details.cached_tokens)
                .unwrap_or(0),
        })
        .unwrap_or_default();
    let mut response = ChatResponse::new(message, finish_reason).with_usage(usage);
    response.model = parts.model;
    response
}

/// Text content: a string, or a list of `{type: text, text}` parts; empty means none.
fn content_text(content: Option<Value>) -> Option<String> {
    let text = match content? {
        Value::String(text) => text,
        Value::Array(parts) => parts
            .iter()
            .filter_map(|part| match part {
                Value::String(text) => Some(text.as_str()),
                _ => part.get("text").and_then(Value::as_str),
            })
            .collect::<Vec<_>>()
            .join(""),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

fn tool_call_from_wire(index: usize, call: WireToolCall) -> ToolCall {
    // Some servers leave out ids; the agent needs one to answer the call.
    let id = call
        .id
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| format!("call_{index}"));
    let (name, arguments) = match call.function {
        Some(function) => (function.name.unwrap_or_default(), function.arguments),
        None => (String::new(), None),
    };
    let mut tool_call = match arguments {
        Some(Value::String(raw)) => ToolCall::from_raw(id, name, raw),
        // Some servers send the arguments as an object instead of a string.
        Some(value @ Value::Object(_)) => ToolCall::new(id, name, value),
        Some(Value::Null) | None => ToolCall::from_raw(id, name, ""),
        Some(other) => ToolCall::from_raw(id, name, other.to_string()),
    };
    if tool_call.name.is_empty() {
        tool_call.arguments = Value::Null;
        tool_call.parse_error = Some("the tool call names no function".to_string());
    }
    tool_call
}

fn malformed(error: &serde_json::Error, body: &[u8]) -> ModelError {
    ModelError::malformed(format!(
        "body is not a chat completion ({error}): {}",
        excerpt_bytes(body)
    ))
}

pub(crate) fn excerpt_bytes(body: &[u8]) -> String {
    excerpt(&String::from_utf8_lossy(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openai::config::MaxTokensField;

    #[test]
    fn request_body_has_the_chat_completions_shape() {
        let mut config = OpenAiConfig::new("http://localhost:1/v1", "m");
        config.extra_body.insert("seed".into(), json!(7));
        config.extra_body.insert("model".into(), json!("not-this"));
        let settings = ModelSettings {
            temperature: 0.5,
            max_output_tokens: 99,
        };
        let messages = [
            Message::system("sys"),
            Message::user("hi"),
            Message::Assistant(AssistantMessage::with_tool_calls(vec![
                ToolCall::from_raw("c1", "shell", r#"{"command": "ls"}"#),
                ToolCall::from_raw("c2", "shell", "{broken"),
                ToolCall::from_raw("c3", "shell", "```json\n{\"a\":1}\n```"),
            ])),
            Message::tool("c1", "out"),
        ];
        let tools = [ToolDefinition::new("shell", "Run.", json!({}))];
        let body = request_body(&config, &messages, &tools, &settings);
        assert_eq!(body["model"], "m");
        assert_eq!(body["seed"], 7);
        assert_eq!(body["temperature"], 0.5);
        assert_eq!(body["max_tokens"], 99);
        assert_eq!(
            body["messages"][0],
            json!({"role": "system", "content": "sys"})
        );
        let calls = &body["messages"][2]["tool_calls"];
        assert_eq!(body["messages"][2]["content"], Value::Null);
        assert_eq!(calls[0]["function"]["arguments"], r#"{"command": "ls"}"#);
        assert_eq!(calls[1]["function"]["arguments"], "{}");
        assert_eq!(calls[2]["function"]["arguments"], r#"{"a":1}"#);
        assert_eq!(
            body["messages"][3],
            json!({"role": "tool", "tool_call_id": "c1", "content": "out"})
        );
        assert_eq!(
            body["tools"][0]["function"]["parameters"],
            json!({"type": "object", "properties": {}})
        );

        config.max_tokens_field = MaxTokensField::MaxCompletionTokens;
        let body = request_body(&config, &messages, &[], &settings);
        assert_eq!(body["max_completion_tokens"], 99);
        assert!(body.get("max_tokens").is_none());
        assert!(body.get("tools").is_none());
    }

    #[test]
    fn content_parts_and_missing_ids_are_tolerated() {
        let body = json!({
            "choices": [{"message": {
                "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
                "reasoning": "thinking",
                "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}, {"function": {"arguments": "{}"}}]
            }}]
        });
        let response = parse_response(body.to_string().as_bytes()).unwrap();
        assert_eq!(response.message.content.as_deref(), Some("ab"));
        assert_eq!(response.message.reasoning.as_deref(), Some("thinking"));
        assert_eq!(response.message.tool_calls[0].id, "call_0");
        assert_eq!(response.message.tool_calls[0].arguments, json!({"x": 1}));
        assert!(!response.message.tool_calls[1].is_valid());
        assert_eq!(response.finish_reason, FinishReason::ToolCalls);
        assert_eq!(response.usage, Usage::default());
    }

    #[test]
    fn an_error_object_in_a_success_body_is_classified() {
        let body = json!({"error": {"message": "upstream overloaded", "code": 503}});
        let error = parse_response(body.to_string().as_bytes()).unwrap_err();
        assert!(
            matches!(
                error,
                ModelError::Transient {
                    status: Some(503),
                    ..
                }
            ),
            "{error:?}"
        );
        let error = parse_response(b"{\"id\": \"x\"}").unwrap_err();
        assert!(
            matches!(error, ModelError::MalformedResponse { .. }),
            "{error:?}"
        );
    }
}
