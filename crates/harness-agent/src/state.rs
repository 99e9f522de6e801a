//! What the agent loop knows about the run so far, shared read-only with middleware.

use std::time::Instant;

use harness_core::Limits;

/// One tool call the agent made, as middleware sees it afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// Model turn (1-based) in which the call was made.
    pub turn: u32,
    /// Tool name.
    pub name: String,
    /// Parsed arguments (`null` for an invalid call).
    pub arguments: serde_json::Value,
    /// The `command` argument, for shell-like tools.
    pub command: Option<String>,
    /// Whether the call failed (non-zero exit, tool error, blocked, invalid arguments).
    pub failed: bool,
    /// Exit code, for commands.
    pub exit_code: Option<i32>,
    /// The first part of the output the model saw.
    pub output_excerpt: String,
    /// Whether middleware blocked the call instead of running it.
    pub blocked: bool,
}

/// The run so far. The loop updates it; middleware reads it through
/// [`crate::middleware::HookContext`].
#[derive(Debug, Clone)]
pub struct RunState {
    /// Task id.
    pub task_id: String,
    /// The task instruction.
    pub instruction: String,
    /// WORKDIR as seen inside the sandbox.
    pub workdir: String,
    /// Limits from the harness.
    pub limits: Limits,
    /// When the run started.
    pub started: Instant,
    /// Model turns begun (1-based once the first turn starts).
    pub turn: u32,
    /// Tool calls made (including blocked and invalid ones).
    pub tool_calls: u32,
    /// Prompt tokens summed over all model calls.
    pub tokens_in: u64,
    /// Completion tokens summed over all model calls.
    pub tokens_out: u64,
    /// Estimated tokens of the conversation as it stands (what the next call would send).
    pub context_tokens: u64,
    /// Every tool call, in order.
    pub history: Vec<CallRecord>,
    /// How many times the agent tried to finish.
    pub finish_attempts: u32,
}

impl RunState {
    /// A fresh state for a task.
    pub fn new(task_id: &str, instruction: &str, workdir: &str, limits: Limits) -> Self {
        Self {
            task_id: task_id.to_owned(),
            instruction: instruction.to_owned(),
            workdir: workdir.to_owned(),
            limits,
            started: Instant::now(),
            turn: 0,
            tool_calls: 0,
            tokens_in: 0,
            tokens_out: 0,
            context_tokens: 0,
            history: Vec::new(),
            finish_attempts: 0,
        }
    }

    /// Turns left before `max_turns`.
    pub fn turns_left(&self) -> u32 {
        self.limits.max_turns.saturating_sub(self.turn)
    }

    /// The last `n` calls, newest last.
    pub fn recent(&self, n: usize) -> &[CallRecord] {
        &self.history[self.history.len().saturating_sub(n)..]
    }
}

/// Rough token count of a text: about four bytes per token, the usual rule of thumb for
/// English and code. Used for context-window accounting when the model reports no usage yet.
pub fn estimate_tokens(text: &str) -> u64 {
    (text.len() as u64).div_ceil(4)
}

/// Estimated tokens of a whole conversation: each message's text (tool-call arguments
/// included) plus a small per-message and per-call overhead. The loop checks the context
/// window with it, and the simulated model reports its usage with it, so both agree.
pub fn conversation_tokens(messages: &[crate::model::Message]) -> u64 {
    use crate::model::Message;
    messages
        .iter()
        .map(|m| match m {
            Message::System { content }
            | Message::User { content }
            | Message::Tool { content, .. } => estimate_tokens(content) + 4,
            Message::Assistant(a) => {
                estimate_tokens(a.text_or_empty())
                    + a.tool_calls
                        .iter()
                        .map(|c| estimate_tokens(&c.raw_arguments) + 8)
                        .sum::<u64>()
                    + 4
            }
        })
        .sum()
}
