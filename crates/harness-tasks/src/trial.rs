//! One trial: create a sandbox, build the environment, run the agent under its timeout, run
//! the verifier, and describe what happened in a [`TrialResult`]. Nothing here fails: every
//! error becomes the trial's `exception_info` and outcome class.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::FutureExt;
use harness_sandbox::{Sandbox, SandboxError, SandboxProvider};
use harness_trace::{
    AgentInfo as TraceAgent, Event, ModelInfo, SharedSink, TRACE_FORMAT, TraceHeader, TraceSink,
    TraceStore, VerifierOutcome as TraceVerdict,
};
use harness_types::{AgentId, TaskRef, TrialKey, VerifierId};
use time::OffsetDateTime;

use crate::TaskError;
use crate::agent::{
    Agent, AgentContext, AgentError, AgentOutcome, AgentStatus, SolutionAccess, TrialIdentity,
    agent_task,
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

/// Knobs that apply to every trial of a job. New knobs may be added: start from
/// [`TrialOptions::default`] and set fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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

/// Name of the verifier rules in every [`TrialKey`].
pub const VERIFIER_NAME: &str = "harbor";

/// Version of the verifier rules: how the reward files are read and classified, and how the
/// verifier phase is isolated. Bump it when a change could change a trial's reward, so that
/// cached scores of the old rules are not reused.
pub const VERIFIER_RULES_VERSION: &str = "1";

/// The verifier's identity in trial keys.
pub fn verifier_id() -> VerifierId {
    VerifierId::new(VERIFIER_NAME, VERIFIER_RULES_VERSION)
}

/// The key of one trial of `task` by `agent`.
pub fn trial_key(task: &Task, identity: &TrialIdentity, agent: &dyn Agent) -> TrialKey {
    TrialKey::new(
        agent.harness_hash(),
        TaskRef::new(task.id.clone(), task.checksum.clone()),
        AgentId::new(agent.name(), agent.version()),
        agent.model(),
        verifier_id(),
        identity.seed,
        identity.repeat,
    )
}

/// Set aside an earlier attempt's trace of the trial, then start its trace.
async fn open_trace(
    store: &dyn TraceStore,
    key: &TrialKey,
    identity: &TrialIdentity,
) -> Result<Box<dyn harness_trace::TraceSink>, harness_trace::TraceError> {
    store.set_aside(&identity.trial_id).await?;
    store.open_sink(trace_header(key, identity)).await
}

/// The trace header of a trial: the key's fields, the run and the trial id.
pub fn trace_header(key: &TrialKey, identity: &TrialIdentity) -> TraceHeader {
    let model = key.model.as_str();
    // The spec's scheme names the provider (`openai:gpt-4o` is served by `openai`).
    let provider = model.split_once(':').map(|(scheme, _)| scheme.to_owned());
    let name = model.to_owned();
    TraceHeader {
        format: TRACE_FORMAT.to_owned(),
        run_id: identity.job_name.clone(),
        trial_id: identity.trial_id.clone(),
        harness_hash: key.harness_hash,
        task_id: key.task_id.clone(),
        task_checksum: key.task_checksum.to_string(),
        agent: TraceAgent {
            name: key.agent.name.clone(),
            version: key.agent.version.clone(),
        },
        model: ModelInfo { name, provider },
        seed: key.seed,
        repeat: key.repeat,
        split: identity.split,
        labels: Default::default(),
    }
}

/// Run one trial of `task` in `dir`. The caller writes the result. With a trace store, the
/// trial's trace is opened before anything runs (so a trial whose environment fails still
/// has one), handed to the agent, and closed with the verifier's verdict: reward and outcome
/// class only.
pub async fn run_trial(
    task: &Task,
    identity: &TrialIdentity,
    provider: &dyn SandboxProvider,
    agent: &dyn Agent,
    options: &TrialOptions,
    dir: &TrialDir,
    traces: Option<&dyn TraceStore>,
) -> TrialResult {
    let started_at = OffsetDateTime::now_utc();
    let key = trial_key(task, identity, agent);
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
        trial_id: Some(identity.trial_id.clone()),
        key: Some(key.clone()),
    };
    let sink = match traces {
        // An earlier attempt's trace (a killed run, an errored trial run again) is kept aside.
        Some(store) => match open_trace(store, &key, identity).await {
            Ok(sink) => Some(SharedSink::new(sink)),
            Err(e) => {
                // No trace means nothing to mine: the trial is not run.
                result.outcome = OutcomeClass::InfrastructureError;
                result.exception_info = Some(exception("TraceStoreError", &e));
                result.finished_at = OffsetDateTime::now_utc();
                return result;
            }
        },
        None => None,
    };
    let ctx = Phases {
        task,
        identity,
        key: &key,
        provider,
        agent,
        options,
        dir,
        sink: sink.clone(),
    };
    if let Err((class, error)) = ctx.run(&mut result).await {
        result.outcome = class;
        result.exception_info = Some(exception(error.kind(), &error));
    }
    if let Some(sink) = sink {
        close_with_verdict(sink, &mut result);
    }
    result.finished_at = OffsetDateTime::now_utc();
    result
}

/// Append the verdict (numbers and a class, never the verifier's output) and close.
fn close_with_verdict(mut sink: SharedSink, result: &mut TrialResult) {
    // Only the scalar: the names of a reward.json are text the tests chose (a test could
    // name a reward after what it checks), so they stay in the trial's result for people.
    let verdict = Event::Verifier(TraceVerdict {
        outcome: result.outcome,
        rewards: Default::default(),
        reward: result.reward,
        // Seconds as f64 in the result; whole milliseconds in the trace.
        duration_ms: Some((result.timings.verifier_sec.max(0.0) * 1000.0).round() as u64),
    });
    let written = sink.append(verdict).and_then(|_| sink.finish());
    if let Err(e) = written {
        tracing::warn!(trial = %result.trial_name, error = %e, "verdict not written to the trace");
        result.environment_notes.push(format!(
            "the verdict could not be written to the trace: {e}"
        ));
    }
}

type Failure = (OutcomeClass, TaskError);

/// What the phases of one trial share.
struct Phases<'a> {
    task: &'a Task,
    identity: &'a TrialIdentity,
    key: &'a TrialKey,
    provider: &'a dyn SandboxProvider,
    agent: &'a dyn Agent,
    options: &'a TrialOptions,
    dir: &'a TrialDir,
    sink: Option<SharedSink>,
}

impl Phases<'_> {
    async fn run(&self, result: &mut TrialResult) -> Result<(), Failure> {
        let Phases {
            task,
            identity,
            key,
            provider,
            agent,
            options,
            dir,
            ..
        } = *self;
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
        let agent_task = agent_task(task);
        let solution = agent.needs_solution().then(|| {
            SolutionAccess::new(
                task.solution_dir(),
                task.config.solution.env.clone(),
                options.offline_shims,
            )
        });
        let agent_dir = dir.agent_dir();
        let ctx = AgentContext::new(
            &agent_task,
            sandbox.as_ref(),
            identity,
            key,
            timeout,
            &agent_dir,
        )
        .with_solution(solution.as_ref())
        .with_trace(self.sink.clone());
        // A panic in the agent is caught here, so the trial is still verified-or-classed, traced
        // and scored like any other (the sandbox stays owned by this frame).
        let run = std::panic::AssertUnwindSafe(agent.run(ctx)).catch_unwind();
        let ran = tokio::time::timeout(timeout + AGENT_GRACE, run).await;
        result.timings.agent_sec = agent_started.elapsed().as_secs_f64();
        let outcome = match ran {
            Err(_) => AgentOutcome::with_status(AgentStatus::Timeout),
            Ok(Ok(Ok(outcome))) => outcome,
            Ok(Ok(Err(e))) => {
                result.agent_result = Some(AgentResult::from(&AgentOutcome::with_status(
                    AgentStatus::Error {
                        message: e.to_string(),
                    },
                )));
                let class = if e.is_infrastructure() {
                    OutcomeClass::InfrastructureError
                } else {
                    OutcomeClass::AgentError
                };
                return Err((class, agent_failure(task, agent, &e)));
            }
            Ok(Err(panic)) => {
                let message = panic_message(panic.as_ref());
                result.agent_result = Some(AgentResult::from(&AgentOutcome::with_status(
                    AgentStatus::Error {
                        message: format!("panicked: {message}"),
                    },
                )));
                return Err((
                    OutcomeClass::InfrastructureError,
                    TaskError::Agent {
                        task: task.id.clone(),
                        agent: agent.name().to_owned(),
                        message: format!("the agent panicked: {message}"),
                    },
                ));
            }
        };
        if let AgentStatus::ModelError { message } = &outcome.status {
            // The model server, not the agent, ended the run: what the agent left says nothing
            // about the task, so the verifier is skipped (its verdict would be scored as the
            // agent's) and the trial is classed apart from failures.
            result.agent_result = Some(AgentResult::from(&outcome));
            result.outcome = OutcomeClass::ModelError;
            result.exception_info = Some(ExceptionInfo::now(
                "ModelError",
                format!(
                    "task `{}`: agent `{}`: model error: {message}",
                    task.id,
                    agent.name()
                ),
            ));
            return Ok(());
        }
        if outcome.status == AgentStatus::Timeout {
            // As Harbor does: record the timeout, then still verify what the agent left.
            result.exception_info = Some(ExceptionInfo::now(
                "AgentTimeoutError",
                format!(
                    "task `{}`: agent `{}` did not finish within {:.0}s",
                    task.id,
                    agent.name(),
                    timeout.as_secs_f64()
                ),
            ));
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
                result.exception_info = Some(ExceptionInfo::now(
                    kind,
                    format!("task `{}`: verifier: {what}", task.id),
                ));
            }
            Ok(VerifierOutcome::Refused(why)) => {
                result.reward = Some(0.0);
                result.outcome = OutcomeClass::Fail;
                result.exception_info = Some(ExceptionInfo::now(
                    "VerifierRefused",
                    format!("task `{}`: verifier not run: {why}", task.id),
                ));
            }
            Ok(VerifierOutcome::TimedOut(limit)) => {
                result.outcome = OutcomeClass::VerifierTimeout;
                result.exception_info = Some(ExceptionInfo::now(
                    "VerifierTimeoutError",
                    format!(
                        "task `{}`: tests/test.sh did not finish within {:.0}s",
                        task.id,
                        limit.as_secs_f64()
                    ),
                ));
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

/// The runner's error for an agent that could not run.
fn agent_failure(task: &Task, agent: &dyn Agent, e: &AgentError) -> TaskError {
    TaskError::Agent {
        task: task.id.clone(),
        agent: agent.name().to_owned(),
        message: e.to_string(),
    }
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-text panic".to_owned())
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
