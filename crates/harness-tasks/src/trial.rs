//! One trial: create a sandbox, build the environment, run the agent under its timeout, run
//! the verifier, and describe what happened in a [`TrialResult`]. Nothing here fails: every
//! error becomes the trial's `exception_info` and outcome class.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use harness_sandbox::{Sandbox, SandboxError, SandboxProvider};
use time::OffsetDateTime;

use crate::TaskError;
use crate::agent::{
    Agent, AgentContext, AgentOutcome, AgentStatus, AgentTask, SolutionAccess, TrialIdentity,
};
use crate::dockerfile::BuildPlan;
use crate::environment::{BuildReport, build_environment};
use crate::layout::TrialDir;
use crate::results::{
    AgentInfo, AgentResult, ExceptionInfo, OutcomeClass, PhaseTimings, TrialResult, VerifierResult,
};
use crate::reward::{RewardRead, scalar_reward};
use crate::task::Task;
use crate::verifier::{VerifierOutcome, run_verifier, verifier_logs_dir};

/// How long past its timeout an agent gets to return on its own (it is told the timeout and
/// should stop itself; this outer limit only catches agents that do not).
const AGENT_GRACE: Duration = Duration::from_secs(10);

/// Knobs that apply to every trial of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialOptions {
    /// Put the offline shims on PATH for build, oracle and verifier.
    pub offline_shims: bool,
    /// Replace every task's agent timeout.
    pub agent_timeout: Option<Duration>,
    /// Host variables that tasks' `[environment] env` entries may copy into the sandbox;
    /// a reference to any other is refused (see [`Task::check_host_env`]).
    pub allowed_host_env: BTreeSet<String>,
}

impl Default for TrialOptions {
    fn default() -> Self {
        Self {
            offline_shims: true,
            agent_timeout: None,
            allowed_host_env: BTreeSet::new(),
        }
    }
}

/// Run one trial of `task` in `dir`. The caller writes the result.
pub async fn run_trial(
    task: &Task,
    identity: &TrialIdentity,
    provider: &dyn SandboxProvider,
    agent: &dyn Agent,
    options: &TrialOptions,
    dir: &TrialDir,
) -> TrialResult {
    let started_at = OffsetDateTime::now_utc();
    let mut result = TrialResult {
        task_name: task.id.clone(),
        trial_name: identity.trial_name.clone(),
        agent_info: AgentInfo {
            name: agent.name().to_owned(),
            version: agent.version().to_owned(),
        },
        agent_result: None,
        verifier_result: None,
        exception_info: None,
        started_at,
        finished_at: started_at,
        job_name: identity.job_name.clone(),
        repeat: identity.repeat,
        seed: identity.seed,
        split: identity.split,
        task_checksum: task.checksum.clone(),
        outcome: OutcomeClass::InfrastructureError,
        reward: None,
        sandbox_backend: provider.name().to_owned(),
        environment_notes: Vec::new(),
        timings: PhaseTimings::default(),
        resource_limits: Vec::new(),
    };
    let outcome = phases(task, identity, provider, agent, options, dir, &mut result).await;
    if let Err((class, error)) = outcome {
        result.outcome = class;
        result.exception_info = Some(exception(error.kind(), &error));
    }
    result.finished_at = OffsetDateTime::now_utc();
    result
}

type Failure = (OutcomeClass, TaskError);

async fn phases(
    task: &Task,
    identity: &TrialIdentity,
    provider: &dyn SandboxProvider,
    agent: &dyn Agent,
    options: &TrialOptions,
    dir: &TrialDir,
    result: &mut TrialResult,
) -> Result<(), Failure> {
    // Environment.
    let env_started = Instant::now();
    let plan = resolve_plan(task, provider, &options.allowed_host_env)
        .await
        .map_err(|e| (classify_setup(&e), e))?;
    let spec = task
        .environment_spec(&plan, &options.allowed_host_env)
        .map_err(|e| (classify_setup(&e), e))?;
    let sandbox = provider
        .create(&spec)
        .await
        .map_err(|e| setup_failure(task, e))?;
    result.resource_limits = sandbox.applied_limits();
    let mut report = BuildReport::default();
    let built = build_environment(
        task,
        &plan,
        sandbox.as_ref(),
        options.offline_shims,
        &mut report,
    )
    .await;
    result.environment_notes = report.notes.clone();
    let log_path = dir.environment_dir().join("build.log");
    let _ = std::fs::write(&log_path, &report.log);
    result.timings.environment_sec = env_started.elapsed().as_secs_f64();
    built.map_err(|e| (classify_setup(&e), e))?;

    // Agent.
    let agent_started = Instant::now();
    let timeout = options.agent_timeout.unwrap_or(task.limits.agent_timeout);
    let agent_task = AgentTask::from_task(task);
    let solution = agent.needs_solution().then(|| SolutionAccess {
        dir: task.solution_dir(),
        env: task.config.solution.env.clone(),
        offline_shims: options.offline_shims,
    });
    let agent_dir = dir.agent_dir();
    let ctx = AgentContext {
        task: &agent_task,
        sandbox: sandbox.as_ref(),
        trial: identity,
        timeout,
        agent_dir: &agent_dir,
        solution: solution.as_ref(),
    };
    let ran = tokio::time::timeout(timeout + AGENT_GRACE, agent.run(ctx)).await;
    result.timings.agent_sec = agent_started.elapsed().as_secs_f64();
    let outcome = match ran {
        Err(_) => AgentOutcome::with_status(AgentStatus::Timeout),
        Ok(Ok(outcome)) => outcome,
        Ok(Err(e)) => {
            result.agent_result = Some(AgentResult::from(&AgentOutcome::with_status(
                AgentStatus::Error {
                    message: e.to_string(),
                },
            )));
            let class = match e {
                TaskError::Sandbox { .. } => OutcomeClass::InfrastructureError,
                _ => OutcomeClass::AgentError,
            };
            return Err((class, e));
        }
    };
    if let AgentStatus::ModelError { message } = &outcome.status {
        // The model server, not the agent, ended the run: what the agent left says nothing
        // about the task, so the verifier is skipped (its verdict would be scored as the
        // agent's) and the trial is classed apart from failures.
        result.agent_result = Some(AgentResult::from(&outcome));
        result.outcome = OutcomeClass::ModelError;
        result.exception_info = Some(ExceptionInfo {
            exception_type: "ModelError".into(),
            exception_message: format!(
                "task `{}`: agent `{}`: model error: {message}",
                task.id,
                agent.name()
            ),
            exception_traceback: String::new(),
            occurred_at: OffsetDateTime::now_utc(),
        });
        return Ok(());
    }
    if outcome.status == AgentStatus::Timeout {
        // As Harbor does: record the timeout, then still verify what the agent left.
        result.exception_info = Some(ExceptionInfo {
            exception_type: "AgentTimeoutError".into(),
            exception_message: format!(
                "task `{}`: agent `{}` did not finish within {:.0}s",
                task.id,
                agent.name(),
                timeout.as_secs_f64()
            ),
            exception_traceback: String::new(),
            occurred_at: OffsetDateTime::now_utc(),
        });
    }
    result.agent_result = Some(AgentResult::from(&outcome));

    // Verifier.
    let run = run_verifier(
        task,
        sandbox.as_ref(),
        task.limits.verifier_timeout,
        options.offline_shims,
    )
    .await;
    result.timings.verifier_sec = run.duration.as_secs_f64();
    result.environment_notes.extend(run.notes.iter().cloned());
    let verifier_dir = dir.verifier_dir();
    copy_verifier_files(sandbox.as_ref(), verifier_dir.path()).await;
    if let Some(transcript) = &run.transcript {
        // For humans only; a failure to keep it does not change the score.
        let _ = transcript.write_for_humans(&verifier_dir);
    }
    match run.outcome {
        Ok(VerifierOutcome::Finished(RewardRead::Rewards { rewards, .. })) => {
            let reward = scalar_reward(&rewards);
            result.reward = reward;
            result.outcome = reward
                .map(OutcomeClass::from_reward)
                .unwrap_or(OutcomeClass::NoReward);
            result.verifier_result = Some(VerifierResult { rewards });
        }
        Ok(VerifierOutcome::Finished(read)) => {
            let (kind, what) = match read {
                RewardRead::Empty { file } => ("RewardFileEmpty", format!("{file} is empty")),
                _ => (
                    "RewardFileNotFound",
                    "neither reward.json nor reward.txt was written".to_owned(),
                ),
            };
            result.outcome = OutcomeClass::NoReward;
            result.exception_info = Some(ExceptionInfo {
                exception_type: kind.into(),
                exception_message: format!("task `{}`: verifier: {what}", task.id),
                exception_traceback: String::new(),
                occurred_at: OffsetDateTime::now_utc(),
            });
        }
        Ok(VerifierOutcome::Refused(why)) => {
            result.reward = Some(0.0);
            result.outcome = OutcomeClass::Fail;
            result.exception_info = Some(ExceptionInfo {
                exception_type: "VerifierRefused".into(),
                exception_message: format!("task `{}`: verifier not run: {why}", task.id),
                exception_traceback: String::new(),
                occurred_at: OffsetDateTime::now_utc(),
            });
        }
        Ok(VerifierOutcome::TimedOut(limit)) => {
            result.outcome = OutcomeClass::VerifierTimeout;
            result.exception_info = Some(ExceptionInfo {
                exception_type: "VerifierTimeoutError".into(),
                exception_message: format!(
                    "task `{}`: tests/test.sh did not finish within {:.0}s",
                    task.id,
                    limit.as_secs_f64()
                ),
                exception_traceback: String::new(),
                occurred_at: OffsetDateTime::now_utc(),
            });
        }
        Err(e) => {
            let class = match e {
                TaskError::Sandbox { .. } => OutcomeClass::InfrastructureError,
                _ => OutcomeClass::VerifierError,
            };
            return Err((class, e));
        }
    }
    Ok(())
}

/// The plan with base-environment variables filled in. Tasks whose ENV lines reference
/// variables the Dockerfile does not define (`ENV PATH=/opt/bin:$PATH`) need the sandbox's base
/// values: a probe sandbox with an empty environment reports them.
async fn resolve_plan(
    task: &Task,
    provider: &dyn SandboxProvider,
    allowed_host_env: &BTreeSet<String>,
) -> Result<BuildPlan, TaskError> {
    if task.plan.base_lookups.is_empty() {
        return Ok(task.plan.clone());
    }
    let mut spec = task.environment_spec(&task.plan, allowed_host_env)?;
    spec.env.clear();
    let probe = provider
        .create(&spec)
        .await
        .map_err(|e| setup_failure(task, e).1)?;
    let out = probe
        .exec("env -0", harness_sandbox::ExecOptions::default())
        .await
        .map_err(|source| TaskError::Sandbox {
            task: task.id.clone(),
            phase: "environment".into(),
            source,
        })?;
    let base: BTreeMap<String, String> = out
        .stdout
        .bytes
        .split(|b| *b == 0)
        .filter_map(|entry| {
            let text = String::from_utf8_lossy(entry);
            let (k, v) = text.split_once('=')?;
            Some((k.to_owned(), v.to_owned()))
        })
        .collect();
    drop(probe);
    task.plan_with_base(&|name| base.get(name).cloned())
}

fn setup_failure(task: &Task, e: SandboxError) -> Failure {
    match e {
        SandboxError::Unsupported { backend, reason } => {
            let mut reason = reason;
            if task.requires_absolute_paths() {
                reason.push_str(&format!(" ({})", task.absolute_path_summary()));
            }
            (
                OutcomeClass::Unsupported,
                TaskError::Unsupported {
                    task: task.id.clone(),
                    backend,
                    reason,
                },
            )
        }
        other => (
            OutcomeClass::InfrastructureError,
            TaskError::Sandbox {
                task: task.id.clone(),
                phase: "environment".into(),
                source: other,
            },
        ),
    }
}

fn classify_setup(e: &TaskError) -> OutcomeClass {
    match e {
        TaskError::Unsupported { .. } => OutcomeClass::Unsupported,
        TaskError::Sandbox { .. } | TaskError::Io { .. } => OutcomeClass::InfrastructureError,
        _ => OutcomeClass::EnvironmentError,
    }
}

/// Copy the files the verifier left in `<logs>/verifier/` to the trial's `verifier/` folder.
async fn copy_verifier_files(sandbox: &dyn Sandbox, host_dir: &std::path::Path) {
    let logs = verifier_logs_dir(sandbox);
    let Ok(entries) = sandbox.list_dir(&logs).await else {
        return;
    };
    for entry in entries.into_iter().filter(|e| !e.is_dir) {
        if let Ok(bytes) = sandbox.read_file(&format!("{logs}/{}", entry.name)).await {
            let _ = std::fs::write(host_dir.join(&entry.name), bytes);
        }
    }
}

/// `exception_info` for an error, with its cause chain as the traceback.
pub(crate) fn exception(kind: &str, error: &dyn std::error::Error) -> ExceptionInfo {
    let mut chain = Vec::new();
    let mut source = error.source();
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    ExceptionInfo {
        exception_type: kind.to_owned(),
        exception_message: error.to_string(),
        exception_traceback: chain.join("\n"),
        occurred_at: OffsetDateTime::now_utc(),
    }
}
