//! The OpenAI-compatible backend against a local fake server, inside the retry layer as the
//! registry builds it. The bodies under `tests/fixtures/openai/` have the shapes OpenAI, vLLM
//! and llama.cpp's server send.
#![cfg(feature = "openai")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use harness_model::openai::{OpenAiClient, OpenAiConfig};
use harness_model::{
    FinishReason, Message, ModelClient, ModelError, RecordingSleeper, RetryPolicy, RetryingClient,
    SecretString, ToolDefinition, Usage,
};
use harness_testkit::fake_openai::{FakeOpenAi, Reply};
use harness_types::ModelSettings;
use serde_json::json;

const KEY: &str = "sk-test-0123456789abcdef";

/// The text of `tests/fixtures/openai/<name>`.
fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/openai")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Retries without jitter, so recorded waits are exact.
fn exact_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        jitter: 0.0,
        ..RetryPolicy::default()
    }
}

/// The client with the key, retried under `retry` with recorded (not taken) waits.
fn client(server: &FakeOpenAi, retry: RetryPolicy) -> (RetryingClient, Arc<RecordingSleeper>) {
    let sleeper = Arc::new(RecordingSleeper::new());
    let config = OpenAiConfig::new(server.base_url(), "test-model");
    let client = OpenAiClient::with_api_key(config, Some(SecretString::new(KEY))).unwrap();
    let client = RetryingClient::new(Arc::new(client), retry).with_sleeper(sleeper.clone());
    (client, sleeper)
}

async fn chat(client: &dyn ModelClient) -> Result<harness_model::ChatResponse, ModelError> {
    client
        .chat(&[Message::user("hi")], &[], &ModelSettings::default())
        .await
}

#[tokio::test]
async fn tool_calls_and_usage_are_read() {
    let server = FakeOpenAi::start([Reply::ok(fixture("tool_calls.json"))])
        .await
        .unwrap();
    let (client, _) = client(&server, exact_retries(1));
    let response = chat(&client).await.unwrap();

    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    assert_eq!(response.message.content, None);
    let calls = &response.message.tool_calls;
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].id, "call_a1");
    assert_eq!(calls[0].name, "shell");
    assert_eq!(calls[0].arguments, json!({"command": "ls -la /app"}));
    assert_eq!(calls[0].raw_arguments, r#"{"command": "ls -la /app"}"#);
    assert_eq!(
        calls[1].arguments,
        json!({"path": "README.md", "limit": 200})
    );
    assert_eq!(
        response.usage,
        Usage {
            prompt_tokens: 1234,
            completion_tokens: 56,
            cached_tokens: 1024
        }
    );
    assert_eq!(response.model.as_deref(), Some("gpt-4.1-mini-2025-04-14"));
}

#[tokio::test]
async fn text_reasoning_and_usage_without_cache_details() {
    let server = FakeOpenAi::start([Reply::ok(fixture("text_with_reasoning.json"))])
        .await
        .unwrap();
    let (client, _) = client(&server, exact_retries(1));
    let response = chat(&client).await.unwrap();
    assert_eq!(response.finish_reason, FinishReason::Stop);
    assert_eq!(
        response.message.content.as_deref(),
        Some("All tests should pass now.")
    );
    assert_eq!(
        response.message.reasoning.as_deref(),
        Some("The file exists; the task is done.")
    );
    assert!(response.message.tool_calls.is_empty());
    assert_eq!(response.usage, Usage::new(900, 12));
}

#[tokio::test]
async fn invalid_tool_call_arguments_become_an_invalid_call() {
    let server = FakeOpenAi::start([Reply::ok(fixture("invalid_arguments.json"))])
        .await
        .unwrap();
    let (client, _) = client(&server, exact_retries(1));
    let response = chat(&client).await.unwrap();
    assert_eq!(response.message.content.as_deref(), Some("Let me look."));
    let call = &response.message.tool_calls[0];
    assert_eq!(call.id, "call_bad");
    assert_eq!(call.name, "shell");
    assert!(!call.is_valid());
    assert_eq!(call.arguments, serde_json::Value::Null);
    assert_eq!(call.raw_arguments, r#"{"command": "cat /app/main.py"#);
    assert!(
        call.parse_error
            .as_deref()
            .unwrap()
            .contains("not valid JSON")
    );
}

#[tokio::test]
async fn request_body_and_auth_header_have_the_expected_shape() {
    let server = FakeOpenAi::start([Reply::ok(fixture("text_with_reasoning.json"))])
        .await
        .unwrap();
    let (client, _) = client(&server, exact_retries(1));
    let parameters = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"command": {"$ref": "#/$defs/Command"}},
        "required": ["command"],
        "$defs": {"Command": {"type": "string", "description": "A shell command."}}
    });
    let tools = [ToolDefinition::new("shell", "Run a command.", parameters)];
    let settings = ModelSettings {
        temperature: 0.7,
        max_output_tokens: 512,
    };
    let messages = [Message::system("Be brief."), Message::user("List files.")];
    client.chat(&messages, &tools, &settings).await.unwrap();

    let received = server.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(
        request.headers["authorization"].to_str().unwrap(),
        format!("Bearer {KEY}")
    );
    assert_eq!(
        request.body,
        json!({
            "model": "test-model",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "List files."}
            ],
            "tools": [{
                "type": "function",
                "function": {
                    "name": "shell",
                    "description": "Run a command.",
                    "parameters": {
                        "type": "object",
                        "properties": {"command": {"type": "string", "description": "A shell command."}},
                        "required": ["command"]
                    }
                }
            }],
            "temperature": 0.7,
            "max_tokens": 512
        })
    );
}

#[tokio::test]
async fn no_key_means_no_authorization_header() {
    let server = FakeOpenAi::start([Reply::ok(fixture("text_with_reasoning.json"))])
        .await
        .unwrap();
    let client =
        OpenAiClient::with_api_key(OpenAiConfig::new(server.base_url(), "m"), None).unwrap();
    chat(&client).await.unwrap();
    assert!(server.received()[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn the_key_is_read_from_the_named_variable() {
    // Cargo sets CARGO_PKG_NAME for test binaries; a variable name is all the config holds.
    let Ok(expected) = std::env::var("CARGO_PKG_NAME") else {
        return;
    };
    let server = FakeOpenAi::start([Reply::ok(fixture("text_with_reasoning.json"))])
        .await
        .unwrap();
    let config = OpenAiConfig::new(server.base_url(), "m").with_api_key_env("CARGO_PKG_NAME");
    let client = OpenAiClient::new(config).unwrap();
    chat(&client).await.unwrap();
    assert_eq!(
        server.received()[0].headers["authorization"]
            .to_str()
            .unwrap(),
        format!("Bearer {expected}")
    );
}

#[tokio::test]
async fn the_key_never_shows_in_debug_output_or_errors() {
    let echo = json!({"error": {"message": format!("Incorrect API key provided: {KEY}."), "code": "invalid_api_key"}});
    let server = FakeOpenAi::start([Reply::new(401, echo.to_string())])
        .await
        .unwrap();
    let bare = OpenAiClient::with_api_key(
        OpenAiConfig::new(server.base_url(), "m"),
        Some(SecretString::new(KEY)),
    )
    .unwrap();
    let shown = format!("{bare:?} {bare:#?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("[redacted]"));
    let (client, sleeper) = client(&server, exact_retries(3));
    assert!(!format!("{client:?}").contains(KEY));
    let as_dyn: Arc<dyn ModelClient> = Arc::new(client);
    assert!(!format!("{as_dyn:?}").contains(KEY));

    let error = as_dyn
        .chat(&[Message::user("hi")], &[], &ModelSettings::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, ModelError::Auth { status: 401, .. }),
        "{error:?}"
    );
    assert!(!error.to_string().contains(KEY), "{error}");
    assert!(!format!("{error:?}").contains(KEY));
    // Authentication failures are not retried.
    assert_eq!(server.received().len(), 1);
    assert!(sleeper.waits().is_empty());
}

#[tokio::test]
async fn rate_limit_waits_as_long_as_retry_after_says() {
    let server = FakeOpenAi::start([
        Reply::new(429, fixture("rate_limited.json")).header("retry-after", "2"),
        Reply::ok(fixture("tool_calls.json")),
    ])
    .await
    .unwrap();
    let (client, sleeper) = client(&server, exact_retries(3));
    let response = chat(&client).await.unwrap();
    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    assert_eq!(sleeper.waits(), [Duration::from_secs(2)]);
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn rate_limit_with_an_http_date_is_honoured() {
    let at = SystemTime::now() + Duration::from_secs(3);
    let server = FakeOpenAi::start([
        Reply::new(429, fixture("rate_limited.json"))
            .header("retry-after", httpdate::fmt_http_date(at)),
        Reply::ok(fixture("tool_calls.json")),
    ])
    .await
    .unwrap();
    let (client, sleeper) = client(&server, exact_retries(3));
    chat(&client).await.unwrap();
    let waits = sleeper.waits();
    assert_eq!(waits.len(), 1);
    // HTTP dates have whole seconds.
    assert!(
        waits[0] > Duration::from_secs(1) && waits[0] <= Duration::from_secs(3),
        "{waits:?}"
    );
}

#[tokio::test]
async fn rate_limit_wait_is_really_taken() {
    let server = FakeOpenAi::start([
        Reply::new(429, fixture("rate_limited.json")).header("retry-after-ms", "300"),
        Reply::ok(fixture("tool_calls.json")),
    ])
    .await
    .unwrap();
    let config = OpenAiConfig::new(server.base_url(), "m");
    let client = OpenAiClient::with_api_key(config, None).unwrap();
    let client = RetryingClient::new(Arc::new(client), exact_retries(2));
    let started = Instant::now();
    chat(&client).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn server_error_then_success_backs_off() {
    let server = FakeOpenAi::start([
        Reply::new(500, "Internal Server Error"),
        Reply::new(503, r#"{"error": {"message": "overloaded"}}"#),
        Reply::ok(fixture("text_with_reasoning.json")),
    ])
    .await
    .unwrap();
    let (client, sleeper) = client(&server, exact_retries(5));
    let response = chat(&client).await.unwrap();
    assert_eq!(response.finish_reason, FinishReason::Stop);
    assert_eq!(
        sleeper.waits(),
        [Duration::from_millis(500), Duration::from_millis(1000)]
    );
    assert_eq!(server.received().len(), 3);
    // The response reports the attempts it took, status and wait.
    let retries: Vec<(String, Option<u16>, u64)> = response
        .retries
        .iter()
        .map(|r| (r.kind.clone(), r.status, r.wait_ms))
        .collect();
    assert_eq!(
        retries,
        [
            ("transient".to_owned(), Some(500), 500),
            ("transient".to_owned(), Some(503), 1000)
        ]
    );
}

#[tokio::test]
async fn the_bare_client_makes_one_attempt_and_reports_the_wait_asked_for() {
    let server = FakeOpenAi::start([
        Reply::new(429, fixture("rate_limited.json")).header("retry-after-ms", "1500"),
        Reply::ok(fixture("tool_calls.json")),
    ])
    .await
    .unwrap();
    let client = OpenAiClient::with_api_key(
        OpenAiConfig::new(server.base_url(), "m").with_retry(exact_retries(5)),
        None,
    )
    .unwrap();
    let error = chat(&client).await.unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_millis(1500)));
    assert!(error.retries().is_empty());
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn retries_stop_after_max_attempts_with_the_last_error() {
    let server = FakeOpenAi::start([
        Reply::new(502, "bad gateway"),
        Reply::new(502, "bad gateway"),
        Reply::new(503, "unavailable").header("retry-after", "1"),
    ])
    .await
    .unwrap();
    let (client, sleeper) = client(&server, exact_retries(3));
    let error = chat(&client).await.unwrap_err();
    assert!(
        matches!(
            error,
            ModelError::Transient {
                status: Some(503),
                retry_after: Some(_),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.received().len(), 3);
    assert_eq!(sleeper.waits().len(), 2);
    let kinds: Vec<Option<u16>> = error.retries().iter().map(|r| r.status).collect();
    assert_eq!(kinds, [Some(502), Some(502)]);
    assert!(error.retries().iter().all(|r| r.kind == "transient"));
}

#[tokio::test]
async fn a_malformed_body_is_its_own_retryable_error() {
    let server = FakeOpenAi::start([
        Reply::new(
            200,
            r#"{"id": "chatcmpl-1", "choices": [{"message": {"content": "tru"#,
        ),
        Reply::new(200, "<html>gateway</html>"),
    ])
    .await
    .unwrap();
    let (client, sleeper) = client(&server, exact_retries(2));
    let error = chat(&client).await.unwrap_err();
    let ModelError::MalformedResponse { message, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(message.contains("<html>gateway</html>"), "{message}");
    assert_eq!(server.received().len(), 2);
    assert_eq!(sleeper.waits().len(), 1);
}

#[tokio::test]
async fn context_length_errors_are_recognised_and_not_retried() {
    for name in [
        "openai_context_length_exceeded.json",
        "vllm_context_error.json",
        "llama_cpp_context_error.json",
    ] {
        let server = FakeOpenAi::start([Reply::new(400, fixture(name))])
            .await
            .unwrap();
        let (client, sleeper) = client(&server, exact_retries(3));
        let error = chat(&client).await.unwrap_err();
        assert!(
            matches!(error, ModelError::ContextOverflow { .. }),
            "{name}: {error:?}"
        );
        assert_eq!(server.received().len(), 1, "{name}");
        assert!(sleeper.waits().is_empty());
    }
}

#[tokio::test]
async fn other_client_errors_are_bad_requests() {
    let server = FakeOpenAi::start([Reply::new(
        400,
        r#"{"error": {"message": "Invalid value for 'temperature'", "type": "invalid_request_error"}}"#,
    )])
    .await
        .unwrap();
    let (client, _) = client(&server, exact_retries(3));
    let error = chat(&client).await.unwrap_err();
    assert_eq!(
        error,
        ModelError::BadRequest {
            status: Some(400),
            message: "Invalid value for 'temperature'".into(),
        }
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_slow_server_times_out_as_transient() {
    let server =
        FakeOpenAi::start([Reply::ok(fixture("tool_calls.json")).delayed(Duration::from_secs(5))])
            .await
            .unwrap();
    let config = OpenAiConfig::new(server.base_url(), "m").with_request_timeout_ms(200);
    let client = OpenAiClient::with_api_key(config, None).unwrap();
    let started = Instant::now();
    let error = chat(&client).await.unwrap_err();
    assert!(
        matches!(error, ModelError::Transient { status: None, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("200 ms"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let config = OpenAiConfig::new(format!("http://{address}/v1"), "m");
    let client = OpenAiClient::with_api_key(config, None).unwrap();
    let error = chat(&client).await.unwrap_err();
    assert!(matches!(error, ModelError::Transient { .. }), "{error:?}");
    assert!(error.to_string().contains("cannot connect"), "{error}");
}

#[tokio::test]
async fn a_streamed_answer_is_assembled_into_the_same_response() {
    let events = [
        json!({"choices": [{"index": 0, "delta": {"role": "assistant", "content": null}}]}),
        json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "Xy9",
            "type": "function", "function": {"name": "shell", "arguments": ""}}]}}]}),
        json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0,
            "function": {"arguments": "{\"command\": \"ls\"}"}}]}}]}),
        json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}],
            "usage": {"prompt_tokens": 40, "completion_tokens": 7}}),
    ];
    let mut body: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
    body.push_str("data: [DONE]\n\n");
    let server = FakeOpenAi::start([Reply::ok(body).header("content-type", "text/event-stream")])
        .await
        .unwrap();
    let config = OpenAiConfig::new(server.base_url(), "test-model").with_stream(true);
    let client = OpenAiClient::with_api_key(config, None).unwrap();
    let response = chat(&client).await.unwrap();
    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    assert_eq!(response.message.tool_calls[0].id, "Xy9");
    assert_eq!(
        response.message.tool_calls[0].arguments,
        json!({"command": "ls"})
    );
    assert_eq!(response.usage, Usage::new(40, 7));
    let sent = &server.received()[0].body;
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["stream_options"], json!({"include_usage": true}));
}
