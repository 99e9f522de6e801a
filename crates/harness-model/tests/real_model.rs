//! The OpenAI-compatible backend against a real model: Qwen2.5-Coder-1.5B-Instruct served by
//! llama.cpp's `llama-server` (set up by `scripts/setup-real-model`), behind the testkit's
//! recording proxy. A real server differs from our fixtures in ways only it shows: random
//! tool-call ids, the order of streamed chunks, which usage fields come, how tool calls are
//! parsed out of the model's text. The model's prose varies, so the test asserts structure
//! and protocol, never wording.
//!
//! Skipped (with `skipped: ...` printed) when the model is not set up, unless
//! `HARNESS_REQUIRE_REAL_MODEL=1`, which the test command sets, makes that a failure.
//! One test function, so one server: the machine has few cores.
#![cfg(feature = "openai")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use harness_model::openai::{OpenAiClient, OpenAiConfig};
use harness_model::{
    ChatResponse, FinishReason, Message, ModelClient, ModelError, RetryPolicy, SecretString,
    ToolDefinition,
};
use harness_testkit::llama_server::{LlamaOptions, LlamaServer, MODEL_NAME, RealModel};
use harness_types::ModelSettings;
use serde_json::json;

const KEY: &str = "sk-real-model-test-5c1d0e";

/// Short answers: a tool call needs about 30 tokens.
const SETTINGS: ModelSettings = ModelSettings {
    temperature: 0.0,
    max_output_tokens: 96,
};

fn tools() -> Vec<ToolDefinition> {
    vec![
        ToolDefinition::new(
            "shell",
            "Run a bash command in the working directory and return its output.",
            json!({"type": "object", "properties": {"command": {"type": "string",
                "description": "The bash command to run."}}, "required": ["command"]}),
        ),
        ToolDefinition::new(
            "finish",
            "End the task. Call it once the task is complete.",
            json!({"type": "object", "properties": {"summary": {"type": "string"}}}),
        ),
    ]
}

fn conversation() -> Vec<Message> {
    vec![
        Message::system(
            "You are working in /app. Use the shell tool to inspect files and run commands. \
             Call finish when the task is done.",
        ),
        Message::user("List the files in the working directory with the shell tool."),
    ]
}

fn client(server: &LlamaServer, stream: bool, key: &str) -> OpenAiClient {
    let config = OpenAiConfig::new(server.base_url(), MODEL_NAME)
        .with_stream(stream)
        .with_retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        });
    OpenAiClient::with_api_key(config, Some(SecretString::new(key))).unwrap()
}

/// The answer calls `shell` with a `command` string; usage is recorded.
fn assert_shell_call(response: &ChatResponse, what: &str) {
    let calls = &response.message.tool_calls;
    assert!(!calls.is_empty(), "{what}: no tool call in {response:?}");
    let call = &calls[0];
    assert!(call.is_valid(), "{what}: arguments do not parse: {call:?}");
    assert_eq!(call.name, "shell", "{what}: {call:?}");
    assert!(
        call.arguments["command"]
            .as_str()
            .is_some_and(|c| !c.trim().is_empty()),
        "{what}: {call:?}"
    );
    assert!(!call.id.is_empty(), "{what}: the call has no id");
    assert_eq!(response.finish_reason, FinishReason::ToolCalls, "{what}");
    assert!(response.usage.prompt_tokens > 0, "{what}: {response:?}");
    assert!(response.usage.completion_tokens > 0, "{what}: {response:?}");
    assert!(
        response.usage.completion_tokens <= u64::from(SETTINGS.max_output_tokens),
        "{what}: {response:?}"
    );
}

#[test]
fn the_openai_backend_speaks_to_a_real_model() {
    let model = match RealModel::for_test() {
        Ok(Some(model)) => model,
        Ok(None) => return,
        Err(why) => panic!("{why}"),
    };
    let logs = tempfile::tempdir().unwrap();
    let mut options = LlamaOptions::new(logs.path());
    options.api_key = Some(KEY.to_owned());
    let server = LlamaServer::start(&model, &options).unwrap();
    println!(
        "llama-server on {} with {} thread(s)",
        server.address(),
        server.threads()
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let tools = tools();

    // Plain: one tool call whose arguments parse, with usage.
    let plain = client(&server, false, KEY);
    let first = runtime
        .block_on(plain.chat(&conversation(), &tools, &SETTINGS))
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log_tail()));
    assert_shell_call(&first, "plain");

    // Streamed: the same structure, assembled from chunks.
    let streamed = client(&server, true, KEY);
    let second = runtime
        .block_on(streamed.chat(&conversation(), &tools, &SETTINGS))
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log_tail()));
    assert_shell_call(&second, "streamed");
    // At temperature 0 the call is the same; the server makes up a fresh id every time.
    assert_eq!(
        first.message.tool_calls[0].name,
        second.message.tool_calls[0].name
    );

    // The conversation goes on with the call's (random) id and its result; the server
    // renders the history through its chat template and answers with text or a call.
    let mut messages = conversation();
    let call = first.message.tool_calls[0].clone();
    messages.push(Message::Assistant(first.message.clone()));
    messages.push(Message::tool(call.id.clone(), "README.md\nmain.py\n"));
    let third = runtime
        .block_on(streamed.chat(&messages, &tools, &SETTINGS))
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log_tail()));
    assert!(
        third.message.content.is_some() || !third.message.tool_calls.is_empty(),
        "an empty answer: {third:?}"
    );
    for call in &third.message.tool_calls {
        assert!(
            ["shell", "finish"].contains(&call.name.as_str()),
            "{call:?}"
        );
    }
    assert!(third.usage.prompt_tokens > first.usage.prompt_tokens);

    // A wrong key is refused, and neither key shows in the error or the client's Debug.
    let wrong = "sk-wrong-key-77aa";
    let refused = client(&server, false, wrong);
    let error = runtime
        .block_on(refused.chat(&conversation(), &tools, &SETTINGS))
        .unwrap_err();
    assert!(matches!(error, ModelError::Auth { .. }), "{error:?}");
    let shown = format!("{error} {error:?} {refused:?} {plain:?} {streamed:?}");
    assert!(!shown.contains(wrong) && !shown.contains(KEY), "{shown}");

    // What went over the wire: every request bounds its output, the streamed ones ask for
    // usage, and no key is ever in a body.
    let exchanges = server.proxy().exchanges();
    assert_eq!(exchanges.len(), 4);
    for exchange in &exchanges {
        let body = &exchange.request.body;
        assert_eq!(body["max_tokens"], 96, "{body}");
        assert_eq!(body["model"], MODEL_NAME);
        let text = body.to_string();
        assert!(!text.contains(KEY) && !text.contains(wrong));
    }
    assert_eq!(exchanges[1].request.body["stream"], true);
    assert_eq!(
        exchanges[1].request.body["stream_options"]["include_usage"],
        true
    );
    assert!(exchanges[1].response.starts_with("data: "));
    assert!(exchanges[0].request.body.get("stream").is_none());
    assert_eq!(exchanges[3].status, 401);
    let log = std::fs::read_to_string(server.proxy().log_path()).unwrap();
    assert_eq!(log.lines().count(), 4);
    println!(
        "usage: plain {:?}, streamed {:?}, follow-up {:?}",
        first.usage, second.usage, third.usage
    );
}
