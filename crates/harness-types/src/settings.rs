//! Model sampling settings: what a harness asks of the model on every call.

use serde::{Deserialize, Serialize};

/// Model sampling settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelSettings {
    /// Sampling temperature, 0 to 2.
    #[serde(default)]
    pub temperature: f64,
    /// Most tokens the model may produce in one reply.
    #[serde(default = "default_max_output_tokens")]
    pub max_output_tokens: u32,
}

fn default_max_output_tokens() -> u32 {
    4096
}

impl Default for ModelSettings {
    fn default() -> Self {
        Self {
            temperature: 0.0,
            max_output_tokens: default_max_output_tokens(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_take_their_defaults() {
        let settings: ModelSettings = serde_json::from_str(r#"{"temperature": 0.5}"#).unwrap();
        assert_eq!(settings.max_output_tokens, 4096);
        assert_eq!(settings.temperature, 0.5);
        assert!(serde_json::from_str::<ModelSettings>(r#"{"temp": 1}"#).is_err());
    }
}
