//! Behaviour detectors: what an agent did that a harness could change, read from a trial's
//! commands and outputs.
//!
//! A [`Detector`] looks at one [`TrialView`] and returns [`Finding`]s, each a
//! [`BehaviourTag`] with the steps that show it, a one-line detail and, when the behaviour
//! is tied to an error, the error text to fingerprint. Detectors read nothing but the view
//! (no harness, no middleware events are required), so they work on imported traces of
//! agents we did not run. Users add their own by implementing the trait and passing it to
//! the miner with the built-in set ([`builtin_detectors`]) or instead of it.

use std::fmt;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::trial::TrialView;

mod argument_errors;
mod command_not_found;
mod context_flooding;
mod context_overflow;
mod exploration;
mod repeat_after_failure;
mod required_artifact;
mod state_lost;
#[cfg(test)]
mod tests;
mod timeouts;
mod unverified_finish;

pub use argument_errors::RepeatedArgumentErrors;
pub use command_not_found::{CommandNotFound, MISSING_PROGRAM_PREFIX};
pub use context_flooding::ContextFlooding;
pub use context_overflow::ContextOverflow;
pub use exploration::ExplorationWithoutProgress;
pub use repeat_after_failure::ExactRepeatAfterFailure;
pub use required_artifact::{RequiredArtifactMissing, named_paths};
pub use state_lost::StateLostBetweenCalls;
pub use timeouts::LongRunningTimeouts;
pub use unverified_finish::FinishWithoutVerification;

/// A behaviour's name: snake_case, chosen by its detector.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct BehaviourTag(String);

impl BehaviourTag {
    /// The same failed call sent again, unchanged.
    pub const EXACT_REPEAT_AFTER_FAILURE: &'static str = "exact_repeat_after_failure";
    /// Many steps without writing anything.
    pub const EXPLORATION_WITHOUT_PROGRESS: &'static str = "exploration_without_progress";
    /// A directory or variable set in one shell call, missing in a later one.
    pub const STATE_LOST_BETWEEN_CALLS: &'static str = "state_lost_between_calls";
    /// Finished with no check after the last write.
    pub const FINISH_WITHOUT_VERIFICATION: &'static str = "finish_without_verification";
    /// Output flooding the context: huge outputs, or files printed whole needlessly.
    pub const CONTEXT_FLOODING: &'static str = "context_flooding";
    /// Tool calls with malformed arguments, more than once.
    pub const REPEATED_TOOL_ARGUMENT_ERRORS: &'static str = "repeated_tool_argument_errors";
    /// Paths the instruction names that were never produced.
    pub const REQUIRED_ARTIFACT_MISSING: &'static str = "required_artifact_missing";
    /// Commands the environment lacks.
    pub const COMMAND_NOT_FOUND: &'static str = "command_not_found";
    /// Commands killed by a time limit.
    pub const LONG_RUNNING_TIMEOUT: &'static str = "long_running_timeout";
    /// The conversation outgrew the model's context window.
    pub const CONTEXT_OVERFLOW: &'static str = "context_overflow";

    /// A tag (any non-empty snake_case name; user detectors choose their own).
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BehaviourTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One behaviour found in one trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Finding {
    /// The behaviour.
    pub tag: BehaviourTag,
    /// Sequence numbers of the steps that show it (first the most telling).
    pub steps: Vec<u64>,
    /// One line on what happened, e.g. `gawk: command not found (awk works)`.
    pub detail: String,
    /// The error text this behaviour is tied to, if any: clusters of the same behaviour
    /// split by its normalized form when it recurs across tasks.
    pub error_text: Option<String>,
}

impl Finding {
    /// A finding of `tag` at `steps`.
    pub fn new(tag: &str, steps: Vec<u64>, detail: impl Into<String>) -> Self {
        Self {
            tag: BehaviourTag::new(tag),
            steps,
            detail: detail.into(),
            error_text: None,
        }
    }

    /// The same finding tied to an error text.
    pub fn with_error(mut self, text: impl Into<String>) -> Self {
        self.error_text = Some(text.into());
        self
    }
}

/// Finds one behaviour in a trial. Object-safe: detectors compose as `Arc<dyn Detector>`.
pub trait Detector: Send + Sync {
    /// The tag this detector reports (for listings and attribution).
    fn tag(&self) -> &str;

    /// Findings in `trial` (empty when the behaviour is absent).
    fn detect(&self, trial: &TrialView) -> Vec<Finding>;
}

/// Thresholds of the built-in detectors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
#[non_exhaustive]
pub struct DetectorConfig {
    /// Exploration: this many consecutive non-writing actions before the first write (or
    /// with none at all) count as exploring without progress.
    pub exploration_run: usize,
    /// Output flood: one output at least this long, in bytes ...
    pub flood_output_bytes: u64,
    /// ... or this many outputs of at least a quarter of that.
    pub flood_outputs: usize,
    /// A file printed whole is needless from this size (bytes), or when printed again or
    /// after a part of it was read.
    pub dump_bytes: u64,
    /// Argument errors: at least this many calls with malformed arguments.
    pub argument_errors: usize,
    /// Timeouts: calls running at least this long (ms) that failed count as timeouts even
    /// without a timeout message.
    pub long_call_ms: u64,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self {
            exploration_run: 16,
            flood_output_bytes: 16 * 1024,
            flood_outputs: 3,
            dump_bytes: 2048,
            argument_errors: 2,
            long_call_ms: 600_000,
        }
    }
}

/// The built-in detectors with `config`, in a fixed order.
pub fn builtin_detectors(config: &DetectorConfig) -> Vec<Arc<dyn Detector>> {
    vec![
        Arc::new(ExactRepeatAfterFailure),
        Arc::new(ExplorationWithoutProgress {
            run: config.exploration_run,
        }),
        Arc::new(StateLostBetweenCalls),
        Arc::new(FinishWithoutVerification),
        Arc::new(ContextFlooding {
            output_bytes: config.flood_output_bytes,
            outputs: config.flood_outputs,
            dump_bytes: config.dump_bytes,
        }),
        Arc::new(RepeatedArgumentErrors {
            min_errors: config.argument_errors,
        }),
        Arc::new(RequiredArtifactMissing),
        Arc::new(CommandNotFound),
        Arc::new(LongRunningTimeouts {
            long_call_ms: config.long_call_ms,
        }),
        Arc::new(ContextOverflow),
    ]
}

/// First line of `text`, at most `max` characters.
pub(crate) fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    line.trim().chars().take(max).collect()
}

/// `text` cut to `max` characters with `...` when longer.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max.saturating_sub(3)).collect();
        format!("{cut}...")
    }
}
