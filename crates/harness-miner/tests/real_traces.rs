//! Real traces: the shared mini-swe-agent sample (Gemini 3 Pro on SWE-bench Verified)
//! imports, mines into a report within budget, and the report says what reading the
//! trajectories shows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use harness_miner::{MineScope, MinerConfig, StoreMiner};
use harness_trace::RunStore;
use harness_trace::import::outcomes::Outcomes;
use harness_trace::import::{ImportOptions, import_mini_swe};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/real-traces/mini-swe-agent")
}

#[tokio::test]
async fn mini_swe_sample_mines_into_a_report_within_budget() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path()).unwrap();
    let outcomes = Outcomes::load(&sample().join("outcomes.json")).unwrap();
    let report = import_mini_swe(
        &sample().join("trajs"),
        &outcomes,
        &ImportOptions::new("swe"),
        &store,
    )
    .await;
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.imported.len(), 12);

    let mined = StoreMiner::new(MinerConfig::new(MineScope::default()))
        .mine_detailed(&store)
        .await
        .unwrap();
    let r = &mined.report;
    assert_eq!((r.trials, r.passed, r.failed), (12, 6, 6));
    assert!(
        r.rendered_tokens <= r.budget_tokens,
        "{} tokens",
        r.rendered_tokens
    );
    assert!(harness_miner::estimate_tokens(&mined.markdown) <= r.budget_tokens);

    // Read in the trajectories: of the six unresolved instances, two answered with a
    // malformed action (not exactly one bash block) more than once: pylint-dev__pylint-7080
    // four times, sphinx-doc__sphinx-11510 three times (django__django-13212 and
    // pydata__xarray-4687 once each). Those two make the argument-error cluster.
    let cluster = r
        .clusters
        .iter()
        .find(|c| c.tag.as_str() == "repeated_tool_argument_errors")
        .expect("an argument-error cluster");
    let mut tasks = cluster.tasks.clone();
    tasks.sort();
    assert_eq!(
        tasks,
        ["pylint-dev__pylint-7080", "sphinx-doc__sphinx-11510"]
    );
    assert!(
        cluster
            .components
            .iter()
            .any(|a| a.component == harness_miner::ComponentKind::Tools
                || a.component == harness_miner::ComponentKind::Middleware)
    );

    // sympy__sympy-18763 (unresolved) ran `pytest`, which its environment lacks (exit 127),
    // then `python -m pytest`.
    let sympy = mined
        .signatures
        .iter()
        .find(|s| s.trial.task_id == "sympy__sympy-18763")
        .unwrap();
    let finding = sympy
        .evidence
        .iter()
        .find(|e| e.finding.tag.as_str() == "command_not_found")
        .unwrap();
    assert!(
        finding
            .finding
            .detail
            .starts_with("`pytest` is not installed"),
        "{}",
        finding.finding.detail
    );

    // No verifier output: the SWE-bench reports' test names never reach the report.
    let json = serde_json::to_string(r).unwrap();
    for leaked in [
        "test_latex_subs",
        "FAIL_TO_PASS",
        "PASS_TO_PASS",
        "tests_status",
    ] {
        assert!(
            !json.contains(leaked) && !mined.markdown.contains(leaked),
            "{leaked}"
        );
    }
}
