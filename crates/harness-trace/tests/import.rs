//! Importers: a Harbor job folder fixture and the real mini-swe-agent sample import into a
//! run store; verifier details stay out; malformed files are named and skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use harness_trace::import::outcomes::Outcomes;
use harness_trace::import::{ImportOptions, import_harbor_job, import_mini_swe};
use harness_trace::{Event, OutcomeClass, RunStore, TraceStore, TrialFilter};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn mini_swe_sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/real-traces/mini-swe-agent")
}

fn all_text(store: &RunStore) -> String {
    let mut text = String::new();
    for id in store.layout().trial_ids().unwrap() {
        text.push_str(&std::fs::read_to_string(store.layout().trace_path(&id)).unwrap());
    }
    text
}

#[tokio::test]
async fn harbor_job_imports_and_names_the_broken_trial() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path()).unwrap();
    let report = import_harbor_job(
        &fixtures().join("harbor-job"),
        &ImportOptions::new("hb"),
        &store,
    )
    .await;
    assert_eq!(report.imported.len(), 2, "{report:?}");
    assert_eq!(report.problems.len(), 1);
    let problem = &report.problems[0];
    assert!(
        problem.path.ends_with("broken__0/agent/trajectory.json"),
        "{problem}"
    );
    assert!(problem.reason.contains("`steps`"), "{problem}");
    let listed = store.list(&TrialFilter::new()).await.unwrap();
    assert_eq!(listed.len(), 2);
    let failed = store.get(&report.imported[0]).await.unwrap();
    assert_eq!(failed.header.task_id, "count-words");
    assert_eq!(failed.verifier().unwrap().outcome, OutcomeClass::Fail);
    let calls: Vec<_> = failed.tool_calls().collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].exit_code, Some(127));
    assert!(calls[0].failed());
    let passed = store.get(&report.imported[1]).await.unwrap();
    assert_eq!(passed.verifier().unwrap().outcome, OutcomeClass::Pass);
    // The verifier's output never enters the store.
    assert!(!all_text(&store).contains("test_count_secret"));
}

#[tokio::test]
async fn mini_swe_sample_imports_with_outcomes_only() {
    let sample = mini_swe_sample();
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path()).unwrap();
    let outcomes = Outcomes::load(&sample.join("logs")).unwrap();
    assert_eq!(outcomes.len(), 12);
    let report = import_mini_swe(
        &sample.join("trajs"),
        &outcomes,
        &ImportOptions::new("swe"),
        &store,
    )
    .await;
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.imported.len(), 12);
    assert!(report.without_outcome.is_empty());
    let listed = store.list(&TrialFilter::new()).await.unwrap();
    let resolved = listed
        .iter()
        .filter(|t| t.outcome == Some(OutcomeClass::Pass))
        .count();
    assert_eq!(resolved, 6);
    // sympy__sympy-18763: 33 API calls, one action each; `pytest` was not installed.
    let trace = store
        .get(
            report
                .imported
                .iter()
                .find(|id| id.as_str().contains("sympy__sympy-18763"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(trace.model_calls().count(), 33);
    assert!(trace.tool_calls().any(
        |c| c.exit_code == Some(127) && c.output.excerpt.contains("pytest: command not found")
    ));
    assert_eq!(trace.tool_calls().last().unwrap().name, "submit");
    // The report's test names stay out (`test_latex_subs` fails in its report).
    assert!(!all_text(&store).contains("FAIL_TO_PASS"));
    let other_sidecar = Outcomes::load(&sample.join("outcomes.json")).unwrap();
    assert_eq!(other_sidecar.len(), 12);
    for line in trace.steps {
        line.event.validate().unwrap();
        if let Event::Verifier(v) = line.event {
            assert_eq!(v.outcome, OutcomeClass::Fail);
        }
    }
}

#[tokio::test]
async fn malformed_trajectory_is_named_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("bad.traj.json"), b"{\"messages\": 3}").unwrap();
    std::fs::write(
        src.join("good.traj.json"),
        br#"{"instance_id": "good", "trajectory_format": "mini-swe-agent-1.1", "info": {"exit_status": "Submitted"},
            "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "do it"},
                         {"role": "assistant", "content": "THOUGHT: go\n\n```bash\nls\n```", "extra": {"actions": [], "cost": 0.01}},
                         {"role": "user", "content": "<returncode>0</returncode>\n<output>\na\n</output>"}]}"#,
    )
    .unwrap();
    let store = RunStore::open(dir.path().join("run")).unwrap();
    let report = import_mini_swe(&src, &Outcomes::none(), &ImportOptions::new("r"), &store).await;
    assert_eq!(report.imported.len(), 1);
    assert_eq!(report.without_outcome.len(), 1);
    assert_eq!(report.problems.len(), 1);
    assert!(report.problems[0].path.ends_with("bad.traj.json"));
    assert!(
        report.problems[0].reason.contains("`messages`"),
        "{}",
        report.problems[0]
    );
}

#[test]
fn format_1_1_actions_are_the_commands() {
    let doc = br#"{"instance_id": "v11", "trajectory_format": "mini-swe-agent-1.1", "info": {"exit_status": "Submitted"},
        "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "task"},
                     {"role": "assistant", "content": "THOUGHT: list", "extra": {"actions": [{"command": "ls -la"}], "cost": 0.02}},
                     {"role": "user", "content": "<returncode>0</returncode>\n<output>\nfile\n</output>"}]}"#;
    let trial = harness_trace::import::mini_swe::parse(
        doc,
        "",
        &Outcomes::none(),
        &ImportOptions::new("r"),
    )
    .unwrap();
    let call = trial.trace.tool_calls().next().unwrap();
    assert_eq!(call.arguments["command"], "ls -la");
    assert_eq!(call.exit_code, Some(0));
    assert_eq!(
        trial.trace.model_calls().next().unwrap().cost_usd,
        Some(0.02)
    );
}
