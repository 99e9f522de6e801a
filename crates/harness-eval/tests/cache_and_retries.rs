//! The cache answers a plan's second evaluation without running a trial, survives a new
//! process (a reopened journal), and trials the infrastructure failed are run again instead
//! of being scored as failures.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use harness_core::Harness;
use harness_eval::{EvalPlan, Evaluator, LocalEvaluator, NoRecords, ScoreCache};
use harness_sandbox::{
    EnvironmentSpec, ExecOptions, LocalProvider, Sandbox, SandboxError, SandboxProvider,
};
use harness_tasks::{
    Agent, AgentContext, AgentError, AgentFactory, AgentOutcome, JobOptions, OutcomeClass,
    RunContext, Suite, TaskSelection,
};
use harness_types::ContentHash;

fn write_task(root: &Path, id: &str) {
    harness_testkit::write_done_task(root, id, None).unwrap();
}

/// Touches done.txt on tasks whose id starts with `ok`; counts its runs.
struct CountingAgent {
    runs: Arc<AtomicUsize>,
    harness: ContentHash,
}

#[async_trait]
impl Agent for CountingAgent {
    fn name(&self) -> &str {
        "counting"
    }

    fn harness_hash(&self) -> ContentHash {
        self.harness
    }

    async fn run(&self, ctx: AgentContext<'_>) -> Result<AgentOutcome, AgentError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        if ctx.task.id.starts_with("ok") {
            ctx.sandbox
                .exec("touch done.txt", ExecOptions::default())
                .await?;
        }
        Ok(AgentOutcome::finished())
    }
}

struct CountingFactory {
    runs: Arc<AtomicUsize>,
}

impl AgentFactory for CountingFactory {
    fn agent_for(
        &self,
        harness: Arc<Harness>,
        _run: &RunContext,
    ) -> Result<Arc<dyn Agent>, AgentError> {
        Ok(Arc::new(CountingAgent {
            runs: Arc::clone(&self.runs),
            harness: harness.content_hash(),
        }))
    }
}

/// Fails every `n`th sandbox it is asked for.
struct FlakyProvider {
    inner: LocalProvider,
    every: usize,
    asked: AtomicUsize,
}

#[async_trait]
impl SandboxProvider for FlakyProvider {
    fn name(&self) -> &str {
        "flaky"
    }

    async fn create(&self, spec: &EnvironmentSpec) -> Result<Box<dyn Sandbox>, SandboxError> {
        let n = self.asked.fetch_add(1, Ordering::SeqCst) + 1;
        if n.is_multiple_of(self.every) {
            return Err(SandboxError::BackendUnavailable {
                backend: "flaky".into(),
                reason: format!("sandbox {n} failed to start"),
            });
        }
        self.inner.create(spec).await
    }
}

fn harness() -> Arc<Harness> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/harnesses/minimal");
    Arc::new(Harness::load(&dir, &harness_core::KindRegistry::builtin()).unwrap())
}

fn plan(suite_dir: &Path, run: &str) -> EvalPlan {
    let suite = Suite::load(suite_dir).unwrap();
    let tasks = suite.select(&TaskSelection::default()).unwrap();
    EvalPlan::repeats(harness(), suite.clone(), &tasks, 2, 7, run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_evaluation_runs_nothing_even_in_a_new_process() {
    let suite_dir = tempfile::tempdir().unwrap();
    for id in ["ok-a", "ok-b", "no-c"] {
        write_task(suite_dir.path(), id);
    }
    let out = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let evaluator = |cache: Arc<ScoreCache>| {
        LocalEvaluator::new(
            Arc::new(LocalProvider::default()),
            Arc::new(CountingFactory {
                runs: Arc::clone(&runs),
            }),
            cache,
            out.path(),
            JobOptions::new("unused"),
        )
    };
    let cache = Arc::new(ScoreCache::open(cache_dir.path()).unwrap());
    let first = evaluator(Arc::clone(&cache))
        .evaluate(&plan(suite_dir.path(), "first"), Arc::new(NoRecords))
        .await
        .unwrap();
    assert_eq!((first.n_run, first.n_cached), (6, 0));
    assert_eq!(runs.load(Ordering::SeqCst), 6);
    assert_eq!(first.records.len(), 6);
    let passes = first
        .records
        .iter()
        .filter(|r| r.outcome == OutcomeClass::Pass)
        .count();
    assert_eq!(passes, 4);

    // Same plan, another run name (not part of the key), same cache: nothing runs.
    let second = evaluator(Arc::clone(&cache))
        .evaluate(&plan(suite_dir.path(), "second"), Arc::new(NoRecords))
        .await
        .unwrap();
    assert_eq!((second.n_run, second.n_cached), (0, 6));
    assert_eq!(second.records, first.records);

    // A new process: the journal reopened from disk answers the same.
    drop(cache);
    let reopened = Arc::new(ScoreCache::open(cache_dir.path()).unwrap());
    assert_eq!(reopened.len(), 6);
    let third = evaluator(reopened)
        .evaluate(&plan(suite_dir.path(), "third"), Arc::new(NoRecords))
        .await
        .unwrap();
    assert_eq!((third.n_run, third.n_cached), (0, 6));
    assert_eq!(runs.load(Ordering::SeqCst), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn infrastructure_errors_are_retried_never_scored() {
    let suite_dir = tempfile::tempdir().unwrap();
    for id in ["ok-a", "ok-b", "ok-c"] {
        write_task(suite_dir.path(), id);
    }
    let out = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = Arc::new(ScoreCache::open(cache_dir.path()).unwrap());
    let runs = Arc::new(AtomicUsize::new(0));
    let mut options = JobOptions::new("unused");
    options.jobs = 1;
    let evaluator = LocalEvaluator::new(
        Arc::new(FlakyProvider {
            inner: LocalProvider::default(),
            every: 3,
            asked: AtomicUsize::new(0),
        }),
        Arc::new(CountingFactory {
            runs: Arc::clone(&runs),
        }),
        Arc::clone(&cache),
        out.path(),
        options,
    )
    .with_max_retries(3);
    let report = evaluator
        .evaluate(&plan(suite_dir.path(), "flaky"), Arc::new(NoRecords))
        .await
        .unwrap();
    // Every third sandbox failed: 6 trials take 8 attempts (2 retried), all end scored.
    assert!(report.n_retried >= 2, "{report:?}");
    assert_eq!(report.n_unscored, 0, "{report:?}");
    assert_eq!(report.records.len(), 6);
    assert!(
        report
            .records
            .iter()
            .all(|r| r.outcome == OutcomeClass::Pass)
    );
    // Retries continue the same job folder: its result counts every trial once, as scored,
    // and the failed attempts are kept aside.
    let job = report.job.as_ref().unwrap();
    assert_eq!((job.n_trials, job.n_finished, job.n_excluded), (6, 6, 0));
    assert_eq!(job.mean_reward, Some(1.0));
    let attempts = std::fs::read_dir(out.path().join("flaky/attempts"))
        .unwrap()
        .count();
    assert_eq!(attempts, report.n_retried, "{report:?}");
    // The cache holds scores only: no infrastructure error was recorded as one.
    assert_eq!(cache.len(), 6);
    let journal = std::fs::read_to_string(cache.path()).unwrap();
    assert!(!journal.contains("infrastructure_error"), "{journal}");
}

/// A record of trial `t`, repeat `repeat`, with `outcome`.
fn sample_record(repeat: u32, outcome: OutcomeClass) -> harness_types::ScoreRecord {
    use harness_types::{
        AgentId, ModelId, ScoreRecord, Split, TaskChecksum, TaskRef, TrialId, TrialKey, TrialRef,
        VerifierId,
    };
    let key = TrialKey::new(
        ContentHash::of_bytes(b"h"),
        TaskRef::new("t", TaskChecksum::new("ab".repeat(32)).unwrap()),
        AgentId::new("a", "1"),
        ModelId::none(),
        VerifierId::new("harbor", "1"),
        0,
        repeat,
    );
    ScoreRecord::new(
        key,
        Split::HeldIn,
        outcome,
        None,
        "2026-01-01T00:00:00Z",
        TrialRef::new("job", TrialId::new(format!("job.t__{repeat}")).unwrap()),
    )
}

#[test]
fn a_torn_last_line_is_skipped_and_a_corrupt_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join(harness_eval::JOURNAL_FILE);
    // A record, then a torn one (the writer was killed mid-line).
    let whole = serde_json::to_string(&sample_record(0, OutcomeClass::Pass)).unwrap();
    std::fs::write(&journal, format!("{whole}\n{{\"key\": {{\"harn")).unwrap();
    let cache = ScoreCache::open(dir.path()).unwrap();
    assert_eq!(cache.len(), 1);
    // The next record starts on a line of its own, and the journal opens again: the torn line
    // is gone, not left in the middle.
    assert!(cache.insert(&sample_record(1, OutcomeClass::Fail)).unwrap());
    drop(cache);
    let reopened = ScoreCache::open(dir.path()).unwrap();
    assert_eq!(reopened.len(), 2);
    assert!(
        !std::fs::read_to_string(&journal)
            .unwrap()
            .contains("harn\"")
    );
    drop(reopened);
    std::fs::write(&journal, "not json\n{}\n").unwrap();
    let err = ScoreCache::open(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("line 1") && err.contains("scores.jsonl"),
        "{err}"
    );
}

#[test]
fn errored_records_in_a_journal_are_not_scores() {
    let record = sample_record;
    // A job's own scores.jsonl: one scored trial, one the infrastructure decided.
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        record(0, OutcomeClass::Fail),
        record(1, OutcomeClass::InfrastructureError),
    ]
    .iter()
    .map(|r| serde_json::to_string(r).unwrap() + "\n")
    .collect::<String>();
    std::fs::write(dir.path().join(harness_eval::JOURNAL_FILE), lines).unwrap();
    let cache = ScoreCache::open(dir.path()).unwrap();
    assert_eq!(cache.len(), 1);
    assert!(cache.get(&record(0, OutcomeClass::Fail).key).is_some());
    assert!(cache.get(&record(1, OutcomeClass::Fail).key).is_none());
    // The same journal seen as a job folder's own cache reads the same.
    let over_job = ScoreCache::over_job(dir.path()).unwrap();
    assert_eq!(over_job.len(), 1);
    assert!(!cache.insert(&record(2, OutcomeClass::ModelError)).unwrap());
    assert!(cache.insert(&record(3, OutcomeClass::Pass)).unwrap());
    assert!(!cache.insert(&record(3, OutcomeClass::Pass)).unwrap());
}
