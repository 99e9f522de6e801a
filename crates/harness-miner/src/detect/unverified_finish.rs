//! `finish_without_verification`: the agent finished right after its last write, with no
//! call after it that could have checked the result (running, testing or reading it).
//! Deleting files (`rm` of scratch scripts) after the check is clean-up and does not count
//! as the last write.

use super::{BehaviourTag, Detector, Finding, shorten};
use crate::trial::TrialView;

/// Finds a finish with nothing run after the last write.
#[derive(Debug, Clone, Copy, Default)]
pub struct FinishWithoutVerification;

impl Detector for FinishWithoutVerification {
    fn tag(&self) -> &str {
        BehaviourTag::FINISH_WITHOUT_VERIFICATION
    }

    fn detect(&self, trial: &TrialView) -> Vec<Finding> {
        let finished = trial.actions.iter().any(|a| a.is_finish())
            || trial.finish == Some(harness_trace::FinishStatus::Finished);
        if !finished {
            return Vec::new();
        }
        let work = trial.work_actions();
        // The last write attempted, whether it worked or not (a failed write needs a check
        // all the more); deleting scratch files is clean-up, not a change to check.
        let Some(last_write) = work
            .iter()
            .rposition(|a| a.facts.writes && !a.facts.deletes_only)
        else {
            return Vec::new();
        };
        let checked = work[last_write + 1..]
            .iter()
            .any(|a| !a.facts.writes && !a.facts.state_only);
        if checked {
            return Vec::new();
        }
        let write = &work[last_write];
        let mut steps = vec![write.seq];
        if let Some(finish) = trial.actions.get(work.len()) {
            steps.push(finish.seq);
        }
        vec![Finding::new(
            self.tag(),
            steps,
            format!(
                "finished right after writing with `{}`; nothing checked it",
                shorten(&write.display(), 80)
            ),
        )]
    }
}
