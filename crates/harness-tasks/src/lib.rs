//! Harbor-format task suites: load tasks and suites, assign splits, build environments in a
//! sandbox, run agents and verifiers, and record results in a Harbor-like job layout.
//!
//! One job: [`Suite::load`] → [`Suite::select`] → [`JobRunner::run`]. Each trial creates a
//! sandbox from a [`harness_sandbox::SandboxProvider`], builds the task's environment, runs an
//! [`Agent`] under its timeout, runs the verifier, and writes its `result.json` at once.

/// Which tasks need the Harbor absolute paths (`/app`, `/tests`, `/logs`, `/solution`).
pub mod abspaths;
/// The agent seam (from `harness_agent_api`): [`Agent`], [`AgentContext`], [`AgentOutcome`].
pub mod agent;
/// Built-in agents (`oracle`, `noop`) and the name registry.
pub mod agents;
/// Task content checksums (evaluation cache keys).
pub mod checksum;
/// `task.toml` in the TB2 and Harbor 1.x generations.
pub mod config;
/// The Dockerfile subset: parsing and build plans.
pub mod dockerfile;
/// Executing a build plan inside a sandbox.
pub mod environment;
/// [`TaskError`], the crate's one error type.
pub mod error;
/// The job folder on disk and atomic writes.
pub mod layout;
/// Progress events from the runner.
pub mod progress;
/// Packages that RUN lines install, checked against the host.
pub mod requirements;
/// Result files: trial and job `result.json`, job `config.json`.
pub mod results;
/// Reading `reward.json` / `reward.txt`.
pub mod reward;
/// The job runner: tasks x repeats, bounded concurrency.
pub mod runner;
/// Offline PATH shims for TB2-style network bootstrapping.
pub mod shims;
/// Split labels and stratified assignment.
pub mod split;
/// Suites: folders of tasks with `suite.yaml`.
pub mod suite;
/// One task dir, loaded and validated.
pub mod task;
/// The leakage guard: [`VerifierTranscript`].
pub mod transcript;
/// One trial, phase by phase.
pub mod trial;
/// The verifier phase.
pub mod verifier;
mod words;

pub use agent::{
    Agent, AgentContext, AgentError, AgentFactory, AgentOutcome, AgentStatus, AgentTask,
    RunContext, SolutionAccess, TrialIdentity, agent_task,
};
pub use agents::{AgentRegistry, NoopAgent, OracleAgent};
pub use config::{TaskConfig, TaskLimits};
pub use error::TaskError;
pub use progress::{NoProgress, Progress, ProgressEvent};
pub use results::{JobConfig, JobResult, OutcomeClass, TaskStats, TrialResult};
pub use reward::{RewardRead, Rewards};
pub use runner::{
    DEFAULT_MAX_CONSECUTIVE_ERRORS, JobOptions, JobOutput, JobRunner, PlannedTrial, ScoredTrials,
    StopFlag, default_job_name, read_job_scores, trial_seed,
};
pub use split::Split;
pub use suite::{Suite, SuiteTask, TaskSelection};
pub use task::Task;
pub use transcript::{VerifierDir, VerifierTranscript};
pub use trial::{TrialOptions, trial_key, verifier_id};
