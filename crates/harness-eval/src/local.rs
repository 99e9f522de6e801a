//! [`LocalEvaluator`]: the [`Evaluator`] over this machine's job runner.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use harness_sandbox::SandboxProvider;
use harness_tasks::{
    Agent, AgentFactory, JobConfig, JobOptions, JobRunner, PlannedTrial, Progress, ProgressEvent,
    RunContext, StopFlag, TaskError, trial_key,
};
use harness_trace::TraceStoreFactory;
use harness_types::{ScoreRecord, TrialKey};

use crate::budget::BudgetLedger;
use crate::cache::ScoreCache;
use crate::error::EvalError;
use crate::evaluator::{EvalPlan, EvalReport, Evaluator, RecordSink};

/// Default of [`LocalEvaluator::with_max_retries`].
pub const DEFAULT_MAX_RETRIES: u32 = 2;

/// Runs plans with the job runner: trials already in the cache are answered from it, the
/// others run in the job folder `<out>/<run name>`, every scored record is cached the moment
/// its trial ends, and trials that ended in model or infrastructure errors are run again in
/// the same folder (the earlier attempt moved to `attempts/`) up to a bound.
///
/// With [`JobOptions::resume`] set, a plan's job folder that exists is continued: its
/// `config.json` must describe the same job (else [`harness_tasks::TaskError::ResumeMismatch`]
/// names what differs, before anything runs), and its job result is rebuilt even when no trial
/// is left to run.
pub struct LocalEvaluator {
    provider: Arc<dyn SandboxProvider>,
    agents: AgentSource,
    cache: Arc<ScoreCache>,
    out: PathBuf,
    options: JobOptions,
    traces: Option<Arc<dyn TraceStoreFactory>>,
    max_retries: u32,
    ledger: Option<Arc<BudgetLedger>>,
    progress: Option<Arc<dyn Progress>>,
}

/// Where the agent of a plan comes from.
enum AgentSource {
    /// Built for the plan's harness.
    Factory(Arc<dyn AgentFactory>),
    /// One agent for every plan, whatever its harness.
    Fixed(Arc<dyn Agent>),
}

impl LocalEvaluator {
    /// An evaluator whose jobs go under `out`, with job options `options` (their name is
    /// replaced by the plan's run name).
    pub fn new(
        provider: Arc<dyn SandboxProvider>,
        factory: Arc<dyn AgentFactory>,
        cache: Arc<ScoreCache>,
        out: impl Into<PathBuf>,
        options: JobOptions,
    ) -> Self {
        Self::from_source(
            provider,
            AgentSource::Factory(factory),
            cache,
            out.into(),
            options,
        )
    }

    /// An evaluator that runs every plan with `agent` (one the caller built, such as the
    /// command line's; a plan's harness, if any, is not used).
    pub fn with_agent(
        provider: Arc<dyn SandboxProvider>,
        agent: Arc<dyn Agent>,
        cache: Arc<ScoreCache>,
        out: impl Into<PathBuf>,
        options: JobOptions,
    ) -> Self {
        Self::from_source(
            provider,
            AgentSource::Fixed(agent),
            cache,
            out.into(),
            options,
        )
    }

    fn from_source(
        provider: Arc<dyn SandboxProvider>,
        agents: AgentSource,
        cache: Arc<ScoreCache>,
        out: PathBuf,
        options: JobOptions,
    ) -> Self {
        Self {
            provider,
            agents,
            cache,
            out,
            options,
            traces: None,
            max_retries: DEFAULT_MAX_RETRIES,
            ledger: None,
            progress: None,
        }
    }

    /// Hand the job runner's progress events (trials starting and finishing) to `progress`.
    pub fn with_progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Trace every trial in a store opened in its job folder.
    pub fn with_traces(mut self, factory: Arc<dyn TraceStoreFactory>) -> Self {
        self.traces = Some(factory);
        self
    }

    /// Charge every trial to `ledger`: a plan that would exceed its budget is refused before
    /// it starts, and no trial starts once it is spent.
    pub fn with_budget(mut self, ledger: Arc<BudgetLedger>) -> Self {
        self.ledger = Some(ledger);
        self
    }

    /// Run a trial that ended in a model or infrastructure error at most this many more
    /// times.
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    fn key(&self, plan: &EvalPlan, trial: &PlannedTrial, agent: &dyn Agent) -> TrialKey {
        let identity = trial.identity(&plan.run_name, plan.seed);
        trial_key(&trial.task.task, &identity, agent)
    }

    fn agent_for(&self, plan: &EvalPlan) -> Result<Arc<dyn Agent>, EvalError> {
        match &self.agents {
            AgentSource::Fixed(agent) => Ok(Arc::clone(agent)),
            AgentSource::Factory(factory) => {
                let Some(harness) = &plan.harness else {
                    return Err(EvalError::Agent {
                        harness: "none".into(),
                        message: "the plan has no harness for the agent factory".into(),
                    });
                };
                let run = RunContext::new(plan.run_name.clone())
                    .with_run_dir(self.out.join(&plan.run_name));
                factory
                    .agent_for(Arc::clone(harness), &run)
                    .map_err(|e| EvalError::Agent {
                        harness: harness.content_hash().short(),
                        message: e.to_string(),
                    })
            }
        }
    }

    fn job_options(&self, plan: &EvalPlan) -> JobOptions {
        let mut options = self.options.clone();
        options.job_name = plan.run_name.clone();
        options.seed = plan.seed;
        options
    }

    /// Refuse to continue a job folder that measures something else, before anything runs.
    fn check_resume(
        &self,
        plan: &EvalPlan,
        tasks: &[harness_tasks::SuiteTask],
        agent: &Arc<dyn Agent>,
    ) -> Result<(), EvalError> {
        let dir = self.out.join(&plan.run_name);
        let path = dir.join(harness_tasks::layout::CONFIG_JSON);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(EvalError::io(&path, e)),
        };
        let earlier: JobConfig =
            serde_json::from_slice(&bytes).map_err(|e| EvalError::Corrupt {
                path: path.clone(),
                line: e.line(),
                message: e.to_string(),
            })?;
        let now = JobRunner::new(Arc::clone(&self.provider), Arc::clone(agent)).job_config(
            &plan.suite,
            tasks,
            &self.job_options(plan),
        );
        let differences = earlier.resume_differences(&now);
        if differences.is_empty() {
            return Ok(());
        }
        Err(EvalError::Job(TaskError::ResumeMismatch {
            dir,
            differences,
        }))
    }
}

/// Caches every scored record as its trial ends and keeps the latest record of each key.
struct Recording {
    progress: Option<Arc<dyn Progress>>,
    cache: Arc<ScoreCache>,
    sink: Arc<dyn RecordSink>,
    ledger: Option<Arc<BudgetLedger>>,
    stop: Arc<StopFlag>,
    latest: Mutex<Vec<ScoreRecord>>,
    error: Mutex<Option<EvalError>>,
}

impl Progress for Recording {
    fn on_event(&self, event: ProgressEvent<'_>) {
        if let Some(progress) = &self.progress {
            progress.on_event(event);
        }
        let ProgressEvent::TrialFinished { result, .. } = event else {
            return;
        };
        let Some(record) = result.score_record() else {
            return;
        };
        let mut failed = self.cache.insert(&record).err();
        if let Some(ledger) = &self.ledger {
            // Every trial is charged, errored ones included: they spent too.
            match ledger.charge(&record) {
                Ok(_) => {
                    if let Some(reason) = ledger.exhausted() {
                        self.stop.stop(reason);
                    }
                }
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        if let Some(e) = failed {
            let mut slot = self.error.lock().unwrap_or_else(|e| e.into_inner());
            slot.get_or_insert(e);
        }
        self.sink.record(&record);
        self.latest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record);
    }
}

#[async_trait]
impl Evaluator for LocalEvaluator {
    async fn evaluate(
        &self,
        plan: &EvalPlan,
        sink: Arc<dyn RecordSink>,
    ) -> Result<EvalReport, EvalError> {
        let agent = self.agent_for(plan)?;
        let tasks: Vec<harness_tasks::SuiteTask> = {
            let mut seen = std::collections::BTreeSet::new();
            plan.trials
                .iter()
                .filter(|t| seen.insert(t.task.task.id.clone()))
                .map(|t| t.task.clone())
                .collect()
        };
        if self.options.resume {
            self.check_resume(plan, &tasks, &agent)?;
        }
        let keys: Vec<TrialKey> = plan
            .trials
            .iter()
            .map(|t| self.key(plan, t, agent.as_ref()))
            .collect();
        let mut report = EvalReport::default();
        let mut pending: Vec<PlannedTrial> = Vec::new();
        for (trial, key) in plan.trials.iter().zip(&keys) {
            match self.cache.get(key) {
                Some(record) => {
                    sink.record(&record);
                    report.n_cached += 1;
                }
                None => pending.push(trial.clone()),
            }
        }
        if let Some(ledger) = &self.ledger
            && !pending.is_empty()
        {
            ledger.check_plan(pending.len() as u64)?;
        }
        let stop = Arc::new(StopFlag::new());
        let recording = Recording {
            progress: self.progress.clone(),
            cache: Arc::clone(&self.cache),
            sink,
            ledger: self.ledger.clone(),
            stop: Arc::clone(&stop),
            latest: Mutex::new(Vec::new()),
            error: Mutex::new(None),
        };
        let recording = Arc::new(recording);
        let mut attempt = 0;
        // A resumed job is rebuilt even when nothing is left to run in it.
        let mut rebuild = self.options.resume;
        while (rebuild || !pending.is_empty())
            && attempt <= self.max_retries
            && stop.reason().is_none()
        {
            rebuild = false;
            let mut options = self.job_options(plan);
            // Retries continue the same job folder; the job name is not part of a key, and
            // the trials keep their ids.
            options.resume = options.resume || attempt > 0;
            let progress: Arc<dyn Progress> = Arc::clone(&recording) as Arc<dyn Progress>;
            let mut runner = JobRunner::new(Arc::clone(&self.provider), Arc::clone(&agent))
                .with_progress(progress)
                .with_stop(Arc::clone(&stop))
                .with_scored(Arc::clone(&self.cache) as Arc<dyn harness_tasks::ScoredTrials>);
            if let Some(traces) = &self.traces {
                runner = runner.with_traces_in_job_folder(Arc::clone(traces));
            }
            // The whole plan: the runner skips what is scored, and a resumed job counts what
            // an earlier run of it finished.
            let output = runner
                .run_plan(&plan.suite, &tasks, &plan.trials, &self.out, &options)
                .await?;
            report.n_run += output.trials.len();
            if let Some(e) = recording
                .error
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
            {
                return Err(e);
            }
            pending.retain(|t| {
                let key = self.key(plan, t, agent.as_ref());
                !self.cache.is_scored_key(&key)
            });
            let aborted = output.result.aborted.clone();
            report.job = Some(output.result);
            report.job_dir = Some(output.dir);
            if let Some(reason) = aborted {
                // Too many errors in a row: the service or the machine is down, and running
                // the rest again now would only repeat that.
                stop.stop(reason);
                break;
            }
            if !pending.is_empty() && attempt < self.max_retries {
                report.n_retried += pending.len();
            }
            attempt += 1;
        }
        report.n_unscored = pending.len();
        report.stopped = stop.reason();
        let latest = recording
            .latest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for key in &keys {
            let record = self
                .cache
                .get(key)
                .or_else(|| latest.iter().rev().find(|r| &r.key == key).cloned());
            if let Some(record) = record {
                report.records.push(record);
            }
        }
        Ok(report)
    }
}
