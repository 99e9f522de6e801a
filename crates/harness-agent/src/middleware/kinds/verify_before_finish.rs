//! `verify_before_finish`: refuses a finish until the agent has checked its last change.
//!
//! Models Self-Harness's retained edit for GLM-5 ("repair failing sanity checks before
//! finishing") and the common verifier-grounded failure "finished with an untested change":
//! the agent writes a file and declares success without running anything.
//!
//! Params: `check_command` (optional), `message` (replaces the default text), `max_blocks`
//! (default 1). On a finish attempt the layer blocks, at most `max_blocks` times per run,
//! unless a command ran successfully after the last file-writing call (see
//! [`crate::middleware::is_file_write`]); with `check_command`, unless a successful command
//! containing `check_command` (so `cd /app && pytest -q` counts for `pytest -q`) ran after the
//! last write. A run that never wrote counts from its start.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;

use harness_core::middleware_params::VerifyBeforeFinishParams;

use crate::middleware::params::{non_blank, parse};
use crate::middleware::writes::is_file_write;
use crate::middleware::{Effect, HookContext, Middleware};
use crate::state::CallRecord;

/// Kind name.
pub const KIND: &str = "verify_before_finish";

/// The `verify_before_finish` layer.
#[derive(Debug)]
pub struct VerifyBeforeFinish {
    check_command: Option<String>,
    message: Option<String>,
    max_blocks: u32,
    /// Finishes refused so far in this run.
    blocks: AtomicU32,
}

impl VerifyBeforeFinish {
    /// Build from `params` (see the module docs for defaults).
    pub fn from_params(params: &serde_json::Value) -> Result<Self, String> {
        let p: VerifyBeforeFinishParams = parse(params)?;
        non_blank("check_command", p.check_command.as_deref())?;
        non_blank("message", p.message.as_deref())?;
        Ok(Self {
            check_command: p.check_command.map(|c| c.trim().to_owned()),
            message: p.message,
            max_blocks: p.max_blocks.map_or(1, NonZeroU32::get),
            blocks: AtomicU32::new(0),
        })
    }

    /// Whether `record` is a successful check in the sense of the params.
    fn is_check(&self, record: &CallRecord) -> bool {
        if record.failed || record.blocked {
            return false;
        }
        let command = record
            .command
            .as_deref()
            .or_else(|| record.arguments.get("command").and_then(|c| c.as_str()));
        let Some(command) = command else {
            return false;
        };
        match &self.check_command {
            Some(check) => command.contains(check.as_str()),
            None => !is_file_write(record),
        }
    }

    fn message(&self) -> String {
        if let Some(message) = &self.message {
            return message.clone();
        }
        match &self.check_command {
            Some(check) => format!(
                "Not finished yet: run `{check}` and make sure it passes after your last \
                 change. If it fails, fix the cause and run it again; then finish."
            ),
            None => "Not finished yet: you have not checked your work since your last change. \
                     Run the checks (the tests, the program itself, or a look at the output \
                     files) and fix what fails; then finish."
                .to_owned(),
        }
    }
}

#[async_trait]
impl Middleware for VerifyBeforeFinish {
    fn kind(&self) -> &str {
        KIND
    }

    async fn on_finish(&self, ctx: &HookContext<'_>) -> Vec<Effect> {
        let history = &ctx.state.history;
        let since = history
            .iter()
            .rposition(is_file_write)
            .map_or(0, |last_write| last_write + 1);
        if history[since..].iter().any(|r| self.is_check(r)) {
            return Vec::new();
        }
        let refused = self.blocks.fetch_add(1, Ordering::Relaxed);
        if refused >= self.max_blocks {
            return Vec::new();
        }
        let trigger = match &self.check_command {
            Some(check) => format!("no successful `{check}` since the last write"),
            None => "no successful command since the last write".to_owned(),
        };
        vec![Effect::Block {
            trigger,
            message: self.message(),
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_support::{FakeSandbox, ctx, record, state_with};
    use serde_json::json;

    fn shell(command: &str, failed: bool) -> CallRecord {
        record("shell", json!({"command": command}), failed)
    }

    fn write() -> CallRecord {
        record("write_file", json!({"path": "a.py"}), false)
    }

    #[tokio::test]
    async fn blocks_an_unchecked_finish_once() {
        let layer = VerifyBeforeFinish::from_params(&json!({})).unwrap();
        let sandbox = FakeSandbox::new();
        let state = state_with(vec![shell("ls", false), write()]);
        let effects = layer.on_finish(&ctx(&state, &sandbox)).await;
        assert!(matches!(&effects[..], [Effect::Block { message, .. }]
            if message.contains("Run the checks")));
        // max_blocks = 1: the second attempt goes through.
        assert!(layer.on_finish(&ctx(&state, &sandbox)).await.is_empty());
    }

    #[tokio::test]
    async fn a_successful_command_after_the_last_write_is_enough() {
        let layer = VerifyBeforeFinish::from_params(&json!({"max_blocks": 3})).unwrap();
        let sandbox = FakeSandbox::new();
        let checked = state_with(vec![write(), shell("python3 a.py", false)]);
        assert!(layer.on_finish(&ctx(&checked, &sandbox)).await.is_empty());
        // A failed check or a write by shell afterwards does not count.
        for history in [
            vec![write(), shell("python3 a.py", true)],
            vec![
                write(),
                shell("python3 a.py", false),
                shell("echo x > b", false),
            ],
        ] {
            let state = state_with(history);
            assert_eq!(layer.on_finish(&ctx(&state, &sandbox)).await.len(), 1);
        }
    }

    #[tokio::test]
    async fn check_command_must_be_the_one_that_ran() {
        let layer =
            VerifyBeforeFinish::from_params(&json!({"check_command": "pytest -q"})).unwrap();
        let sandbox = FakeSandbox::new();
        let ok = state_with(vec![write(), shell("cd /app && pytest -q", false)]);
        assert!(layer.on_finish(&ctx(&ok, &sandbox)).await.is_empty());
        let other = state_with(vec![write(), shell("python3 a.py", false)]);
        let effects = layer.on_finish(&ctx(&other, &sandbox)).await;
        assert!(matches!(&effects[..], [Effect::Block { message, .. }]
            if message.contains("run `pytest -q`")));
    }
}
