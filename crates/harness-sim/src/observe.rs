//! What the simulator reads from the conversation: the result of its last call and the
//! tagged notes of the harness since then. It reads structure (exit codes, whether a layer
//! blocked a call, that a note arrived, truncation markers, machine-readable substitutions,
//! whether a usage note names a parameter), never which layer spoke and never the wording of
//! prompts.

use harness_agent::agent::SUBSTITUTE_PREFIX;
use harness_agent::middleware::parse_note;
use harness_agent::model::Message;

use crate::rewrite::Substitution;

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
    /// Tagged notes a layer appended to the output (a tool-error hint).
    pub attached: Vec<Note>,
}

/// One tagged note of the harness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The layer that wrote it (`loop_breaker`, `memory_hints`, `rule:<name>` ...): kept for
    /// the ground truth, never reacted to.
    pub layer: String,
    /// Its text, continuation lines included.
    pub text: String,
    /// A substitution it carries (a `substitute: {"from": ..., "to": ...}` line).
    pub substitute: Option<Substitution>,
}

impl Note {
    /// Whether the note names `parameter` as a word, or carries a JSON schema: a usage
    /// correction that can fix a malformed call.
    pub fn names_parameter(&self, parameter: &str) -> bool {
        self.text.contains("\"properties\"")
            || self
                .text
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|word| word == parameter)
    }
}

/// Everything new since the simulator's last reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observation {
    /// The result of its last call, if the conversation still holds it.
    pub result: Option<CallResult>,
    /// The notes, in order.
    pub notes: Vec<Note>,
    /// How many messages the conversation holds (it shrinks when it is compacted).
    pub n_messages: usize,
}

/// Read the messages after the last assistant message (all of them on the first call).
pub fn observe(messages: &[Message]) -> Observation {
    let last_assistant = messages
        .iter()
        .rposition(|m| matches!(m, Message::Assistant(_)));
    let start = last_assistant.map_or(0, |i| i + 1);
    let mut observation = Observation {
        n_messages: messages.len(),
        ..Observation::default()
    };
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
    // A block is the whole content. Otherwise layers append their notes after the output
    // (after the exit code line, or after the first line of a call that never ran); tagged
    // lines inside a command's own output are not notes.
    let attached = if blocked_by.is_some() {
        Vec::new()
    } else {
        let tail = match content.rfind("[exit code ") {
            Some(at) => content[at..].split_once('\n').map_or("", |(_, rest)| rest),
            None => content.split_once('\n').map_or("", |(_, rest)| rest),
        };
        read_notes(tail)
    };
    CallResult {
        failed: blocked_by.is_some() || exit_code != Some(0),
        truncated: content.contains(" bytes omitted"),
        attached,
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
        if let Some((layer, text)) = parse_note(line) {
            notes.push(Note {
                layer: layer.to_owned(),
                text: text.to_owned(),
                substitute: None,
            });
            continue;
        }
        let Some(note) = notes.last_mut() else {
            continue;
        };
        match line.strip_prefix(SUBSTITUTE_PREFIX) {
            Some(json) => {
                if let Ok(sub) = serde_json::from_str::<Substitution>(json) {
                    note.substitute = Some(sub);
                }
            }
            None => {
                note.text.push('\n');
                note.text.push_str(line);
            }
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
        assert!(result.failed && result.blocked_by.is_none());
        assert_eq!(result.attached.len(), 1);
        assert_eq!(result.attached[0].text, "use awk");
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
