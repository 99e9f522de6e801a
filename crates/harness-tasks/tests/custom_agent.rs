//! A user's own agent through the seam: what happens when it fails to start, overruns its
//! timeout or panics, and what its trace and score records hold.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use harness_sandbox::ExecOptions;
use harness_tasks::{
    Agent, AgentContext, AgentError, AgentOutcome, AgentStatus, JobOptions, JobOutput, JobRunner,
    OutcomeClass, Suite, TaskSelection, TrialResult,
};
use harness_trace::{
    Event, Finish, FinishStatus, RunStoreFactory, SplitScope, TraceSink, TraceStore, TrialFilter,
    read_trace,
};
use harness_types::{ContentHash, ModelId, ScoreRecord};

fn write_task(root: &Path, id: &str) {
    common::write_done_task(root, id, "touch done.txt\n");
    let d = root.join(id);
    if id.starts_with("envfail") {
        std::fs::create_dir_all(d.join("environment")).unwrap();
        std::fs::write(
            d.join("environment/Dockerfile"),
            "FROM ubuntu:24.04\nWORKDIR /app\nRUN exit 7\n",
        )
        .unwrap();
    }
}

/// The agent's harness hash, as a real one would report it.
fn harness() -> ContentHash {
    ContentHash::of_bytes(b"a user's harness")
}

/// Behaves by task id: `ok` solves and traces a step, `err` cannot start, `slow` overruns,
/// `panic` panics after writing done.txt.
struct UserAgent;

#[async_trait]
impl Agent for UserAgent {
    fn name(&self) -> &str {
        "user-agent"
    }

    fn version(&self) -> &str {
        "7.1"
    }

    fn harness_hash(&self) -> ContentHash {
        harness()
    }

    fn model(&self) -> ModelId {
        ModelId::new("custom:tiny")
    }

    async fn run(&self, ctx: AgentContext<'_>) -> Result<AgentOutcome, AgentError> {
        assert_eq!(ctx.key.harness_hash, harness());
        assert_eq!(ctx.key.task_id, ctx.task.id);
        let id = ctx.task.id.as_str();
        if id.starts_with("err") {
            return Err(AgentError::failed("no model configured"));
        }
        ctx.sandbox
            .exec("touch done.txt", ExecOptions::default())
            .await
            .unwrap();
        if id.starts_with("panic") {
            panic!("the user's agent has a bug");
        }
        if id.starts_with("slow") {
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
        let mut sink = ctx.trace.clone().expect("the runner hands over a sink");
        sink.append(Event::Finish(Finish {
            status: FinishStatus::Finished,
            turns: 1,
            message: Some("wrote done.txt".into()),
        }))
        .unwrap();
        sink.close().unwrap();
        Ok(AgentOutcome::finished().with_usage(100, 0, 20, 0.25))
    }
}

async fn run(ids: &[&str], job: &str) -> (tempfile::TempDir, tempfile::TempDir, JobOutput) {
    let suite_dir = tempfile::tempdir().unwrap();
    for id in ids {
        write_task(suite_dir.path(), id);
    }
    let suite = Suite::load(suite_dir.path()).unwrap();
    let tasks = suite.select(&TaskSelection::default()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut options = JobOptions::new(job);
    options.jobs = 2;
    options.trial.agent_timeout = Some(Duration::from_secs(1));
    let output = JobRunner::new(common::local(), Arc::new(UserAgent))
        .with_traces_in_job_folder(Arc::new(RunStoreFactory::default()))
        .run(&suite, &tasks, out.path(), &options)
        .await
        .unwrap();
    (suite_dir, out, output)
}

fn trial<'a>(output: &'a JobOutput, task: &str) -> &'a TrialResult {
    output.trials.iter().find(|t| t.task_name == task).unwrap()
}

/// The verdict event and every event kind of a trial's trace.
fn trace_of(output: &JobOutput, result: &TrialResult) -> Vec<Event> {
    let id = result.trial_id.clone().unwrap();
    let path = output.dir.join("traces").join(format!("{id}.jsonl"));
    let read = read_trace(&path).unwrap();
    read.trace.steps.into_iter().map(|s| s.event).collect()
}

fn verdict(events: &[Event]) -> (OutcomeClass, Option<f64>) {
    match events.last() {
        Some(Event::Verifier(v)) => (v.outcome, v.reward),
        other => panic!("the trace does not end with the verdict: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_timeouts_and_panics_are_classed_traced_and_scored() {
    let (_suite, _out, output) = run(&["ok", "err", "slow", "panic", "envfail"], "custom").await;

    // A working agent: its own step, then the runner's verdict, through the one sink.
    let ok = trial(&output, "ok");
    assert_eq!(ok.outcome, OutcomeClass::Pass);
    let events = trace_of(&output, ok);
    assert!(
        matches!(&events[0], Event::Finish(f) if f.message.as_deref() == Some("wrote done.txt"))
    );
    assert_eq!(verdict(&events), (OutcomeClass::Pass, Some(1.0)));

    // `Err`: the verifier is skipped, the trial is the agent's error.
    let err = trial(&output, "err");
    assert_eq!(err.outcome, OutcomeClass::AgentError);
    assert!(err.verifier_result.is_none() && err.reward.is_none());
    let message = &err.exception_info.as_ref().unwrap().exception_message;
    assert!(message.contains("no model configured"), "{message}");
    assert_eq!(
        verdict(&trace_of(&output, err)),
        (OutcomeClass::AgentError, None)
    );

    // Overrunning: stopped from outside, then verified as Harbor does (done.txt is there).
    let slow = trial(&output, "slow");
    assert_eq!(
        slow.agent_result.as_ref().unwrap().status,
        AgentStatus::Timeout
    );
    assert_eq!(
        slow.exception_info.as_ref().unwrap().exception_type,
        "AgentTimeoutError"
    );
    assert_eq!(slow.outcome, OutcomeClass::Pass);
    assert_eq!(
        verdict(&trace_of(&output, slow)),
        (OutcomeClass::Pass, Some(1.0))
    );

    // A panic: an infrastructure error, not a lost trial and not a verified one.
    let panicked = trial(&output, "panic");
    assert_eq!(panicked.outcome, OutcomeClass::InfrastructureError);
    assert!(panicked.reward.is_none());
    let message = &panicked.exception_info.as_ref().unwrap().exception_message;
    assert!(message.contains("the user's agent has a bug"), "{message}");
    assert_eq!(
        verdict(&trace_of(&output, panicked)),
        (OutcomeClass::InfrastructureError, None)
    );

    // The environment build failed before the agent: still a trace (header and verdict).
    let envfail = trial(&output, "envfail");
    assert_eq!(envfail.outcome, OutcomeClass::EnvironmentError);
    let events = trace_of(&output, envfail);
    assert_eq!(events.len(), 1);
    assert_eq!(verdict(&events), (OutcomeClass::EnvironmentError, None));

    // Every trial left a score record under its key, with the agent's harness hash.
    let text = std::fs::read_to_string(output.dir.join("scores.jsonl")).unwrap();
    let records: Vec<ScoreRecord> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 5, "{text}");
    for r in &records {
        assert_eq!(r.key.harness_hash, harness());
        assert_eq!(r.key.agent.name, "user-agent");
        assert_eq!(r.key.agent.version, "7.1");
        assert_eq!(r.key.model.as_str(), "custom:tiny");
        assert_eq!(r.source.run_id, "custom");
        let result = trial(&output, &r.key.task_id);
        assert_eq!(r.outcome, result.outcome);
        assert_eq!(Some(&r.source.trial_id), result.trial_id.as_ref());
        assert_eq!(r.key.task_checksum, result.task_checksum);
    }
    let ok_record = records.iter().find(|r| r.key.task_id == "ok").unwrap();
    assert_eq!(ok_record.usage.input_tokens, 100);
    assert_eq!(ok_record.usage.cost_usd, 0.25);
    assert_eq!(ok_record.reward, Some(1.0));
    let env_record = records.iter().find(|r| r.key.task_id == "envfail").unwrap();
    assert_eq!(env_record.outcome, OutcomeClass::EnvironmentError);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trial_ids_are_unique_across_runs_in_one_store() {
    let suite_dir = tempfile::tempdir().unwrap();
    write_task(suite_dir.path(), "ok");
    let suite = Suite::load(suite_dir.path()).unwrap();
    let tasks = suite.select(&TaskSelection::default()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let store_dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn TraceStore> =
        Arc::new(harness_trace::RunStore::open(store_dir.path()).unwrap());
    for job in ["candidate-a", "candidate-b"] {
        JobRunner::new(common::local(), Arc::new(UserAgent))
            .with_traces(Arc::clone(&store))
            .run(&suite, &tasks, out.path(), &JobOptions::new(job))
            .await
            .unwrap();
    }
    let listed = store
        .list(&TrialFilter::new().splits(SplitScope::All))
        .await
        .unwrap();
    let ids: Vec<String> = listed.iter().map(|t| t.trial_id.to_string()).collect();
    assert_eq!(ids, ["candidate-a.ok__0", "candidate-b.ok__0"]);
    assert!(listed.iter().all(|t| t.reward == Some(1.0)));
}
