//! `state_lost_between_calls`: a call only changed the shell's state (`cd DIR`,
//! `export NAME=...`) and a later call failed or read the variable as if that state had
//! lasted. Each call of a non-persistent shell starts afresh, so such state is gone.

use super::{BehaviourTag, Detector, Finding, first_line, shorten};
use crate::trial::TrialView;

/// How many calls after a state change a failure is still blamed on it.
const WINDOW: usize = 4;

/// Finds state set in one call and missing in a later one.
#[derive(Debug, Clone, Copy, Default)]
pub struct StateLostBetweenCalls;

impl Detector for StateLostBetweenCalls {
    fn tag(&self) -> &str {
        BehaviourTag::STATE_LOST_BETWEEN_CALLS
    }

    fn detect(&self, trial: &TrialView) -> Vec<Finding> {
        let actions = trial.work_actions();
        for (i, state) in actions.iter().enumerate() {
            if !state.facts.state_only || state.failed {
                continue;
            }
            for later in actions.iter().skip(i + 1).take(WINDOW) {
                if later.facts.state_only {
                    break;
                }
                let reads_var = later.facts.uses_vars.iter().find(|v| {
                    state.facts.sets_vars.contains(v) && !later.facts.sets_vars.contains(v)
                });
                if !later.failed && reads_var.is_none() {
                    continue;
                }
                let what = match (&state.facts.changes_dir, reads_var) {
                    (_, Some(var)) => format!("`${var}` exported in a separate call"),
                    (Some(dir), None) => format!("`cd {dir}` in a separate call"),
                    (None, None) => {
                        format!("`{}` in a separate call", shorten(&state.display(), 60))
                    }
                };
                let consequence = if later.failed {
                    format!(
                        "failed: {}",
                        shorten(&first_line(&later.failure_text(), 80), 80)
                    )
                } else {
                    "relied on it".to_owned()
                };
                return vec![
                    Finding::new(
                        self.tag(),
                        vec![state.seq, later.seq],
                        format!(
                            "{what}; the next call `{}` {consequence}",
                            shorten(&later.display(), 60)
                        ),
                    )
                    .with_error(later.failure_text()),
                ];
            }
        }
        Vec::new()
    }
}
