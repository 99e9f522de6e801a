//! `context_overflow`: the conversation outgrew the model's context window (the run ended
//! on it, or a model call was refused for it).

use super::{BehaviourTag, Detector, Finding};
use crate::trial::TrialView;

/// Finds runs that ran out of context.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContextOverflow;

impl Detector for ContextOverflow {
    fn tag(&self) -> &str {
        BehaviourTag::CONTEXT_OVERFLOW
    }

    fn detect(&self, trial: &TrialView) -> Vec<Finding> {
        let refused = trial
            .model_errors
            .iter()
            .find(|(_, kind)| kind.contains("context"));
        let ended = trial.finish == Some(harness_trace::FinishStatus::ContextOverflow);
        if refused.is_none() && !ended {
            return Vec::new();
        }
        vec![Finding::new(
            self.tag(),
            refused.map(|(seq, _)| *seq).into_iter().collect(),
            format!(
                "the prompt outgrew the context window after {} KiB of tool output in {} turns",
                trial.output_bytes / 1024,
                trial.turns
            ),
        )]
    }
}
