//! What the simulator reads from the conversation: the result of its last call and the
//! tagged notes of the harness since then. It reads structure only (exit codes, which layer
//! a note or block came from, truncation markers, machine-readable substitutions), never the
//! wording of prompts or notes.

use harness_agent::agent::{HINTS_KIND, SUBSTITUTE_PREFIX};
use harness_agent::middleware::parse_note;
use harness_agent::model::Message;

use crate::rewrite::Substitution;

/// Kind name of the tool-error hint layer, whose notes are appended to tool errors.
pub const TOOL_ERROR_HINT: &str = "tool_error_hint";

/// The result of the simulator's last call, as it reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallResult {
    /// The whole text.
    pub content: String,
    /// The layer that blocked the call (or refused the finish), if one did.
    pub blocked_by: Option<String>,
    /// The shell's exit code, when the call ran a command.
    pub exit_code: Option<i32>,
    /// Blocked, refused, not run, or a non-zero exit.
    pub failed: bool,
    /// Part of the output was cut (`[... N bytes omitted ...]`).
    pub truncated: bool,
    /// A `tool_error_hint` note is attached.
    pub error_hint: bool,
}

/// One tagged note of the harness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The layer that wrote it (`loop_breaker`, `memory_hints`, `rule:<name>` ...).
    pub layer: String,
    /// A substitution it carries (memory hints only).
    pub substitute: Option<Substitution>,
}

/// Everything new since the simulator's last reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observation {
    /// The result of its last call, if the conversation still holds it.
    pub result: Option<CallResult>,
    /// The notes, in order.
    pub notes: Vec<Note>,
}

/// Read the messages after the last assistant message (all of them on the first call).
pub fn observe(messages: &[Message]) -> Observation {
    let last_assistant = messages
        .iter()
        .rposition(|m| matches!(m, Message::Assistant(_)));
    let start = last_assistant.map_or(0, |i| i + 1);
    let mut observation = Observation::default();
    for message in &messages[start..] {
        match message {
            Message::Tool { content, .. } if observation.result.is_none() => {
                observation.result = Some(read_result(content));
            }
            Message::User { content } => observation.notes.extend(read_notes(content)),
            _ => {}
        }
    }
    observation
}

fn read_result(content: &str) -> CallResult {
    let exit_code = content.rfind("[exit code ").and_then(|at| {
        let digits: String = content[at + 11..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-')
            .collect();
        digits.parse().ok()
    });
    // A command's own output may start with `[word] `; only a call that never ran is a block.
    let blocked_by = match exit_code {
        Some(_) => None,
        None => parse_note(content).map(|(layer, _)| layer.to_owned()),
    };
    let error_hint = content
        .lines()
        .any(|l| parse_note(l).is_some_and(|(layer, _)| layer == TOOL_ERROR_HINT));
    CallResult {
        failed: blocked_by.is_some() || exit_code != Some(0),
        truncated: content.contains(" bytes omitted"),
        error_hint,
        blocked_by,
        exit_code,
        content: content.to_owned(),
    }
}

/// Tagged notes in a user message: each starts at a line `[<layer>] ...` and runs to the
/// next such line.
fn read_notes(content: &str) -> Vec<Note> {
    let mut notes: Vec<Note> = Vec::new();
    for line in content.lines() {
        if let Some((layer, _)) = parse_note(line) {
            notes.push(Note {
                layer: layer.to_owned(),
                substitute: None,
            });
            continue;
        }
        if let (Some(note), Some(json)) = (notes.last_mut(), line.strip_prefix(SUBSTITUTE_PREFIX))
            && note.layer == HINTS_KIND
            && let Ok(sub) = serde_json::from_str::<Substitution>(json)
        {
            note.substitute = Some(sub);
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness_agent::model::{AssistantMessage, ToolCall};
    use serde_json::json;

    fn call() -> Message {
        Message::Assistant(AssistantMessage::with_tool_calls(vec![ToolCall::new(
            "c1",
            "shell",
            json!({"command": "ls"}),
        )]))
    }

    #[test]
    fn reads_exit_codes_blocks_and_hints() {
        let messages = vec![
            Message::system("s"),
            Message::user(
                "task\n\n[memory_hints] hint a: advice\nsubstitute: {\"from\":\"gawk\",\"to\":\"awk\"}",
            ),
            call(),
            Message::tool(
                "c1",
                "gawk: command not found\n[exit code 127]\n[tool_error_hint] use awk",
            ),
            Message::user("[turn_reminder] 3 turns left"),
        ];
        let obs = observe(&messages);
        let result = obs.result.unwrap();
        assert_eq!(result.exit_code, Some(127));
        assert!(result.failed && result.error_hint && result.blocked_by.is_none());
        assert_eq!(obs.notes.len(), 1);
        assert_eq!(obs.notes[0].layer, "turn_reminder");

        let first = observe(&messages[..2]);
        assert_eq!(
            first.notes[0].substitute,
            Some(Substitution {
                from: "gawk".into(),
                to: "awk".into()
            })
        );
    }

    #[test]
    fn blocks_are_failures_without_exit_codes() {
        let messages = vec![call(), Message::tool("c1", "[loop_breaker] looping")];
        let result = observe(&messages).result.unwrap();
        assert_eq!(result.blocked_by.as_deref(), Some("loop_breaker"));
        assert!(result.failed);
        let ok = observe(&[
            call(),
            Message::tool("c1", "a\n[... 5 bytes omitted ...]\nb\n[exit code 0]"),
        ]);
        let ok = ok.result.unwrap();
        assert!(!ok.failed && ok.truncated);
    }
}
