//! `repeated_tool_argument_errors`: calls refused because their arguments were malformed
//! (not JSON, a missing or unknown field, a wrong type, no parsable action), more than once.

use super::{BehaviourTag, Detector, Finding, first_line, shorten};
use crate::trial::{Action, TrialView};

/// Words of an error that say the arguments, not the command, were wrong.
const ARGUMENT_WORDS: &[&str] = &[
    "argument",
    "missing field",
    "unknown field",
    "invalid type",
    "invalid json",
    "not valid json",
    "expected a",
    "expected value",
    "eof while parsing",
    "schema",
    "required property",
    "exactly one action",
    "format your action",
];

/// Finds repeated calls with malformed arguments.
#[derive(Debug, Clone, Copy)]
pub struct RepeatedArgumentErrors {
    /// At least this many.
    pub min_errors: usize,
}

/// Whether `action` was refused for its arguments: an error without an exit code (the
/// call never ran) whose words say so.
pub fn is_argument_error(action: &Action) -> bool {
    let Some(error) = &action.error else {
        return false;
    };
    if action.exit_code.is_some() {
        return false;
    }
    let text = error.to_lowercase();
    ARGUMENT_WORDS.iter().any(|w| text.contains(w))
}

impl Detector for RepeatedArgumentErrors {
    fn tag(&self) -> &str {
        BehaviourTag::REPEATED_TOOL_ARGUMENT_ERRORS
    }

    fn detect(&self, trial: &TrialView) -> Vec<Finding> {
        let errors: Vec<&Action> = trial
            .actions
            .iter()
            .filter(|a| is_argument_error(a))
            .collect();
        let count: u32 = errors.iter().map(|a| a.repeats).sum();
        if (count as usize) < self.min_errors.max(1) {
            return Vec::new();
        }
        let first = errors[0];
        let message = first.error.clone().unwrap_or_default();
        vec![
            Finding::new(
                self.tag(),
                errors.iter().take(3).map(|a| a.seq).collect(),
                format!(
                    "{count} calls of `{}` refused for their arguments: {}",
                    first.tool,
                    shorten(&first_line(&message, 100), 100)
                ),
            )
            .with_error(format!("{}: {message}", first.tool)),
        ]
    }
}
