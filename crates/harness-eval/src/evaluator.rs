//! The [`Evaluator`] seam: evaluate a plan, stream back score records. A local evaluator runs
//! the plan with the job runner ([`crate::LocalEvaluator`]); a distributed one would send
//! trial specs to workers and stream their records back the same way.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use harness_core::Harness;
use harness_tasks::{JobResult, PlannedTrial, Suite};
use harness_types::ScoreRecord;

use crate::error::EvalError;

/// What to evaluate: a harness on a list of trials of a suite.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EvalPlan {
    /// The harness (the evaluator's agent factory turns it into an agent); `None` for an
    /// evaluator built around one fixed agent ([`crate::LocalEvaluator::with_agent`]).
    pub harness: Option<Arc<Harness>>,
    /// The suite the trials' tasks come from.
    pub suite: Suite,
    /// The trials: task, split, repeat.
    pub trials: Vec<PlannedTrial>,
    /// Seed the trial seeds derive from.
    pub seed: u64,
    /// Name of the run (job folders are named after it).
    pub run_name: String,
}

impl EvalPlan {
    /// A plan of `repeats` trials of every task in `tasks`.
    pub fn repeats(
        harness: impl Into<Option<Arc<Harness>>>,
        suite: Suite,
        tasks: &[harness_tasks::SuiteTask],
        repeats: u32,
        seed: u64,
        run_name: impl Into<String>,
    ) -> Self {
        let trials = tasks
            .iter()
            .flat_map(|t| {
                (0..repeats.max(1)).map(move |repeat| PlannedTrial {
                    task: t.clone(),
                    repeat,
                })
            })
            .collect();
        Self {
            harness: harness.into(),
            suite,
            trials,
            seed,
            run_name: run_name.into(),
        }
    }
}

/// Receives score records as trials finish (cached ones first).
pub trait RecordSink: Send + Sync {
    /// One record.
    fn record(&self, record: &ScoreRecord);
}

/// A sink that drops records.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRecords;

impl RecordSink for NoRecords {
    fn record(&self, _record: &ScoreRecord) {}
}

/// What an evaluation did.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct EvalReport {
    /// The last record of every trial of the plan that has one, in plan order.
    pub records: Vec<ScoreRecord>,
    /// Trials answered from the cache.
    pub n_cached: usize,
    /// Trials run (attempts, retries included).
    pub n_run: usize,
    /// Attempts that ended in a model or infrastructure error and were run again.
    pub n_retried: usize,
    /// Trials still without a score after the last retry (or not started: the budget ran
    /// out).
    pub n_unscored: usize,
    /// Why the evaluation stopped starting trials before the plan was done, if it did (the
    /// budget ran out, or the job aborted after too many errors in a row).
    pub stopped: Option<String>,
    /// The job result of the plan's job folder after the last attempt, with every trial of
    /// the job that has a result (those an earlier run of a resumed job finished included);
    /// `None` when nothing ran.
    pub job: Option<JobResult>,
    /// The plan's job folder, when a job ran.
    pub job_dir: Option<PathBuf>,
}

/// Evaluates plans.
#[async_trait]
pub trait Evaluator: Send + Sync {
    /// Evaluate `plan`, handing every record to `sink` as it is known.
    async fn evaluate(
        &self,
        plan: &EvalPlan,
        sink: Arc<dyn RecordSink>,
    ) -> Result<EvalReport, EvalError>;
}
