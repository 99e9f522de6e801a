//! Trials whose model server failed are their own outcome class, are left out of the mean,
//! and many of them in a row abort the job.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use harness_sandbox::ExecOptions;
use harness_tasks::{
    Agent, AgentContext, AgentError, AgentOutcome, AgentStatus, JobOptions, JobResult, JobRunner,
    OutcomeClass, Suite, TaskSelection,
};

/// Solves tasks whose id starts with `ok-`; on the others it writes done.txt too (a verifier
/// run would pass it) and then reports that the model server failed.
#[derive(Default)]
struct FlakyModelAgent {
    runs: AtomicUsize,
}

#[async_trait]
impl Agent for FlakyModelAgent {
    fn name(&self) -> &str {
        "flaky-model"
    }

    async fn run(&self, ctx: AgentContext<'_>) -> Result<AgentOutcome, AgentError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        ctx.sandbox
            .exec("touch done.txt", ExecOptions::default())
            .await
            .unwrap();
        if ctx.task.id.starts_with("ok-") {
            return Ok(AgentOutcome::finished());
        }
        Ok(AgentOutcome::with_status(AgentStatus::ModelError {
            message: "transient failure (HTTP 500): upstream down".into(),
        }))
    }
}

fn suite_with(ids: &[&str]) -> (tempfile::TempDir, Suite) {
    let dir = tempfile::tempdir().unwrap();
    for id in ids {
        common::write_done_task(dir.path(), id, "touch done.txt\n");
    }
    let suite = Suite::load(dir.path()).unwrap();
    (dir, suite)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_errors_are_classed_apart_skip_the_verifier_and_leave_the_mean() {
    let (_dir, suite) = suite_with(&["bad-1", "bad-2", "ok-1", "ok-2"]);
    let tasks = suite.select(&TaskSelection::default()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let agent = Arc::new(FlakyModelAgent::default());
    let output = JobRunner::new(common::local(), agent.clone())
        .run(&suite, &tasks, out.path(), &JobOptions::new("mixed"))
        .await
        .unwrap();
    assert_eq!(output.aborted(), None);
    let r = &output.result;
    assert_eq!(r.n_finished, 4);
    assert_eq!(r.n_excluded, 2);
    // Two passes count; the two model errors would have passed too, but are not scored.
    assert_eq!(r.mean_reward, Some(1.0));
    assert_eq!(r.outcome_counts.get(&OutcomeClass::ModelError), Some(&2));
    assert_eq!(r.outcome_counts.get(&OutcomeClass::Pass), Some(&2));
    for trial in &output.trials {
        if trial.task_name.starts_with("bad-") {
            assert_eq!(trial.outcome, OutcomeClass::ModelError);
            assert_eq!(trial.reward, None, "{}", trial.trial_name);
            assert!(trial.verifier_result.is_none(), "verifier ran");
            let info = trial.exception_info.as_ref().unwrap();
            assert_eq!(info.exception_type, "ModelError");
            assert!(info.exception_message.contains("upstream down"));
            assert!(matches!(
                trial.agent_result.as_ref().unwrap().status,
                AgentStatus::ModelError { .. }
            ));
            let stats = &r.tasks[&trial.task_name];
            assert_eq!((stats.n_trials, stats.n_excluded), (1, 1));
        } else {
            assert_eq!(trial.outcome, OutcomeClass::Pass);
        }
    }
    // What is on disk says the same.
    let on_disk: JobResult = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("mixed/result.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(on_disk.n_excluded, 2);
    assert_eq!(on_disk.mean_reward, Some(1.0));
    assert_eq!(on_disk.aborted, None);
    let raw = std::fs::read_to_string(out.path().join("mixed/bad-1__0/result.json")).unwrap();
    assert!(raw.contains("\"outcome\": \"model_error\""), "{raw}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consecutive_model_errors_abort_the_job() {
    let ids: Vec<String> = (0..8).map(|i| format!("bad-{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (_dir, suite) = suite_with(&ids);
    let tasks = suite.select(&TaskSelection::default()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let agent = Arc::new(FlakyModelAgent::default());
    let options = JobOptions::new("aborted");
    assert_eq!(options.max_consecutive_errors, 5);
    let output = JobRunner::new(common::local(), agent.clone())
        .run(&suite, &tasks, out.path(), &options)
        .await
        .unwrap();
    let reason = output.aborted().unwrap();
    assert!(
        reason.starts_with("aborted: 5 trials in a row failed with model errors: "),
        "{reason}"
    );
    assert!(reason.contains("upstream down"), "{reason}");
    assert_eq!(agent.runs.load(Ordering::SeqCst), 5);
    let r = &output.result;
    assert_eq!((r.n_trials, r.n_finished, r.n_excluded), (8, 5, 5));
    assert_eq!(r.mean_reward, None);
    assert!(r.finished_at.is_some());
    let on_disk: JobResult = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("aborted/result.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(on_disk.aborted.as_deref(), Some(reason));
    // The trials that never started left nothing.
    for id in &ids[5..] {
        assert!(
            !out.path().join(format!("aborted/{id}__0")).exists(),
            "{id}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scored_trial_resets_the_streak_and_zero_never_aborts() {
    // Sorted order: bad, bad, bad, bad, ok, bad, bad, bad, bad: never five in a row.
    let ids = [
        "a-bad", "b-bad", "c-bad", "d-bad", "ok-e", "p-bad", "q-bad", "r-bad", "s-bad",
    ];
    let (_dir, suite) = suite_with(&ids);
    let tasks = suite.select(&TaskSelection::default()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let output = JobRunner::new(common::local(), Arc::new(FlakyModelAgent::default()))
        .run(&suite, &tasks, out.path(), &JobOptions::new("streak"))
        .await
        .unwrap();
    assert_eq!(output.aborted(), None);
    assert_eq!(output.result.n_finished, 9);
    assert_eq!(output.result.n_excluded, 8);
    assert_eq!(output.result.mean_reward, Some(1.0));

    let mut options = JobOptions::new("never");
    options.max_consecutive_errors = 0;
    let output = JobRunner::new(common::local(), Arc::new(FlakyModelAgent::default()))
        .run(&suite, &tasks, out.path(), &options)
        .await
        .unwrap();
    assert_eq!(output.aborted(), None);
    assert_eq!(output.result.n_finished, 9);
}
