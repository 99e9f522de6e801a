//! [`ScoreRecord`]: one trial's score under its key, written for every trial (including those
//! that failed before the agent ran), so that scores never depend on a trace existing.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::id::TrialId;
use crate::key::TrialKey;
use crate::outcome::OutcomeClass;
use crate::split::Split;

/// Tokens and money a trial spent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Usage {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Prompt tokens served from a cache.
    pub cache_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// Cost in US dollars.
    pub cost_usd: f64,
}

impl Usage {
    /// Usage with these counts.
    pub fn new(input_tokens: u64, cache_tokens: u64, output_tokens: u64, cost_usd: f64) -> Self {
        Self {
            input_tokens,
            cache_tokens,
            output_tokens,
            cost_usd,
        }
    }

    /// Prompt plus completion tokens.
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }
}

/// Where a trial's time went, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Timings {
    /// Wall time of the whole trial.
    pub total_sec: f64,
    /// Building the environment.
    pub environment_sec: f64,
    /// The agent's run.
    pub agent_sec: f64,
    /// The verifier's run.
    pub verifier_sec: f64,
}

impl Timings {
    /// Timings with these durations.
    pub fn new(total_sec: f64, environment_sec: f64, agent_sec: f64, verifier_sec: f64) -> Self {
        Self {
            total_sec,
            environment_sec,
            agent_sec,
            verifier_sec,
        }
    }
}

/// The run and trial a record came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct TrialRef {
    /// Run (job) id.
    pub run_id: String,
    /// Trial id, unique across runs ([`TrialId::scoped`]); also its trace's id.
    pub trial_id: TrialId,
}

impl TrialRef {
    /// A reference.
    pub fn new(run_id: impl Into<String>, trial_id: TrialId) -> Self {
        Self {
            run_id: run_id.into(),
            trial_id,
        }
    }
}

/// One trial's score under its key: what the verifier decided (a class and a number, never
/// its output), what the trial cost, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ScoreRecord {
    /// What was evaluated.
    pub key: TrialKey,
    /// The task's split.
    pub split: Split,
    /// How the trial ended.
    pub outcome: OutcomeClass,
    /// The scalar reward, when the verifier produced one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward: Option<f64>,
    /// Tokens and money.
    #[serde(default)]
    pub usage: Usage,
    /// Time spent.
    #[serde(default)]
    pub timings: Timings,
    /// When the trial started (RFC 3339, UTC).
    pub started_at: String,
    /// The run and trial.
    pub source: TrialRef,
}

impl ScoreRecord {
    /// A record.
    pub fn new(
        key: TrialKey,
        split: Split,
        outcome: OutcomeClass,
        reward: Option<f64>,
        started_at: impl Into<String>,
        source: TrialRef,
    ) -> Self {
        Self {
            key,
            split,
            outcome,
            reward,
            usage: Usage::default(),
            timings: Timings::default(),
            started_at: started_at.into(),
            source,
        }
    }

    /// The same record with this usage.
    pub fn with_usage(mut self, usage: Usage) -> Self {
        self.usage = usage;
        self
    }

    /// The same record with these timings.
    pub fn with_timings(mut self, timings: Timings) -> Self {
        self.timings = timings;
        self
    }

    /// Whether the record counts toward a score: false for trials the model server or the
    /// infrastructure decided ([`OutcomeClass::is_excluded_from_score`]).
    pub fn is_scored(&self) -> bool {
        !self.outcome.is_excluded_from_score()
    }

    /// The reward a score averages: the reward, or 0 for a scored trial without one.
    pub fn score_value(&self) -> f64 {
        self.reward.unwrap_or(0.0)
    }
}
