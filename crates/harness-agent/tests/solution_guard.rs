//! The task's solution goes only to a model provider that declares it takes it (the
//! simulator): the reference agent and its factory refuse any other, before a request is sent.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;

use harness_agent::agent::{BuiltinAgent, BuiltinAgentFactory};
use harness_agent::model::{ScriptStep, ScriptedClient, SharedClientProvider};
use harness_core::{Harness, KindRegistry};
use harness_sandbox::LocalProvider;
use harness_tasks::{
    AgentFactory, JobOptions, JobRunner, OutcomeClass, RunContext, Suite, TaskSelection,
};

fn harness() -> Arc<Harness> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/harnesses/minimal");
    Arc::new(Harness::load(&dir, &KindRegistry::builtin()).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_provider_is_never_handed_the_solution() {
    let client = Arc::new(ScriptedClient::new(Vec::<ScriptStep>::new()));
    let provider = Arc::new(SharedClientProvider::new(client.clone()));
    let mut agent = BuiltinAgent::new(harness(), provider, "openai:gpt-test");
    agent.solution_to_model = true;

    // The factory refuses at once, naming the problem.
    let err = BuiltinAgentFactory::new(agent.clone())
        .agent_for(harness(), &RunContext::new("r"))
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("does not accept task solutions"),
        "{err}"
    );

    // Run directly, the trial is the agent's error and the model saw nothing.
    let suite_dir = tempfile::tempdir().unwrap();
    let d = suite_dir.path().join("t");
    std::fs::create_dir_all(d.join("tests")).unwrap();
    std::fs::create_dir_all(d.join("solution")).unwrap();
    std::fs::write(d.join("task.toml"), "version = \"1.0\"\n").unwrap();
    std::fs::write(d.join("instruction.md"), "Write done.txt.\n").unwrap();
    std::fs::write(
        d.join("tests/test.sh"),
        "echo 1 > \"$LOGS_DIR/verifier/reward.txt\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("solution/solve.sh"),
        "touch done.txt  # the answer\n",
    )
    .unwrap();
    let suite = Suite::load(suite_dir.path()).unwrap();
    let tasks = suite.select(&TaskSelection::default()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let output = JobRunner::new(Arc::new(LocalProvider::default()), Arc::new(agent))
        .run(&suite, &tasks, out.path(), &JobOptions::new("guard"))
        .await
        .unwrap();
    let trial = &output.trials[0];
    assert_eq!(trial.outcome, OutcomeClass::AgentError);
    let message = &trial.exception_info.as_ref().unwrap().exception_message;
    assert!(message.contains("solve.sh is not sent"), "{message}");
    assert!(client.requests().is_empty());
}
