//! Failure signatures: what the miner knows of one failed trial. The verifier contributes
//! the outcome class and the reward (never its output); the trace contributes how the run
//! ended, the behaviours detectors found and a normalized error fingerprint.

use std::collections::BTreeSet;

use harness_trace::{Fingerprint, FinishStatus, OutcomeClass};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::detect::{BehaviourTag, Detector, Finding};
use crate::report::{StepExcerpt, TraceRef};
use crate::trial::TrialView;

/// How a run ended, from the trace's finish event.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TerminalCondition {
    /// The agent said it was done.
    Finished,
    /// The turn limit.
    MaxTurns,
    /// A time limit.
    Timeout,
    /// The prompt outgrew the context window.
    ContextOverflow,
    /// The model server failed.
    ModelError,
    /// A middleware layer stopped the run.
    Stopped,
    /// The agent itself failed.
    AgentError,
    /// The trace has no finish event.
    Unknown,
}

impl TerminalCondition {
    /// The condition of a finish status (`Unknown` without one).
    pub fn of(status: Option<FinishStatus>) -> Self {
        match status {
            Some(FinishStatus::Finished) => Self::Finished,
            Some(FinishStatus::MaxTurns) => Self::MaxTurns,
            Some(FinishStatus::Timeout) => Self::Timeout,
            Some(FinishStatus::ContextOverflow) => Self::ContextOverflow,
            Some(FinishStatus::ModelError) => Self::ModelError,
            Some(FinishStatus::Stopped) => Self::Stopped,
            Some(FinishStatus::AgentError) => Self::AgentError,
            None => Self::Unknown,
        }
    }

    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Finished => "finished",
            Self::MaxTurns => "max_turns",
            Self::Timeout => "timeout",
            Self::ContextOverflow => "context_overflow",
            Self::ModelError => "model_error",
            Self::Stopped => "stopped",
            Self::AgentError => "agent_error",
            Self::Unknown => "unknown",
        }
    }
}

/// A finding with the excerpts of the steps that show it, kept for exemplars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    /// The finding.
    pub finding: Finding,
    /// Excerpts of its first steps (bounded).
    pub excerpts: Vec<StepExcerpt>,
}

/// The signature of one failed trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FailureSignature {
    /// The trial.
    pub trial: TraceRef,
    /// The verifier's class.
    pub outcome: OutcomeClass,
    /// The reward, if any.
    pub reward: Option<f64>,
    /// One minus the reward, 1 without one.
    pub severity: f64,
    /// How the run ended.
    pub terminal: TerminalCondition,
    /// The behaviours found, sorted.
    pub tags: Vec<BehaviourTag>,
    /// Fingerprint of the last failed call (tool name and normalized failure text).
    pub fingerprint: Option<Fingerprint>,
    /// What the detectors found, with excerpts.
    pub evidence: Vec<Evidence>,
}

/// Most steps excerpted per finding.
const EXCERPT_STEPS: usize = 3;

impl FailureSignature {
    /// The signature of `trial` (which the caller knows failed) under `detectors`.
    pub fn of(trial: &TrialView, detectors: &[std::sync::Arc<dyn Detector>]) -> Self {
        let mut evidence = Vec::new();
        for detector in detectors {
            for finding in detector.detect(trial) {
                let excerpts = finding
                    .steps
                    .iter()
                    .take(EXCERPT_STEPS)
                    .filter_map(|seq| trial.actions.iter().find(|a| a.seq == *seq))
                    .map(StepExcerpt::of)
                    .collect();
                evidence.push(Evidence { finding, excerpts });
            }
        }
        let tags: BTreeSet<BehaviourTag> = evidence.iter().map(|e| e.finding.tag.clone()).collect();
        let fingerprint = trial
            .actions
            .iter()
            .rev()
            .find(|a| a.failed)
            .map(|a| Fingerprint::of(&a.tool, &a.failure_text()));
        Self {
            trial: TraceRef::of(trial),
            outcome: trial.outcome.unwrap_or(OutcomeClass::NoReward),
            reward: trial.reward,
            severity: trial.severity(),
            terminal: TerminalCondition::of(trial.finish),
            tags: tags.into_iter().collect(),
            fingerprint,
            evidence,
        }
    }

    /// The first finding of `tag`, with its excerpts.
    pub fn evidence_for(&self, tag: &BehaviourTag) -> Option<&Evidence> {
        self.evidence.iter().find(|e| &e.finding.tag == tag)
    }
}
