//! Result files in a Harbor-like layout: `config.json` and `result.json` per job, `result.json`
//! per trial. Harbor's field names are kept (`task_name`, `trial_name`, `agent_info`,
//! `agent_result`, `verifier_result`, `exception_info`, `started_at`, `finished_at`); our own
//! fields (split, checksum, outcome class, backend, ...) are added beside them.

use std::collections::BTreeMap;

use harness_types::{ScoreRecord, TaskChecksum, Timings, TrialId, TrialKey, TrialRef, Usage};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::agent::{AgentOutcome, AgentStatus};
use crate::reward::Rewards;
use crate::split::Split;

/// `agent_info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AgentInfo {
    /// Agent name.
    pub name: String,
    /// Agent version.
    pub version: String,
}

/// `agent_result`: Harbor's usage fields plus how the agent ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AgentResult {
    /// Prompt tokens.
    pub n_input_tokens: u64,
    /// Cached prompt tokens.
    pub n_cache_tokens: u64,
    /// Completion tokens.
    pub n_output_tokens: u64,
    /// Cost in US dollars.
    pub cost_usd: f64,
    /// How the agent ended.
    pub status: AgentStatus,
}

impl From<&AgentOutcome> for AgentResult {
    fn from(o: &AgentOutcome) -> Self {
        Self {
            n_input_tokens: o.n_input_tokens,
            n_cache_tokens: o.n_cache_tokens,
            n_output_tokens: o.n_output_tokens,
            cost_usd: o.cost_usd,
            status: o.status.clone(),
        }
    }
}

/// `verifier_result`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VerifierResult {
    /// Named rewards.
    pub rewards: Rewards,
}

/// `exception_info`: what stopped (part of) a trial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExceptionInfo {
    /// Error kind, e.g. `EnvironmentBuildError`, `AgentTimeoutError`.
    pub exception_type: String,
    /// The error message (names task, file and field).
    pub exception_message: String,
    /// The chain of underlying causes, one per line.
    pub exception_traceback: String,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub occurred_at: OffsetDateTime,
}

impl ExceptionInfo {
    /// An exception of `kind` with `message`, no cause chain, happening now.
    pub fn now(kind: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            exception_type: kind.into(),
            exception_message: message.into(),
            exception_traceback: String::new(),
            occurred_at: OffsetDateTime::now_utc(),
        }
    }
}

/// One label per trial saying how it ended, for counting (shared with the traces).
pub use harness_types::OutcomeClass;

/// Seconds spent in each phase of a trial.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PhaseTimings {
    /// Sandbox creation and environment build.
    pub environment_sec: f64,
    /// Agent.
    pub agent_sec: f64,
    /// Verifier.
    pub verifier_sec: f64,
}

/// A trial's `result.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrialResult {
    /// Task id.
    pub task_name: String,
    /// `<task>__<repeat>`.
    pub trial_name: String,
    /// Which agent ran.
    pub agent_info: AgentInfo,
    /// Usage and status; null when the agent never ran.
    pub agent_result: Option<AgentResult>,
    /// Rewards; null when the verifier left none.
    pub verifier_result: Option<VerifierResult>,
    /// What stopped the trial or its agent; null when nothing did.
    pub exception_info: Option<ExceptionInfo>,
    /// Trial start.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub started_at: OffsetDateTime,
    /// Trial end.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub finished_at: OffsetDateTime,
    /// Job name.
    pub job_name: String,
    /// Repeat index from 0.
    pub repeat: u32,
    /// Trial seed.
    pub seed: u64,
    /// The task's split.
    pub split: Split,
    /// Task content checksum (cache key).
    pub task_checksum: TaskChecksum,
    /// How the trial ended.
    pub outcome: OutcomeClass,
    /// The scalar reward (`reward` entry, else the mean of the entries); null when none.
    pub reward: Option<f64>,
    /// Sandbox backend name.
    pub sandbox_backend: String,
    /// Notes from the environment build (ignored instructions, requirements found).
    pub environment_notes: Vec<String>,
    /// Time per phase.
    pub timings: PhaseTimings,
    /// The environment's resource requests and how each was enforced.
    #[serde(default)]
    pub resource_limits: Vec<harness_sandbox::AppliedLimit>,
    /// The trial's id across runs (`<job>.<task>__<repeat>`), also its trace's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_id: Option<TrialId>,
    /// What decided the score: harness hash, task checksum, agent, model, verifier, seed,
    /// repeat ([`TrialResult::score_record`] files the score under it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<TrialKey>,
}

impl TrialResult {
    /// The trial's score record: every trial that has a key has one, whether the agent ran or
    /// the environment build failed before it.
    pub fn score_record(&self) -> Option<ScoreRecord> {
        let key = self.key.clone()?;
        let trial_id = self.trial_id.clone()?;
        let usage = self
            .agent_result
            .as_ref()
            .map(|a| {
                Usage::new(
                    a.n_input_tokens,
                    a.n_cache_tokens,
                    a.n_output_tokens,
                    a.cost_usd,
                )
            })
            .unwrap_or_default();
        let total = (self.finished_at - self.started_at)
            .as_seconds_f64()
            .max(0.0);
        let timings = Timings::new(
            total,
            self.timings.environment_sec,
            self.timings.agent_sec,
            self.timings.verifier_sec,
        );
        let started_at = self
            .started_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Some(
            ScoreRecord::new(
                key,
                self.split,
                self.outcome,
                self.reward,
                started_at,
                TrialRef::new(self.job_name.clone(), trial_id),
            )
            .with_usage(usage)
            .with_timings(timings),
        )
    }
}

/// Per-task aggregate in the job result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TaskStats {
    /// The task's split.
    pub split: Split,
    /// Task content checksum.
    pub task_checksum: TaskChecksum,
    /// Finished trials.
    pub n_trials: usize,
    /// Finished trials left out of the mean: model and infrastructure errors
    /// ([`OutcomeClass::is_excluded_from_score`]).
    #[serde(default)]
    pub n_excluded: usize,
    /// Mean reward over the finished trials that count (a trial without a reward counts 0);
    /// 0 when none counts.
    pub mean_reward: f64,
    /// Trials per outcome class.
    pub outcome_counts: BTreeMap<OutcomeClass, usize>,
}

/// A job's `result.json`, rewritten each time a trial finishes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JobResult {
    /// Job name.
    pub job_name: String,
    /// Job start.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub started_at: OffsetDateTime,
    /// Job end; null while the job runs (or if it was interrupted).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub finished_at: Option<OffsetDateTime>,
    /// Trials planned.
    pub n_trials: usize,
    /// Trials finished so far.
    pub n_finished: usize,
    /// Finished trials whose outcome is an error class.
    pub n_errors: usize,
    /// Finished trials left out of the mean because the model server or the infrastructure
    /// failed them ([`OutcomeClass::is_excluded_from_score`]); whoever evaluates runs them
    /// again.
    #[serde(default)]
    pub n_excluded: usize,
    /// Mean reward over the finished trials that count (all but the excluded ones), counting
    /// trials without a reward as 0; null while no such trial finished.
    pub mean_reward: Option<f64>,
    /// Trials per outcome class.
    pub outcome_counts: BTreeMap<OutcomeClass, usize>,
    /// Per-task aggregates.
    pub tasks: BTreeMap<String, TaskStats>,
    /// Names of the finished trials, in finishing order.
    pub trials: Vec<String>,
    /// Why the job stopped starting trials before all were run (too many model or
    /// infrastructure errors in a row); null for a job that ran every trial.
    #[serde(default)]
    pub aborted: Option<String>,
}

impl JobResult {
    /// An empty result for a job about to start.
    pub fn new(job_name: &str, started_at: OffsetDateTime, n_trials: usize) -> Self {
        Self {
            job_name: job_name.to_owned(),
            started_at,
            finished_at: None,
            n_trials,
            n_finished: 0,
            n_errors: 0,
            n_excluded: 0,
            mean_reward: None,
            outcome_counts: BTreeMap::new(),
            tasks: BTreeMap::new(),
            trials: Vec::new(),
            aborted: None,
        }
    }

    /// Fold one finished trial into the aggregates. Model and infrastructure errors are
    /// counted (`n_finished`, `n_excluded`, the outcome counts) but leave the means alone.
    pub fn record(&mut self, trial: &TrialResult) {
        let reward = trial.reward.unwrap_or(0.0);
        let excluded = trial.outcome.is_excluded_from_score();
        let scored = self.n_finished - self.n_excluded;
        self.n_finished += 1;
        if excluded {
            self.n_excluded += 1;
        } else {
            let total = self.mean_reward.unwrap_or(0.0) * scored as f64 + reward;
            self.mean_reward = Some(total / (scored + 1) as f64);
        }
        if trial.outcome.is_error() {
            self.n_errors += 1;
        }
        *self.outcome_counts.entry(trial.outcome).or_default() += 1;
        let stats = self
            .tasks
            .entry(trial.task_name.clone())
            .or_insert_with(|| TaskStats {
                split: trial.split,
                task_checksum: trial.task_checksum.clone(),
                n_trials: 0,
                n_excluded: 0,
                mean_reward: 0.0,
                outcome_counts: BTreeMap::new(),
            });
        let task_scored = stats.n_trials - stats.n_excluded;
        stats.n_trials += 1;
        if excluded {
            stats.n_excluded += 1;
        } else {
            let task_total = stats.mean_reward * task_scored as f64 + reward;
            stats.mean_reward = task_total / (task_scored + 1) as f64;
        }
        *stats.outcome_counts.entry(trial.outcome).or_default() += 1;
        self.trials.push(trial.trial_name.clone());
    }
}

/// A task in the job config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JobTask {
    /// Task id.
    pub id: String,
    /// Its split.
    pub split: Split,
    /// Content checksum.
    pub checksum: TaskChecksum,
}

/// A job's `config.json`: everything needed to understand (and rerun) it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JobConfig {
    /// Job name.
    pub job_name: String,
    /// Suite name.
    pub suite: String,
    /// Suite folder.
    pub suite_dir: String,
    /// Agent.
    pub agent: AgentInfo,
    /// Sandbox backend name.
    pub sandbox: String,
    /// Concurrent trials.
    pub jobs: usize,
    /// Trials per task.
    pub repeats: u32,
    /// Job seed (trial seeds derive from it).
    pub seed: u64,
    /// Whether the offline shims were used.
    pub offline_shims: bool,
    /// Agent timeout override in seconds, if any.
    pub agent_timeout_sec: Option<f64>,
    /// Tasks in the job.
    pub tasks: Vec<JobTask>,
    /// Version of this crate.
    pub harness_tasks_version: String,
    /// When the job was created.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub created_at: OffsetDateTime,
}
