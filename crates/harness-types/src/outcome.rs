//! How a trial ended, as one class: scored (pass, partial, fail, no reward) or decided by
//! something other than the agent's work (errors of the verifier, environment, sandbox or
//! model server).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Outcome class of a trial (the same names as the task runner's result files use).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutcomeClass {
    /// Reward >= 1.
    Pass,
    /// 0 < reward < 1.
    Partial,
    /// Reward <= 0.
    Fail,
    /// The verifier ran but left no reward.
    NoReward,
    /// The verifier ran past its timeout.
    VerifierTimeout,
    /// The verifier could not run or its reward file held garbage.
    VerifierError,
    /// The agent could not run at all.
    AgentError,
    /// The environment build failed.
    EnvironmentError,
    /// The sandbox backend cannot host the task.
    Unsupported,
    /// The sandbox or the host failed.
    InfrastructureError,
    /// The model server could not be used (unreachable, HTTP or authentication errors that
    /// survived the retries): neither the agent's nor the task's doing.
    ModelError,
}

impl OutcomeClass {
    /// All classes, in declaration order.
    pub const ALL: [OutcomeClass; 11] = [
        OutcomeClass::Pass,
        OutcomeClass::Partial,
        OutcomeClass::Fail,
        OutcomeClass::NoReward,
        OutcomeClass::VerifierTimeout,
        OutcomeClass::VerifierError,
        OutcomeClass::AgentError,
        OutcomeClass::EnvironmentError,
        OutcomeClass::Unsupported,
        OutcomeClass::InfrastructureError,
        OutcomeClass::ModelError,
    ];

    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            OutcomeClass::Pass => "pass",
            OutcomeClass::Partial => "partial",
            OutcomeClass::Fail => "fail",
            OutcomeClass::NoReward => "no_reward",
            OutcomeClass::VerifierTimeout => "verifier_timeout",
            OutcomeClass::VerifierError => "verifier_error",
            OutcomeClass::AgentError => "agent_error",
            OutcomeClass::EnvironmentError => "environment_error",
            OutcomeClass::Unsupported => "unsupported",
            OutcomeClass::InfrastructureError => "infrastructure_error",
            OutcomeClass::ModelError => "model_error",
        }
    }

    /// Parse a snake_case name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The class of a scored trial: pass at 1 or more, partial above 0, fail otherwise.
    pub fn from_reward(reward: f64) -> Self {
        if reward >= 1.0 {
            OutcomeClass::Pass
        } else if reward > 0.0 {
            OutcomeClass::Partial
        } else {
            OutcomeClass::Fail
        }
    }

    /// True for classes where something other than the agent's work decided the trial.
    pub fn is_error(&self) -> bool {
        !matches!(
            self,
            OutcomeClass::Pass
                | OutcomeClass::Partial
                | OutcomeClass::Fail
                | OutcomeClass::NoReward
        )
    }

    /// True for classes that say nothing about the agent or the task (the model server or
    /// the infrastructure failed): scores leave these trials out, counting them separately,
    /// and whoever evaluates runs them again.
    pub fn is_excluded_from_score(&self) -> bool {
        matches!(
            self,
            OutcomeClass::ModelError | OutcomeClass::InfrastructureError
        )
    }
}

impl std::fmt::Display for OutcomeClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
