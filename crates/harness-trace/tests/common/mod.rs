//! Fixtures shared by the integration tests: a small run with known failures.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;

use harness_core::ContentHash;
use harness_trace::synth::{EPOCH, sample_header};
use harness_trace::{
    CallError, Event, Finish, FinishStatus, Message, Messages, ModelCall, OutcomeClass, Role,
    RunStore, Split, TokenUsage, ToolCall, ToolCallRequest, ToolOutput, TraceHeader, TraceSink,
    TrialId, VerifierOutcome,
};
use time::Duration;

/// Harness hashes of the fixture run.
pub fn harness(n: u8) -> ContentHash {
    ContentHash::of_bytes(&[n])
}

pub fn header(trial: &str, task: &str, harness_n: u8, split: Split) -> TraceHeader {
    let mut header = sample_header(TrialId::new(trial).unwrap());
    header.run_id = "run-1".to_owned();
    header.task_id = task.to_owned();
    header.harness_hash = harness(harness_n);
    header.split = split;
    header
}

pub fn model_call(turn: u32, text: &str, call: Option<(&str, &str)>) -> Event {
    let tool_calls = call
        .map(|(id, command)| {
            vec![ToolCallRequest {
                id: id.to_owned(),
                name: "shell".to_owned(),
                arguments: serde_json::json!({ "command": command }),
            }]
        })
        .unwrap_or_default();
    Event::ModelCall(ModelCall {
        retries: Vec::new(),
        turn,
        model: None,
        input: Messages::Inline {
            messages: vec![Message::text(Role::User, format!("turn {turn}"))],
        },
        response: Some(Message {
            role: Role::Assistant,
            content: text.to_owned(),
            reasoning: None,
            tool_calls,
            tool_call_id: None,
        }),
        usage: TokenUsage {
            input_tokens: 100,
            output_tokens: 10,
            cached_tokens: 5,
        },
        latency_ms: 300,
        cost_usd: Some(0.001),
        finish_reason: Some("tool_calls".to_owned()),
        error: None,
    })
}

pub fn tool_call(id: &str, command: &str, output: &str, exit_code: i32) -> Event {
    Event::ToolCall(ToolCall {
        call_id: id.to_owned(),
        name: "shell".to_owned(),
        arguments: serde_json::json!({ "command": command }),
        output: ToolOutput::inline(output),
        exit_code: Some(exit_code),
        duration_ms: 40,
        error: None,
    })
}

pub fn finish() -> Event {
    Event::Finish(Finish {
        status: FinishStatus::Finished,
        turns: 2,
        message: None,
    })
}

pub fn verifier(reward: f64) -> Event {
    Event::Verifier(VerifierOutcome {
        outcome: OutcomeClass::from_reward(reward),
        rewards: BTreeMap::from([("reward".to_owned(), reward)]),
        reward: Some(reward),
        duration_ms: Some(900),
    })
}

/// Write one trial through a store sink, stamping events a second apart.
pub fn write_trial(store: &RunStore, header: TraceHeader, events: Vec<Event>) {
    let mut sink = store.create_sink_at(header, EPOCH).unwrap();
    for (i, event) in events.into_iter().enumerate() {
        sink.append_at(EPOCH + Duration::seconds(i as i64 + 1), event)
            .unwrap();
    }
    sink.close().unwrap();
}

pub const NUMPY_ERROR_1: &str = "Traceback (most recent call last):\n  File \"/app/solve.py\", line 3, in <module>\n    import numpy\nModuleNotFoundError: No module named 'numpy'";
/// The same failure as `NUMPY_ERROR_1` in another file, line and spacing.
pub const NUMPY_ERROR_2: &str = "Traceback (most recent call last):\n    File \"/app/tools/run_all.py\", line 117, in <module>\n      import numpy\nModuleNotFoundError:  No module named 'numpy'\n";
pub const PANDAS_ERROR: &str = "Traceback (most recent call last):\n  File \"/app/report.py\", line 9, in <module>\nModuleNotFoundError: No module named 'pandas'";

/// A run of four trials:
///
/// | trial | task   | harness | split      | failure                  | reward |
/// |-------|--------|---------|------------|--------------------------|--------|
/// | t1    | task-a | 1       | held_in    | numpy (solve.py)         | 0      |
/// | t2    | task-b | 1       | validation | numpy (run_all.py)       | 0      |
/// | t3    | task-a | 2       | test       | pandas                   | 1      |
/// | t4    | task-c | 2       | held_in    | none; stored messages,   | 1      |
/// |       |        |         |            | long output in a blob    |        |
pub fn fixture_run(root: &Path) -> RunStore {
    let store = RunStore::open(root).unwrap();
    write_trial(
        &store,
        header("t1", "task-a", 1, Split::HeldIn),
        vec![
            model_call(1, "Run the solver.", Some(("c1", "python3 solve.py"))),
            tool_call("c1", "python3 solve.py", NUMPY_ERROR_1, 1),
            finish(),
            verifier(0.0),
        ],
    );
    write_trial(
        &store,
        header("t2", "task-b", 1, Split::Validation),
        vec![
            model_call(
                1,
                "Run all the tools.",
                Some(("c1", "python3 tools/run_all.py")),
            ),
            tool_call("c1", "python3 tools/run_all.py", NUMPY_ERROR_2, 1),
            finish(),
            verifier(0.0),
        ],
    );
    write_trial(
        &store,
        header("t3", "task-a", 2, Split::Test),
        vec![
            model_call(1, "Build the report.", Some(("c1", "python3 report.py"))),
            tool_call("c1", "python3 report.py", PANDAS_ERROR, 1),
            model_call(
                2,
                "Install pandas first.",
                Some(("c2", "pip install pandas")),
            ),
            tool_call(
                "c2",
                "pip install pandas",
                "Successfully installed pandas",
                0,
            ),
            finish(),
            verifier(1.0),
        ],
    );
    let mut sink = store
        .create_sink_at(header("t4", "task-c", 2, Split::HeldIn), EPOCH)
        .unwrap();
    let input = sink
        .store_messages(&[
            Message::text(Role::System, "You are terse."),
            Message::text(Role::User, "Find the zebracorn in the logs."),
        ])
        .unwrap();
    // The rare word sits in the middle, outside the excerpt: only the blob has it.
    let filler = "log line\n".repeat(1000);
    let long_output = format!("{filler}the hippogriff was here\n{filler}");
    let output = sink.capture_output(&long_output, 256).unwrap();
    assert!(output.full.is_some());
    assert!(!output.excerpt.contains("hippogriff"));
    let events = vec![
        Event::ModelCall(ModelCall {
            retries: Vec::new(),
            turn: 1,
            model: Some("sim-2".to_owned()),
            input,
            response: Some(Message {
                role: Role::Assistant,
                content: "Searching.".to_owned(),
                reasoning: Some("grep is enough".to_owned()),
                tool_calls: vec![ToolCallRequest {
                    id: "c1".to_owned(),
                    name: "shell".to_owned(),
                    arguments: serde_json::json!({"command": "grep -r creature logs/"}),
                }],
                tool_call_id: None,
            }),
            usage: TokenUsage {
                input_tokens: 50,
                output_tokens: 7,
                cached_tokens: 0,
            },
            latency_ms: 120,
            cost_usd: None,
            finish_reason: Some("tool_calls".to_owned()),
            error: None,
        }),
        Event::ToolCall(ToolCall {
            call_id: "c1".to_owned(),
            name: "shell".to_owned(),
            arguments: serde_json::json!({"command": "grep -r creature logs/"}),
            output,
            exit_code: Some(0),
            duration_ms: 12,
            error: None,
        }),
        Event::ModelCall(ModelCall {
            retries: Vec::new(),
            turn: 2,
            model: None,
            input: Messages::none(),
            response: None,
            usage: TokenUsage::default(),
            latency_ms: 30_000,
            cost_usd: None,
            finish_reason: None,
            error: Some(CallError {
                kind: "rate_limit".to_owned(),
                message: "429 Too Many Requests: retry after 20s".to_owned(),
            }),
        }),
        finish(),
        verifier(1.0),
    ];
    for (i, event) in events.into_iter().enumerate() {
        sink.append_at(EPOCH + Duration::seconds(i as i64 + 1), event)
            .unwrap();
    }
    sink.close().unwrap();
    store
}
