//! `harness propose`: a run of the simulated model with the minimal harness is mined and the
//! catalog proposer's proposals are written as YAML with their diffs; every written proposal
//! applies to the harness; a harness without trials in the run, a bad catalog and the test
//! split are refused with exit 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn harness() -> Command {
    Command::cargo_bin("harness").unwrap()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A forgetter run of the minimal harness on six held-in tasks; returns the job folder.
fn forgetter_run(out: &Path) -> PathBuf {
    harness()
        .args(["run", "--agent", "builtin", "--model", "sim:forgetter"])
        .arg("--suite")
        .arg(repo().join("examples/suites/terminal-lite"))
        .arg("--harness")
        .arg(repo().join("examples/harnesses/minimal"))
        .args([
            "--tasks",
            "misnamed-bundle,out-of-tree-build,report-helpers-path,docs-whitespace-cleanup,git-untrack-artifacts,http-status-summary",
            "--repeats",
            "3",
            "--jobs",
            "2",
            "--seed",
            "0",
            "--sandbox",
            "local",
        ])
        .arg("--out")
        .arg(out)
        .assert()
        .code(0);
    let jobs: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(jobs.len(), 1);
    jobs[0].clone()
}

#[test]
fn proposals_are_written_as_yaml_with_diffs_that_apply() {
    let dir = tempfile::tempdir().unwrap();
    let job = forgetter_run(&dir.path().join("runs"));
    let out = dir.path().join("proposals");
    let minimal = repo().join("examples/harnesses/minimal");
    let stdout = harness()
        .arg("propose")
        .arg(&job)
        .arg("--harness")
        .arg(&minimal)
        .args(["-k", "2", "--out"])
        .arg(&out)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(stdout).unwrap();
    assert!(stdout.starts_with("id "), "{stdout}");
    let yamls: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    assert_eq!(yamls.len(), 2, "{stdout}");
    for yaml in &yamls {
        let proposal: harness_proposer::Proposal =
            serde_yaml::from_str(&std::fs::read_to_string(yaml).unwrap()).unwrap();
        assert!(stdout.contains(&proposal.id), "{stdout}");
        assert!(out.join(format!("{}.diff", proposal.id)).is_file());
        // The diff applies with `harness apply`, as a maintainer would use it.
        let applied = dir.path().join(&proposal.id);
        harness()
            .arg("apply")
            .arg(&minimal)
            .arg(out.join(format!("{}.diff", proposal.id)))
            .arg("--out")
            .arg(&applied)
            .assert()
            .code(0);
        let registry = harness_core::KindRegistry::builtin();
        let next = harness_core::Harness::load(&applied, &registry).unwrap();
        assert_eq!(next.content_hash(), proposal.candidate);
    }
    assert!(out.join("report.json").is_file());
}

#[test]
fn bad_input_is_refused_naming_what() {
    let dir = tempfile::tempdir().unwrap();
    let job = forgetter_run(&dir.path().join("runs"));
    // A harness that did not run in this job.
    harness()
        .arg("propose")
        .arg(&job)
        .arg("--harness")
        .arg(repo().join("examples/harnesses/rich"))
        .arg("--out")
        .arg(dir.path().join("p"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no trials of this harness"));
    // The test split cannot be named.
    harness()
        .arg("propose")
        .arg(&job)
        .arg("--harness")
        .arg(repo().join("examples/harnesses/minimal"))
        .args(["--split", "test", "--out"])
        .arg(dir.path().join("p"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("test"));
    // A malformed catalog names its file and field.
    let catalog = dir.path().join("mine.yaml");
    std::fs::write(
        &catalog,
        "remedies:\n- id: x\n  addresses: [a]\n  root_cause: r\n  why: w\n  rationale: r\n  change:\n    middleware:\n      kind: loop_breaker\n      params: {max_tool_calls: {derive: passing.turns.max}}\n",
    )
    .unwrap();
    harness()
        .arg("propose")
        .arg(&job)
        .arg("--harness")
        .arg(repo().join("examples/harnesses/minimal"))
        .arg("--catalog")
        .arg(&catalog)
        .arg("--out")
        .arg(dir.path().join("p"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("mine.yaml"))
        .stderr(predicate::str::contains(
            "remedies[0].change.middleware.params.max_tool_calls.derive",
        ));
}

#[test]
fn the_llm_proposer_submits_through_the_guards_and_is_charged_to_the_ledger() {
    use harness_testkit::fake_openai::{FakeOpenAi, Reply, tool_call};
    let change = serde_json::json!({
        "cluster": "finish_without_verification",
        "root_cause": "The agent finishes right after writing, before checking.",
        "surface": "middleware",
        "why_this_component": "Middleware sees the finish call.",
        "edits": {"edits": [{"op": "create", "path": "middleware.yaml",
            "content": "middleware:\n- kind: verify_before_finish\n  params:\n    max_blocks: 2\n"}]},
        "predicted_fixes": ["docs-whitespace-cleanup"],
        "rationale": "Refuse a finish with no check after the last write."
    });
    let server = FakeOpenAi::builder()
        .script([Reply::completion(tool_call(
            "call-1",
            "submit_proposals",
            &serde_json::json!({"proposals": [change]}),
        ))])
        .start_in_background()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let job = forgetter_run(&dir.path().join("runs"));
    let out = dir.path().join("proposals");
    let stdout = harness()
        .arg("propose")
        .arg(&job)
        .arg("--harness")
        .arg(repo().join("examples/harnesses/minimal"))
        .args([
            "--proposer",
            "llm",
            "--model",
            "openai:fake",
            "-k",
            "1",
            "--base-url",
        ])
        .arg(server.base_url())
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(stdout).unwrap();
    assert!(stdout.contains("finish_without_verification"), "{stdout}");
    let yaml = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "yaml"))
        .unwrap();
    let proposal: harness_proposer::Proposal =
        serde_yaml::from_str(&std::fs::read_to_string(yaml).unwrap()).unwrap();
    assert_eq!(proposal.proposer, "llm");
    let ledger = std::fs::read_to_string(job.join("ledger.jsonl")).unwrap();
    assert!(ledger.contains("\"proposer\""), "{ledger}");
    // One request: the first submission was accepted.
    let received = server.received();
    assert_eq!(received.len(), 1);
}
