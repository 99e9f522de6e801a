//! `harness run`: the per-task table, the job layout and the exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn harness() -> Command {
    Command::cargo_bin("harness").unwrap()
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn oracle_on_a_few_bundled_tasks_prints_the_table_and_writes_the_job() {
    let out = tempfile::tempdir().unwrap();
    let assert = harness()
        .current_dir(repo())
        .args([
            "run",
            "--suite",
            "examples/suites/terminal-lite",
            "--tasks",
            "fix-word-counter,git-restore-*,word-frequency-report",
            "--agent",
            "oracle",
            "--sandbox",
            "local",
            "--jobs",
            "2",
            "--job-name",
            "e2e",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .code(0);
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let header = stdout.lines().next().unwrap();
    for column in ["task", "split", "reward", "trials", "outcomes"] {
        assert!(header.contains(column), "{stdout}");
    }
    for task in [
        "fix-word-counter",
        "git-restore-deleted-file",
        "word-frequency-report",
    ] {
        let row = stdout
            .lines()
            .find(|l| l.starts_with(task))
            .unwrap_or_else(|| panic!("no row for {task}:\n{stdout}"));
        assert!(row.contains("1.000") && row.contains("pass 1"), "{row}");
    }
    assert!(
        stdout.contains("mean reward: 1.000 over 3 trials"),
        "{stdout}"
    );

    let job = out.path().join("e2e");
    let config = read_json(&job.join("config.json"));
    assert_eq!(config["agent"]["name"], "oracle");
    assert_eq!(config["sandbox"], "local");
    let result = read_json(&job.join("result.json"));
    assert_eq!(result["n_trials"], 3);
    assert_eq!(result["mean_reward"], 1.0);
    assert!(result["finished_at"].is_string());
    let trial = read_json(&job.join("fix-word-counter__0/result.json"));
    assert_eq!(trial["task_name"], "fix-word-counter");
    assert_eq!(trial["trial_name"], "fix-word-counter__0");
    assert_eq!(trial["agent_result"]["n_input_tokens"], 0);
    assert_eq!(trial["verifier_result"]["rewards"]["reward"], 1.0);
    assert!(trial["exception_info"].is_null());
    assert!(trial["split"].is_string() && trial["task_checksum"].is_string());
    assert!(
        job.join("fix-word-counter__0/verifier/test-stdout.txt")
            .is_file()
    );
    assert!(
        job.join("fix-word-counter__0/verifier/reward.txt")
            .is_file()
    );

    // The same job name again is refused as bad input.
    harness()
        .current_dir(repo())
        .args([
            "run",
            "--suite",
            "examples/suites/terminal-lite",
            "--tasks",
            "fix-word-counter",
            "--agent",
            "noop",
            "--sandbox",
            "local",
            "--job-name",
            "e2e",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .code(2);
}

#[test]
fn bad_input_exits_2() {
    let out = tempfile::tempdir().unwrap();
    let base = |extra: &[&str]| {
        let mut cmd = harness();
        cmd.current_dir(repo())
            .arg("run")
            .args(extra)
            .arg("--out")
            .arg(out.path());
        cmd
    };
    // Unknown agent.
    base(&["--suite", "examples/suites/terminal-lite", "--agent", "gpt"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown agent `gpt`"));
    // No task matches.
    base(&[
        "--suite",
        "examples/suites/terminal-lite",
        "--tasks",
        "nope-*",
        "--agent",
        "noop",
    ])
    .assert()
    .code(2);
    // Unknown split.
    base(&[
        "--suite",
        "examples/suites/terminal-lite",
        "--split",
        "train",
        "--agent",
        "noop",
    ])
    .assert()
    .code(2);
    // Malformed task.
    base(&[
        "--suite",
        "crates/harness-tasks/tests/fixtures/malformed/bad-toml",
        "--agent",
        "noop",
    ])
    .assert()
    .code(2)
    .stderr(predicates::str::contains("task.toml"));
    // Unknown backend (clap).
    base(&[
        "--suite",
        "examples/suites/terminal-lite",
        "--agent",
        "noop",
        "--sandbox",
        "docker",
    ])
    .assert()
    .code(2);
}

#[test]
fn concurrent_runs_into_one_job_name_one_succeeds_the_others_exit_2() {
    let out = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("harness");
    let children: Vec<_> = (0..8)
        .map(|_| {
            std::process::Command::new(&bin)
                .current_dir(repo())
                .args([
                    "run",
                    "--suite",
                    "examples/suites/terminal-lite",
                    "--tasks",
                    "word-frequency-report",
                    "--agent",
                    "noop",
                    "--sandbox",
                    "local",
                    "--job-name",
                    "same",
                    "--out",
                ])
                .arg(out.path())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ok = 0;
    let mut refused = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            Some(0) => ok += 1,
            Some(2) => {
                assert!(stderr.contains("job folder exists"), "{stderr}");
                refused += 1;
            }
            other => panic!("exit {other:?}: {stderr}"),
        }
    }
    assert_eq!((ok, refused), (1, 7));
    let result = read_json(&out.path().join("same/result.json"));
    assert_eq!(result["n_finished"], 1);
}
