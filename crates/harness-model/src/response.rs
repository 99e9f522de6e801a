//! What one chat completion returns: the assistant message, token usage, finish reason.

use std::ops::{Add, AddAssign};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::message::{AssistantMessage, ToolCall};
use crate::retry::RetryAttempt;

/// The result of one successful chat completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ChatResponse {
    /// The model's turn.
    pub message: AssistantMessage,
    /// Tokens this call consumed.
    #[serde(default)]
    pub usage: Usage,
    /// Why the model stopped.
    pub finish_reason: FinishReason,
    /// Model name the server reported, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Failed attempts the retry layer made before this response, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<RetryAttempt>,
}

impl ChatResponse {
    /// `message`, stopped for `finish_reason`, with zero usage.
    pub fn new(message: AssistantMessage, finish_reason: FinishReason) -> Self {
        Self {
            message,
            usage: Usage::default(),
            finish_reason,
            model: None,
            retries: Vec::new(),
        }
    }

    /// A text reply that stopped normally, with zero usage.
    pub fn text(content: impl Into<String>) -> Self {
        Self::new(AssistantMessage::text(content), FinishReason::Stop)
    }

    /// A reply that calls tools, with zero usage.
    pub fn tool_calls(tool_calls: Vec<ToolCall>) -> Self {
        Self::new(
            AssistantMessage::with_tool_calls(tool_calls),
            FinishReason::ToolCalls,
        )
    }

    /// The same response naming the model that answered.
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// The same response with `usage`.
    pub fn with_usage(mut self, usage: Usage) -> Self {
        self.usage = usage;
        self
    }
}

/// Why the model stopped producing tokens.
///
/// Agents should decide whether to run tools from [`AssistantMessage::tool_calls`], not from
/// this value: some servers report `stop` for replies that call tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// A natural end or a stop sequence.
    Stop,
    /// The model asked for tool calls.
    ToolCalls,
    /// The output hit the token limit; the reply may be cut off.
    Length,
    /// The provider filtered the output.
    ContentFilter,
    /// Anything else a server reported.
    Other,
}

impl FinishReason {
    /// Map a chat completions `finish_reason`; `None` (some servers omit it) is inferred from
    /// whether the reply calls tools.
    pub fn from_wire(value: Option<&str>, has_tool_calls: bool) -> Self {
        match value {
            Some("stop" | "eos" | "end_turn" | "stop_sequence") => FinishReason::Stop,
            Some("tool_calls" | "function_call" | "tool_use") => FinishReason::ToolCalls,
            Some("length" | "max_tokens") => FinishReason::Length,
            Some("content_filter") => FinishReason::ContentFilter,
            Some(_) => FinishReason::Other,
            None if has_tool_calls => FinishReason::ToolCalls,
            None => FinishReason::Stop,
        }
    }

    /// The snake_case name, as traces record it (`gen_ai.response.finish_reasons`).
    pub fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::Length => "length",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::Other => "other",
        }
    }
}

/// Token accounting of one call, or a sum of calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Usage {
    /// Input tokens (`prompt_tokens`), cached ones included.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Output tokens (`completion_tokens`).
    #[serde(default)]
    pub completion_tokens: u64,
    /// Input tokens served from the provider's prompt cache
    /// (`prompt_tokens_details.cached_tokens`); 0 when not reported.
    #[serde(default)]
    pub cached_tokens: u64,
}

impl Usage {
    /// Usage with the given prompt and completion tokens and no cached tokens.
    pub fn new(prompt_tokens: u64, completion_tokens: u64) -> Self {
        Self {
            prompt_tokens,
            completion_tokens,
            cached_tokens: 0,
        }
    }

    /// Input plus output tokens.
    pub fn total(&self) -> u64 {
        self.prompt_tokens.saturating_add(self.completion_tokens)
    }
}

impl Add for Usage {
    type Output = Usage;

    fn add(self, other: Usage) -> Usage {
        Usage {
            prompt_tokens: self.prompt_tokens.saturating_add(other.prompt_tokens),
            completion_tokens: self
                .completion_tokens
                .saturating_add(other.completion_tokens),
            cached_tokens: self.cached_tokens.saturating_add(other.cached_tokens),
        }
    }
}

impl AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        *self = *self + other;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_reasons_map_from_the_wire() {
        assert_eq!(
            FinishReason::from_wire(Some("stop"), true),
            FinishReason::Stop
        );
        assert_eq!(
            FinishReason::from_wire(Some("tool_calls"), true),
            FinishReason::ToolCalls
        );
        assert_eq!(
            FinishReason::from_wire(Some("length"), false),
            FinishReason::Length
        );
        assert_eq!(
            FinishReason::from_wire(Some("content_filter"), false),
            FinishReason::ContentFilter
        );
        assert_eq!(
            FinishReason::from_wire(Some("weird"), false),
            FinishReason::Other
        );
        assert_eq!(FinishReason::from_wire(None, true), FinishReason::ToolCalls);
        assert_eq!(FinishReason::from_wire(None, false), FinishReason::Stop);
    }

    #[test]
    fn usage_adds_up() {
        let mut total = Usage::default();
        total += Usage::new(10, 2);
        total += Usage {
            prompt_tokens: 5,
            completion_tokens: 1,
            cached_tokens: 4,
        };
        assert_eq!(
            total,
            Usage {
                prompt_tokens: 15,
                completion_tokens: 3,
                cached_tokens: 4
            }
        );
        assert_eq!(total.total(), 18);
    }
}
