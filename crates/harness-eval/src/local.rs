//! [`LocalEvaluator`]: the [`Evaluator`] over this machine's job runner.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use harness_sandbox::SandboxProvider;
use harness_tasks::{
    Agent, AgentFactory, JobOptions, JobRunner, PlannedTrial, Progress, ProgressEvent, RunContext,
    StopFlag, trial_key,
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
/// others run (each job in `<out>/<run name>[-retry-N]`), every scored record is cached the
/// moment its trial ends, and trials that ended in model or infrastructure errors are run
/// again up to a bound.
pub struct LocalEvaluator {
    provider: Arc<dyn SandboxProvider>,
    factory: Arc<dyn AgentFactory>,
    cache: Arc<ScoreCache>,
    out: PathBuf,
    options: JobOptions,
    traces: Option<Arc<dyn TraceStoreFactory>>,
    max_retries: u32,
    ledger: Option<Arc<BudgetLedger>>,
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
        Self {
            provider,
            factory,
            cache,
            out: out.into(),
            options,
            traces: None,
            max_retries: DEFAULT_MAX_RETRIES,
            ledger: None,
        }
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
}

/// Caches every scored record as its trial ends and keeps the latest record of each key.
struct Recording {
    cache: Arc<ScoreCache>,
    sink: Arc<dyn RecordSink>,
    ledger: Option<Arc<BudgetLedger>>,
    stop: Arc<StopFlag>,
    latest: Mutex<Vec<ScoreRecord>>,
    error: Mutex<Option<EvalError>>,
}

impl Progress for Recording {
    fn on_event(&self, event: ProgressEvent<'_>) {
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
        let run =
            RunContext::new(plan.run_name.clone()).with_run_dir(self.out.join(&plan.run_name));
        let agent = self
            .factory
            .agent_for(Arc::clone(&plan.harness), &run)
            .map_err(|e| EvalError::Agent {
                harness: plan.harness.content_hash().short(),
                message: e.to_string(),
            })?;
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
        let tasks: Vec<harness_tasks::SuiteTask> = {
            let mut seen = std::collections::BTreeSet::new();
            plan.trials
                .iter()
                .filter(|t| seen.insert(t.task.task.id.clone()))
                .map(|t| t.task.clone())
                .collect()
        };
        let recording = Recording {
            cache: Arc::clone(&self.cache),
            sink,
            ledger: self.ledger.clone(),
            stop: Arc::clone(&stop),
            latest: Mutex::new(Vec::new()),
            error: Mutex::new(None),
        };
        let recording = Arc::new(recording);
        let mut attempt = 0;
        while !pending.is_empty() && attempt <= self.max_retries && stop.reason().is_none() {
            let mut options = self.options.clone();
            options.job_name = if attempt == 0 {
                plan.run_name.clone()
            } else {
                format!("{}-retry-{attempt}", plan.run_name)
            };
            options.seed = plan.seed;
            // The job name is not part of a key, so a retry's trials carry the same keys.
            let progress: Arc<dyn Progress> = Arc::clone(&recording) as Arc<dyn Progress>;
            let mut runner = JobRunner::new(Arc::clone(&self.provider), Arc::clone(&agent))
                .with_progress(progress)
                .with_stop(Arc::clone(&stop))
                .with_scored(Arc::clone(&self.cache) as Arc<dyn harness_tasks::ScoredTrials>);
            if let Some(traces) = &self.traces {
                runner = runner.with_traces_in_job_folder(Arc::clone(traces));
            }
            let output = runner
                .run_plan(&plan.suite, &tasks, &pending, &self.out, &options)
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
