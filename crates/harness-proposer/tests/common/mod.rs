//! Shared helpers: the bundled harnesses and suite, and mined reports kept as fixtures.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use harness_core::{Harness, KindRegistry};
use harness_miner::WeaknessReport;
use harness_proposer::{ProposalContext, TaskVocabulary};
use harness_types::Split;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn registry() -> KindRegistry {
    KindRegistry::builtin()
}

pub fn harness(name: &str) -> Harness {
    Harness::load(&repo().join("examples/harnesses").join(name), &registry()).unwrap()
}

/// A report `harness mine --format json` wrote for a simulator profile's run (see
/// `tests/fixtures/README.md`).
pub fn report(profile: &str) -> WeaknessReport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reports")
        .join(format!("{profile}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every task of the bundled suite: instruction and environment file names.
pub fn vocabulary() -> TaskVocabulary {
    let suite = harness_tasks::Suite::load(&repo().join("examples/suites/terminal-lite")).unwrap();
    let mut vocabulary = TaskVocabulary::new([Split::HeldIn]);
    for entry in &suite.tasks {
        let task = &entry.task;
        vocabulary.add_task_dir(
            &task.id,
            entry.split,
            &task.instruction,
            &task.environment_dir(),
        );
    }
    vocabulary
}

pub fn context(harness_name: &str, profile: &str) -> ProposalContext {
    ProposalContext::new(harness(harness_name), registry(), report(profile))
        .with_vocabulary(vocabulary())
}

/// A model client of the OpenAI-compatible backend pointed at a fake server.
pub fn openai(
    server: &harness_testkit::fake_openai::FakeOpenAi,
) -> std::sync::Arc<dyn harness_model::ModelClient> {
    use harness_model::openai::{OpenAiClient, OpenAiConfig};
    std::sync::Arc::new(OpenAiClient::new(OpenAiConfig::new(server.base_url(), "fake")).unwrap())
}

/// An assistant message calling several tools at once: `(id, name, arguments)`.
pub fn tool_calls(calls: &[(&str, &str, serde_json::Value)]) -> serde_json::Value {
    let calls: Vec<serde_json::Value> = calls
        .iter()
        .map(|(id, name, arguments)| {
            serde_json::json!({"id": id, "type": "function",
                "function": {"name": name, "arguments": arguments.to_string()}})
        })
        .collect();
    serde_json::json!({"role": "assistant", "content": null, "tool_calls": calls})
}

/// An assistant message calling `name` with argument text exactly as given (malformed JSON,
/// say).
pub fn raw_tool_call(id: &str, name: &str, raw_arguments: &str) -> serde_json::Value {
    serde_json::json!({"role": "assistant", "content": null, "tool_calls": [{
        "id": id, "type": "function",
        "function": {"name": name, "arguments": raw_arguments}
    }]})
}

/// The content of the tool result answering `call_id` in a received request.
pub fn tool_result(request: &harness_testkit::fake_openai::Received, call_id: &str) -> String {
    request
        .messages()
        .iter()
        .find(|m| m["role"] == "tool" && m["tool_call_id"] == call_id)
        .and_then(|m| m["content"].as_str())
        .unwrap_or_else(|| panic!("no tool result for {call_id}"))
        .to_owned()
}

/// Assert that each call of `call_ids` was answered with text starting with `prefix`.
pub fn assert_answered(
    request: &harness_testkit::fake_openai::Received,
    call_ids: &[&str],
    prefix: &str,
) {
    for id in call_ids {
        let answer = tool_result(request, id);
        assert!(answer.starts_with(prefix), "{id}: {answer}");
    }
}

/// Assert that no request any of `servers` received contains any of `hidden`.
pub fn assert_never_sent(servers: &[&harness_testkit::fake_openai::FakeOpenAi], hidden: &[&str]) {
    for server in servers {
        for request in server.received() {
            let body = request.body.to_string();
            for text in hidden {
                assert!(!body.contains(text), "{text} reached a request");
            }
        }
    }
}

/// The system message of a received request.
pub fn system_text(request: &harness_testkit::fake_openai::Received) -> String {
    request
        .messages()
        .iter()
        .find(|m| m["role"] == "system")
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A meter that records every charge. Per heading it may allow only so many calls (what
/// `allows` answers) and refuse a charge that takes the total past a limit.
#[derive(Default)]
pub struct Meter {
    calls_left: std::sync::Mutex<std::collections::BTreeMap<String, usize>>,
    limits: std::collections::BTreeMap<String, u64>,
    charged: std::sync::Mutex<Vec<(String, u64)>>,
}

impl Meter {
    /// `allows` says yes to the first `calls` questions about `heading`, then no.
    pub fn with_calls(self, heading: &str, calls: usize) -> Self {
        self.calls_left
            .lock()
            .unwrap()
            .insert(heading.to_owned(), calls);
        self
    }

    /// A charge that takes the total under `heading` past `tokens` is refused.
    pub fn with_limit(mut self, heading: &str, tokens: u64) -> Self {
        self.limits.insert(heading.to_owned(), tokens);
        self
    }

    /// Tokens charged under `heading`.
    pub fn charged(&self, heading: &str) -> u64 {
        self.charged
            .lock()
            .unwrap()
            .iter()
            .filter(|(h, _)| h == heading)
            .map(|(_, t)| t)
            .sum()
    }
}

impl harness_proposer::SpendMeter for Meter {
    fn allows(&self, heading: &str, _tokens: u64) -> bool {
        match self.calls_left.lock().unwrap().get_mut(heading) {
            None => true,
            Some(0) => false,
            Some(left) => {
                *left -= 1;
                true
            }
        }
    }

    fn charge(&self, heading: &str, tokens: u64) -> Result<(), String> {
        self.charged
            .lock()
            .unwrap()
            .push((heading.to_owned(), tokens));
        match self.limits.get(heading) {
            Some(limit) if self.charged(heading) > *limit => {
                Err(format!("{heading} limit of {limit} tokens passed"))
            }
            _ => Ok(()),
        }
    }
}

/// A failed trial of `task` in `split` whose one step ran `command` and printed `output`; the
/// task's instruction is `instruction`. Its id is `<run>.<task>__<repeat>`.
pub fn trial(
    run: &str,
    task: &str,
    split: Split,
    repeat: u32,
    instruction: &str,
    command: &str,
    output: &str,
) -> harness_trace::TrialTrace {
    use harness_trace::synth::{EPOCH, sample_header};
    use harness_trace::{
        Event, Finish, FinishStatus, Message, Messages, ModelCall, OutcomeClass, Role, TokenUsage,
        ToolCall, ToolCallRequest, ToolOutput, TrialId, TrialTrace, VerifierOutcome,
    };
    let mut header = sample_header(TrialId::scoped(run, &format!("{task}__{repeat}")));
    header.run_id = run.to_owned();
    header.task_id = task.to_owned();
    header.split = split;
    header.repeat = repeat;
    let arguments = serde_json::json!({"command": command});
    let mut trace = TrialTrace::new(header, EPOCH);
    trace.push(
        EPOCH,
        Event::ModelCall(ModelCall {
            turn: 1,
            model: None,
            input: Messages::Inline {
                messages: vec![
                    Message::text(Role::System, "You are a careful engineer."),
                    Message::text(Role::User, instruction),
                ],
            },
            response: Some(Message {
                role: Role::Assistant,
                content: String::new(),
                reasoning: None,
                tool_calls: vec![ToolCallRequest {
                    id: "call_1".to_owned(),
                    name: "shell".to_owned(),
                    arguments: arguments.clone(),
                }],
                tool_call_id: None,
            }),
            usage: TokenUsage::default(),
            latency_ms: 10,
            cost_usd: None,
            finish_reason: Some("tool_calls".to_owned()),
            error: None,
            retries: Vec::new(),
        }),
    );
    trace.push(
        EPOCH,
        Event::ToolCall(ToolCall {
            call_id: "call_1".to_owned(),
            name: "shell".to_owned(),
            arguments,
            output: ToolOutput::inline(output),
            exit_code: Some(1),
            duration_ms: 5,
            error: None,
        }),
    );
    trace.push(
        EPOCH,
        Event::Finish(Finish {
            status: FinishStatus::MaxTurns,
            turns: 1,
            message: None,
        }),
    );
    trace.push(
        EPOCH,
        Event::Verifier(VerifierOutcome {
            outcome: OutcomeClass::Fail,
            rewards: std::collections::BTreeMap::from([("reward".to_owned(), 0.0)]),
            reward: Some(0.0),
            duration_ms: Some(100),
        }),
    );
    trace
}
