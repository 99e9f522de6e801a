//! A job dropped mid-way keeps every finished trial's result.json and a job result.json that
//! counts them; the trial still running is killed with its sandbox.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use harness_tasks::{
    JobOptions, JobResult, JobRunner, OracleAgent, ProgressEvent, Suite, TaskSelection, TrialResult,
};
use tokio::sync::mpsc;

fn alive(pid: &str) -> bool {
    std::process::Command::new("kill")
        .args(["-0", pid])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_runner_keeps_finished_trials() {
    let suite_dir = tempfile::tempdir().unwrap();
    let pid_file = suite_dir.path().join("slow.pid");
    // Sorted first, so it starts first and is still running when the job is dropped.
    common::write_done_task(
        suite_dir.path(),
        "a-slow",
        &format!(
            "echo $$ > {}\nsleep 120\ntouch done.txt\n",
            pid_file.display()
        ),
    );
    for id in ["b-fast", "c-fast", "d-fast"] {
        common::write_done_task(suite_dir.path(), id, "touch done.txt\n");
    }
    let suite = Suite::load(suite_dir.path()).unwrap();
    let tasks = suite.select(&TaskSelection::default()).unwrap();
    let out = tempfile::tempdir().unwrap();

    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let runner = JobRunner::new(common::local(), Arc::new(OracleAgent)).with_progress(Arc::new(
        move |event: ProgressEvent<'_>| {
            if let ProgressEvent::TrialFinished { result, .. } = event {
                let _ = tx.send(result.trial_name.clone());
            }
        },
    ));
    let mut options = JobOptions::new("interrupted");
    options.jobs = 2;
    // Boxed so that dropping it really drops the job (a `pin!`ned future lives to the end of
    // the scope).
    let mut job = Box::pin(runner.run(&suite, &tasks, out.path(), &options));
    let mut finished = Vec::new();
    while finished.len() < 3 {
        tokio::select! {
            _ = &mut job => panic!("the job finished although one trial sleeps for minutes"),
            name = rx.recv() => finished.push(name.unwrap()),
            _ = tokio::time::sleep(Duration::from_secs(60)) => panic!("fast trials did not finish"),
        }
    }
    // Drop the runner mid-way, as a crash or Ctrl-C would.
    drop(job);

    let job_dir = out.path().join("interrupted");
    let result: JobResult =
        serde_json::from_str(&std::fs::read_to_string(job_dir.join("result.json")).unwrap())
            .unwrap();
    assert_eq!(result.n_trials, 4);
    assert_eq!(result.n_finished, 3);
    assert_eq!(result.finished_at, None);
    assert_eq!(result.mean_reward, Some(1.0));
    for name in &finished {
        let trial: TrialResult = serde_json::from_str(
            &std::fs::read_to_string(job_dir.join(name).join("result.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(trial.reward, Some(1.0), "{name}");
    }
    assert!(!job_dir.join("a-slow__0/result.json").exists());
    assert!(job_dir.join("config.json").is_file());

    // The slow solve.sh died with its sandbox.
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let pid = pid.trim();
    let mut gone = false;
    for _ in 0..50 {
        if !alive(pid) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "solve.sh (pid {pid}) outlived the dropped job");
}
