//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use harness_sandbox::{BwrapOptions, BwrapProvider, LocalProvider, SandboxProvider};
use harness_tasks::{Agent, JobOptions, JobOutput, JobRunner, Suite, SuiteTask, TrialResult};

/// The bundled suite.
pub fn bundled_suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/suites/terminal-lite")
}

/// A fixtures folder of this crate.
pub fn fixtures(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(sub)
}

pub fn local() -> Arc<dyn SandboxProvider> {
    Arc::new(LocalProvider::default())
}

/// The bwrap provider, or `None` after printing why the test is skipped. With
/// `HARNESS_REQUIRE_BWRAP=1` an unavailable bubblewrap fails the test instead.
pub async fn bwrap() -> Option<Arc<dyn SandboxProvider>> {
    match BwrapProvider::new(BwrapOptions::default()).await {
        Ok(p) => Some(Arc::new(p)),
        Err(e) => {
            if std::env::var("HARNESS_REQUIRE_BWRAP").as_deref() == Ok("1") {
                panic!("bubblewrap is required (HARNESS_REQUIRE_BWRAP=1) but unavailable: {e}");
            }
            println!("skipped: bubblewrap unavailable: {e}");
            None
        }
    }
}

/// Run every task of `suite` once with `agent`, two trials at a time.
pub async fn run_all(
    provider: Arc<dyn SandboxProvider>,
    agent: Arc<dyn Agent>,
    suite: &Suite,
    tasks: &[SuiteTask],
    out: &Path,
    job: &str,
) -> JobOutput {
    let mut options = JobOptions::new(job);
    options.jobs = 2;
    JobRunner::new(provider, agent)
        .run(suite, tasks, out, &options)
        .await
        .unwrap()
}

/// Panic with a readable list of the trials that `ok` rejects; `what` says what was expected.
pub fn assert_trials(output: &JobOutput, what: &str, ok: impl Fn(&TrialResult) -> bool) {
    let wrong: Vec<String> = output
        .trials
        .iter()
        .filter(|t| !ok(t))
        .map(|t| {
            format!(
                "{}: reward {:?}, outcome {}, exception {:?}",
                t.trial_name,
                t.reward,
                t.outcome,
                t.exception_info.as_ref().map(|e| &e.exception_message)
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} trials did not {what}:\n{}",
        wrong.len(),
        output.trials.len(),
        wrong.join("\n")
    );
}

/// Panic with a readable list if any trial's reward differs from `expected`.
pub fn assert_all_rewards(output: &JobOutput, expected: f64) {
    assert_trials(output, &format!("score {expected}"), |t| {
        t.reward == Some(expected)
    });
}

/// Write task `id` under `root`: "Write done.txt", scored 1 when `done.txt` exists in the
/// working directory and 0 otherwise, solved by `solve`.
pub fn write_done_task(root: &Path, id: &str, solve: &str) {
    harness_testkit::write_done_task(root, id, Some(solve)).unwrap();
}
