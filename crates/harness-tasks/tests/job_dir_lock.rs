//! Runs racing for one job folder: exactly one gets it, the others are told it exists.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use harness_tasks::{JobOptions, JobRunner, NoopAgent, Suite, TaskError, TaskSelection};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_runs_into_one_job_name_one_wins() {
    let suite = Suite::load(&common::bundled_suite_dir()).unwrap();
    let tasks = suite
        .select(&TaskSelection::from_patterns("word-frequency-report"))
        .unwrap();
    assert_eq!(tasks.len(), 1);
    let suite = Arc::new(suite);
    let tasks = Arc::new(tasks);
    let out = tempfile::tempdir().unwrap();
    let mut handles = Vec::new();
    for _ in 0..8 {
        let (suite, tasks, out) = (suite.clone(), tasks.clone(), out.path().to_path_buf());
        handles.push(tokio::spawn(async move {
            JobRunner::new(common::local(), Arc::new(NoopAgent))
                .run(&suite, &tasks, &out, &JobOptions::new("same"))
                .await
        }));
    }
    let mut ok = 0;
    let mut refused = Vec::new();
    for handle in handles {
        match handle.await.unwrap() {
            Ok(output) => {
                ok += 1;
                assert_eq!(output.result.n_finished, 1);
            }
            Err(TaskError::Io { source, path }) => {
                assert_eq!(source.kind(), std::io::ErrorKind::AlreadyExists);
                assert!(source.to_string().contains("job folder exists"), "{source}");
                assert!(path.ends_with("same"), "{}", path.display());
                refused.push(source.to_string());
            }
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(ok, 1, "refused: {refused:?}");
    assert_eq!(refused.len(), 7);
    // One job's files, whole.
    let job = out.path().join("same");
    assert!(job.join("config.json").is_file());
    assert!(job.join("word-frequency-report__0/result.json").is_file());
}
