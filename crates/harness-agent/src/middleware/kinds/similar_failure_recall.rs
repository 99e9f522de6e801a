//! `similar_failure_recall`: after a failed tool call, shows the model short summaries of
//! similar failures from earlier runs.
//!
//! Models the "failure-aware replanning" of Judgment Labs' surviving harness (retrieve
//! similar prior failures before repeating or terminating) and AHE's long-term memory of what
//! went wrong before.
//!
//! Params: `max_results` (default 3) summaries are asked of [`HookContext::recall`] with the
//! failed call's tool name and the end of its output (where errors usually are); without a
//! recall backend the layer does nothing. `min_score` is accepted for compatibility and
//! ignored: [`FailureRecall`](crate::middleware::FailureRecall) returns ranked texts without
//! scores, so the backend's own ranking and limit decide. A summary already shown in this run
//! is not shown again.

use std::collections::HashSet;
use std::num::NonZeroUsize;
use std::sync::Mutex;

use async_trait::async_trait;

use harness_core::middleware_params::SimilarFailureRecallParams;

use crate::middleware::params::{clip, parse};
use crate::middleware::{Effect, HookContext, Middleware};
use crate::model::ToolCall;
use crate::tools::ToolOutput;

/// Kind name.
pub const KIND: &str = "similar_failure_recall";

/// Most bytes of the output sent as the query (its end).
const QUERY_BYTES: usize = 2000;
/// Most bytes of one summary shown.
const SUMMARY_BYTES: usize = 300;

/// The `similar_failure_recall` layer.
#[derive(Debug)]
pub struct SimilarFailureRecall {
    max_results: usize,
    /// Summaries already shown in this run.
    shown: Mutex<HashSet<String>>,
}

impl SimilarFailureRecall {
    /// Build from `params` (see the module docs for defaults).
    pub fn from_params(params: &serde_json::Value) -> Result<Self, String> {
        let p: SimilarFailureRecallParams = parse(params)?;
        if p.min_score.is_some_and(|s| s.is_nan() || s < 0.0) {
            return Err("`min_score` must be a number >= 0".to_owned());
        }
        Ok(Self {
            max_results: p.max_results.map_or(3, NonZeroUsize::get),
            shown: Mutex::new(HashSet::new()),
        })
    }
}

#[async_trait]
impl Middleware for SimilarFailureRecall {
    fn kind(&self) -> &str {
        KIND
    }

    async fn after_tool(
        &self,
        ctx: &HookContext<'_>,
        call: &ToolCall,
        output: &mut ToolOutput,
    ) -> Vec<Effect> {
        let Some(recall) = ctx.recall else {
            return Vec::new();
        };
        if !output.is_error {
            return Vec::new();
        }
        let content = output.content.as_str();
        let tail =
            &content[content.ceil_char_boundary(content.len().saturating_sub(QUERY_BYTES))..];
        let query = format!("{}: {}", call.name, tail.trim());
        let found = recall.similar(&query, self.max_results).await;
        let fresh: Vec<String> = {
            let mut shown = match self.shown.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            found
                .into_iter()
                .take(self.max_results)
                .map(|s| clip(s.trim(), SUMMARY_BYTES))
                .filter(|s| !s.is_empty() && shown.insert(s.clone()))
                .collect()
        };
        if fresh.is_empty() {
            return Vec::new();
        }
        let mut message = String::from(
            "Similar failures from earlier runs (what happened and what worked, if known):\n",
        );
        for summary in &fresh {
            message.push_str("- ");
            message.push_str(summary);
            message.push('\n');
        }
        message.push_str("Use them to choose your next step instead of repeating what failed.");
        vec![Effect::Inject {
            trigger: format!(
                "`{}` failed; {} similar past failures",
                call.name,
                fresh.len()
            ),
            message,
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::FailureRecall;
    use crate::middleware::test_support::{FakeSandbox, state_with};
    use serde_json::json;

    struct Canned;

    #[async_trait]
    impl FailureRecall for Canned {
        async fn similar(&self, error_text: &str, limit: usize) -> Vec<String> {
            assert!(error_text.starts_with("shell: "));
            ["missing libfoo: installed it from /opt", "other"]
                .into_iter()
                .take(limit)
                .map(str::to_owned)
                .collect()
        }
    }

    #[tokio::test]
    async fn injects_unseen_recalls_on_errors() {
        let layer = SimilarFailureRecall::from_params(&json!({"max_results": 1, "min_score": 0.5}))
            .unwrap();
        let sandbox = FakeSandbox::new();
        let state = state_with(vec![]);
        let ctx = HookContext {
            state: &state,
            sandbox: &sandbox,
            recall: Some(&Canned),
        };
        let call = ToolCall::new("c", "shell", json!({"command": "make"}));
        let mut error = ToolOutput::error("ld: cannot find -lfoo");
        let effects = layer.after_tool(&ctx, &call, &mut error).await;
        assert!(matches!(&effects[..], [Effect::Inject { message, .. }]
            if message.contains("- missing libfoo") && !message.contains("other")));
        // Shown once per run.
        assert!(layer.after_tool(&ctx, &call, &mut error).await.is_empty());
        let mut ok = ToolOutput::ok("fine");
        assert!(layer.after_tool(&ctx, &call, &mut ok).await.is_empty());
        // No recall backend: nothing.
        let bare = HookContext {
            state: &state,
            sandbox: &sandbox,
            recall: None,
        };
        let fresh = SimilarFailureRecall::from_params(&json!({})).unwrap();
        assert!(fresh.after_tool(&bare, &call, &mut error).await.is_empty());
    }
}
