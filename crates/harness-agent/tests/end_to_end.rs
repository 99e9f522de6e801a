//! The reference agent end to end: bundled tasks, the minimal harness, the OpenAI backend
//! against a local fake server whose scripted replies solve one task and not the other. The
//! verifier decides: reward 1 and 0. The traces are complete and export to valid ATIF.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use harness_agent::SharedClientProvider;
use harness_agent::agent::{BuiltinAgent, TraceStoreRecall};
use harness_agent::middleware::FailureRecall;
use harness_agent::model::openai::{OpenAiClient, OpenAiConfig};
use harness_core::{Harness, KindRegistry};
use harness_sandbox::LocalProvider;
use harness_tasks::{JobOptions, JobRunner, Suite, TaskSelection};
use harness_testkit::fake_openai::{FakeOpenAi, Received, Reply, tool_call};
use harness_trace::harbor::HarborValidator;
use harness_trace::{BlobStore, Event, RunLayout};
use serde_json::{Value, json};

const SOLVED: &str = "word-frequency-report";
const UNSOLVED: &str = "http-status-summary";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What the fake model does: per task (recognised by its instruction), one reply per turn.
struct Script {
    solved_instruction: String,
    solve_sh: String,
}

fn answer(script: &Script, request: &Received) -> Reply {
    let solving = request
        .first_user_text()
        .starts_with(script.solved_instruction.trim_end());
    let reply = match (solving, request.turn()) {
        (true, 0) => tool_call("c1", "shell", &json!({"command": script.solve_sh})),
        (true, _) | (false, 1..) => tool_call("c9", "finish", &json!({"summary": "done"})),
        (false, 0) => tool_call("c1", "shell", &json!({"command": "cat missing-report.txt"})),
    };
    Reply::completion(reply)
}

async fn fake_server(script: Script) -> FakeOpenAi {
    FakeOpenAi::builder()
        .respond_with(move |request| answer(&script, request))
        .start()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_replies_earn_reward_one_and_no_solution_earns_zero() {
    let suite_dir = repo().join("examples/suites/terminal-lite");
    let solved_dir = suite_dir.join(SOLVED);
    let server = fake_server(Script {
        solved_instruction: std::fs::read_to_string(solved_dir.join("instruction.md")).unwrap(),
        solve_sh: std::fs::read_to_string(solved_dir.join("solution/solve.sh")).unwrap(),
    })
    .await;

    let harness = Harness::load(
        &repo().join("examples/harnesses/minimal"),
        &KindRegistry::builtin(),
    )
    .unwrap();
    let client = OpenAiClient::new(OpenAiConfig::new(server.base_url(), "fake")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let job = "e2e";
    let run_dir = out.path().join(job);
    let agent = BuiltinAgent::new(
        Arc::new(harness),
        Arc::new(SharedClientProvider::new(Arc::new(client))),
        "openai:fake",
    );

    let suite = Suite::load(&suite_dir).unwrap();
    let tasks = suite
        .select(&TaskSelection::from_patterns(&format!(
            "{SOLVED},{UNSOLVED}"
        )))
        .unwrap();
    let mut options = JobOptions::new(job);
    options.jobs = 2;
    let output = JobRunner::new(Arc::new(LocalProvider::default()), Arc::new(agent))
        .with_traces_in_job_folder(Arc::new(harness_trace::RunStoreFactory::default()))
        .run(&suite, &tasks, out.path(), &options)
        .await
        .unwrap();

    let reward = |task: &str| {
        output
            .trials
            .iter()
            .find(|t| t.task_name == task)
            .and_then(|t| t.reward)
            .unwrap_or(-1.0)
    };
    assert_eq!(reward(SOLVED), 1.0, "{:#?}", output.trials);
    assert_eq!(reward(UNSOLVED), 0.0, "{:#?}", output.trials);

    // Every trial has a complete trace: header, model calls, tool calls, finish, verdict.
    let layout = RunLayout::new(&run_dir);
    let blobs = BlobStore::new(run_dir.join("blobs"));
    let mut atif_files = Vec::new();
    for trial in &output.trials {
        let id = trial.trial_id.clone().unwrap();
        let read = harness_trace::read_trace(&layout.trace_path(&id)).unwrap();
        let kinds: Vec<&str> = read.trace.steps.iter().map(|s| s.event.kind()).collect();
        assert!(
            kinds.contains(&"model_call") && kinds.contains(&"tool_call"),
            "{kinds:?}"
        );
        assert!(kinds.contains(&"finish"), "{kinds:?}");
        let verdict = read.trace.steps.iter().find_map(|s| match &s.event {
            Event::Verifier(v) => Some(v.clone()),
            _ => None,
        });
        assert_eq!(verdict.and_then(|v| v.reward), trial.reward, "{kinds:?}");
        let trajectory = harness_trace::atif::to_trajectory(&read.trace, &blobs).unwrap();
        let document: Value =
            serde_json::from_slice(&harness_trace::atif::to_json(&trajectory).unwrap()).unwrap();
        harness_trace::atif::check(&document).unwrap();
        let file = out
            .path()
            .join(format!("{}.trajectory.json", trial.trial_name));
        std::fs::write(&file, serde_json::to_vec_pretty(&document).unwrap()).unwrap();
        atif_files.push(file);

        // OTLP/JSON: one resource, GenAI spans with 32/16-hex ids.
        let otlp = harness_trace::otlp::to_otlp(&read.trace);
        let spans = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"]
            .as_array()
            .unwrap();
        assert!(
            spans
                .iter()
                .any(|s| s["name"].as_str().unwrap().starts_with("invoke_agent"))
        );
        assert!(
            spans
                .iter()
                .any(|s| s["name"].as_str().unwrap().starts_with("chat"))
        );
        assert!(spans.iter().any(|s| s["name"] == "execute_tool shell"));
        for span in spans {
            assert_eq!(span["traceId"].as_str().unwrap().len(), 32);
            assert_eq!(span["spanId"].as_str().unwrap().len(), 16);
        }
    }

    // The failed command is recalled from the run's traces for a similar error later.
    let store = harness_trace::RunStore::open_existing(&run_dir).unwrap();
    let recall = TraceStoreRecall::new(Arc::new(store));
    let recalled = recall
        .similar("cat: missing-report.txt: No such file or directory", 3)
        .await;
    assert!(
        recalled
            .iter()
            .any(|r| r.contains(UNSOLVED) && r.contains("cat missing-report.txt")),
        "{recalled:?}"
    );

    // Harbor's own validator accepts the exports (when Python can set it up).
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(validator) = HarborValidator::for_test(crate_dir).unwrap() {
        for file in &atif_files {
            validator.validate(file).unwrap();
        }
    }
}
