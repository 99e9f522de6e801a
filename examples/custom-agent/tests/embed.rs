//! The example crate stays light, and its agent runs under the toolkit's job runner.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;

use harness_example_custom_agent::{CommandAgent, LookupModel};
use harness_sandbox::LocalProvider;
use harness_tasks::{JobOptions, JobRunner, OutcomeClass, Suite, TaskSelection};
use harness_trace::{Event, RunStore, SplitScope, TraceStore, TrialFilter};

/// `cargo tree` of this crate's normal dependencies: no SQLite, no HTTP client.
#[test]
fn the_dependency_tree_has_no_sqlite_and_no_http() {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            env!("CARGO_PKG_NAME"),
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).unwrap();
    assert!(
        tree.contains("harness-agent-api") && tree.contains("harness-model"),
        "{tree}"
    );
    for heavy in ["rusqlite", "libsqlite3-sys", "reqwest", "hyper ", "rustls "] {
        assert!(!tree.contains(heavy), "`{heavy}` in the tree:\n{tree}");
    }
}

fn write_task(root: &Path) {
    let d = root.join("make-done");
    std::fs::create_dir_all(d.join("tests")).unwrap();
    std::fs::write(d.join("task.toml"), "version = \"1.0\"\n").unwrap();
    std::fs::write(
        d.join("instruction.md"),
        "Create done.txt in the working directory.\n",
    )
    .unwrap();
    std::fs::write(
        d.join("tests/test.sh"),
        "OUT=\"${LOGS_DIR:-/logs}/verifier\"\n[ -f done.txt ] && echo 1 > \"$OUT/reward.txt\" || echo 0 > \"$OUT/reward.txt\"\n",
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_solves_a_task_and_its_trace_gets_the_verdict() {
    let suite_dir = tempfile::tempdir().unwrap();
    write_task(suite_dir.path());
    let suite = Suite::load(suite_dir.path()).unwrap();
    let tasks = suite.select(&TaskSelection::default()).unwrap();
    let model = Arc::new(LookupModel::new(&[("done.txt", "touch done.txt")]));
    let agent = Arc::new(CommandAgent::new(model));
    let out = tempfile::tempdir().unwrap();
    let store_dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn TraceStore> = Arc::new(RunStore::open(store_dir.path()).unwrap());
    let output = JobRunner::new(Arc::new(LocalProvider::default()), agent)
        .with_traces(Arc::clone(&store))
        .run(&suite, &tasks, out.path(), &JobOptions::new("embedded"))
        .await
        .unwrap();
    let trial = &output.trials[0];
    assert_eq!(trial.outcome, OutcomeClass::Pass, "{trial:#?}");
    let record = trial.score_record().unwrap();
    assert_eq!(record.key.model.as_str(), "lookup:table");
    assert_eq!(record.usage.output_tokens, 2);

    let listed = store
        .list(&TrialFilter::new().splits(SplitScope::All))
        .await
        .unwrap();
    let trace = store.get(&listed[0].trial_id).await.unwrap();
    let kinds: Vec<&str> = trace.steps.iter().map(|s| s.event.kind()).collect();
    assert_eq!(kinds, ["tool_call", "verifier"]);
    match &trace.steps[1].event {
        Event::Verifier(v) => assert_eq!(v.reward, Some(1.0)),
        other => panic!("{other:?}"),
    }
}
