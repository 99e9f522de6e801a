//! The CLI's log lines reach stderr: `-v` shows info lines, none shows only warnings, and
//! `RUST_LOG` decides when it is set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run one quick oracle trial with `extra` flags before the subcommand, `after` flags after
/// it, and `rust_log`; returns stderr.
fn run_stderr_with(extra: &[&str], after: &[&str], rust_log: Option<&str>) -> String {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = Command::cargo_bin("harness").unwrap();
    cmd.current_dir(repo()).env_remove("RUST_LOG");
    if let Some(filter) = rust_log {
        cmd.env("RUST_LOG", filter);
    }
    let assert = cmd
        .args(extra)
        .arg("run")
        .args(after)
        .args([
            "--suite",
            "examples/suites/terminal-lite",
            "--tasks",
            "word-frequency-report",
            "--agent",
            "oracle",
            "--sandbox",
            "local",
            "--job-name",
            "logging",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .code(0);
    String::from_utf8(assert.get_output().stderr.clone()).unwrap()
}

fn run_stderr(extra: &[&str], rust_log: Option<&str>) -> String {
    run_stderr_with(extra, &[], rust_log)
}

const STARTING: &str = "job starting";

#[test]
fn verbose_shows_info_lines_on_stderr() {
    let stderr = run_stderr(&["-v"], None);
    let line = stderr
        .lines()
        .find(|l| l.contains(STARTING))
        .unwrap_or_else(|| panic!("no `{STARTING}` line:\n{stderr}"));
    assert!(
        line.contains("INFO") && line.contains("agent=oracle"),
        "{line}"
    );
    // Not a terminal: no colour codes.
    assert!(!line.contains('\u{1b}'), "{line:?}");
}

#[test]
fn the_flag_also_works_after_the_subcommand() {
    let stderr = run_stderr_with(&[], &["-vv"], None);
    assert!(stderr.contains(STARTING), "{stderr}");
}

#[test]
fn without_verbose_info_lines_stay_hidden() {
    let stderr = run_stderr(&[], None);
    assert!(!stderr.contains(STARTING), "{stderr}");
}

#[test]
fn rust_log_decides_when_set() {
    let stderr = run_stderr(&[], Some("info"));
    assert!(stderr.contains(STARTING), "{stderr}");
    let stderr = run_stderr(&["-vvv"], Some("error"));
    assert!(!stderr.contains(STARTING), "{stderr}");
}
