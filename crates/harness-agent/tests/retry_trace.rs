//! The retry layer's attempts reach the trace: a call that succeeded after retries records
//! them in its model-call event.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;

use harness_agent::agent::BuiltinAgent;
use harness_agent::model::{ScriptStep, ScriptedClient, SharedClientProvider};
use harness_core::{Harness, KindRegistry};
use harness_sandbox::LocalProvider;
use harness_tasks::{JobOptions, JobRunner, Suite, TaskSelection};

fn harness() -> Arc<Harness> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/harnesses/minimal");
    Arc::new(Harness::load(&dir, &KindRegistry::builtin()).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_attempts_before_a_reply_are_traced() {
    use harness_agent::model::{
        AssistantMessage, ChatResponse, FinishReason, ModelError, RecordingSleeper, RetryPolicy,
        RetryingClient, ToolCall,
    };
    use harness_trace::{Event, RunStoreFactory, TraceStore};

    let finish = ChatResponse::new(
        AssistantMessage::with_tool_calls(vec![ToolCall::new(
            "c1",
            "finish",
            serde_json::json!({"summary": "done"}),
        )]),
        FinishReason::ToolCalls,
    );
    let steps: Vec<ScriptStep> = vec![ModelError::transient("upstream down").into(), finish.into()];
    let scripted = Arc::new(ScriptedClient::new(steps));
    let retrying = RetryingClient::new(scripted, RetryPolicy::default())
        .with_sleeper(Arc::new(RecordingSleeper::new()));
    let provider = Arc::new(SharedClientProvider::new(Arc::new(retrying)));
    let agent = BuiltinAgent::new(harness(), provider, "openai:gpt-test");

    let suite_dir = tempfile::tempdir().unwrap();
    let d = suite_dir.path().join("t");
    std::fs::create_dir_all(d.join("tests")).unwrap();
    std::fs::write(d.join("task.toml"), "version = \"1.0\"\n").unwrap();
    std::fs::write(d.join("instruction.md"), "Say done.\n").unwrap();
    std::fs::write(
        d.join("tests/test.sh"),
        "echo 1 > \"$LOGS_DIR/verifier/reward.txt\"\n",
    )
    .unwrap();
    let suite = Suite::load(suite_dir.path()).unwrap();
    let tasks = suite.select(&TaskSelection::default()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let output = JobRunner::new(Arc::new(LocalProvider::default()), Arc::new(agent))
        .with_traces_in_job_folder(Arc::new(RunStoreFactory::default()))
        .run(&suite, &tasks, out.path(), &JobOptions::new("retried"))
        .await
        .unwrap();
    let trial = &output.trials[0];
    let store = harness_trace::RunStore::open_existing(&output.dir).unwrap();
    let trace = store.get(trial.trial_id.as_ref().unwrap()).await.unwrap();
    let retries: Vec<usize> = trace
        .steps
        .iter()
        .filter_map(|s| match &s.event {
            Event::ModelCall(call) => Some(call.retries.len()),
            _ => None,
        })
        .collect();
    assert_eq!(retries, [1], "{trace:#?}");
}
