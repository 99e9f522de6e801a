//! `harness traces search` over a run with damaged trace files: the readable traces are
//! searched, the others are named on stderr and the exit code says so.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use assert_cmd::Command;
use harness_trace::synth::sample_trace;
use harness_trace::{RunLayout, RunStore, TrialId};
use predicates::prelude::*;

fn harness() -> Command {
    Command::cargo_bin("harness").unwrap()
}

/// A run with the sample trace stored under each of `names`.
fn run_with(dir: &Path, names: &[&str]) {
    let store = RunStore::open(dir).unwrap();
    for name in names {
        let mut trace = sample_trace();
        trace.header.trial_id = TrialId::new(*name).unwrap();
        store.put_trace(&trace).unwrap();
    }
}

fn trace_file(dir: &Path, name: &str) -> std::path::PathBuf {
    RunLayout::new(dir).trace_path(&TrialId::new(name).unwrap())
}

#[test]
fn search_names_garbled_and_truncated_traces_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    run_with(dir.path(), &["good", "garbled", "truncated"]);
    // A garbled line in the middle of one file.
    let path = trace_file(dir.path(), "garbled");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(2, "{\"seq\": 2, \"ts\": garbage");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    // Another cut off inside its header line.
    let path = trace_file(dir.path(), "truncated");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..40]).unwrap();

    harness()
        .args(["traces", "search"])
        .arg(dir.path())
        .arg("careful")
        .assert()
        .code(2)
        .stdout(predicate::str::contains("good\t"))
        .stdout(predicate::str::contains("garbled").not())
        .stderr(predicate::str::contains(
            "warning: 2 trace files could not be read and were not searched",
        ))
        .stderr(predicate::str::contains("  garbled: "))
        .stderr(predicate::str::contains("  truncated: "));

    // No hits at all must not read as a clean "no matches".
    harness()
        .args(["traces", "search"])
        .arg(dir.path())
        .arg("wordthatappearsnowhere")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no matches in the traces that could be read",
        ))
        .stderr(predicate::str::contains("garbled"));
}

#[test]
fn search_over_intact_traces_exits_0_and_notes_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    run_with(dir.path(), &["good", "torn"]);
    harness()
        .args(["traces", "search"])
        .arg(dir.path())
        .arg("careful")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("warning").not());
    // A writer killed mid-line: complete lines are searched, the trace is named in a note.
    let path = trace_file(dir.path(), "torn");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"seq\": 99, \"ts\": \"2026-");
    std::fs::write(&path, bytes).unwrap();
    harness()
        .args(["traces", "search"])
        .arg(dir.path())
        .arg("careful")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("torn\t"))
        .stderr(predicate::str::contains("incomplete line"))
        .stderr(predicate::str::contains("torn"));
}
