//! `turn_reminder`: tells the model how much of its turn budget is used and left.
//!
//! Models the budget awareness behind Self-Harness's "create artifacts early" edit (MiniMax
//! M2.5): agents that cannot see the turn limit explore until it cuts them off with nothing
//! written.
//!
//! Params: `every_turns` (default 10): before turns 10, 20, ... a reminder is injected;
//! `remaining_at` (optional): once, before the turn after which exactly that many turns are
//! left; `message` replaces the default text and may use `{turn}`, `{max_turns}`,
//! `{turns_left}` and `{tool_calls}`.

use std::num::NonZeroU32;
use std::sync::Mutex;

use async_trait::async_trait;

use harness_core::middleware_params::TurnReminderParams;

use crate::middleware::params::{non_blank, parse};
use crate::middleware::{Effect, HookContext, Middleware};
use crate::model::Message;

/// Kind name.
pub const KIND: &str = "turn_reminder";

const DEFAULT_MESSAGE: &str = "Reminder: this is turn {turn} of {max_turns}; {turns_left} turns \
     left after this one. Make sure every required output exists and is correct before the \
     budget runs out.";

/// The `turn_reminder` layer.
#[derive(Debug)]
pub struct TurnReminder {
    every_turns: u32,
    remaining_at: Option<u32>,
    message: String,
    /// The last turn reminded about: a model call retried in the same turn is not reminded
    /// twice.
    last_turn: Mutex<Option<u32>>,
}

impl TurnReminder {
    /// Build from `params` (see the module docs for defaults).
    pub fn from_params(params: &serde_json::Value) -> Result<Self, String> {
        let p: TurnReminderParams = parse(params)?;
        non_blank("message", p.message.as_deref())?;
        Ok(Self {
            every_turns: p.every_turns.map_or(10, NonZeroU32::get),
            remaining_at: p.remaining_at.map(NonZeroU32::get),
            message: p.message.unwrap_or_else(|| DEFAULT_MESSAGE.to_owned()),
            last_turn: Mutex::new(None),
        })
    }
}

#[async_trait]
impl Middleware for TurnReminder {
    fn kind(&self) -> &str {
        KIND
    }

    async fn before_model(
        &self,
        ctx: &HookContext<'_>,
        _messages: &mut Vec<Message>,
    ) -> Vec<Effect> {
        let state = ctx.state;
        let turn = state.turn;
        let left = state.turns_left();
        let periodic = turn > 0 && turn.is_multiple_of(self.every_turns);
        let remaining = self.remaining_at == Some(left) && turn > 0;
        if !periodic && !remaining {
            return Vec::new();
        }
        {
            let mut last = match self.last_turn.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            if *last == Some(turn) {
                return Vec::new();
            }
            *last = Some(turn);
        }
        let message = self
            .message
            .replace("{turn}", &turn.to_string())
            .replace("{max_turns}", &state.limits.max_turns.to_string())
            .replace("{turns_left}", &left.to_string())
            .replace("{tool_calls}", &state.tool_calls.to_string());
        let trigger = if remaining {
            format!("{left} turns left")
        } else {
            format!("turn {turn} (every {})", self.every_turns)
        };
        vec![Effect::Inject { trigger, message }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_support::{FakeSandbox, ctx, state_with};
    use serde_json::json;

    async fn at(layer: &TurnReminder, turn: u32) -> Vec<Effect> {
        let sandbox = FakeSandbox::new();
        let mut state = state_with(vec![]);
        state.limits.max_turns = 40;
        state.turn = turn;
        layer
            .before_model(&ctx(&state, &sandbox), &mut Vec::new())
            .await
    }

    #[tokio::test]
    async fn reminds_periodically_and_once_near_the_end() {
        let layer =
            TurnReminder::from_params(&json!({"every_turns": 10, "remaining_at": 5})).unwrap();
        assert!(at(&layer, 9).await.is_empty());
        let effects = at(&layer, 10).await;
        assert!(matches!(&effects[..], [Effect::Inject { message, .. }]
            if message.contains("turn 10 of 40; 30 turns left")));
        assert!(at(&layer, 10).await.is_empty(), "same turn again");
        assert!(
            matches!(&at(&layer, 35).await[..], [Effect::Inject { trigger, .. }]
            if trigger == "5 turns left")
        );
        assert!(at(&layer, 36).await.is_empty());
    }

    #[tokio::test]
    async fn custom_message_placeholders() {
        let layer =
            TurnReminder::from_params(&json!({"every_turns": 2, "message": "{turns_left} left"}))
                .unwrap();
        assert!(
            matches!(&at(&layer, 4).await[..], [Effect::Inject { message, .. }]
            if message == "36 left")
        );
        assert!(TurnReminder::from_params(&json!({"every_turns": 0})).is_err());
    }
}
