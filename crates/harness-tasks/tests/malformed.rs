//! Malformed task dirs give errors that name the task, the file and the problem.
//!
//! Each folder under `tests/fixtures/malformed/` is a task dir plus `expected.txt`, a
//! substring the error must contain. Errors found at load time are checked directly; the rest
//! (bad reward files, failing builds, missing solve.sh) are checked in the `exception_info` of
//! an oracle trial on the local backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use harness_tasks::agent::TrialIdentity;
use harness_tasks::layout::JobDir;
use harness_tasks::trial::{TrialOptions, run_trial};
use harness_tasks::{OracleAgent, Split, Task};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_fixtures_give_named_errors() {
    let root = common::fixtures("malformed");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "only {} malformed fixtures", cases.len());
    let provider = common::local();
    let out = tempfile::tempdir().unwrap();
    let job = JobDir::create(out.path(), "malformed").unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let expected = std::fs::read_to_string(case.join("expected.txt"))
            .unwrap()
            .trim()
            .to_owned();
        let message = match Task::load(case) {
            Err(e) => e.to_string(),
            Ok(task) => {
                let identity = TrialIdentity::new("malformed", &name, 0, 0, Split::Unassigned);
                let dir = job.trial(&identity.trial_name).unwrap();
                let result = run_trial(
                    &task,
                    &identity,
                    provider.as_ref(),
                    &OracleAgent,
                    &TrialOptions::default(),
                    &dir,
                    None,
                )
                .await;
                assert_eq!(result.reward, None, "{name} scored");
                result
                    .exception_info
                    .map(|e| e.exception_message)
                    .unwrap_or_else(|| format!("no exception; outcome {}", result.outcome))
            }
        };
        if !message.contains(&expected) || !message.contains(&format!("`{name}`")) {
            failures.push(format!(
                "{name}:\n  expected: {expected}\n  got:      {message}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
