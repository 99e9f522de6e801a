//! [`LlmProposerConfig`]: the limits of the proposer's loop and its sampling settings.

use harness_model::ModelSettings;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Smallest tool output cap honoured: a smaller one could not carry a useful message.
const MIN_TOOL_OUTPUT_BYTES: usize = 512;

/// How the LLM proposer runs. Every field has a default; zero limits count as one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct LlmProposerConfig {
    /// Most model calls of the proposer (a reply without a tool call counts too; default 16).
    pub max_turns: u32,
    /// Most calls of `submit_proposals`, malformed ones included (default 3).
    pub max_submissions: u32,
    /// Most tokens of one proposer reply, sent with every call (default 4,096).
    pub max_tokens: u32,
    /// Sampling temperature of the proposer and the advisor (default 0.2).
    pub temperature: f64,
    /// Most bytes of one tool result; longer results keep their head and tail (default
    /// 6,000, at least 512).
    pub tool_output_bytes: usize,
    /// Most tokens of one advisor reply (default 1,024).
    pub advisor_max_tokens: u32,
}

impl Default for LlmProposerConfig {
    fn default() -> Self {
        Self {
            max_turns: 16,
            max_submissions: 3,
            max_tokens: 4_096,
            temperature: 0.2,
            tool_output_bytes: 6_000,
            advisor_max_tokens: 1_024,
        }
    }
}

impl LlmProposerConfig {
    /// The sampling settings of the proposer's calls.
    pub fn settings(&self) -> ModelSettings {
        ModelSettings {
            temperature: self.temperature,
            max_output_tokens: self.max_tokens.max(1),
        }
    }

    /// The sampling settings of the advisor's calls.
    pub fn advisor_settings(&self) -> ModelSettings {
        ModelSettings {
            temperature: self.temperature,
            max_output_tokens: self.advisor_max_tokens.max(1),
        }
    }

    /// The turn limit, at least 1.
    pub fn turns(&self) -> u32 {
        self.max_turns.max(1)
    }

    /// The submission limit, at least 1.
    pub fn submissions(&self) -> u32 {
        self.max_submissions.max(1)
    }

    /// The tool output cap, at least 512 bytes.
    pub fn output_cap(&self) -> usize {
        self.tool_output_bytes.max(MIN_TOOL_OUTPUT_BYTES)
    }

    /// The JSON Schema of the configuration.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(LlmProposerConfig)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_take_defaults_and_unknown_ones_are_refused() {
        let config: LlmProposerConfig = serde_json::from_str(r#"{"max_turns": 4}"#).unwrap();
        assert_eq!(config.max_turns, 4);
        assert_eq!(config.max_submissions, 3);
        assert_eq!(config.settings().max_output_tokens, 4_096);
        assert!(serde_json::from_str::<LlmProposerConfig>(r#"{"turns": 4}"#).is_err());
        assert!(LlmProposerConfig::json_schema()["properties"]["tool_output_bytes"].is_object());
    }

    #[test]
    fn zero_limits_count_as_the_smallest_useful_ones() {
        let config: LlmProposerConfig = serde_json::from_str(
            r#"{"max_turns": 0, "max_submissions": 0, "tool_output_bytes": 1, "max_tokens": 0}"#,
        )
        .unwrap();
        assert_eq!((config.turns(), config.submissions()), (1, 1));
        assert_eq!(config.output_cap(), 512);
        assert_eq!(config.settings().max_output_tokens, 1);
    }
}
