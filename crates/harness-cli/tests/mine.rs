//! `harness traces import` and `harness mine`: the shared mini-swe-agent sample and the
//! Harbor job fixture import into run directories and mine into reports within budget;
//! malformed files are named and skipped (exit 2); the test split is refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn harness() -> Command {
    Command::cargo_bin("harness").unwrap()
}

fn mini_swe_sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/real-traces/mini-swe-agent")
}

fn harbor_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../harness-trace/tests/fixtures/harbor-job")
}

/// Import the sample's trajectories into `run` with the outcome sidecar `outcomes` (a path
/// inside the sample).
fn import_sample(run: &Path, outcomes: &str) {
    let sample = mini_swe_sample();
    harness()
        .args(["traces", "import", "--from", "mini-swe-agent"])
        .arg(sample.join("trajs"))
        .arg("--outcomes")
        .arg(sample.join(outcomes))
        .arg("--out")
        .arg(run)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("imported 12 trials"));
}

#[test]
fn import_mini_swe_then_mine_markdown_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("swe");
    import_sample(&run, "logs");
    let md = harness()
        .arg("mine")
        .arg(&run)
        .args(["--budget-tokens", "3000"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let md = String::from_utf8(md).unwrap();
    assert!(md.starts_with("# Weakness report"), "{md}");
    assert!(md.len() <= 3000 * 4, "{} bytes", md.len());
    assert!(md.contains("repeated_tool_argument_errors"), "{md}");
    let out = dir.path().join("report.json");
    harness()
        .arg("mine")
        .arg(&run)
        .args(["--format", "json", "--out"])
        .arg(&out)
        .assert()
        .code(0);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["format"], "harness-miner/1");
    assert_eq!(report["failed"], 6);
    assert!(report["rendered_tokens"].as_u64().unwrap() <= 10_000);
}

#[test]
fn question_answering_is_charged_to_the_runs_ledger() {
    use harness_testkit::fake_openai::{FakeOpenAi, Reply};
    let server = FakeOpenAi::builder()
        .respond_with(|_| Reply::completion(serde_json::json!({"role": "assistant", "content": "Root cause: malformed actions."})))
        .start_in_background()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("swe");
    import_sample(&run, "outcomes.json");
    let md = harness()
        .arg("mine")
        .arg(&run)
        .args(["--qa-model", "openai:fake", "--base-url", server.base_url()])
        .env("OPENAI_API_KEY", "sk-test")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("charged to the run's ledger"))
        .get_output()
        .stdout
        .clone();
    let md = String::from_utf8(md).unwrap();
    assert!(
        md.contains("Analysis: Root cause: malformed actions."),
        "{md}"
    );
    let ledger = std::fs::read_to_string(run.join("ledger.jsonl")).unwrap();
    assert!(
        ledger.lines().count() >= 1 && ledger.contains("miner-qa"),
        "{ledger}"
    );
    assert!(!server.received().is_empty());
}

#[test]
fn harbor_import_names_the_broken_trial_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    harness()
        .args(["traces", "import", "--from", "harbor"])
        .arg(harbor_fixture())
        .arg("--out")
        .arg(dir.path().join("hb"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("imported 2 trials"))
        .stderr(predicate::str::contains(
            "broken__0/agent/trajectory.json: field `steps`",
        ));
}

#[test]
fn the_test_split_is_refused_and_a_missing_run_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    harness()
        .arg("mine")
        .arg(dir.path())
        .args(["--split", "test"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("sealed"));
    harness()
        .arg("mine")
        .arg(dir.path().join("nothing"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not found"));
}
