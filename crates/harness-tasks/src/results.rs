//! Result files in a Harbor-like layout: `config.json` and `result.json` per job, `result.json`
//! per trial. Harbor's field names are kept (`task_name`, `trial_name`, `agent_info`,
//! `agent_result`, `verifier_result`, `exception_info`, `started_at`, `finished_at`); our own
//! fields (split, checksum, outcome class, backend, ...) are added beside them.

use std::collections::BTreeMap;

use harness_types::{
    ContentHash, ModelId, ScoreRecord, TaskChecksum, Timings, TrialId, TrialKey, TrialRef, Usage,
};
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
    /// Content hash of the harness that shaped the agent (absent in jobs written before it
    /// was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harness_hash: Option<ContentHash>,
    /// The model the agent ran on (`sim:PROFILE`, `openai:gpt-4o`; `none` for agents
    /// without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelId>,
    /// Version of this crate.
    pub harness_tasks_version: String,
    /// When the job was created.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub created_at: OffsetDateTime,
}

impl JobConfig {
    /// What differs between this job's config and `other`'s in a way that changes what the
    /// trials measure: the suite and its tasks (ids, splits, checksums), the agent and its
    /// version, the harness, the model, the seed, the repeats, the shims and the agent
    /// timeout. Incidental settings (job name, suite folder path, sandbox backend, concurrency,
    /// creation time, this crate's version) are not compared. Empty when a job with `other`'s
    /// config may continue this one.
    pub fn resume_differences(&self, other: &JobConfig) -> Vec<String> {
        let mut out = Vec::new();
        let mut differ = |what: &str, was: String, now: String| {
            if was != now {
                out.push(format!("{what}: was {was}, now {now}"));
            }
        };
        differ("suite", self.suite.clone(), other.suite.clone());
        differ("agent", self.agent.name.clone(), other.agent.name.clone());
        differ(
            "agent version",
            self.agent.version.clone(),
            other.agent.version.clone(),
        );
        let or_none = |v: Option<String>| v.unwrap_or_else(|| "not recorded".to_owned());
        differ(
            "harness",
            or_none(self.harness_hash.map(|h| h.short())),
            or_none(other.harness_hash.map(|h| h.short())),
        );
        differ(
            "model",
            or_none(self.model.as_ref().map(|m| m.to_string())),
            or_none(other.model.as_ref().map(|m| m.to_string())),
        );
        differ("seed", self.seed.to_string(), other.seed.to_string());
        differ(
            "repeats",
            self.repeats.to_string(),
            other.repeats.to_string(),
        );
        differ(
            "offline shims",
            self.offline_shims.to_string(),
            other.offline_shims.to_string(),
        );
        let timeout =
            |t: Option<f64>| t.map_or_else(|| "the tasks' own".to_owned(), |s| format!("{s} s"));
        differ(
            "agent timeout",
            timeout(self.agent_timeout_sec),
            timeout(other.agent_timeout_sec),
        );
        let was: BTreeMap<&str, &JobTask> = self.tasks.iter().map(|t| (t.id.as_str(), t)).collect();
        let now: BTreeMap<&str, &JobTask> =
            other.tasks.iter().map(|t| (t.id.as_str(), t)).collect();
        let list = |ids: Vec<&str>| ids.join(", ");
        let removed: Vec<&str> = was
            .keys()
            .filter(|id| !now.contains_key(*id))
            .copied()
            .collect();
        let added: Vec<&str> = now
            .keys()
            .filter(|id| !was.contains_key(*id))
            .copied()
            .collect();
        let changed: Vec<&str> = was
            .iter()
            .filter(|(id, t)| now.get(*id).is_some_and(|n| n.checksum != t.checksum))
            .map(|(id, _)| *id)
            .collect();
        let moved: Vec<&str> = was
            .iter()
            .filter(|(id, t)| now.get(*id).is_some_and(|n| n.split != t.split))
            .map(|(id, _)| *id)
            .collect();
        if !removed.is_empty() {
            out.push(format!("tasks no longer selected: {}", list(removed)));
        }
        if !added.is_empty() {
            out.push(format!("tasks not in the job: {}", list(added)));
        }
        if !changed.is_empty() {
            out.push(format!("tasks whose files changed: {}", list(changed)));
        }
        if !moved.is_empty() {
            out.push(format!("tasks in another split: {}", list(moved)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> JobConfig {
        let task = |id: &str, c: char| JobTask {
            id: id.into(),
            split: Split::HeldIn,
            checksum: TaskChecksum::new(c.to_string().repeat(64)).unwrap(),
        };
        JobConfig {
            job_name: "a".into(),
            suite: "s".into(),
            suite_dir: "/tmp/one".into(),
            agent: AgentInfo {
                name: "builtin".into(),
                version: "1".into(),
            },
            sandbox: "bwrap".into(),
            jobs: 1,
            repeats: 3,
            seed: 0,
            offline_shims: true,
            agent_timeout_sec: None,
            tasks: vec![task("t1", 'a'), task("t2", 'b')],
            harness_hash: Some(ContentHash::of_bytes(b"h1")),
            model: Some(ModelId::new("sim:first")),
            harness_tasks_version: "0.1.0".into(),
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn incidental_settings_do_not_block_a_resume() {
        let mut other = config();
        other.job_name = "b".into();
        other.suite_dir = "/elsewhere".into();
        other.sandbox = "local".into();
        other.jobs = 8;
        other.harness_tasks_version = "9.9.9".into();
        other.created_at = OffsetDateTime::now_utc();
        assert!(config().resume_differences(&other).is_empty());
    }

    #[test]
    fn what_changes_the_measurement_is_named() {
        let mut other = config();
        other.harness_hash = Some(ContentHash::of_bytes(b"h2"));
        other.model = Some(ModelId::new("sim:second"));
        other.agent.version = "2".into();
        other.seed = 4;
        other.agent_timeout_sec = Some(30.0);
        other.tasks[0].checksum = TaskChecksum::new("c".repeat(64)).unwrap();
        other.tasks[1].split = Split::Test;
        other.tasks.push(JobTask {
            id: "t3".into(),
            split: Split::HeldIn,
            checksum: TaskChecksum::new("d".repeat(64)).unwrap(),
        });
        let diffs = config().resume_differences(&other);
        let text = diffs.join("\n");
        for expected in [
            "harness: was ",
            "model: was sim:first, now sim:second",
            "agent version: was 1, now 2",
            "seed: was 0, now 4",
            "agent timeout: was the tasks' own, now 30 s",
            "tasks whose files changed: t1",
            "tasks in another split: t2",
            "tasks not in the job: t3",
        ] {
            assert!(text.contains(expected), "{expected} missing from\n{text}");
        }
        assert_eq!(diffs.len(), 8, "{text}");
    }
}
