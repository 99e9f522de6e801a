//! The typed `params` of the builtin middleware kinds, one struct per kind.
//!
//! The agent runtime deserializes a kind's `params` into these structs, and
//! [`KindRegistry::builtin`](crate::KindRegistry::builtin) publishes their schemas (generated
//! with schemars), so what harness validation accepts and what the runtime accepts are the same
//! thing. A limit JSON Schema cannot state (a valid regular expression) is checked by the
//! kind's constructor only; everything else the constructors check, the schema states too.
//!
//! Omitted parameters take the defaults given on each field. `null` counts as omitted.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::num::{NonZeroU32, NonZeroUsize};

/// A text that is not blank: at least one non-whitespace character.
const NOT_BLANK: &str = r"\S";

/// What `loop_breaker` does when it trips.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoopAction {
    /// Block the repeated call / warn about the call count, and go on.
    #[default]
    Inject,
    /// End the run.
    Stop,
}

/// `loop_breaker`: interrupts repeated identical tool calls and very long tool-call streaks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoopBreakerParams {
    /// Identical calls in a row that count as a loop (default 3). At least 2: one call is
    /// never a loop.
    #[serde(default)]
    #[schemars(range(min = MIN_IDENTICAL_CALLS, max = u32::MAX))]
    pub max_identical_calls: Option<u32>,
    /// Tool calls in one trial after which the agent is warned (default: no limit).
    #[serde(default)]
    #[schemars(range(max = u32::MAX))]
    pub max_tool_calls: Option<NonZeroU32>,
    /// Replaces the default message.
    #[serde(default)]
    #[schemars(regex(pattern = NOT_BLANK))]
    pub message: Option<String>,
    /// `inject` (block and go on, the default) or `stop` (end the run).
    #[serde(default)]
    pub action: LoopAction,
}

/// The smallest `max_identical_calls` (the schema's minimum).
pub const MIN_IDENTICAL_CALLS: u32 = 2;

/// `retry_discipline`: blocks an exact repeat of a command that just failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryDisciplineParams {
    /// How many recent calls are looked at (default 3).
    #[serde(default)]
    #[schemars(range(max = u32::MAX))]
    pub window: Option<NonZeroU32>,
    /// Replaces the default message.
    #[serde(default)]
    #[schemars(regex(pattern = NOT_BLANK))]
    pub message: Option<String>,
}

/// `persistent_env`: keeps the shell's working directory and exported variables across calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersistentEnvParams {}

/// `output_truncation`: keeps head and tail of long tool outputs and spills the rest to a file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputTruncationParams {
    /// Bytes kept from the start (default 4000).
    #[serde(default)]
    pub head_bytes: Option<NonZeroUsize>,
    /// Bytes kept from the end (default 2000).
    #[serde(default)]
    pub tail_bytes: Option<NonZeroUsize>,
    /// Write the whole output to a file in the sandbox and name it (default true).
    #[serde(default)]
    pub spill_to_file: Option<bool>,
}

/// `context_compaction`: summarizes old turns when the context nears the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContextCompactionParams {
    /// Share of the context window at which compaction starts, in (0, 1] (default 0.8).
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0, "maximum" = 1))]
    pub trigger_ratio: Option<f64>,
    /// Recent turns kept verbatim (default 6).
    #[serde(default)]
    pub keep_recent_turns: Option<NonZeroUsize>,
}

/// `turn_reminder`: reminds the model of its remaining turn budget.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TurnReminderParams {
    /// Remind every this many turns (default 10).
    #[serde(default)]
    #[schemars(range(max = u32::MAX))]
    pub every_turns: Option<NonZeroU32>,
    /// Also remind once when this many turns are left (default: not).
    #[serde(default)]
    #[schemars(range(max = u32::MAX))]
    pub remaining_at: Option<NonZeroU32>,
    /// Replaces the default message.
    #[serde(default)]
    #[schemars(regex(pattern = NOT_BLANK))]
    pub message: Option<String>,
}

/// `verify_before_finish`: blocks the first finish until the agent has run a check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBeforeFinishParams {
    /// Text a successful command must contain to count as the check (default: any command
    /// that looks like a test run).
    #[serde(default)]
    #[schemars(regex(pattern = NOT_BLANK))]
    pub check_command: Option<String>,
    /// Replaces the default message.
    #[serde(default)]
    #[schemars(regex(pattern = NOT_BLANK))]
    pub message: Option<String>,
    /// How many finishes are blocked at most (default 1).
    #[serde(default)]
    #[schemars(range(max = u32::MAX))]
    pub max_blocks: Option<NonZeroU32>,
}

/// `tool_error_hint`: appends a hint to tool errors that match a pattern.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolErrorHintParams {
    /// The hints, tried in order.
    #[serde(default)]
    pub hints: Vec<ErrorHint>,
}

/// One hint of `tool_error_hint`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorHint {
    /// A regular expression over the tool output (multi-line: `^`/`$` match at line ends).
    #[schemars(regex(pattern = NOT_BLANK))]
    pub pattern: String,
    /// The text appended when it matches.
    #[schemars(regex(pattern = NOT_BLANK))]
    pub hint: String,
}

/// `similar_failure_recall`: after a failure, recalls similar past failures from the trace
/// store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SimilarFailureRecallParams {
    /// Past failures shown at most (default 3).
    #[serde(default)]
    pub max_results: Option<NonZeroUsize>,
    /// Smallest similarity score shown (default: any).
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub min_score: Option<f64>,
}

/// A builtin middleware kind: its name, one line on what it does, and its params' schema.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltinKind {
    /// Name used in harness files.
    pub name: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// JSON Schema of its `params`, generated from its params struct.
    pub params_schema: serde_json::Value,
}

fn kind<T: JsonSchema>(name: &'static str, description: &'static str) -> BuiltinKind {
    BuiltinKind {
        name,
        description,
        params_schema: serde_json::Value::from(schemars::schema_for!(T)),
    }
}

/// Every builtin middleware kind, schemas generated from the structs of this module.
pub fn builtin_kinds() -> Vec<BuiltinKind> {
    vec![
        kind::<LoopBreakerParams>(
            "loop_breaker",
            "Interrupts repeated identical tool calls and very long tool-call streaks.",
        ),
        kind::<RetryDisciplineParams>(
            "retry_discipline",
            "Blocks an exact repeat of a command that just failed.",
        ),
        kind::<PersistentEnvParams>(
            "persistent_env",
            "Keeps the shell's working directory and exported variables across calls.",
        ),
        kind::<OutputTruncationParams>(
            "output_truncation",
            "Keeps head and tail of long tool outputs and spills the rest to a file.",
        ),
        kind::<ContextCompactionParams>(
            "context_compaction",
            "Summarizes old turns when the context nears the window.",
        ),
        kind::<TurnReminderParams>(
            "turn_reminder",
            "Reminds the model of its remaining turn budget.",
        ),
        kind::<VerifyBeforeFinishParams>(
            "verify_before_finish",
            "Blocks the first finish until the agent has run a check.",
        ),
        kind::<ToolErrorHintParams>(
            "tool_error_hint",
            "Appends a hint to tool errors that match a pattern.",
        ),
        kind::<SimilarFailureRecallParams>(
            "similar_failure_recall",
            "After a failure, recalls similar past failures from the trace store.",
        ),
    ]
}
