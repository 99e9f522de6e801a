//! Harbor job folders: `<job>/<trial>/result.json` and `<job>/<trial>/agent/trajectory.json`
//! (ATIF) per trial.
//!
//! Mapping of ATIF steps: `system` and `user` steps are the input of the next model call;
//! an `agent` step is a model call (message, reasoning, requested tool calls, token
//! metrics) followed by one tool call per requested call, answered by the observation
//! result with the same `source_call_id`. Exit codes are not an ATIF field: they are read
//! from the result text when it states one (`[exit code N]`, `<returncode>N</returncode>`,
//! `Exit code: N`). The outcome is `verifier_result.rewards` of `result.json` (`reward`, or
//! the only reward); `exception_info` gives the finish status. The verifier's folder
//! (`verifier/test-stdout.txt`) is never opened.

use std::path::{Path, PathBuf};

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{
    ImportOptions, ImportProblem, ImportedIdentity, ImportedTrial, ImportedTurn, TraceBuilder,
    text_of,
};
use crate::event::{
    AgentInfo, Event, Finish, FinishStatus, Message, ModelInfo, OutcomeClass, Role, TokenUsage,
    ToolCall, ToolCallRequest,
};

/// The source label of imported trials.
pub const SOURCE: &str = "harbor";

/// The trial folders of a job folder (those holding a `result.json`), sorted; a trial
/// folder given directly is its own list.
pub fn find_trials(job: &Path) -> Vec<PathBuf> {
    if job.join("result.json").is_file() && job.join("agent").is_dir() {
        return vec![job.to_owned()];
    }
    let Ok(entries) = std::fs::read_dir(job) else {
        return Vec::new();
    };
    let mut trials: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && p.join("result.json").is_file())
        .collect();
    trials.sort();
    trials
}

/// Read one trial folder.
pub fn read(trial_dir: &Path, options: &ImportOptions) -> Result<ImportedTrial, ImportProblem> {
    let problem = |path: PathBuf, reason: String| ImportProblem { path, reason };
    let result_path = trial_dir.join("result.json");
    let result =
        std::fs::read(&result_path).map_err(|e| problem(result_path.clone(), e.to_string()))?;
    let trajectory_path = trial_dir.join("agent").join("trajectory.json");
    let trajectory = std::fs::read(&trajectory_path)
        .map_err(|e| problem(trajectory_path.clone(), e.to_string()))?;
    let folder = trial_dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    parse(&result, &trajectory, folder, options).map_err(|(file, reason)| {
        let path = if file == "result.json" {
            result_path
        } else {
            trajectory_path
        };
        problem(path, reason)
    })
}

/// Parse a trial's `result.json` and `trajectory.json` bytes. Errors name the file and
/// field.
pub fn parse(
    result: &[u8],
    trajectory: &[u8],
    folder: &str,
    options: &ImportOptions,
) -> Result<ImportedTrial, (&'static str, String)> {
    let in_result = |e: String| ("result.json", e);
    let in_trajectory = |e: String| ("trajectory.json", e);
    let result: Value =
        serde_json::from_slice(result).map_err(|e| in_result(format!("not JSON: {e}")))?;
    if !result.is_object() {
        return Err(in_result("expected a JSON object".to_owned()));
    }
    let root: Value =
        serde_json::from_slice(trajectory).map_err(|e| in_trajectory(format!("not JSON: {e}")))?;
    let steps = root
        .get("steps")
        .and_then(Value::as_array)
        .ok_or_else(|| in_trajectory("field `steps`: expected an array".to_owned()))?;
    let task = result
        .get("task_name")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| folder.split("__").next().map(str::to_owned))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| in_result("field `task_name` is missing".to_owned()))?;
    let repeat = folder
        .rsplit("__")
        .next()
        .and_then(|r| r.parse::<u32>().ok())
        .unwrap_or(0);
    let agent = root.get("agent").cloned().unwrap_or(Value::Null);
    let agent_name = agent
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    let harness = serde_json::to_vec(&agent).unwrap_or_default();
    let started_at = result
        .get("started_at")
        .and_then(Value::as_str)
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
    let mut builder = TraceBuilder::new(
        options,
        ImportedIdentity {
            source: SOURCE,
            task_id: &task,
            repeat,
            agent: AgentInfo {
                name: agent_name,
                version: agent
                    .get("version")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
                    .to_owned(),
            },
            model: ModelInfo {
                name: agent
                    .get("model_name")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
                    .to_owned(),
                provider: None,
            },
            harness: &harness,
            started_at,
        },
    );
    let mut pending: Vec<Message> = Vec::new();
    let mut turn = 0u32;
    for (i, step) in steps.iter().enumerate() {
        let source = step
            .get("source")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let message = step.get("message").map(text_of).unwrap_or_default();
        let ts = step
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
        match source {
            "system" => pending.push(Message::text(Role::System, message)),
            "user" => pending.push(Message::text(Role::User, message)),
            "agent" => {
                turn += 1;
                agent_step(&mut builder, step, turn, message, ts, &mut pending);
            }
            other => {
                return Err(in_trajectory(format!(
                    "field `steps[{i}].source`: unknown source `{other}`"
                )));
            }
        }
    }
    let exception = result
        .get("exception_info")
        .filter(|e| !e.is_null())
        .map(|e| {
            e.get("exception_type")
                .and_then(Value::as_str)
                .unwrap_or("exception")
                .to_owned()
        });
    // Our own exports record how the loop ended under the root's `extra`.
    let exported = root
        .pointer("/extra/finish/status")
        .and_then(Value::as_str)
        .and_then(FinishStatus::parse);
    let status = match exception.as_deref() {
        None => exported.unwrap_or(FinishStatus::Finished),
        Some(e) if e.to_lowercase().contains("timeout") => FinishStatus::Timeout,
        Some(e) if e.to_lowercase().contains("context") => FinishStatus::ContextOverflow,
        Some(_) => FinishStatus::AgentError,
    };
    builder.push(
        None,
        Event::Finish(Finish {
            status,
            turns: turn,
            message: exception.clone(),
        }),
    );
    let rewards = result
        .pointer("/verifier_result/rewards")
        .and_then(Value::as_object);
    let reward = rewards.and_then(|r| {
        r.get("reward")
            .or_else(|| {
                if r.len() == 1 {
                    r.values().next()
                } else {
                    None
                }
            })
            .and_then(Value::as_f64)
    });
    let class = match (reward, &exception) {
        (None, Some(_)) => Some(OutcomeClass::AgentError),
        _ => None,
    };
    builder.verdict(reward, class);
    Ok(builder.finish())
}

fn agent_step(
    builder: &mut TraceBuilder,
    step: &Value,
    turn: u32,
    message: String,
    ts: Option<OffsetDateTime>,
    pending: &mut Vec<Message>,
) {
    let calls: Vec<&Value> = step
        .get("tool_calls")
        .and_then(Value::as_array)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    let requests: Vec<ToolCallRequest> = calls
        .iter()
        .enumerate()
        .map(|(k, call)| ToolCallRequest {
            id: call
                .get("tool_call_id")
                .and_then(Value::as_str)
                .map_or_else(|| format!("call_{turn}_{k}"), str::to_owned),
            name: call
                .get("function_name")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_owned(),
            arguments: call.get("arguments").cloned().unwrap_or(Value::Null),
        })
        .collect();
    let metric = |name: &str| {
        step.pointer(&format!("/metrics/{name}"))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    builder.model_call(
        ts,
        ImportedTurn {
            turn,
            model: step
                .get("model_name")
                .and_then(Value::as_str)
                .map(str::to_owned),
            input: std::mem::take(pending),
            content: message,
            reasoning: step
                .get("reasoning_content")
                .map(text_of)
                .filter(|r| !r.is_empty()),
            tool_calls: requests.clone(),
            usage: TokenUsage {
                input_tokens: metric("prompt_tokens"),
                output_tokens: metric("completion_tokens"),
                cached_tokens: metric("cached_tokens"),
            },
            cost_usd: step.pointer("/metrics/cost_usd").and_then(Value::as_f64),
        },
    );
    let results: Vec<&Value> = step
        .pointer("/observation/results")
        .and_then(Value::as_array)
        .map(|r| r.iter().collect())
        .unwrap_or_default();
    for request in requests {
        let result = results
            .iter()
            .find(|r| r.get("source_call_id").and_then(Value::as_str) == Some(request.id.as_str()));
        let content = result
            .and_then(|r| r.get("content"))
            .map(text_of)
            .unwrap_or_default();
        // Our own exports say exit code, error and duration under the result's `extra`.
        let extra = |key: &str| result.and_then(|r| r.get("extra")).and_then(|e| e.get(key));
        let exit_code = extra("exit_code")
            .and_then(Value::as_i64)
            .and_then(|c| i32::try_from(c).ok())
            .or_else(|| stated_exit_code(&content));
        let error = extra("error")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| refusal(&content, exit_code));
        let duration_ms = extra("duration_ms").and_then(Value::as_u64).unwrap_or(0);
        let output = builder.output(content);
        builder.push(
            ts,
            Event::ToolCall(ToolCall {
                call_id: request.id,
                name: request.name,
                arguments: request.arguments,
                output,
                exit_code,
                duration_ms,
                error,
            }),
        );
    }
}

/// The first line of a result that reads as a refused call (no exit code, and it starts
/// with `invalid argument`, `error`, `unknown tool` ...): the call never ran.
fn refusal(content: &str, exit_code: Option<i32>) -> Option<String> {
    if exit_code.is_some() {
        return None;
    }
    let first = content.lines().find(|l| !l.trim().is_empty())?.trim();
    let lower = first.to_lowercase();
    [
        "invalid argument",
        "error",
        "unknown tool",
        "failed to parse",
        "tool error",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
    .then(|| first.chars().take(300).collect())
}

/// An exit code the text states: `[exit code N]`, `<returncode>N</returncode>`,
/// `Exit code: N` (the last one stated).
pub fn stated_exit_code(text: &str) -> Option<i32> {
    let patterns: [(&str, &str); 4] = [
        ("[exit code ", "]"),
        ("<returncode>", "</returncode>"),
        ("Exit code: ", "\n"),
        ("exit_code: ", "\n"),
    ];
    let mut best: Option<(usize, i32)> = None;
    for (open, close) in patterns {
        if let Some(start) = text.rfind(open) {
            let rest = &text[start + open.len()..];
            let end = rest.find(close).unwrap_or(rest.len());
            let number: String = rest[..end]
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '-')
                .collect();
            if let Ok(code) = number.parse::<i32>()
                && best.is_none_or(|(at, _)| start > at)
            {
                best = Some((start, code));
            }
        }
    }
    best.map(|(_, code)| code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_in_text() {
        assert_eq!(stated_exit_code("ok\n[exit code 2]"), Some(2));
        assert_eq!(stated_exit_code("<returncode>127</returncode>"), Some(127));
        assert_eq!(stated_exit_code("Exit code: 1\nmore"), Some(1));
        assert_eq!(stated_exit_code("nothing"), None);
    }
}
