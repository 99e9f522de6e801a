//! `harness apply --out`: never deletes what does not belong to a harness, and edit-file
//! errors name the edit file as given, with short excerpts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn minimal() -> PathBuf {
    repo().join("examples/harnesses/minimal")
}

fn empty_diff() -> PathBuf {
    repo().join("crates/harness-cli/tests/fixtures/empty.diff")
}

fn apply(out: &Path, force: bool) -> assert_cmd::assert::Assert {
    let mut cmd = Command::cargo_bin("harness").unwrap();
    cmd.arg("apply")
        .arg(minimal())
        .arg(empty_diff())
        .arg("--out")
        .arg(out);
    if force {
        cmd.arg("--force");
    }
    cmd.assert()
}

#[test]
fn a_non_empty_out_dir_is_refused_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("precious");
    std::fs::create_dir_all(out.join("sub")).unwrap();
    std::fs::write(out.join("thesis.tex"), "years of work").unwrap();
    std::fs::write(out.join("sub/data.csv"), "1,2,3").unwrap();
    apply(&out, false)
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(
            predicate::str::contains("precious: the output directory is not empty")
                .and(predicate::str::contains("--force")),
        );
    // --force still refuses: these files do not belong to any harness.
    apply(&out, true).code(2).stderr(
        predicate::str::contains("even with --force")
            .and(predicate::str::contains("sub/data.csv"))
            .and(predicate::str::contains("thesis.tex")),
    );
    assert_eq!(
        std::fs::read_to_string(out.join("thesis.tex")).unwrap(),
        "years of work"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("sub/data.csv")).unwrap(),
        "1,2,3"
    );
}

#[test]
fn a_harness_file_beside_a_foreign_file_is_still_refused_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(out.join("prompts")).unwrap();
    std::fs::copy(minimal().join("harness.yaml"), out.join("harness.yaml")).unwrap();
    std::fs::write(out.join("prompts/mine.md"), "not in the new harness").unwrap();
    apply(&out, true)
        .code(2)
        .stderr(predicate::str::contains("prompts/mine.md"));
    assert!(out.join("prompts/mine.md").exists());
}

#[test]
fn new_empty_same_and_harness_out_dirs_are_written() {
    let tmp = tempfile::tempdir().unwrap();
    // New directory.
    let out = tmp.path().join("new");
    apply(&out, false).code(0);
    assert!(out.join("harness.yaml").is_file());
    // A previous harness there: refused without --force, replaced with it.
    apply(&out, false).code(2);
    apply(&out, true).code(0);
    assert!(out.join("harness.yaml").is_file());
    // Empty directory.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    apply(&empty, false).code(0);
    // Only files of the harness being written (not a valid harness on its own).
    let partial = tmp.path().join("partial");
    std::fs::create_dir_all(partial.join("prompts")).unwrap();
    std::fs::write(partial.join("prompts/system.md"), "old").unwrap();
    apply(&partial, false).code(2);
    apply(&partial, true).code(0);
    assert_ne!(
        std::fs::read_to_string(partial.join("prompts/system.md")).unwrap(),
        "old"
    );
    // DIR itself (in place) needs no --force.
    let copy = tmp.path().join("copy");
    apply(&copy, false).code(0);
    Command::cargo_bin("harness")
        .unwrap()
        .arg("apply")
        .arg(&copy)
        .arg(empty_diff())
        .arg("--out")
        .arg(&copy)
        .assert()
        .code(0);
}

#[test]
fn edit_file_errors_name_the_edit_file_as_given() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("edits.yaml"),
        "edits:\n- op: nope\n  path: a\n",
    )
    .unwrap();
    let long = "x".repeat(200_000);
    std::fs::write(tmp.path().join("long.yaml"), &long).unwrap();
    std::fs::write(tmp.path().join("deep.yaml"), "[".repeat(1_000_000)).unwrap();
    std::fs::write(
        tmp.path().join("big.yaml"),
        format!("edits: []\n{}", "#".repeat(2_000_000)),
    )
    .unwrap();
    std::fs::write(tmp.path().join("bad.diff"), "--- a/x\nnot a header\n").unwrap();
    for command in ["validate", "apply"] {
        let run = |file: &str| {
            let mut cmd = Command::cargo_bin("harness").unwrap();
            cmd.current_dir(tmp.path()).arg(command).arg(minimal());
            if command == "validate" {
                cmd.arg("--edits").arg(file);
            } else {
                cmd.arg(file).arg("--out").arg("out");
            }
            let output = cmd.assert().code(2).get_output().clone();
            String::from_utf8(output.stderr).unwrap()
        };
        let e = run("edits.yaml");
        assert!(
            e.starts_with("edits.yaml:2:7: edits[0]") && e.contains("unknown variant `nope`"),
            "{command}: {e}"
        );
        let e = run("long.yaml");
        assert!(
            e.starts_with("long.yaml:1:1: ") && e.len() < 300,
            "{command}: {e}"
        );
        let e = run("deep.yaml");
        assert!(
            e.starts_with("deep.yaml:1:65: brackets nested deeper than 64 levels"),
            "{command}: {e}"
        );
        let e = run("big.yaml");
        assert!(
            e.starts_with("big.yaml: file is 2000010 bytes; the limit is 1048576 bytes"),
            "{command}: {e}"
        );
        let e = run("bad.diff");
        assert!(e.starts_with("bad.diff: diff: line 1"), "{command}: {e}");
        let e = run("missing.yaml");
        assert!(e.starts_with("missing.yaml: "), "{command}: {e}");
        assert!(!tmp.path().join("out").exists());
    }
}
