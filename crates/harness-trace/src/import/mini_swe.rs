//! mini-swe-agent trajectories (`*.traj.json`).
//!
//! ```text
//! { "instance_id": str, "trajectory_format": "mini-swe-agent-1" | "mini-swe-agent-1.1",
//!   "info": { "exit_status": str, "submission": str, "mini_version": str,
//!             "model_stats": {"instance_cost": float, "api_calls": int},
//!             "config": {"agent": {...}, "model": {"model_name": str, ...}, "environment": {...}} },
//!   "messages": [ {"role": "system" | "user" | "assistant", "content": str, "extra"?: {...}} ] }
//! ```
//!
//! Mapping: each assistant message is a model call (its input the messages since the
//! previous one) whose response requests one `bash` call with the command of its fenced
//! block (or of its `extra.actions` in format 1.1); the next user message is that call's result (`<returncode>N</returncode>` and
//! `<output>...</output>`), or, when the action could not be parsed (no block, or several),
//! a call refused for its arguments with the format error as its error. The final
//! submission (`echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT ...` or
//! `MINI_SWE_AGENT_FINAL_OUTPUT`) is a `submit` call. `info.exit_status` gives the finish
//! status; the outcome comes from a sidecar ([`Outcomes`]).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::outcomes::Outcomes;
use super::{
    ImportOptions, ImportProblem, ImportedIdentity, ImportedTrial, ImportedTurn, TraceBuilder,
    text_of,
};
use crate::event::{
    AgentInfo, Event, Finish, FinishStatus, Message, ModelInfo, Role, TokenUsage, ToolCall,
    ToolCallRequest,
};

/// The formats read.
pub const FORMATS: [&str; 2] = ["mini-swe-agent-1", "mini-swe-agent-1.1"];
/// The source label of imported trials.
pub const SOURCE: &str = "mini-swe-agent";
/// Words of a command that submits the final output.
const SUBMIT_MARKERS: [&str; 2] = [
    "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT",
    "MINI_SWE_AGENT_FINAL_OUTPUT",
];

/// Every `*.traj.json` under `dir` (or `dir` itself when it is a file), sorted.
pub fn find_trajectories(dir: &Path) -> Vec<PathBuf> {
    if dir.is_file() {
        return vec![dir.to_owned()];
    }
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".traj.json"))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Read one trajectory file.
pub fn read(
    path: &Path,
    outcomes: &Outcomes,
    options: &ImportOptions,
) -> Result<ImportedTrial, ImportProblem> {
    let bytes = std::fs::read(path).map_err(|e| ImportProblem {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let fallback = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".traj.json"))
        .unwrap_or_default();
    parse(&bytes, fallback, outcomes, options).map_err(|reason| ImportProblem {
        path: path.to_owned(),
        reason,
    })
}

/// Parse a trajectory's bytes (`fallback_id` is used when `instance_id` is missing, as in
/// files named `<id>.traj.json`). Errors name the field.
pub fn parse(
    bytes: &[u8],
    fallback_id: &str,
    outcomes: &Outcomes,
    options: &ImportOptions,
) -> Result<ImportedTrial, String> {
    let root: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    if !root.is_object() {
        return Err("expected a JSON object".to_owned());
    }
    if let Some(format) = root.get("trajectory_format") {
        let format = format.as_str().unwrap_or_default();
        if !FORMATS.contains(&format) {
            return Err(format!(
                "field `trajectory_format`: `{format}` is not one of {FORMATS:?}"
            ));
        }
    }
    let instance = match root.get("instance_id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => id.to_owned(),
        _ if !fallback_id.is_empty() => fallback_id.to_owned(),
        _ => return Err("field `instance_id` is missing".to_owned()),
    };
    let messages = root
        .get("messages")
        .and_then(Value::as_array)
        .ok_or("field `messages`: expected an array")?;
    let info = root.get("info").cloned().unwrap_or(Value::Null);
    let config = info.get("config").cloned().unwrap_or(Value::Null);
    let model_name = config
        .pointer("/model/model_name")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    let harness = serde_json::to_vec(&config.get("agent").cloned().unwrap_or(Value::Null))
        .unwrap_or_default();
    let mut builder = TraceBuilder::new(
        options,
        ImportedIdentity {
            source: SOURCE,
            task_id: &instance,
            repeat: 0,
            agent: AgentInfo {
                name: SOURCE.to_owned(),
                version: info
                    .get("mini_version")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
                    .to_owned(),
            },
            model: ModelInfo {
                name: model_name,
                provider: None,
            },
            harness: &harness,
            started_at: None,
        },
    );
    let mut pending: Vec<Message> = Vec::new();
    let mut turn = 0u32;
    let mut open_call: Option<(String, String, Option<String>)> = None; // (id, command, format error)
    for (i, message) in messages.iter().enumerate() {
        let role = message
            .get("role")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let content = message.get("content").map(text_of).unwrap_or_default();
        match role {
            "assistant" => {
                turn += 1;
                let id = format!("call_{turn}");
                // Format 1.1 lists the parsed actions; older files have only the text.
                let actions = listed_actions(message).unwrap_or_else(|| bash_blocks(&content));
                let (request, call) = match actions.as_slice() {
                    [command] => {
                        let name = if is_submission(command) {
                            "submit"
                        } else {
                            "bash"
                        };
                        let request = ToolCallRequest {
                            id: id.clone(),
                            name: name.to_owned(),
                            arguments: serde_json::json!({"command": command}),
                        };
                        (Some(request), (id, command.clone(), None))
                    }
                    _ => (
                        None,
                        (
                            id,
                            String::new(),
                            Some(format!("{} actions", actions.len())),
                        ),
                    ),
                };
                builder.model_call(
                    None,
                    ImportedTurn {
                        turn,
                        model: None,
                        input: std::mem::take(&mut pending),
                        content,
                        reasoning: None,
                        tool_calls: request.into_iter().collect(),
                        usage: TokenUsage::default(),
                        cost_usd: message.pointer("/extra/cost").and_then(Value::as_f64),
                    },
                );
                open_call = Some(call);
            }
            "user" | "tool" if open_call.is_some() => {
                let Some((id, command, format_error)) = open_call.take() else {
                    continue;
                };
                let event = observation(&mut builder, id, command, format_error, content);
                builder.push(None, event);
            }
            "system" => pending.push(Message::text(Role::System, content)),
            "user" | "tool" => pending.push(Message::text(Role::User, content)),
            other => {
                return Err(format!(
                    "field `messages[{i}].role`: unknown role `{other}`"
                ));
            }
        }
    }
    let exit_status = info
        .get("exit_status")
        .and_then(Value::as_str)
        .unwrap_or_default();
    builder.push(
        None,
        Event::Finish(Finish {
            status: finish_status(exit_status),
            turns: turn,
            message: (!exit_status.is_empty()).then(|| exit_status.to_owned()),
        }),
    );
    builder.verdict(outcomes.reward(&instance), None);
    Ok(builder.finish())
}

/// The tool call answering an action.
fn observation(
    builder: &mut TraceBuilder,
    id: String,
    command: String,
    format_error: Option<String>,
    content: String,
) -> Event {
    if let Some(count) = format_error {
        let first = content
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("format error");
        return Event::ToolCall(ToolCall {
            call_id: id,
            name: "bash".to_owned(),
            arguments: Value::String(format!("<{count}>")),
            output: builder.output(content.clone()),
            exit_code: None,
            duration_ms: 0,
            error: Some(first.chars().take(300).collect()),
        });
    }
    let name = if is_submission(&command) {
        "submit"
    } else {
        "bash"
    };
    let exit_code = between(&content, "<returncode>", "</returncode>")
        .and_then(|c| c.trim().parse::<i32>().ok());
    let output = between(&content, "<output>", "</output>")
        .or_else(|| between(&content, "<output_head>", "</output_tail>"))
        .map(str::to_owned)
        .unwrap_or_else(|| content.clone());
    let lower = content.to_lowercase();
    let error = (exit_code.is_none() && name == "bash" && lower.contains("timed out"))
        .then(|| "timed out".to_owned());
    Event::ToolCall(ToolCall {
        call_id: id,
        name: name.to_owned(),
        arguments: serde_json::json!({"command": command}),
        output: builder.output(output),
        exit_code,
        duration_ms: 0,
        error,
    })
}

/// The commands of a message's `extra.actions` (format 1.1): strings, or objects with a
/// `command` (or `action`) string. `None` when the message has no such list.
fn listed_actions(message: &Value) -> Option<Vec<String>> {
    let actions = message.pointer("/extra/actions")?.as_array()?;
    let commands: Vec<String> = actions
        .iter()
        .filter_map(|a| match a {
            Value::String(command) => Some(command.clone()),
            other => other
                .get("command")
                .or_else(|| other.get("action"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
        .collect();
    (!commands.is_empty()).then_some(commands)
}

fn is_submission(command: &str) -> bool {
    SUBMIT_MARKERS.iter().any(|m| command.contains(m))
}

/// The contents of the fenced bash blocks of an assistant message.
pub fn bash_blocks(content: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut rest = content;
    while let Some(start) = rest.find("```bash") {
        let after = &rest[start + "```bash".len()..];
        let Some(body_start) = after.find('\n') else {
            break;
        };
        let body = &after[body_start + 1..];
        let Some(end) = body.find("```") else { break };
        blocks.push(body[..end].trim_end_matches('\n').to_owned());
        rest = &body[end + 3..];
    }
    blocks
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].rfind(close)? + start;
    Some(text[start..end].trim_start_matches('\n'))
}

fn finish_status(exit_status: &str) -> FinishStatus {
    let lower = exit_status.to_lowercase();
    if lower == "submitted" {
        FinishStatus::Finished
    } else if lower.contains("limit") {
        FinishStatus::MaxTurns
    } else if lower.contains("timeout") {
        FinishStatus::Timeout
    } else if lower.contains("context") {
        FinishStatus::ContextOverflow
    } else {
        FinishStatus::AgentError
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_of_a_message() {
        assert_eq!(
            bash_blocks("THOUGHT: x\n\n```bash\nls -la\n```\n"),
            ["ls -la"]
        );
        assert_eq!(bash_blocks("```bash\na\n```\n```bash\nb\n```").len(), 2);
        assert!(bash_blocks("no block").is_empty());
        assert!(bash_blocks("```bash").is_empty());
    }

    #[test]
    fn exit_statuses() {
        assert_eq!(finish_status("Submitted"), FinishStatus::Finished);
        assert_eq!(finish_status("LimitsExceeded"), FinishStatus::MaxTurns);
        assert_eq!(
            finish_status("ContextWindowExceededError"),
            FinishStatus::ContextOverflow
        );
    }
}
