//! `loop_breaker`: interrupts an agent that repeats the same call, or that keeps calling
//! tools for too long.
//!
//! Models the loop breakers of the harness-optimization literature: Self-Harness kept "a loop
//! breaker after 50 tool calls" for MiniMax M2.5, and repeated identical commands are one of
//! the most common failure signatures of terminal agents.
//!
//! Params: `max_identical_calls` (default 3): a call equal (same tool, same arguments) to the
//! previous `max_identical_calls - 1` calls is blocked with a message telling the model it is
//! looping (at least 2, smaller values are refused as the schema says); `max_tool_calls` (optional): when the call under way is
//! call number `max_tool_calls`, a warning is injected once; `message` replaces the looping
//! message; `action` is `inject` (default: block the repeat, warn about the count) or `stop`
//! (end the run in both cases).

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;

pub use harness_core::middleware_params::LoopAction;
use harness_core::middleware_params::{LoopBreakerParams, MIN_IDENTICAL_CALLS};

use crate::middleware::calls::{call_number, repeats_previous};
use crate::middleware::params::{non_blank, parse};
use crate::middleware::{Effect, HookContext, Middleware};
use crate::model::ToolCall;

/// Kind name.
pub const KIND: &str = "loop_breaker";

/// The `loop_breaker` layer.
#[derive(Debug)]
pub struct LoopBreaker {
    max_identical_calls: u32,
    max_tool_calls: Option<u32>,
    message: Option<String>,
    action: LoopAction,
    /// Whether the call-count warning was given (it is given once).
    warned: AtomicBool,
}

impl LoopBreaker {
    /// Build from `params` (see the module docs for defaults).
    pub fn from_params(params: &serde_json::Value) -> Result<Self, String> {
        let p: LoopBreakerParams = parse(params)?;
        non_blank("message", p.message.as_deref())?;
        let max_identical_calls = p.max_identical_calls.unwrap_or(3);
        // Refused rather than raised: a harness saying 1 would otherwise run with another
        // value than it names, and the schema could not say so.
        if max_identical_calls < MIN_IDENTICAL_CALLS {
            return Err(format!(
                "`max_identical_calls` must be at least {MIN_IDENTICAL_CALLS} (one call is never \
                 a loop), got {max_identical_calls}"
            ));
        }
        Ok(Self {
            max_identical_calls,
            max_tool_calls: p.max_tool_calls.map(NonZeroU32::get),
            message: p.message,
            action: p.action,
            warned: AtomicBool::new(false),
        })
    }

    fn looping_message(&self, call: &ToolCall) -> String {
        self.message.clone().unwrap_or_else(|| {
            format!(
                "You have made the same `{}` call {} times in a row with identical arguments: \
                 you are looping, and this call was not run. Repeating it will not give a \
                 different result. Read the last output again and change your approach: a \
                 different command, different arguments, or another way to check the problem.",
                call.name, self.max_identical_calls
            )
        })
    }
}

#[async_trait]
impl Middleware for LoopBreaker {
    fn kind(&self) -> &str {
        KIND
    }

    async fn before_tool(&self, ctx: &HookContext<'_>, call: &mut ToolCall) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(max) = self.max_tool_calls {
            let number = call_number(ctx.state);
            if number >= max && !self.warned.swap(true, Ordering::Relaxed) {
                let trigger = format!("{number} tool calls (max {max})");
                effects.push(match self.action {
                    LoopAction::Inject => Effect::Inject {
                        trigger,
                        message: format!(
                            "You have made {number} tool calls. Stop exploring: finish the \
                             required outputs with the fewest further calls, check them, \
                             and finish."
                        ),
                    },
                    LoopAction::Stop => Effect::Stop {
                        trigger,
                        reason: format!("loop breaker: {number} tool calls"),
                    },
                });
                if self.action == LoopAction::Stop {
                    return effects;
                }
            }
        }
        if repeats_previous(ctx.state, call, self.max_identical_calls) {
            let trigger = format!(
                "{} identical `{}` calls",
                self.max_identical_calls, call.name
            );
            effects.push(match self.action {
                LoopAction::Inject => Effect::Block {
                    trigger,
                    message: self.looping_message(call),
                },
                LoopAction::Stop => Effect::Stop {
                    trigger,
                    reason: format!(
                        "loop breaker: {} identical `{}` calls",
                        self.max_identical_calls, call.name
                    ),
                },
            });
        }
        effects
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_support::{FakeSandbox, ctx, record, state_with};
    use serde_json::json;

    fn ls() -> ToolCall {
        ToolCall::new("c", "shell", json!({"command": "ls"}))
    }

    #[tokio::test]
    async fn blocks_the_third_identical_call() {
        let layer = LoopBreaker::from_params(&json!({})).unwrap();
        let sandbox = FakeSandbox::new();
        let two = state_with(vec![
            record("shell", json!({"command": "ls"}), false),
            record("shell", json!({"command": "ls"}), false),
        ]);
        let effects = layer.before_tool(&ctx(&two, &sandbox), &mut ls()).await;
        assert!(
            matches!(&effects[..], [Effect::Block { message, .. }] if message.contains("looping"))
        );
        let one = state_with(vec![
            record("shell", json!({"command": "pwd"}), false),
            record("shell", json!({"command": "ls"}), false),
        ]);
        assert!(
            layer
                .before_tool(&ctx(&one, &sandbox), &mut ls())
                .await
                .is_empty()
        );
    }

    #[tokio::test]
    async fn warns_once_at_the_call_budget_or_stops() {
        let layer = LoopBreaker::from_params(&json!({"max_tool_calls": 2})).unwrap();
        let sandbox = FakeSandbox::new();
        let state = state_with(vec![record("shell", json!({"command": "pwd"}), false)]);
        let effects = layer.before_tool(&ctx(&state, &sandbox), &mut ls()).await;
        assert!(matches!(&effects[..], [Effect::Inject { .. }]));
        assert!(
            layer
                .before_tool(&ctx(&state, &sandbox), &mut ls())
                .await
                .is_empty()
        );

        let layer = LoopBreaker::from_params(
            &json!({"max_identical_calls": 2, "action": "stop", "message": "stop it"}),
        )
        .unwrap();
        let state = state_with(vec![record("shell", json!({"command": "ls"}), false)]);
        let effects = layer.before_tool(&ctx(&state, &sandbox), &mut ls()).await;
        assert!(matches!(&effects[..], [Effect::Stop { .. }]));
    }

    #[test]
    fn refuses_bad_params() {
        assert!(LoopBreaker::from_params(&json!({"action": "explode"})).is_err());
        assert!(LoopBreaker::from_params(&json!({"max_identical_calls": 0})).is_err());
        assert!(LoopBreaker::from_params(&json!({"message": ""})).is_err());
        assert!(LoopBreaker::from_params(&json!({"extra": 1})).is_err());
    }
}
