//! Budgets: a plan over budget is refused before anything runs, with its estimate; a run
//! that reaches its budget starts no new trial; the ledger survives a reopen (a resume).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use harness_core::Harness;
use harness_eval::{
    Budget, BudgetLedger, EvalError, EvalPlan, Evaluator, LocalEvaluator, NoRecords, Price,
    PriceTable, ScoreCache,
};
use harness_sandbox::{ExecOptions, LocalProvider};
use harness_tasks::{
    Agent, AgentContext, AgentError, AgentFactory, AgentOutcome, JobOptions, RunContext, Suite,
    TaskSelection,
};
use harness_types::{ContentHash, ModelId};

/// Solves every task and reports 100 prompt and 20 completion tokens.
struct TokenAgent {
    runs: Arc<AtomicUsize>,
    harness: ContentHash,
}

#[async_trait]
impl Agent for TokenAgent {
    fn name(&self) -> &str {
        "tokens"
    }

    fn harness_hash(&self) -> ContentHash {
        self.harness
    }

    fn model(&self) -> ModelId {
        ModelId::new("priced:model")
    }

    async fn run(&self, ctx: AgentContext<'_>) -> Result<AgentOutcome, AgentError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        ctx.sandbox
            .exec("touch done.txt", ExecOptions::default())
            .await?;
        Ok(AgentOutcome::finished().with_usage(100, 0, 20, 0.0))
    }
}

struct Factory(Arc<AtomicUsize>);

impl AgentFactory for Factory {
    fn agent_for(&self, h: Arc<Harness>, _: &RunContext) -> Result<Arc<dyn Agent>, AgentError> {
        Ok(Arc::new(TokenAgent {
            runs: Arc::clone(&self.0),
            harness: h.content_hash(),
        }))
    }
}

fn setup(n_tasks: usize) -> (tempfile::TempDir, EvalPlan) {
    let suite_dir = tempfile::tempdir().unwrap();
    for i in 0..n_tasks {
        harness_testkit::write_done_task(suite_dir.path(), &format!("t{i}"), None).unwrap();
    }
    let suite = Suite::load(suite_dir.path()).unwrap();
    let tasks = suite.select(&TaskSelection::default()).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/harnesses/minimal");
    let harness = Arc::new(Harness::load(&dir, &harness_core::KindRegistry::builtin()).unwrap());
    let plan = EvalPlan::repeats(harness, suite.clone(), &tasks, 1, 0, "budgeted");
    (suite_dir, plan)
}

fn evaluator(
    out: &Path,
    cache_dir: &Path,
    ledger: Arc<BudgetLedger>,
    runs: &Arc<AtomicUsize>,
) -> LocalEvaluator {
    let mut options = JobOptions::new("unused");
    options.jobs = 1;
    LocalEvaluator::new(
        Arc::new(LocalProvider::default()),
        Arc::new(Factory(Arc::clone(runs))),
        Arc::new(ScoreCache::open(cache_dir).unwrap()),
        out,
        options,
    )
    .with_budget(ledger)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_over_the_rollout_budget_is_refused_with_its_estimate() {
    let (_suite, plan) = setup(6);
    let (out, cache, ledger_dir) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let ledger = Arc::new(
        BudgetLedger::open(
            ledger_dir.path(),
            Budget::unlimited().with_rollouts(4),
            PriceTable::new(),
        )
        .unwrap(),
    );
    let runs = Arc::new(AtomicUsize::new(0));
    let err = evaluator(out.path(), cache.path(), ledger, &runs)
        .evaluate(&plan, Arc::new(NoRecords))
        .await
        .unwrap_err();
    assert!(matches!(err, EvalError::OverBudget { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("6 trials") && text.contains("4 of 4"),
        "{text}"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_stops_at_its_budget_and_the_ledger_survives_a_reopen() {
    let (_suite, plan) = setup(6);
    let (out, cache, ledger_dir) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    // 120 tokens a trial at $1 / $2 per million: $0.00014 a trial; 250 tokens allow 3 trials.
    let prices = PriceTable::new().with(
        "priced:model",
        Price {
            input_per_mtok: 1.0,
            output_per_mtok: 2.0,
        },
    );
    let budget = Budget::unlimited().with_tokens(250);
    let ledger = Arc::new(BudgetLedger::open(ledger_dir.path(), budget, prices.clone()).unwrap());
    let runs = Arc::new(AtomicUsize::new(0));
    let report = evaluator(out.path(), cache.path(), Arc::clone(&ledger), &runs)
        .evaluate(&plan, Arc::new(NoRecords))
        .await
        .unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 3, "{report:?}");
    assert!(
        report.stopped.as_deref().unwrap().contains("token budget"),
        "{report:?}"
    );
    assert_eq!(report.records.len(), 3);
    assert_eq!(report.n_unscored, 3);
    let spent = ledger.spent();
    assert_eq!((spent.rollouts, spent.tokens), (3, 360));
    assert!((spent.usd - 3.0 * 0.00014).abs() < 1e-12, "{spent:?}");

    // A resume: the reopened ledger remembers, and the rest of the plan is refused at once.
    drop(ledger);
    let reopened = Arc::new(BudgetLedger::open(ledger_dir.path(), budget, prices).unwrap());
    assert_eq!(reopened.spent().tokens, 360);
    let err = evaluator(out.path(), cache.path(), reopened, &runs)
        .evaluate(&plan, Arc::new(NoRecords))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("tokens"), "{err}");
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}

#[test]
fn tokens_spent_outside_trials_are_charged_without_a_rollout() {
    let dir = tempfile::tempdir().unwrap();
    let budget = Budget::unlimited().with_tokens(1_000);
    let ledger = BudgetLedger::open(dir.path(), budget, PriceTable::new()).unwrap();
    let spent = ledger.charge_tokens("miner-qa", 600, 0.01).unwrap();
    assert_eq!((spent.rollouts, spent.tokens), (0, 600));
    assert!(ledger.exhausted().is_none());
    ledger.charge_tokens("miner-qa", 500, 0.0).unwrap();
    assert!(ledger.exhausted().unwrap().contains("token budget"));
    let reopened = BudgetLedger::open(dir.path(), budget, PriceTable::new()).unwrap();
    assert_eq!(
        (reopened.spent().rollouts, reopened.spent().tokens),
        (0, 1_100)
    );
}

#[test]
fn reserved_rollouts_are_kept_for_the_plan_they_were_set_aside_for() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = BudgetLedger::open(
        dir.path(),
        Budget::unlimited().with_rollouts(10),
        PriceTable::new(),
    )
    .unwrap();
    ledger.check_plan(10).unwrap();
    ledger.reserve(4);
    assert_eq!(ledger.reserved(), 4);
    ledger.check_plan(6).unwrap();
    match ledger.check_plan(7) {
        Err(EvalError::OverBudget { what, .. }) => assert_eq!(what, "rollouts"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    ledger.release();
    ledger.check_plan(10).unwrap();
    // Held in memory: a reopened ledger has no reservation.
    ledger.reserve(9);
    let reopened = BudgetLedger::open(
        dir.path(),
        Budget::unlimited().with_rollouts(10),
        PriceTable::new(),
    )
    .unwrap();
    assert_eq!(reopened.reserved(), 0);
}
