//! `retry_discipline`: blocks an exact repeat of a call that just failed.
//!
//! Models Self-Harness's retained edit for Qwen3.5 ("forbid exact duplicate commands after a
//! failure"): weaker models rerun a failing command unchanged, hoping for a different result,
//! and burn their turn budget.
//!
//! Params: `window` (default 3): a call with the same tool and arguments as a failed call
//! among the last `window` calls is blocked; `message` replaces the default explanation.
//!
//! One refinement over "never repeat a failure": when a call that changed files ran since the
//! failure (see [`crate::middleware::is_file_write`]: `write_file`, `edit_file`, redirections,
//! `sed -i`, installs ...), the repeat is allowed, because edit-then-rerun is how failures get
//! fixed.

use async_trait::async_trait;

use harness_core::middleware_params::RetryDisciplineParams;

use crate::middleware::calls::same_call;
use crate::middleware::params::{non_blank, parse};
use crate::middleware::writes::is_file_write;
use crate::middleware::{Effect, HookContext, Middleware};
use crate::model::ToolCall;
use crate::state::CallRecord;

/// Kind name.
pub const KIND: &str = "retry_discipline";

/// The `retry_discipline` layer.
#[derive(Debug)]
pub struct RetryDiscipline {
    window: usize,
    message: Option<String>,
}

impl RetryDiscipline {
    /// Build from `params` (see the module docs for defaults).
    pub fn from_params(params: &serde_json::Value) -> Result<Self, String> {
        let p: RetryDisciplineParams = parse(params)?;
        non_blank("message", p.message.as_deref())?;
        Ok(Self {
            window: p
                .window
                .map_or(3, |w| usize::try_from(w.get()).unwrap_or(usize::MAX)),
            message: p.message,
        })
    }

    fn message(&self, call: &ToolCall, failed: &CallRecord) -> String {
        if let Some(message) = &self.message {
            return message.clone();
        }
        let how = match failed.exit_code {
            Some(code) if !failed.blocked => format!(" (exit code {code})"),
            _ => String::new(),
        };
        format!(
            "This exact `{}` call just failed{how} and nothing has changed since, so it was \
             not run again: the identical command would fail the same way. Read the error, \
             then try a different approach (fix the cause, change the command or its \
             arguments).",
            call.name
        )
    }
}

#[async_trait]
impl Middleware for RetryDiscipline {
    fn kind(&self) -> &str {
        KIND
    }

    async fn before_tool(&self, ctx: &HookContext<'_>, call: &mut ToolCall) -> Vec<Effect> {
        // Newest first: a write seen before reaching the failure means the world changed.
        for record in ctx.state.recent(self.window).iter().rev() {
            if same_call(record, call) && record.failed {
                return vec![Effect::Block {
                    trigger: format!("repeat of a failed `{}` call", call.name),
                    message: self.message(call, record),
                }];
            }
            if is_file_write(record) {
                break;
            }
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_support::{FakeSandbox, ctx, record, state_with};
    use serde_json::json;

    fn make() -> ToolCall {
        ToolCall::new("c", "shell", json!({"command": "make"}))
    }

    #[tokio::test]
    async fn blocks_a_repeat_of_a_recent_failure() {
        let layer = RetryDiscipline::from_params(&json!({})).unwrap();
        let sandbox = FakeSandbox::new();
        let state = state_with(vec![
            record("shell", json!({"command": "make"}), true),
            record("shell", json!({"command": "ls"}), false),
        ]);
        let effects = layer.before_tool(&ctx(&state, &sandbox), &mut make()).await;
        assert!(matches!(&effects[..], [Effect::Block { message, .. }]
            if message.contains("just failed (exit code 1)")));
    }

    #[tokio::test]
    async fn allows_success_old_failures_and_retries_after_a_change() {
        let layer = RetryDiscipline::from_params(&json!({"window": 2})).unwrap();
        let sandbox = FakeSandbox::new();
        for history in [
            vec![record("shell", json!({"command": "make"}), false)],
            vec![
                record("shell", json!({"command": "make"}), true),
                record("shell", json!({"command": "ls"}), false),
                record("shell", json!({"command": "pwd"}), false),
            ],
            vec![
                record("shell", json!({"command": "make"}), true),
                record("edit_file", json!({"path": "main.c"}), false),
            ],
        ] {
            let state = state_with(history);
            assert!(
                layer
                    .before_tool(&ctx(&state, &sandbox), &mut make())
                    .await
                    .is_empty()
            );
        }
    }

    #[test]
    fn refuses_bad_params() {
        assert!(RetryDiscipline::from_params(&json!({"window": 0})).is_err());
        assert!(RetryDiscipline::from_params(&json!({"windows": 2})).is_err());
    }
}
