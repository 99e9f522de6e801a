//! `harness run` under signals and bad host setups: SIGTERM stops the run like SIGINT (no
//! sandbox folder and no process left), a run killed with SIGKILL leaves folders that the next
//! run removes, `--sandbox local` warns, and a task reading a host variable is refused unless
//! the variable is allowed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn harness_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_harness"))
}

fn marker(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("harness-signal-{tag}-{}-{nanos}", std::process::id())
}

/// A one-task suite whose "solution" starts a process that leaves its group, then waits.
fn sleeping_suite(root: &Path, tag: &str) -> PathBuf {
    let suite = root.join("suite");
    let task = suite.join("sleeper");
    let base = repo().join("examples/suites/terminal-lite/word-frequency-report");
    copy_dir(&base, &task);
    std::fs::write(
        task.join("solution/solve.sh"),
        format!(
            "#!/usr/bin/env bash\nsetsid sh -c 'sleep 300; : {tag}' >/dev/null 2>&1 </dev/null &\n\
             sh -c 'sleep 300; : {tag}'\n"
        ),
    )
    .unwrap();
    suite
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
    let status = Command::new("cp")
        .arg("-r")
        .arg(src)
        .arg(dst)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Pids of processes whose command line holds `tag`.
fn processes_with(tag: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if let Ok(raw) = std::fs::read(entry.path().join("cmdline"))
            && String::from_utf8_lossy(&raw).contains(tag)
        {
            found.push(pid);
        }
    }
    found
}

fn sandbox_dirs(tmp: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(tmp)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("harness-sandbox-"))
        })
        .collect()
}

fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    cond()
}

/// Start `harness run` of `suite` with its sandboxes under `tmp`.
fn start_run(suite: &Path, tmp: &Path, out: &Path, sandbox: &str) -> Child {
    Command::new(harness_bin())
        .args(["run", "--agent", "oracle", "--sandbox", sandbox, "--suite"])
        .arg(suite)
        .arg("--out")
        .arg(out)
        .env("TMPDIR", tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn kill_leftovers(tag: &str) {
    for pid in processes_with(tag) {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
}

#[test]
fn sigterm_leaves_no_process_and_no_folder() {
    let root = tempfile::tempdir().unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let tag = marker("term");
    let suite = sleeping_suite(root.path(), &tag);
    let mut child = start_run(&suite, &tmp, &root.path().join("out"), "local");
    assert!(
        wait_until(Duration::from_secs(60), || processes_with(&tag).len() >= 2),
        "the trial never started"
    );
    signal(&child, "-TERM");
    let status = child.wait().unwrap();
    let leftover_processes = processes_with(&tag);
    let leftover_dirs = sandbox_dirs(&tmp);
    kill_leftovers(&tag);
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert!(
        leftover_processes.is_empty(),
        "processes survived SIGTERM: {leftover_processes:?}"
    );
    assert!(
        leftover_dirs.is_empty(),
        "sandbox folders survived SIGTERM: {leftover_dirs:?}"
    );
}

#[test]
fn the_next_run_removes_folders_of_a_killed_run() {
    let root = tempfile::tempdir().unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let tag = marker("kill9");
    let suite = sleeping_suite(root.path(), &tag);
    let mut child = start_run(&suite, &tmp, &root.path().join("out"), "local");
    assert!(
        wait_until(Duration::from_secs(60), || processes_with(&tag).len() >= 2),
        "the trial never started"
    );
    signal(&child, "-KILL");
    child.wait().unwrap();
    // SIGKILL runs no cleanup: the sandbox folder stays, and the local backend's processes
    // (which nothing can tie to a dead parent) are ended here.
    kill_leftovers(&tag);
    let stale = sandbox_dirs(&tmp);
    assert!(!stale.is_empty(), "expected the killed run's folder");
    // Any later run removes it before it starts its own trials.
    let noop_suite = root.path().join("noop-suite");
    copy_dir(
        &repo().join("examples/suites/terminal-lite/word-frequency-report"),
        &noop_suite.join("w"),
    );
    let out = Command::new(harness_bin())
        .args(["run", "--agent", "noop", "--sandbox", "local", "--suite"])
        .arg(&noop_suite)
        .arg("--out")
        .arg(root.path().join("out2"))
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let left = sandbox_dirs(&tmp);
    assert!(left.is_empty(), "stale folders kept: {left:?}");
}

#[test]
fn local_sandbox_warns() {
    let root = tempfile::tempdir().unwrap();
    let suite = root.path().join("suite");
    copy_dir(
        &repo().join("examples/suites/terminal-lite/word-frequency-report"),
        &suite.join("w"),
    );
    let out = Command::new(harness_bin())
        .args(["run", "--agent", "noop", "--sandbox", "local", "--suite"])
        .arg(&suite)
        .arg("--out")
        .arg(root.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: --sandbox local is not isolation"),
        "{stderr}"
    );
    let help = Command::new(harness_bin())
        .args(["run", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("local is not isolation"), "{help}");
}

#[test]
fn host_variables_need_an_allow_list() {
    let root = tempfile::tempdir().unwrap();
    let suite = root.path().join("suite");
    let task = suite.join("needs-key");
    copy_dir(
        &repo().join("examples/suites/terminal-lite/word-frequency-report"),
        &task,
    );
    let toml = std::fs::read_to_string(task.join("task.toml")).unwrap();
    std::fs::write(
        task.join("task.toml"),
        format!("{toml}\n[environment.env]\nAPI = \"${{HARNESS_TEST_SECRET}}\"\n"),
    )
    .unwrap();
    let run = |allow: bool| {
        let mut cmd = Command::new(harness_bin());
        cmd.args(["run", "--agent", "noop", "--sandbox", "local", "--suite"])
            .arg(&suite)
            .arg("--out")
            .arg(root.path().join(if allow { "out-allowed" } else { "out" }))
            .env("HARNESS_TEST_SECRET", "s3cret-value");
        if allow {
            cmd.args(["--allow-env", "HARNESS_TEST_SECRET"]);
        }
        cmd.output().unwrap()
    };
    let refused = run(false);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    for part in [
        "needs-key",
        "task.toml",
        "environment.env.API",
        "HARNESS_TEST_SECRET",
    ] {
        assert!(stderr.contains(part), "missing `{part}` in: {stderr}");
    }
    assert!(!root.path().join("out").exists());
    let allowed = run(true);
    assert_eq!(allowed.status.code(), Some(0), "{allowed:?}");
}
