//! `harness run --resume`: a job killed with SIGKILL before, during and after its trials is
//! continued without running any finished trial again, and ends with the result of a run that
//! was never interrupted; a complete job resumes to nothing at once; a resume that would
//! measure something else is refused, naming what differs; budgets refuse a plan before it
//! starts and stop a run cleanly, and the ledger outlives the process.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use harness_types::ScoreRecord;
use serde_json::Value;

const REPEATS: u32 = 2;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn harness_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_harness"))
}

/// Six tasks (four the oracle solves, two it does not) whose solution notes each start in
/// `counter` and takes a moment.
fn counting_suite(root: &Path, counter: &Path) -> PathBuf {
    let suite = root.join("suite");
    for id in ["ok-a", "ok-b", "ok-c", "ok-d", "miss-e", "miss-f"] {
        let finish = if id.starts_with("ok") {
            "touch done.txt"
        } else {
            ":"
        };
        let solve = format!(
            "#!/bin/sh\necho {id} >> '{}'\nsleep 0.4\n{finish}\n",
            counter.display()
        );
        harness_testkit::write_done_task(&suite, id, Some(&solve)).unwrap();
    }
    suite
}

/// A temp folder with the counting suite: (the folder, the counter file, the output folder,
/// the `harness run` arguments without output options).
fn counting_setup() -> (tempfile::TempDir, PathBuf, PathBuf, Vec<String>) {
    let root = tempfile::tempdir().unwrap();
    let counter = root.path().join("starts.txt");
    let suite = counting_suite(root.path(), &counter);
    let out = root.path().join("runs");
    let args = run_args(&suite);
    (root, counter, out, args)
}

fn run_args(suite: &Path) -> Vec<String> {
    [
        "run",
        "--suite",
        suite.to_str().unwrap(),
        "--agent",
        "oracle",
        "--sandbox",
        "local",
        "--repeats",
        &REPEATS.to_string(),
        "--jobs",
        "2",
        "--seed",
        "5",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn spawn(args: &[String], extra: &[&str]) -> Child {
    Command::new(harness_bin())
        .args(args)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn run(args: &[String], extra: &[&str]) -> Output {
    spawn(args, extra).wait_with_output().unwrap()
}

/// Scored records of a job's journal.
fn scored(job: &Path) -> Vec<ScoreRecord> {
    let text = std::fs::read_to_string(job.join("scores.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<ScoreRecord>(l).ok())
        .filter(ScoreRecord::is_scored)
        .collect()
}

fn starts(counter: &Path) -> Vec<String> {
    std::fs::read_to_string(counter)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Wait until `ready` holds (or the process ends), then SIGKILL it.
fn kill_when(mut child: Child, what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !ready() {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        assert!(Instant::now() < deadline, "never reached: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Wait until `counter` has not changed for a second: a solution the killed run had just
/// launched (local sandbox: its processes outlive the run) may still be about to note its
/// start, and must not be counted as a start of the next run.
fn settle(counter: &Path) {
    let mut last = starts(counter).len();
    let mut still = Instant::now();
    while still.elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(50));
        let now = starts(counter).len();
        if now != last {
            last = now;
            still = Instant::now();
        }
    }
}

/// The parts of a job result that do not depend on when it ran.
fn outcome(job: &Path) -> Value {
    let result: Value =
        serde_json::from_slice(&std::fs::read(job.join("result.json")).unwrap()).unwrap();
    let tasks: BTreeMap<String, Value> = result["tasks"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, s)| {
            (
                id.clone(),
                serde_json::json!([s["n_trials"], s["mean_reward"], s["outcome_counts"]]),
            )
        })
        .collect();
    serde_json::json!({
        "n_trials": result["n_trials"],
        "n_finished": result["n_finished"],
        "mean_reward": result["mean_reward"],
        "outcome_counts": result["outcome_counts"],
        "aborted": result["aborted"],
        "tasks": tasks,
    })
}

/// Per trial folder: its reward and outcome.
fn trial_rewards(job: &Path) -> BTreeMap<String, (Value, Value)> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(job).unwrap().flatten() {
        let path = entry.path().join("result.json");
        if let Ok(bytes) = std::fs::read(&path) {
            let r: Value = serde_json::from_slice(&bytes).unwrap();
            out.insert(
                entry.file_name().to_string_lossy().into_owned(),
                (r["reward"].clone(), r["outcome"].clone()),
            );
        }
    }
    out
}

#[test]
fn a_job_killed_at_any_point_resumes_to_the_uninterrupted_result() {
    let (_root, counter, out, args) = counting_setup();
    let n_trials = 6 * REPEATS as usize;

    let whole = run(
        &args,
        &["--out", out.to_str().unwrap(), "--job-name", "whole"],
    );
    assert!(whole.status.success(), "{whole:?}");
    assert_eq!(starts(&counter).len(), n_trials);
    std::fs::remove_file(&counter).unwrap();

    let job = out.join("killed");
    let resume = ["--resume", job.to_str().unwrap()];
    // Kill points: right after the job folder is set up, twice while trials run, and once
    // every trial has its score (the job result may not be final yet).
    let child = spawn(
        &args,
        &["--out", out.to_str().unwrap(), "--job-name", "killed"],
    );
    kill_when(child, "config.json", || job.join("config.json").exists());
    for at in [3, 8, n_trials] {
        settle(&counter);
        let finished = scored(&job);
        let before = starts(&counter).len();
        let child = spawn(&args, &resume);
        kill_when(child, &format!("{at} scores"), || scored(&job).len() >= at);
        // No trial that had a score when the last run was killed started again.
        let started: Vec<String> = starts(&counter)[before..].to_vec();
        for task in ["ok-a", "ok-b", "ok-c", "ok-d", "miss-e", "miss-f"] {
            let done = finished.iter().filter(|r| r.key.task_id == task).count();
            let again = started.iter().filter(|s| *s == task).count();
            assert!(
                again + done <= REPEATS as usize,
                "{task}: {done} finished before, {again} started after (at {at})"
            );
        }
    }

    // Finish (if the last kill came first) and then resume the complete job: nothing runs.
    settle(&counter);
    let last = run(&args, &resume);
    assert!(last.status.success(), "{last:?}");
    let before = starts(&counter).len();
    let t0 = Instant::now();
    let again = run(&args, &resume);
    let took = t0.elapsed();
    assert!(again.status.success(), "{again:?}");
    assert!(
        took < Duration::from_secs(5),
        "resume of a complete job took {took:?}"
    );
    assert_eq!(starts(&counter).len(), before, "a complete job ran trials");
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(
        stdout.contains(&format!(
            "from an earlier run of this job: {n_trials} of {n_trials}"
        )),
        "{stdout}"
    );

    // One score per trial, and the same job result as the run never interrupted.
    let records = scored(&job);
    let mut keys: Vec<_> = records.iter().map(|r| r.key.digest()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n_trials);
    assert_eq!(
        records.len(),
        n_trials,
        "a finished trial was recorded twice"
    );
    assert_eq!(outcome(&job), outcome(&out.join("whole")));
    assert_eq!(trial_rewards(&job), trial_rewards(&out.join("whole")));
}

#[test]
fn a_resume_that_measures_something_else_is_refused_naming_it() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("runs");
    let suite = repo().join("examples/suites/terminal-lite");
    let harness = |name: &str| repo().join("examples/harnesses").join(name);
    let args = |harness_dir: &Path, model: &str| -> Vec<String> {
        [
            "run",
            "--suite",
            suite.to_str().unwrap(),
            "--tasks",
            "fix-word-counter",
            "--agent",
            "builtin",
            "--harness",
            harness_dir.to_str().unwrap(),
            "--model",
            model,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let first = run(
        &args(&harness("minimal"), "sim:explorer"),
        &["--out", out.to_str().unwrap(), "--job-name", "j"],
    );
    assert!(first.status.success(), "{first:?}");
    let job = out.join("j");
    let resume = ["--resume", job.to_str().unwrap()];

    let other_harness = run(&args(&harness("rich"), "sim:explorer"), &resume);
    assert_eq!(other_harness.status.code(), Some(2), "{other_harness:?}");
    let err = String::from_utf8_lossy(&other_harness.stderr);
    assert!(
        err.contains("cannot resume") && err.contains("harness: was"),
        "{err}"
    );
    assert!(!err.contains("model:"), "only the harness differs: {err}");

    let other_model = run(&args(&harness("minimal"), "sim:retrier"), &resume);
    assert_eq!(other_model.status.code(), Some(2), "{other_model:?}");
    let err = String::from_utf8_lossy(&other_model.stderr);
    assert!(
        err.contains("model: was sim:explorer, now sim:retrier"),
        "{err}"
    );

    // Concurrency and the sandbox are incidental: the complete job resumes to nothing.
    let mut same = args(&harness("minimal"), "sim:explorer");
    same.extend(["--jobs", "3", "--sandbox", "local"].map(String::from));
    let resumed = run(&same, &resume);
    assert!(resumed.status.success(), "{resumed:?}");
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    assert!(
        stdout.contains("from an earlier run of this job: 1 of 1"),
        "{stdout}"
    );
    assert_eq!(scored(&job).len(), 1);

    // A folder that is not a job.
    let not_a_job = run(&same, &["--resume", root.path().to_str().unwrap()]);
    assert_eq!(not_a_job.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_a_job.stderr).contains("not a job folder"));
}

#[test]
fn budgets_refuse_a_plan_and_stop_a_run_and_the_ledger_survives_a_resume() {
    let (_root, counter, out, args) = counting_setup();
    let n_trials = 6 * REPEATS as usize;

    // A plan of 12 trials against a budget of 5: refused before anything runs.
    let refused = run(
        &args,
        &[
            "--out",
            out.to_str().unwrap(),
            "--job-name",
            "small",
            "--max-rollouts",
            "5",
        ],
    );
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("over budget") && err.contains("12 trials"),
        "{err}"
    );
    assert!(starts(&counter).is_empty());
    // Nothing ran, so nothing takes the job name.
    assert!(!out.join("small").exists());

    // One second of trial time: the run stops cleanly once it is spent.
    let job = out.join("timed");
    let stopped = run(
        &args,
        &[
            "--out",
            out.to_str().unwrap(),
            "--job-name",
            "timed",
            "--max-wall-sec",
            "1",
        ],
    );
    assert!(stopped.status.success(), "{stopped:?}");
    let stdout = String::from_utf8_lossy(&stopped.stdout);
    assert!(
        stdout.contains("stopped: wall-time budget spent"),
        "{stdout}"
    );
    let charged = std::fs::read_to_string(job.join("ledger.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert!(charged >= 2 && charged < n_trials, "{charged} charged");

    // Resumed with the same budget: what was spent is remembered, so nothing more starts.
    let before = starts(&counter).len();
    let resume = ["--resume", job.to_str().unwrap()];
    let again = run(&args, &[&resume[..], &["--max-wall-sec", "1"]].concat());
    assert_eq!(again.status.code(), Some(2), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("over budget"));
    assert_eq!(starts(&counter).len(), before);

    // With a larger budget the job finishes; the ledger counts every trial of both runs.
    let finished = run(&args, &[&resume[..], &["--max-wall-sec", "100"]].concat());
    assert!(finished.status.success(), "{finished:?}");
    let ledger = std::fs::read_to_string(job.join("ledger.jsonl")).unwrap();
    assert_eq!(ledger.lines().count(), starts(&counter).len());
    assert_eq!(scored(&job).len(), n_trials);
    let stdout = String::from_utf8_lossy(&finished.stdout);
    assert!(
        stdout.contains(&format!(
            "spent (this job, all runs): {} trials",
            starts(&counter).len()
        )),
        "{stdout}"
    );
}
