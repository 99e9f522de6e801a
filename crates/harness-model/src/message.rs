//! Chat messages: system, user, assistant (text and tool calls) and tool results.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One message of a conversation, tagged by `role`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Message {
    /// Instructions from the harness (the rendered system prompt).
    System {
        /// The text.
        content: String,
    },
    /// A user turn: the task instruction or a message injected by middleware.
    User {
        /// The text.
        content: String,
    },
    /// A model turn.
    Assistant(AssistantMessage),
    /// The result of one tool call, answering the call with the same id.
    Tool {
        /// [`ToolCall::id`] of the call this answers.
        tool_call_id: String,
        /// What the tool returned (or the error the model should see).
        content: String,
    },
}

impl Message {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Message::System {
            content: content.into(),
        }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Message::User {
            content: content.into(),
        }
    }

    /// An assistant message with text only.
    pub fn assistant(content: impl Into<String>) -> Self {
        Message::Assistant(AssistantMessage::text(content))
    }

    /// A tool result answering the call `tool_call_id`.
    pub fn tool(tool_call_id: impl Into<String>, content: impl Into<String>) -> Self {
        Message::Tool {
            tool_call_id: tool_call_id.into(),
            content: content.into(),
        }
    }

    /// The role name as the chat completions API spells it.
    pub fn role(&self) -> &'static str {
        match self {
            Message::System { .. } => "system",
            Message::User { .. } => "user",
            Message::Assistant(_) => "assistant",
            Message::Tool { .. } => "tool",
        }
    }
}

impl From<AssistantMessage> for Message {
    fn from(message: AssistantMessage) -> Self {
        Message::Assistant(message)
    }
}

/// What the model said in one turn: text, tool calls, or both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AssistantMessage {
    /// Visible text, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Reasoning text some servers return apart from the answer (`reasoning_content` or
    /// `reasoning`); kept for traces, never sent back to the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    /// Tools the model asked to call, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
}

impl AssistantMessage {
    /// A message with text only.
    pub fn text(content: impl Into<String>) -> Self {
        Self {
            content: Some(content.into()),
            ..Self::default()
        }
    }

    /// A message with tool calls only.
    pub fn with_tool_calls(tool_calls: Vec<ToolCall>) -> Self {
        Self {
            tool_calls,
            ..Self::default()
        }
    }

    /// The text, or `""` when there is none.
    pub fn text_or_empty(&self) -> &str {
        self.content.as_deref().unwrap_or_default()
    }
}

/// One tool call requested by the model.
///
/// Chat completions carry arguments as a JSON *string*. The string is kept verbatim in
/// [`raw_arguments`](Self::raw_arguments); when it is not a JSON object (after the tolerant
/// repairs of [`ToolCall::from_raw`]), [`parse_error`](Self::parse_error) says why and
/// [`arguments`](Self::arguments) is `null`. The agent answers such a call with a tool error
/// instead of running it, so the model sees its mistake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolCall {
    /// Id the tool result must answer (`tool_call_id`).
    pub id: String,
    /// Name of the tool.
    pub name: String,
    /// Parsed arguments: a JSON object, or `null` when the call is invalid.
    #[serde(default)]
    pub arguments: serde_json::Value,
    /// The arguments exactly as the model produced them.
    #[serde(default)]
    pub raw_arguments: String,
    /// Why the call cannot run as sent, when it cannot: arguments that are not a JSON
    /// object, or no tool name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
}

impl ToolCall {
    /// A valid call with already-parsed arguments; the raw form is their compact JSON text.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        arguments: serde_json::Value,
    ) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            raw_arguments: arguments.to_string(),
            arguments,
            parse_error: None,
        }
    }

    /// A call from the argument text a model produced, parsed tolerantly: empty text and
    /// `null` mean no arguments (`{}`), a JSON string holding an object is unwrapped, and one
    /// surrounding Markdown code fence is stripped. Anything else that is not a JSON object
    /// gives an invalid call.
    pub fn from_raw(
        id: impl Into<String>,
        name: impl Into<String>,
        raw_arguments: impl Into<String>,
    ) -> Self {
        let raw_arguments = raw_arguments.into();
        let (arguments, parse_error) = match parse_arguments(&raw_arguments) {
            Ok(value) => (value, None),
            Err(error) => (serde_json::Value::Null, Some(error)),
        };
        Self {
            id: id.into(),
            name: name.into(),
            arguments,
            raw_arguments,
            parse_error,
        }
    }

    /// True when the arguments parsed to a JSON object.
    pub fn is_valid(&self) -> bool {
        self.parse_error.is_none()
    }
}

/// Parse tool-call arguments into a JSON object, or say why that is impossible.
fn parse_arguments(raw: &str) -> Result<serde_json::Value, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(serde_json::Value::Object(serde_json::Map::new()));
    }
    match serde_json::from_str::<serde_json::Value>(trimmed) {
        Ok(value) => into_object(value),
        Err(error) => match strip_code_fence(trimmed) {
            Some(inner) => serde_json::from_str::<serde_json::Value>(inner)
                .map_err(|_| format!("arguments are not valid JSON: {error}"))
                .and_then(into_object),
            None => Err(format!("arguments are not valid JSON: {error}")),
        },
    }
}

fn into_object(value: serde_json::Value) -> Result<serde_json::Value, String> {
    match value {
        serde_json::Value::Object(_) => Ok(value),
        serde_json::Value::Null => Ok(serde_json::Value::Object(serde_json::Map::new())),
        // Some models encode the arguments twice.
        serde_json::Value::String(inner) => match serde_json::from_str(&inner) {
            Ok(serde_json::Value::Object(map)) => Ok(serde_json::Value::Object(map)),
            _ => Err("arguments must be a JSON object, found a string".to_string()),
        },
        other => Err(format!(
            "arguments must be a JSON object, found {}",
            json_kind(&other)
        )),
    }
}

fn strip_code_fence(text: &str) -> Option<&str> {
    let body = text.strip_prefix("```")?.strip_suffix("```")?;
    // Drop an info string such as `json` on the opening line.
    let body = match body.find('\n') {
        Some(newline) if !body[..newline].contains('{') => &body[newline + 1..],
        _ => body,
    };
    Some(body.trim())
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn valid_arguments_parse_to_an_object() {
        let call = ToolCall::from_raw("c1", "shell", r#"{"command": "ls"}"#);
        assert!(call.is_valid());
        assert_eq!(call.arguments, json!({"command": "ls"}));
        assert_eq!(call.raw_arguments, r#"{"command": "ls"}"#);
    }

    #[test]
    fn empty_and_null_arguments_mean_no_arguments() {
        for raw in ["", "  ", "null"] {
            let call = ToolCall::from_raw("c1", "finish", raw);
            assert!(call.is_valid(), "{raw:?}");
            assert_eq!(call.arguments, json!({}));
        }
    }

    #[test]
    fn double_encoded_and_fenced_arguments_are_repaired() {
        let call = ToolCall::from_raw("c1", "shell", r#""{\"command\": \"ls\"}""#);
        assert_eq!(call.arguments, json!({"command": "ls"}));
        let call = ToolCall::from_raw("c1", "shell", "```json\n{\"command\": \"ls\"}\n```");
        assert_eq!(call.arguments, json!({"command": "ls"}));
        let call = ToolCall::from_raw("c1", "shell", "```{\"command\": \"ls\"}```");
        assert_eq!(call.arguments, json!({"command": "ls"}));
    }

    #[test]
    fn broken_arguments_keep_the_raw_text_and_the_reason() {
        let call = ToolCall::from_raw("c1", "shell", r#"{"command": "ls"#);
        assert!(!call.is_valid());
        assert_eq!(call.arguments, serde_json::Value::Null);
        assert_eq!(call.raw_arguments, r#"{"command": "ls"#);
        assert!(
            call.parse_error
                .as_deref()
                .is_some_and(|e| e.contains("not valid JSON"))
        );

        let call = ToolCall::from_raw("c1", "shell", "[1, 2]");
        assert_eq!(
            call.parse_error.as_deref(),
            Some("arguments must be a JSON object, found an array")
        );
    }

    #[test]
    fn messages_serialize_tagged_by_role() {
        let message = Message::Assistant(AssistantMessage::with_tool_calls(vec![ToolCall::new(
            "c1",
            "shell",
            json!({"command": "ls"}),
        )]));
        let value = serde_json::to_value(&message).unwrap();
        assert_eq!(value["role"], "assistant");
        assert_eq!(
            value["tool_calls"][0]["raw_arguments"],
            r#"{"command":"ls"}"#
        );
        let back: Message = serde_json::from_value(value).unwrap();
        assert_eq!(back, message);
        assert_eq!(
            serde_json::to_value(Message::tool("c1", "ok")).unwrap(),
            json!({"role": "tool", "tool_call_id": "c1", "content": "ok"})
        );
    }
}
