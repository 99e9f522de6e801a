//! `output_truncation`: keeps the head and tail of a long tool output and spills the whole
//! output to a file the agent can read in slices.
//!
//! Models the "narrow evidence collection" of Judgment Labs' surviving harness (bounded
//! output, targeted follow-up reads) and the head/tail truncation of mini-swe-agent and most
//! terminal agents: a build log of megabytes drowns the context while the error sits at the
//! end.
//!
//! Params: `head_bytes` (default 4000) and `tail_bytes` (default 2000) are kept, cut on char
//! boundaries; `spill_to_file` (default true) writes the complete output to
//! `.harness/outputs/<call id>.txt` under WORKDIR and names that path in the marker line
//! `[... N bytes omitted; full output in PATH ...]`. If the spill fails the marker says only
//! how much was omitted.

use std::num::NonZeroUsize;

use async_trait::async_trait;

use harness_core::middleware_params::OutputTruncationParams;

use crate::middleware::calls::call_number;
use crate::middleware::params::parse;
use crate::middleware::{Effect, HookContext, Middleware};
use crate::model::ToolCall;
use crate::tools::ToolOutput;

/// Kind name.
pub const KIND: &str = "output_truncation";

/// Where spilled outputs go, relative to WORKDIR.
pub const SPILL_DIR: &str = ".harness/outputs";

/// The `output_truncation` layer.
#[derive(Debug)]
pub struct OutputTruncation {
    head_bytes: usize,
    tail_bytes: usize,
    spill_to_file: bool,
}

impl OutputTruncation {
    /// Build from `params` (see the module docs for defaults).
    pub fn from_params(params: &serde_json::Value) -> Result<Self, String> {
        let p: OutputTruncationParams = parse(params)?;
        Ok(Self {
            head_bytes: p.head_bytes.map_or(4000, NonZeroUsize::get),
            tail_bytes: p.tail_bytes.map_or(2000, NonZeroUsize::get),
            spill_to_file: p.spill_to_file.unwrap_or(true),
        })
    }
}

/// A file name from a call id: ids come from the model, so keep only safe characters.
fn spill_name(call: &ToolCall, number: u32) -> String {
    let id: String = call
        .id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(64)
        .collect();
    if id.is_empty() {
        format!("call-{number}.txt")
    } else {
        format!("{id}.txt")
    }
}

#[async_trait]
impl Middleware for OutputTruncation {
    fn kind(&self) -> &str {
        KIND
    }

    async fn after_tool(
        &self,
        ctx: &HookContext<'_>,
        call: &ToolCall,
        output: &mut ToolOutput,
    ) -> Vec<Effect> {
        let content = &output.content;
        let len = content.len();
        let Some(parts) = harness_core::split_head_tail(content, self.head_bytes, self.tail_bytes)
        else {
            return Vec::new();
        };
        let omitted = parts.omitted;

        let mut spilled = None;
        let mut spill_error = None;
        if self.spill_to_file {
            let relative = format!("{SPILL_DIR}/{}", spill_name(call, call_number(ctx.state)));
            match ctx.sandbox.write_file(&relative, content.as_bytes()).await {
                Ok(()) => {
                    let paths = ctx.sandbox.paths();
                    let workdir = paths.workdir.trim_end_matches('/');
                    spilled = Some(format!("{workdir}/{relative}"));
                }
                Err(e) => spill_error = Some(e.to_string()),
            }
        }
        let marker = match &spilled {
            Some(path) => format!("[... {omitted} bytes omitted; full output in {path} ...]"),
            None => harness_core::head_tail::omitted_marker(omitted),
        };
        let mut what = format!(
            "kept {} + {} of {len} bytes",
            parts.head.len(),
            parts.tail.len()
        );
        output.content = parts.join(&marker);
        output.full_len = output.full_len.max(len);

        match (spilled, spill_error) {
            (Some(path), _) => what.push_str(&format!("; full output in {path}")),
            (None, Some(error)) => what.push_str(&format!("; spill failed: {error}")),
            (None, None) => {}
        }
        vec![Effect::Note {
            trigger: format!("`{}` output {len} bytes", call.name),
            what,
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_support::{FakeSandbox, ctx, state_with};
    use serde_json::json;

    #[tokio::test]
    async fn keeps_head_and_tail_and_spills() {
        let layer =
            OutputTruncation::from_params(&json!({"head_bytes": 5, "tail_bytes": 4})).unwrap();
        let sandbox = FakeSandbox::new();
        let state = state_with(vec![]);
        let call = ToolCall::new("call/1", "shell", json!({"command": "seq 100"}));
        let full = "héllo world, this is long";
        let mut output = ToolOutput::ok(full);
        let effects = layer
            .after_tool(&ctx(&state, &sandbox), &call, &mut output)
            .await;
        assert!(matches!(&effects[..], [Effect::Note { .. }]));
        // `é` is two bytes: the head stops before a split char.
        assert!(output.content.starts_with("héll\n[... "));
        assert!(output.content.ends_with("\nlong"));
        assert!(
            output
                .content
                .contains("bytes omitted; full output in /app/.harness/outputs/call1.txt ...]")
        );
        assert_eq!(output.full_len, full.len());
        assert_eq!(
            sandbox.file(".harness/outputs/call1.txt").as_deref(),
            Some(full)
        );
    }

    #[tokio::test]
    async fn short_outputs_and_no_spill() {
        let sandbox = FakeSandbox::new();
        let state = state_with(vec![]);
        let call = ToolCall::new("c1", "shell", json!({}));
        let layer = OutputTruncation::from_params(&json!({})).unwrap();
        let mut output = ToolOutput::ok("x".repeat(6000));
        assert!(
            layer
                .after_tool(&ctx(&state, &sandbox), &call, &mut output)
                .await
                .is_empty()
        );

        let layer = OutputTruncation::from_params(
            &json!({"head_bytes": 2, "tail_bytes": 2, "spill_to_file": false}),
        )
        .unwrap();
        let mut output = ToolOutput::ok("abcdefgh");
        layer
            .after_tool(&ctx(&state, &sandbox), &call, &mut output)
            .await;
        assert_eq!(output.content, "ab\n[... 4 bytes omitted ...]\ngh");
        assert!(sandbox.files.lock().unwrap().is_empty());
    }
}
