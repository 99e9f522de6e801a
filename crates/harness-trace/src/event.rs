//! The event model of one trial: a header, then steps.
//!
//! On disk every event is one JSON object on one line (see `crate::jsonl`):
//! `{"seq": 3, "ts": "2026-05-01T12:00:03.123456Z", "type": "tool_call", ...}`. The first line
//! is the [`TraceHeader`] (`seq` 0); steps follow with `seq` 1, 2, ... in order. `ts` is when
//! the event was appended, which for a call is when it *ended*; calls carry their own
//! durations.
//!
//! The verifier enters a trace only as [`VerifierOutcome`]: rewards (numbers) and an outcome
//! class (an enum). No field of it can hold text, so the verifier's output, which quotes the
//! tests, cannot reach an optimizer through a trace.

use std::collections::BTreeMap;

pub use harness_types::{ContentHash, OutcomeClass, Split};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::TraceError;
use crate::blob::{BlobRef, BlobSource};
use crate::layout::TrialId;

/// Value of [`TraceHeader::format`] written by this version.
pub const TRACE_FORMAT: &str = "harness-trace/1";

/// Longest accepted reward name; names are identifiers, not text.
const MAX_REWARD_NAME: usize = 64;

/// One line of a trace file: sequence number, timestamp and the event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TraceLine {
    /// 0 for the header, then 1, 2, ... without gaps.
    pub seq: u64,
    /// When the event was appended (RFC 3339, UTC, microseconds).
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub ts: OffsetDateTime,
    /// The event.
    #[serde(flatten)]
    pub event: Event,
}

/// What a line records; the `type` key names the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Who ran what: always the first line.
    Header(TraceHeader),
    /// One request to the model and its response.
    ModelCall(ModelCall),
    /// One tool execution.
    ToolCall(ToolCall),
    /// A middleware or rule acted.
    Intervention(Intervention),
    /// The conversation was compacted or truncated.
    Context(ContextEvent),
    /// The agent loop ended.
    Finish(Finish),
    /// The verifier's verdict: rewards and outcome class only.
    Verifier(VerifierOutcome),
}

impl Event {
    /// The `type` tag of this event.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Header(_) => "header",
            Event::ModelCall(_) => "model_call",
            Event::ToolCall(_) => "tool_call",
            Event::Intervention(_) => "intervention",
            Event::Context(_) => "context",
            Event::Finish(_) => "finish",
            Event::Verifier(_) => "verifier",
        }
    }

    /// Check what JSON or the leakage guard cannot take: non-finite numbers (JSON has no
    /// NaN; serde_json would write `null` and the line would not read back) and reward names
    /// that are not short identifiers.
    pub fn validate(&self) -> Result<(), TraceError> {
        let invalid = |message: String| Err(TraceError::InvalidEvent { message });
        match self {
            Event::ModelCall(call) => {
                if let Some(cost) = call.cost_usd
                    && !cost.is_finite()
                {
                    return invalid(format!("model_call.cost_usd is {cost}"));
                }
            }
            Event::Verifier(outcome) => {
                for (name, value) in &outcome.rewards {
                    if !value.is_finite() {
                        return invalid(format!("verifier.rewards.{name} is {value}"));
                    }
                    if !is_reward_name(name) {
                        return invalid(format!(
                            "verifier.rewards: `{}` is not a reward name (1-{MAX_REWARD_NAME} \
                             characters of A-Z a-z 0-9 _ . : -)",
                            name.chars().take(80).collect::<String>()
                        ));
                    }
                }
                if let Some(reward) = outcome.reward
                    && !reward.is_finite()
                {
                    return invalid(format!("verifier.reward is {reward}"));
                }
            }
            Event::Header(header) => {
                if header.format.is_empty() {
                    return invalid("header.format is empty".to_owned());
                }
            }
            Event::ToolCall(_) | Event::Intervention(_) | Event::Context(_) | Event::Finish(_) => {}
        }
        Ok(())
    }
}

fn is_reward_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_REWARD_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'))
}

/// The current time as events carry it: UTC, truncated to microseconds (ISO-8601 readers
/// such as Python's `datetime.fromisoformat` take at most six fraction digits).
pub fn timestamp_now() -> OffsetDateTime {
    truncate_to_micros(OffsetDateTime::now_utc())
}

/// `ts` in UTC with the sub-microsecond part dropped.
pub fn truncate_to_micros(ts: OffsetDateTime) -> OffsetDateTime {
    let utc = ts.to_offset(time::UtcOffset::UTC);
    let micros = utc.nanosecond() / 1_000 * 1_000;
    utc.replace_nanosecond(micros).unwrap_or(utc)
}

/// Who ran the trial, on what: the identity of a trial for caches and comparisons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TraceHeader {
    /// Format of the trace file, [`TRACE_FORMAT`] for this version.
    pub format: String,
    /// The run (job, generation) the trial belongs to.
    pub run_id: String,
    /// The trial, unique within the run; also the trace file's name.
    pub trial_id: TrialId,
    /// Content hash of the harness that ran.
    pub harness_hash: ContentHash,
    /// Task id within its suite.
    pub task_id: String,
    /// Content checksum of the task directory (hex sha256).
    pub task_checksum: String,
    /// The agent.
    pub agent: AgentInfo,
    /// The model.
    pub model: ModelInfo,
    /// Seed of this trial.
    pub seed: u64,
    /// Repeat index, from 0.
    pub repeat: u32,
    /// Split of the task.
    pub split: Split,
    /// Free-form labels (generation, candidate id, host, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// Name and version of the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AgentInfo {
    /// Agent name, e.g. `reference`.
    pub name: String,
    /// Agent version.
    pub version: String,
}

/// The model as the agent addressed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ModelInfo {
    /// Model name as requested, e.g. `qwen3.5-35b-a3b`.
    pub name: String,
    /// Provider, as OpenTelemetry names it (`openai`, `anthropic`, ...), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// Who speaks a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// System prompt.
    System,
    /// User (the task instruction, injected notes).
    User,
    /// The model.
    Assistant,
    /// A tool result.
    Tool,
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Message {
    /// Speaker.
    pub role: Role,
    /// Text content.
    #[serde(default)]
    pub content: String,
    /// The model's reasoning, when the provider returns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    /// Tool calls the model requested (assistant messages).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCallRequest>,
    /// The call this message answers (tool messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    /// A plain text message.
    pub fn text(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            reasoning: None,
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

/// A tool call as the model requested it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolCallRequest {
    /// Call id, matched by [`ToolCall::call_id`].
    pub id: String,
    /// Tool name.
    pub name: String,
    /// Arguments; a JSON object normally, a string when the model's arguments did not parse.
    pub arguments: serde_json::Value,
}

/// Messages held in the event or stored as a blob (a JSON array of [`Message`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "storage", rename_all = "snake_case")]
pub enum Messages {
    /// In the event itself.
    Inline {
        /// The messages.
        messages: Vec<Message>,
    },
    /// In `<run>/blobs/<sha256>`.
    Stored {
        /// The blob.
        blob: BlobRef,
        /// How many messages it holds.
        count: u32,
    },
}

impl Messages {
    /// No messages.
    pub fn none() -> Self {
        Messages::Inline {
            messages: Vec::new(),
        }
    }

    /// The messages, reading a stored list from `blobs`.
    pub fn resolve(&self, blobs: &dyn BlobSource) -> Result<Vec<Message>, TraceError> {
        match self {
            Messages::Inline { messages } => Ok(messages.clone()),
            Messages::Stored { blob, .. } => {
                let bytes = blobs.blob(blob)?;
                serde_json::from_slice(&bytes).map_err(|e| {
                    TraceError::json(format!("stored messages {}", blob.sha256.short()), e)
                })
            }
        }
    }
}

/// Token counts of one model call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TokenUsage {
    /// Prompt tokens, cached ones included.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// Prompt tokens served from the provider's cache.
    #[serde(default)]
    pub cached_tokens: u64,
}

/// An error of a call, as the caller saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CallError {
    /// Short class, e.g. `rate_limit`, `timeout`, `http_500`, `context_length`.
    pub kind: String,
    /// Message.
    pub message: String,
}

/// One model request and its response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModelCall {
    /// Turn number, from 1.
    pub turn: u32,
    /// Model name when it differs from the header's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The messages this call sent that the trace does not hold yet: the whole prompt on the
    /// first call, then what was added since the previous call (tool results, injected
    /// notes), and the rewritten history after a compaction. So each message is recorded
    /// once and the prompt of any call can be rebuilt.
    pub input: Messages,
    /// The assistant's reply; none when the call failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Message>,
    /// Token counts.
    #[serde(default)]
    pub usage: TokenUsage,
    /// Wall time of the request, milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
    /// Cost in US dollars, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// Provider finish reason (`stop`, `length`, `tool_calls`, `content_filter`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// Why the call failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<CallError>,
    /// Failed attempts retried before the outcome above, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<RetryAttempt>,
}

/// One failed attempt of a model call that was retried: kind and status only, no provider
/// text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RetryAttempt {
    /// Error kind (`rate_limited`, `transient`, `malformed_response`, ...).
    pub kind: String,
    /// HTTP status, when the failure had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Wait before the next attempt, in milliseconds.
    #[serde(default)]
    pub wait_ms: u64,
}

/// A tool's output: an excerpt in the event, the whole of it as a blob when longer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ToolOutput {
    /// The output, or its head and tail with a marker in between when it is long.
    pub excerpt: String,
    /// Length of the full output in bytes.
    pub total_bytes: u64,
    /// The full output, when the excerpt is not all of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full: Option<BlobRef>,
}

impl ToolOutput {
    /// An output short enough to keep whole in the event.
    pub fn inline(text: impl Into<String>) -> Self {
        let excerpt = text.into();
        Self {
            total_bytes: excerpt.len() as u64,
            excerpt,
            full: None,
        }
    }
}

/// One tool execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolCall {
    /// Call id; matches a [`ToolCallRequest::id`] of an earlier model response when the model
    /// asked for the call.
    pub call_id: String,
    /// Tool name.
    pub name: String,
    /// Arguments as executed.
    pub arguments: serde_json::Value,
    /// What the tool printed or returned.
    pub output: ToolOutput,
    /// Exit code, for tools that run a process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Wall time, milliseconds.
    #[serde(default)]
    pub duration_ms: u64,
    /// Why the call failed outside its output (timeout, bad arguments, blocked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ToolCall {
    /// An error was reported or the process exited non-zero.
    pub fn failed(&self) -> bool {
        self.error.is_some() || self.exit_code.is_some_and(|code| code != 0)
    }

    /// The text that describes a failure (error, then the output excerpt), if the call failed.
    pub fn failure_text(&self) -> Option<String> {
        if !self.failed() {
            return None;
        }
        Some(match &self.error {
            Some(error) => format!("{error}\n{}", self.output.excerpt),
            None => self.output.excerpt.clone(),
        })
    }
}

/// What a middleware did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InterventionAction {
    /// Added a message to the conversation.
    Inject,
    /// Refused a tool call; the model saw a message instead.
    Block,
    /// Changed a call's arguments.
    Rewrite,
    /// Ended the trial.
    Stop,
    /// Recorded something without changing the run.
    Observe,
}

/// A middleware or rule acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Intervention {
    /// Middleware kind (`loop_breaker`, `retry_discipline`, ...) or `rule`.
    pub kind: String,
    /// Rule name, for declarative rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// What fired it, e.g. `identical_calls(3)`.
    pub trigger: String,
    /// What it did.
    pub action: InterventionAction,
    /// The message injected or returned, or the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The tool call it concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
}

/// How the context was reduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContextKind {
    /// Older turns replaced by a summary.
    Compaction,
    /// Messages or outputs cut.
    Truncation,
}

/// The conversation was compacted or truncated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ContextEvent {
    /// Compaction or truncation.
    pub kind: ContextKind,
    /// Prompt tokens before, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_before: Option<u64>,
    /// Prompt tokens after, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_after: Option<u64>,
    /// Messages removed or replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages_removed: Option<u32>,
    /// What was done, e.g. the summary's first line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Why the agent loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FinishStatus {
    /// The agent said it was done.
    Finished,
    /// The turn limit was reached.
    MaxTurns,
    /// The time limit was reached.
    Timeout,
    /// The model failed and retries did not help.
    ModelError,
    /// The prompt no longer fit the model's context window.
    ContextOverflow,
    /// A middleware stopped the trial.
    Stopped,
    /// The agent itself failed.
    AgentError,
}

impl FinishStatus {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            FinishStatus::Finished => "finished",
            FinishStatus::MaxTurns => "max_turns",
            FinishStatus::Timeout => "timeout",
            FinishStatus::ModelError => "model_error",
            FinishStatus::ContextOverflow => "context_overflow",
            FinishStatus::Stopped => "stopped",
            FinishStatus::AgentError => "agent_error",
        }
    }

    /// Parse a snake_case name.
    pub fn parse(name: &str) -> Option<Self> {
        [
            FinishStatus::Finished,
            FinishStatus::MaxTurns,
            FinishStatus::Timeout,
            FinishStatus::ModelError,
            FinishStatus::ContextOverflow,
            FinishStatus::Stopped,
            FinishStatus::AgentError,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// The agent loop ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finish {
    /// Why.
    pub status: FinishStatus,
    /// Model turns taken.
    pub turns: u32,
    /// The agent's final words or the error, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The verifier's verdict as a trace may hold it: numbers and a class, never text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VerifierOutcome {
    /// Outcome class.
    pub outcome: OutcomeClass,
    /// Named rewards (`reward.json`, or `{"reward": x}` from `reward.txt`). Names are short
    /// identifiers (checked on append).
    #[serde(default)]
    pub rewards: BTreeMap<String, f64>,
    /// The scalar reward the outcome class was derived from, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward: Option<f64>,
    /// Verifier wall time, milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_flat_tagged_objects() {
        let line = TraceLine {
            seq: 4,
            ts: time::macros::datetime!(2026-05-01 12:00:03.123456 UTC),
            event: Event::Finish(Finish {
                status: FinishStatus::MaxTurns,
                turns: 50,
                message: None,
            }),
        };
        let text = serde_json::to_string(&line).unwrap();
        assert_eq!(
            text,
            r#"{"seq":4,"ts":"2026-05-01T12:00:03.123456Z","type":"finish","status":"max_turns","turns":50}"#
        );
        let back: TraceLine = serde_json::from_str(&text).unwrap();
        assert_eq!(back, line);
    }

    #[test]
    fn validate_refuses_nan_and_text_in_reward_names() {
        let mut outcome = VerifierOutcome {
            outcome: OutcomeClass::Pass,
            rewards: BTreeMap::from([("reward".to_owned(), 1.0)]),
            reward: Some(1.0),
            duration_ms: None,
        };
        assert!(Event::Verifier(outcome.clone()).validate().is_ok());
        outcome.rewards.insert("x".into(), f64::NAN);
        assert!(Event::Verifier(outcome.clone()).validate().is_err());
        outcome.rewards.remove("x");
        outcome
            .rewards
            .insert("FAILED test_outputs.py::test_x - assert 3 == 4".into(), 0.0);
        assert!(Event::Verifier(outcome).validate().is_err());
    }

    #[test]
    fn verifier_outcome_has_no_text_field() {
        // The leakage guard, checked on the schema: every property is a number, a map of
        // numbers or the outcome enum.
        let schema = serde_json::to_value(schemars::schema_for!(VerifierOutcome)).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        for (name, property) in properties {
            let text = property.to_string();
            assert!(
                !text.contains("\"string\"") || name == "outcome",
                "{name} may hold text: {text}"
            );
        }
        // The one string is an enum: every alternative is a constant.
        let outcome = &schema["$defs"]["OutcomeClass"]["oneOf"];
        assert!(
            outcome
                .as_array()
                .unwrap()
                .iter()
                .all(|v| v.get("const").is_some()),
            "{outcome}"
        );
    }

    #[test]
    fn timestamps_keep_microseconds() {
        let ts = truncate_to_micros(time::macros::datetime!(2026-01-02 03:04:05.123456789 +02:00));
        assert_eq!(ts, time::macros::datetime!(2026-01-02 01:04:05.123456 UTC));
    }

    #[test]
    fn outcome_names_round_trip() {
        for class in OutcomeClass::ALL {
            assert_eq!(OutcomeClass::parse(class.as_str()), Some(class));
            let json = serde_json::to_string(&class).unwrap();
            assert_eq!(json, format!("\"{}\"", class.as_str()));
        }
    }
}
