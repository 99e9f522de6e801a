//! `context_compaction`: when the conversation nears the context window, replaces its older
//! turns by one short extractive summary.
//!
//! Models the "recovery under context pressure (compact and retry)" of Judgment Labs'
//! surviving harness, and the context summarization of long-horizon coding agents: without
//! it, a long run ends in a context-overflow error, usually just before the last fix.
//!
//! Params: `trigger_ratio` (default 0.8, in (0, 1]): compaction runs before a model call when
//! the context (the larger of [`RunState::context_tokens`] and an estimate of the outgoing
//! messages) exceeds `trigger_ratio * limits.context_window`; `keep_recent_turns` (default 6):
//! the last that many assistant turns, with their tool results, stay verbatim.
//!
//! Kept: the system prompt and the first user message (the task), then one user message with
//! the summary, then the recent turns. An assistant turn and the tool results answering it are
//! never separated. The summary is deterministic (no model call): the tool calls made, with
//! exit codes or failure where known (from [`RunState::history`]), the files written, the
//! errors seen, the last thing the model said, and the previous summary, all bounded.
//!
//! [`RunState::context_tokens`]: crate::state::RunState::context_tokens
//! [`RunState::history`]: crate::state::RunState::history

use std::num::NonZeroUsize;

use async_trait::async_trait;

use harness_core::middleware_params::ContextCompactionParams;

use crate::middleware::calls::same_call;
use crate::middleware::params::{clip, parse};
use crate::middleware::{Effect, HookContext, Middleware};
use crate::model::{Message, ToolCall};
use crate::state::{CallRecord, RunState, estimate_tokens};

/// Kind name.
pub const KIND: &str = "context_compaction";

/// First words of a summary message; a later compaction recognizes and carries it forward.
pub const SUMMARY_MARKER: &str = "[Earlier conversation compacted";

/// Most actions listed (the most recent are kept).
const MAX_ACTIONS: usize = 40;
/// Most errors listed (the most recent are kept).
const MAX_ERRORS: usize = 10;
/// Most files listed.
const MAX_FILES: usize = 30;
/// Most bytes of a carried-forward previous summary.
const MAX_PREVIOUS: usize = 2000;
/// Most bytes of the whole summary.
const MAX_SUMMARY: usize = 8000;

/// The `context_compaction` layer.
#[derive(Debug)]
pub struct ContextCompaction {
    trigger_ratio: f64,
    keep_recent_turns: usize,
}

impl ContextCompaction {
    /// Build from `params` (see the module docs for defaults).
    pub fn from_params(params: &serde_json::Value) -> Result<Self, String> {
        let p: ContextCompactionParams = parse(params)?;
        let trigger_ratio = p.trigger_ratio.unwrap_or(0.8);
        if !(trigger_ratio > 0.0 && trigger_ratio <= 1.0) {
            return Err(format!(
                "`trigger_ratio` must be in (0, 1], got {trigger_ratio}"
            ));
        }
        Ok(Self {
            trigger_ratio,
            keep_recent_turns: p.keep_recent_turns.map_or(6, NonZeroUsize::get),
        })
    }
}

/// Estimated tokens of a conversation (content, tool calls, a little per message).
pub fn estimate_messages(messages: &[Message]) -> u64 {
    messages
        .iter()
        .map(|m| {
            4 + match m {
                Message::System { content }
                | Message::User { content }
                | Message::Tool { content, .. } => estimate_tokens(content),
                Message::Assistant(a) => {
                    estimate_tokens(a.text_or_empty())
                        + a.tool_calls
                            .iter()
                            .map(|c| estimate_tokens(&c.name) + estimate_tokens(&c.raw_arguments))
                            .sum::<u64>()
                }
            }
        })
        .sum()
}

/// Index after the preserved head: leading system messages and the first user message.
fn head_end(messages: &[Message]) -> usize {
    let mut end = 0;
    while matches!(messages.get(end), Some(Message::System { .. })) {
        end += 1;
    }
    if matches!(messages.get(end), Some(Message::User { .. })) {
        end += 1;
    }
    end
}

/// Index of the `keep`-th assistant message from the end, if there are that many.
fn tail_start(messages: &[Message], keep: usize) -> Option<usize> {
    messages
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, m)| matches!(m, Message::Assistant(_)))
        .nth(keep.saturating_sub(1))
        .map(|(i, _)| i)
}

fn tool_calls(messages: &[Message]) -> impl Iterator<Item = &ToolCall> {
    messages.iter().flat_map(|m| match m {
        Message::Assistant(a) => a.tool_calls.as_slice(),
        _ => &[],
    })
}

/// The history record of each tool call in `middle`, aligned from the end of the history
/// (the calls after `middle` are the newest records); `None` where the alignment does not
/// hold, e.g. a call the loop did not record.
fn records_for<'a>(
    state: &'a RunState,
    middle: &[Message],
    tail: &[Message],
) -> Vec<Option<&'a CallRecord>> {
    let in_tail = tool_calls(tail).count();
    let calls: Vec<&ToolCall> = tool_calls(middle).collect();
    let Some(end) = state.history.len().checked_sub(in_tail) else {
        return vec![None; calls.len()];
    };
    let Some(start) = end.checked_sub(calls.len()) else {
        return vec![None; calls.len()];
    };
    calls
        .iter()
        .zip(&state.history[start..end])
        .map(|(call, record)| same_call(record, call).then_some(record))
        .collect()
}

/// A one-line description of a call.
fn describe(call: &ToolCall) -> String {
    let arg = |name: &str| call.arguments.get(name).and_then(|v| v.as_str());
    match (arg("command"), arg("path")) {
        (Some(command), _) => format!("{} `{}`", call.name, clip(command.trim(), 200)),
        (None, Some(path)) => format!("{} {}", call.name, clip(path, 200)),
        _ => format!("{} {}", call.name, clip(&call.raw_arguments, 120)),
    }
}

/// The extractive summary of `middle`.
fn summarize(middle: &[Message], records: &[Option<&CallRecord>], tokens: u64) -> String {
    let mut actions = Vec::new();
    let mut errors = Vec::new();
    let mut files: Vec<String> = Vec::new();
    let mut previous = None;
    let mut last_note = None;
    let mut records = records.iter();
    for message in middle {
        match message {
            Message::User { content } if content.starts_with(SUMMARY_MARKER) => {
                let body = content.split_once('\n').map_or("", |(_, body)| body);
                previous = Some(clip(body.trim(), MAX_PREVIOUS));
            }
            Message::Assistant(a) => {
                if let Some(text) = a.content.as_deref().filter(|t| !t.trim().is_empty()) {
                    last_note = Some(clip(text.trim(), 400));
                }
                for call in &a.tool_calls {
                    let record = records.next().copied().flatten();
                    let description = describe(call);
                    let outcome = match record {
                        Some(r) if r.blocked => " -> blocked".to_owned(),
                        Some(r) => match (r.exit_code, r.failed) {
                            (Some(code), _) => format!(" -> exit {code}"),
                            (None, true) => " -> failed".to_owned(),
                            (None, false) => " -> ok".to_owned(),
                        },
                        None => String::new(),
                    };
                    if let Some(r) = record.filter(|r| r.failed) {
                        let first = r.output_excerpt.lines().find(|l| !l.trim().is_empty());
                        errors.push(format!(
                            "{description}: {}",
                            clip(first.unwrap_or("").trim(), 200)
                        ));
                    }
                    let writes = matches!(call.name.as_str(), "write_file" | "edit_file")
                        && !record.is_some_and(|r| r.failed);
                    if let Some(path) = call.arguments.get("path").and_then(|p| p.as_str())
                        && writes
                        && !files.iter().any(|f| f == path)
                    {
                        files.push(path.to_owned());
                    }
                    actions.push(format!("{description}{outcome}"));
                }
            }
            _ => {}
        }
    }

    let mut out = format!(
        "{SUMMARY_MARKER}: {} messages (~{tokens} tokens) replaced by this summary. \
         File contents may have changed since; re-read a file before relying on it.]\n",
        middle.len()
    );
    if let Some(previous) = previous {
        out.push_str(&format!("Summary of even earlier turns:\n{previous}\n"));
    }
    push_list(&mut out, "Tool calls (oldest first)", &actions, MAX_ACTIONS);
    if !files.is_empty() {
        let shown: Vec<&str> = files.iter().take(MAX_FILES).map(String::as_str).collect();
        out.push_str(&format!("Files written: {}\n", shown.join(", ")));
    }
    push_list(&mut out, "Errors seen", &errors, MAX_ERRORS);
    if let Some(note) = last_note {
        out.push_str(&format!("Your last remark then: {note}\n"));
    }
    clip(out.trim_end(), MAX_SUMMARY)
}

/// Append a titled list keeping its last `max` items.
fn push_list(out: &mut String, title: &str, items: &[String], max: usize) {
    if items.is_empty() {
        return;
    }
    out.push_str(title);
    out.push_str(":\n");
    let skipped = items.len().saturating_sub(max);
    if skipped > 0 {
        out.push_str(&format!("- ... {skipped} earlier omitted\n"));
    }
    for item in &items[skipped..] {
        out.push_str(&format!("- {item}\n"));
    }
}

#[async_trait]
impl Middleware for ContextCompaction {
    fn kind(&self) -> &str {
        KIND
    }

    async fn before_model(
        &self,
        ctx: &HookContext<'_>,
        messages: &mut Vec<Message>,
    ) -> Vec<Effect> {
        let before = estimate_messages(messages);
        let current = ctx.state.context_tokens.max(before);
        let window = ctx.state.limits.context_window;
        // Precision loss is irrelevant at token scale.
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let threshold = (self.trigger_ratio * window as f64) as u64;
        if current <= threshold {
            return Vec::new();
        }
        let start = head_end(messages);
        let Some(end) = tail_start(messages, self.keep_recent_turns) else {
            return Vec::new();
        };
        let middle = &messages[start.min(end)..end];
        if !middle.iter().any(|m| matches!(m, Message::Assistant(_))) {
            return Vec::new();
        }
        let records = records_for(ctx.state, middle, &messages[end..]);
        let summary = summarize(middle, &records, estimate_messages(middle));
        let replaced = middle.len();
        messages.splice(start..end, [Message::user(summary)]);
        let after = estimate_messages(messages);
        vec![Effect::Note {
            trigger: format!(
                "context ~{current} tokens > {} of {window}",
                self.trigger_ratio
            ),
            what: format!("summarized {replaced} messages into one: ~{before} -> ~{after} tokens"),
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_support::{FakeSandbox, ctx, record, state_with};
    use crate::model::AssistantMessage;
    use serde_json::json;

    /// A conversation of `turns` shell turns, each with a long output, and its history.
    fn conversation(turns: usize) -> (Vec<Message>, Vec<CallRecord>) {
        let mut messages = vec![Message::system("sys"), Message::user("task")];
        let mut history = Vec::new();
        for t in 0..turns {
            let args = json!({"command": format!("step {t}")});
            let id = format!("c{t}");
            messages.push(Message::Assistant(AssistantMessage {
                content: Some(format!("thinking {t}")),
                reasoning: None,
                tool_calls: vec![ToolCall::new(&id, "shell", args.clone())],
            }));
            messages.push(Message::tool(&id, "x".repeat(400)));
            let mut r = record("shell", args, t == 1);
            r.output_excerpt = format!("error in step {t}\nmore");
            history.push(r);
        }
        let path = json!({"path": "out.txt", "content": "hi"});
        messages.push(Message::Assistant(AssistantMessage::with_tool_calls(vec![
            ToolCall::new("w", "write_file", path.clone()),
        ])));
        messages.push(Message::tool("w", "written"));
        history.push(record("write_file", path, false));
        (messages, history)
    }

    #[tokio::test]
    async fn summarizes_the_middle_and_keeps_pairs() {
        let layer =
            ContextCompaction::from_params(&json!({"trigger_ratio": 0.5, "keep_recent_turns": 2}))
                .unwrap();
        let (mut messages, history) = conversation(6);
        let mut state = state_with(history);
        state.limits.context_window = 1000;
        let sandbox = FakeSandbox::new();
        let effects = layer
            .before_model(&ctx(&state, &sandbox), &mut messages)
            .await;
        assert!(matches!(&effects[..], [Effect::Note { what, .. }] if what.contains("->")));
        // system, task, summary, then 2 assistant turns with their results.
        assert_eq!(messages.len(), 3 + 4);
        let Message::User { content } = &messages[2] else {
            panic!("summary expected")
        };
        assert!(content.starts_with(SUMMARY_MARKER));
        assert!(content.contains("shell `step 0` -> exit 0"));
        assert!(content.contains("shell `step 1` -> exit 1"));
        assert!(content.contains("Errors seen:\n- shell `step 1`: error in step 1"));
        assert!(content.contains("Your last remark then: thinking 4"));
        assert!(matches!(&messages[3], Message::Assistant(a) if a.tool_calls[0].id == "c5"));
        assert!(matches!(&messages[4], Message::Tool { tool_call_id, .. } if tool_call_id == "c5"));
        assert!(estimate_messages(&messages) < 600);

        // A second compaction carries the first summary forward.
        let mut more = messages.clone();
        for t in 10..14 {
            let id = format!("c{t}");
            more.push(Message::Assistant(AssistantMessage::with_tool_calls(vec![
                ToolCall::new(&id, "shell", json!({"command": format!("step {t}")})),
            ])));
            more.push(Message::tool(&id, "y".repeat(400)));
        }
        let effects = layer.before_model(&ctx(&state, &sandbox), &mut more).await;
        assert_eq!(effects.len(), 1);
        let Message::User { content } = &more[2] else {
            panic!("summary expected")
        };
        assert!(content.contains("Summary of even earlier turns:"));
        assert!(content.contains("step 0"));
        assert!(content.contains("Files written: out.txt"));
    }

    #[tokio::test]
    async fn leaves_small_or_short_conversations_alone() {
        let layer = ContextCompaction::from_params(&json!({})).unwrap();
        let sandbox = FakeSandbox::new();
        let (mut messages, history) = conversation(6);
        let state = state_with(history);
        let copy = messages.clone();
        assert!(
            layer
                .before_model(&ctx(&state, &sandbox), &mut messages)
                .await
                .is_empty()
        );
        assert_eq!(messages, copy);

        // Over the threshold but with no more turns than are kept.
        let mut state = state;
        state.context_tokens = 1_000_000;
        let (mut messages, _) = conversation(3);
        assert!(
            layer
                .before_model(&ctx(&state, &sandbox), &mut messages)
                .await
                .is_empty()
        );
    }

    #[test]
    fn refuses_bad_ratios() {
        assert!(ContextCompaction::from_params(&json!({"trigger_ratio": 0})).is_err());
        assert!(ContextCompaction::from_params(&json!({"trigger_ratio": 1.5})).is_err());
        assert!(ContextCompaction::from_params(&json!({"trigger_ratio": 1})).is_ok());
    }
}
