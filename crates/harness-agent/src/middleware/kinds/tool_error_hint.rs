//! `tool_error_hint`: appends a targeted hint to tool errors that match a pattern.
//!
//! Models the environment-specific advice that optimization runs keep adding: Self-Harness's
//! "recreate missing artifacts on file errors" (Qwen3.5), AHE's memory of tool quirks, and
//! the classic "there is no `python`, use `python3`". A hint at the moment of the error costs
//! a line; the same advice in the system prompt is read once and forgotten.
//!
//! Params: `hints`, a list of `{pattern, hint}`. After a failed tool call, every hint whose
//! pattern (a multi-line regular expression: `$` matches at line ends) matches the output
//! text is appended as `\n[tool_error_hint] <hint>`, in list order (the note envelope of
//! [`crate::middleware::tag_note`]).

use async_trait::async_trait;
use regex::Regex;

use harness_core::middleware_params::ToolErrorHintParams;

use crate::middleware::params::{non_blank, output_regex, parse};
use crate::middleware::{Effect, HookContext, Middleware, tag_note};
use crate::model::ToolCall;
use crate::tools::ToolOutput;

/// Kind name.
pub const KIND: &str = "tool_error_hint";

/// The `tool_error_hint` layer.
#[derive(Debug)]
pub struct ToolErrorHint {
    hints: Vec<(Regex, String)>,
}

impl ToolErrorHint {
    /// Build from `params` (see the module docs).
    pub fn from_params(params: &serde_json::Value) -> Result<Self, String> {
        let p: ToolErrorHintParams = parse(params)?;
        let mut hints = Vec::with_capacity(p.hints.len());
        for (i, h) in p.hints.into_iter().enumerate() {
            non_blank(&format!("hints[{i}].pattern"), Some(&h.pattern))?;
            non_blank(&format!("hints[{i}].hint"), Some(&h.hint))?;
            hints.push((
                output_regex(&format!("hints[{i}].pattern"), &h.pattern)?,
                h.hint,
            ));
        }
        Ok(Self { hints })
    }
}

#[async_trait]
impl Middleware for ToolErrorHint {
    fn kind(&self) -> &str {
        KIND
    }

    async fn after_tool(
        &self,
        _ctx: &HookContext<'_>,
        call: &ToolCall,
        output: &mut ToolOutput,
    ) -> Vec<Effect> {
        if !output.is_error {
            return Vec::new();
        }
        let matched: Vec<&(Regex, String)> = self
            .hints
            .iter()
            .filter(|(re, _)| re.is_match(&output.content))
            .collect();
        let mut effects = Vec::with_capacity(matched.len());
        for (re, hint) in matched {
            output.content.push('\n');
            output.content.push_str(&tag_note(KIND, hint));
            effects.push(Effect::Note {
                trigger: format!("`{}` error matches /{}/", call.name, re.as_str()),
                what: format!("appended hint: {hint}"),
            });
        }
        effects
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_support::{FakeSandbox, ctx, state_with};
    use serde_json::json;

    fn layer() -> ToolErrorHint {
        ToolErrorHint::from_params(&json!({"hints": [
            {"pattern": "command not found: python$", "hint": "Use python3."},
            {"pattern": "No such file", "hint": "Create it first."}
        ]}))
        .unwrap()
    }

    #[tokio::test]
    async fn appends_matching_hints_to_errors_only() {
        let sandbox = FakeSandbox::new();
        let state = state_with(vec![]);
        let call = ToolCall::new("c", "shell", json!({"command": "python x.py"}));
        let mut output = ToolOutput::error("sh: command not found: python\nexit code 127");
        let effects = layer()
            .after_tool(&ctx(&state, &sandbox), &call, &mut output)
            .await;
        assert_eq!(effects.len(), 1);
        assert_eq!(
            output.content,
            "sh: command not found: python\nexit code 127\n[tool_error_hint] Use python3."
        );
        let mut fine = ToolOutput::ok("command not found: python");
        assert!(
            layer()
                .after_tool(&ctx(&state, &sandbox), &call, &mut fine)
                .await
                .is_empty()
        );
        let mut other = ToolOutput::error("permission denied");
        assert!(
            layer()
                .after_tool(&ctx(&state, &sandbox), &call, &mut other)
                .await
                .is_empty()
        );
    }

    #[test]
    fn bad_patterns_name_their_index() {
        let err = ToolErrorHint::from_params(&json!({"hints": [
            {"pattern": "ok", "hint": "h"}, {"pattern": "(", "hint": "h"}
        ]}))
        .unwrap_err();
        assert!(err.contains("hints[1].pattern"), "{err}");
        assert!(ToolErrorHint::from_params(&json!({"hints": [{"pattern": "x"}]})).is_err());
    }
}
