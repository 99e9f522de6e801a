//! `long_running_timeout`: calls killed by a time limit (the tool's or the trial's).

use super::{BehaviourTag, Detector, Finding, shorten};
use crate::trial::{Action, TrialView};

/// Finds calls that ran into a time limit.
#[derive(Debug, Clone, Copy)]
pub struct LongRunningTimeouts {
    /// Failed calls that ran at least this long (ms) count even without a timeout message.
    pub long_call_ms: u64,
}

fn says_timed_out(action: &Action) -> bool {
    let mentions = |text: &str| {
        let text = text.to_lowercase();
        text.contains("timed out")
            || text.contains("timeout expired")
            || text.contains("time limit")
    };
    action.error.as_deref().is_some_and(mentions) || (action.failed && mentions(&action.output))
}

impl Detector for LongRunningTimeouts {
    fn tag(&self) -> &str {
        BehaviourTag::LONG_RUNNING_TIMEOUT
    }

    fn detect(&self, trial: &TrialView) -> Vec<Finding> {
        let timed_out: Vec<&Action> = trial
            .actions
            .iter()
            .filter(|a| says_timed_out(a) || (a.failed && a.duration_ms >= self.long_call_ms))
            .collect();
        if let Some(first) = timed_out.first() {
            return vec![
                Finding::new(
                    self.tag(),
                    timed_out.iter().take(3).map(|a| a.seq).collect(),
                    format!(
                        "{} call(s) hit a time limit, first `{}` after {} s",
                        timed_out.len(),
                        shorten(&first.display(), 60),
                        first.duration_ms / 1000
                    ),
                )
                .with_error(format!("timeout: {}", first.tool)),
            ];
        }
        if trial.finish == Some(harness_trace::FinishStatus::Timeout) {
            return vec![Finding::new(
                self.tag(),
                trial.actions.last().map(|a| a.seq).into_iter().collect(),
                "the trial ran out of time",
            )];
        }
        Vec::new()
    }
}
