//! `exact_repeat_after_failure`: a call failed and was sent again unchanged (same tool, same
//! arguments) before anything was written that could have changed its result. Calls
//! refused for their arguments are left to `repeated_tool_argument_errors`.

use super::argument_errors::is_argument_error;
use super::{BehaviourTag, Detector, Finding, first_line, shorten};
use crate::trial::TrialView;

/// Finds failed calls repeated word for word.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExactRepeatAfterFailure;

impl Detector for ExactRepeatAfterFailure {
    fn tag(&self) -> &str {
        BehaviourTag::EXACT_REPEAT_AFTER_FAILURE
    }

    fn detect(&self, trial: &TrialView) -> Vec<Finding> {
        let actions = trial.work_actions();
        let mut findings = Vec::new();
        let mut counted = vec![false; actions.len()];
        for (i, failed) in actions.iter().enumerate() {
            // A call refused for its arguments never ran: repeating it is another behaviour.
            if !failed.failed || counted[i] || is_argument_error(failed) {
                continue;
            }
            let mut steps = vec![failed.seq];
            let mut repeats = failed.repeats - 1;
            for (j, later) in actions.iter().enumerate().skip(i + 1) {
                if later.facts.writes && !later.failed && later.arguments != failed.arguments {
                    break;
                }
                if later.tool == failed.tool && later.arguments == failed.arguments {
                    counted[j] = true;
                    repeats += later.repeats;
                    steps.push(later.seq);
                }
            }
            if repeats == 0 {
                continue;
            }
            findings.push(
                Finding::new(
                    self.tag(),
                    steps,
                    format!(
                        "`{}` failed ({}) and was sent {repeats} more time{} unchanged",
                        shorten(&failed.display(), 80),
                        shorten(&first_line(&failed.failure_text(), 80), 80),
                        if repeats == 1 { "" } else { "s" }
                    ),
                )
                .with_error(failed.failure_text()),
            );
        }
        findings
    }
}
