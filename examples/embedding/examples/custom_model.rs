//! A model backend of your own for another wire format: the Anthropic Messages API.
//!
//! `MessagesClient` implements `ModelClient` over `POST /v1/messages`. It maps the toolkit's
//! conversation to the Messages shape and back:
//!
//! - system messages go to the request's top-level `system` text, never into `messages`;
//! - user text, assistant text and tool calls become content blocks (`text`,
//!   `tool_use {id, name, input}`), and a tool result becomes a `tool_result {tool_use_id,
//!   content}` block of the next user turn; consecutive turns of one role are merged, since
//!   the API wants user and assistant turns to alternate;
//! - tools become `{name, description, input_schema}`, and the harness's most output tokens
//!   become `max_tokens` (which the API requires);
//! - a reply's `content` blocks become the assistant message (`thinking` as its reasoning),
//!   `stop_reason` the finish reason (`end_turn` -> stop, `tool_use` -> tool calls,
//!   `max_tokens` -> length) and `usage {input_tokens, output_tokens}` the token usage;
//! - HTTP failures become `ModelError`s with the classifier the OpenAI backend uses (401/403
//!   auth, 429 rate limited with `retry-after`, 5xx and 529 transient, other 4xx bad request).
//!
//! `AnthropicBackend` registers the client in a `ModelRegistry` under the `anthropic` scheme,
//! inside the toolkit's one retry layer, so `anthropic:MODEL` works wherever a model spec is
//! read. The example then builds the reference agent (the `minimal` bundled harness) from the
//! registry, as the command line does for `--model`, and runs three bundled tasks through
//! `LocalEvaluator` as `harness run` does.
//!
//! The model is a fake Messages API server the example starts on a loopback port: it checks
//! each request the way the real API does (roles alternate, every `tool_use` is answered by a
//! `tool_result` in the next turn, `max_tokens` set, no system role in `messages`) and answers
//! from a script: call the `shell` tool once (with a real solution for the lighthouse task, a
//! directory listing elsewhere), then `finish`. Point the backend at the real API with
//! `BackendOptions::with_base_url("https://api.anthropic.com")` and
//! `with_api_key_env("ANTHROPIC_API_KEY")`.
//!
//! ```sh
//! cargo run -p harness-examples --example custom_model
//! ```
//!
//! The test (`cargo test -p harness-examples --example custom_model`) checks that every
//! request had the Messages shape, that the trials ran and were verified (the lighthouse task
//! solved), and that the usage the server reported is what the score records hold.

use std::collections::BTreeSet;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use harness_agent::agent::BuiltinAgent;
use harness_core::{Harness, KindRegistry};
use harness_eval::{EvalPlan, Evaluator, LocalEvaluator, NoRecords, ScoreCache};
use harness_examples::{bundled_harness, bundled_suite};
use harness_model::openai::{parse_retry_after, status, tls};
use harness_model::{
    AssistantMessage, BackendOptions, BuiltModel, ChatResponse, FinishReason, Message,
    ModelBackend, ModelClient, ModelError, ModelRegistry, ModelSettings, ModelSpec, RetryBudget,
    RetryPolicy, RetryingClient, SecretString, SharedClientProvider, ToolCall, ToolDefinition,
    Usage,
};
use harness_sandbox::LocalProvider;
use harness_tasks::{JobOptions, Suite, TaskSelection};
use harness_trace::RunStoreFactory;
use harness_types::{Redactor, ScoreRecord};
use serde::Deserialize;
use serde_json::{Value, json};

/// The model spec the agent runs on.
const MODEL: &str = "anthropic:claude-fake";

/// The bundled tasks run.
const TASKS: [&str; 3] = [
    "lighthouse-lines",
    "word-frequency-report",
    "http-status-summary",
];

/// The API version header the client sends.
const API_VERSION: &str = "2023-06-01";

/// Where the Messages API is when no base URL is given.
const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";

// ---------------------------------------------------------------------------------------------
// The client.

/// Where and how to reach a Messages API server.
#[derive(Debug, Clone)]
struct MessagesConfig {
    /// Base URL; requests go to `<base_url>/v1/messages`.
    base_url: String,
    /// The model name sent in every request.
    model: String,
    /// Longest wait for one response.
    request_timeout: Duration,
    /// PEM files of further root certificates to trust for https.
    extra_root_certificates: Vec<PathBuf>,
}

impl MessagesConfig {
    fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            request_timeout: Duration::from_secs(300),
            extra_root_certificates: Vec::new(),
        }
    }
}

/// A `ModelClient` for the Messages API: one attempt per call (retries are the retry layer's
/// job), errors classified for it.
struct MessagesClient {
    config: MessagesConfig,
    endpoint: reqwest::Url,
    api_key: Option<SecretString>,
    redactor: Redactor,
    http: reqwest::Client,
}

impl MessagesClient {
    fn new(config: MessagesConfig, api_key: Option<SecretString>) -> Result<Self, ModelError> {
        let joined = format!("{}/v1/messages", config.base_url.trim_end_matches('/'));
        let endpoint = reqwest::Url::parse(&joined).map_err(|e| {
            ModelError::fatal(format!("invalid base URL `{}`: {e}", config.base_url))
        })?;
        let mut redactor = Redactor::new();
        if let Some(key) = &api_key {
            redactor.add_secret(key.expose());
        }
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls::client_config(&config.extra_root_certificates)?)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ModelError::fatal(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            config,
            endpoint,
            api_key,
            redactor,
            http,
        })
    }

    /// A failure below HTTP: worth another attempt.
    fn transport_error(&self, error: &reqwest::Error) -> ModelError {
        let message = if error.is_timeout() {
            format!(
                "no response within {} s",
                self.config.request_timeout.as_secs()
            )
        } else if error.is_connect() {
            format!("cannot connect to {}", self.endpoint)
        } else {
            error.to_string()
        };
        ModelError::transient(message)
    }

    /// `error` with any echo of the API key removed.
    fn redact(&self, mut error: ModelError) -> ModelError {
        self.redactor.redact_in_place(error.message_mut());
        error
    }
}

#[async_trait]
impl ModelClient for MessagesClient {
    async fn chat(
        &self,
        messages: &[Message],
        tools: &[ToolDefinition],
        settings: &ModelSettings,
    ) -> Result<ChatResponse, ModelError> {
        let body = request_body(&self.config.model, messages, tools, settings);
        let mut request = self
            .http
            .post(self.endpoint.clone())
            .timeout(self.config.request_timeout)
            .header("anthropic-version", API_VERSION)
            .json(&body);
        if let Some(key) = &self.api_key {
            let mut value = reqwest::header::HeaderValue::from_str(key.expose())
                .map_err(|_| ModelError::fatal("the API key is not a valid HTTP header value"))?;
            value.set_sensitive(true);
            request = request.header("x-api-key", value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.redact(self.transport_error(&e)))?;
        let code = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, SystemTime::now()));
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.redact(self.transport_error(&e)))?;
        if !code.is_success() {
            // The API's error body, `{"type": "error", "error": {"type", "message"}}`, is
            // one of the shapes the shared classifier reads.
            return Err(self.redact(status::classify(code.as_u16(), retry_after, &bytes)));
        }
        parse_response(&bytes).map_err(|e| self.redact(e))
    }

    fn provider_name(&self) -> &str {
        "anthropic"
    }

    fn model_name(&self) -> &str {
        &self.config.model
    }
}

/// The request body of one call.
fn request_body(
    model: &str,
    messages: &[Message],
    tools: &[ToolDefinition],
    settings: &ModelSettings,
) -> Value {
    let (system, turns) = wire_messages(messages);
    let mut body = json!({
        "model": model,
        "max_tokens": settings.max_output_tokens,
        // The API takes 0 to 1; harnesses may ask for up to 2.
        "temperature": settings.temperature.clamp(0.0, 1.0),
        "messages": turns,
    });
    if !system.is_empty() {
        body["system"] = Value::from(system);
    }
    if !tools.is_empty() {
        body["tools"] = tools
            .iter()
            .map(|tool| {
                json!({
                    "name": tool.name,
                    "description": tool.description,
                    "input_schema": tool.parameters,
                })
            })
            .collect();
    }
    body
}

/// The system text (every system message, in order) and the alternating turns of content
/// blocks.
fn wire_messages(messages: &[Message]) -> (String, Vec<Value>) {
    let mut system: Vec<&str> = Vec::new();
    let mut turns: Vec<(&str, Vec<Value>)> = Vec::new();
    for message in messages {
        let (role, blocks) = match message {
            Message::System { content } => {
                system.push(content);
                continue;
            }
            Message::User { content } => ("user", text_block(content).into_iter().collect()),
            Message::Tool {
                tool_call_id,
                content,
            } => (
                "user",
                vec![json!({
                    "type": "tool_result",
                    "tool_use_id": tool_call_id,
                    "content": content,
                })],
            ),
            Message::Assistant(reply) => ("assistant", assistant_blocks(reply)),
        };
        if blocks.is_empty() {
            continue;
        }
        match turns.last_mut() {
            // Tool results, then any note the harness added, make one user turn.
            Some((last, existing)) if *last == role => existing.extend(blocks),
            _ => turns.push((role, blocks)),
        }
    }
    let turns = turns
        .into_iter()
        .map(|(role, content)| json!({ "role": role, "content": content }))
        .collect();
    (system.join("\n\n"), turns)
}

/// A text block, unless the text is empty (the API refuses empty text blocks).
fn text_block(text: &str) -> Option<Value> {
    (!text.is_empty()).then(|| json!({ "type": "text", "text": text }))
}

/// An assistant turn as blocks: its text, then its tool calls.
fn assistant_blocks(reply: &AssistantMessage) -> Vec<Value> {
    let mut blocks: Vec<Value> = text_block(reply.text_or_empty()).into_iter().collect();
    for call in &reply.tool_calls {
        // A call whose arguments were not an object goes back with none; the tool's error
        // reply tells the model what was wrong.
        let input = if call.arguments.is_object() {
            call.arguments.clone()
        } else {
            json!({})
        };
        blocks.push(json!({
            "type": "tool_use",
            "id": call.id,
            "name": call.name,
            "input": input,
        }));
    }
    blocks
}

/// A Messages API response, as far as the mapping reads it.
#[derive(Debug, Deserialize)]
struct WireResponse {
    #[serde(default)]
    model: Option<String>,
    content: Vec<WireBlock>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    usage: WireUsage,
}

/// One content block of a response.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireBlock {
    Text {
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        #[serde(default)]
        input: Value,
    },
    Thinking {
        thinking: String,
    },
    #[serde(other)]
    Other,
}

/// Token usage of a response; cached input tokens are counted apart from `input_tokens`.
#[derive(Debug, Default, Deserialize)]
struct WireUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    cache_read_input_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: u64,
}

/// A success body to a `ChatResponse`.
fn parse_response(bytes: &[u8]) -> Result<ChatResponse, ModelError> {
    let wire: WireResponse = serde_json::from_slice(bytes).map_err(|e| {
        let start: String = String::from_utf8_lossy(bytes).chars().take(200).collect();
        ModelError::malformed(format!("not a Messages API response ({e}): {start}"))
    })?;
    let mut message = AssistantMessage::default();
    let mut text = String::new();
    let mut reasoning = String::new();
    for block in wire.content {
        match block {
            WireBlock::Text { text: part } => text.push_str(&part),
            WireBlock::Thinking { thinking } => reasoning.push_str(&thinking),
            WireBlock::ToolUse { id, name, input } => {
                message
                    .tool_calls
                    .push(ToolCall::from_raw(id, name, input.to_string()))
            }
            WireBlock::Other => {}
        }
    }
    message.content = (!text.is_empty()).then_some(text);
    message.reasoning = (!reasoning.is_empty()).then_some(reasoning);
    let finish = finish_reason(wire.stop_reason.as_deref(), !message.tool_calls.is_empty());
    let usage = &wire.usage;
    let cached = usage.cache_read_input_tokens;
    let usage = Usage {
        // The toolkit counts every input token as a prompt token, cached ones included.
        prompt_tokens: usage.input_tokens + cached + usage.cache_creation_input_tokens,
        completion_tokens: usage.output_tokens,
        cached_tokens: cached,
    };
    let mut response = ChatResponse::new(message, finish).with_usage(usage);
    if let Some(model) = wire.model {
        response = response.with_model(model);
    }
    Ok(response)
}

/// The Messages API's `stop_reason` as a finish reason.
fn finish_reason(stop_reason: Option<&str>, calls_tools: bool) -> FinishReason {
    match stop_reason {
        Some("end_turn" | "stop_sequence") => FinishReason::Stop,
        Some("tool_use") => FinishReason::ToolCalls,
        Some("max_tokens") => FinishReason::Length,
        Some("refusal") => FinishReason::ContentFilter,
        Some(_) => FinishReason::Other,
        None if calls_tools => FinishReason::ToolCalls,
        None => FinishReason::Stop,
    }
}

/// The `anthropic` scheme: `anthropic:MODEL` is one [`MessagesClient`] shared by all trials,
/// inside the toolkit's retry layer. The API key comes from the variable
/// `BackendOptions::api_key_env` names, when it names one.
struct AnthropicBackend;

impl ModelBackend for AnthropicBackend {
    fn scheme(&self) -> &str {
        "anthropic"
    }

    fn build(&self, spec: &ModelSpec, options: &BackendOptions) -> Result<BuiltModel, ModelError> {
        let api_key = match &options.api_key_env {
            Some(name) => match std::env::var(name) {
                Ok(key) if !key.trim().is_empty() => Some(SecretString::new(key.trim())),
                _ => {
                    return Err(ModelError::fatal(format!(
                        "environment variable `{name}` (the API key) is not set or empty"
                    )));
                }
            },
            None => None,
        };
        let base_url = options.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let mut config = MessagesConfig::new(base_url, spec.model());
        config.extra_root_certificates = options.extra_root_certificates.clone();
        let client = MessagesClient::new(config, api_key)?;
        let redactor = client.redactor.clone();
        let budget = options.retry_budget.clone().unwrap_or_default();
        let client =
            RetryingClient::new(Arc::new(client), RetryPolicy::default()).with_budget(budget);
        let provider = SharedClientProvider::new(Arc::new(client));
        Ok(BuiltModel::new(Arc::new(provider)).with_redactor(redactor))
    }
}

// ---------------------------------------------------------------------------------------------
// The fake server.

/// One request the fake server answered.
#[derive(Debug, Clone)]
struct Exchange {
    /// The `anthropic-version` header.
    api_version: Option<String>,
    /// The request body.
    body: Value,
    /// The HTTP status of the answer.
    status: u16,
    /// `(input_tokens, output_tokens)` the answer reported.
    usage: Option<(u64, u64)>,
}

#[derive(Debug, Default)]
struct FakeState {
    exchanges: Mutex<Vec<Exchange>>,
    next_id: AtomicUsize,
}

/// A fake Messages API on a loopback port, stopped when dropped.
struct FakeMessagesApi {
    base_url: String,
    state: Arc<FakeState>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeMessagesApi {
    async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(FakeState::default());
        let app = axum::Router::new()
            .route("/v1/messages", axum::routing::post(answer))
            .with_state(Arc::clone(&state));
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("fake Messages API: {e}");
            }
        });
        Ok(Self {
            base_url,
            state,
            server,
        })
    }

    /// The requests answered so far.
    fn exchanges(&self) -> Vec<Exchange> {
        self.state
            .exchanges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for FakeMessagesApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// `POST /v1/messages`: check the request as the API would, then answer from the script.
async fn answer(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let api_version = headers
        .get("anthropic-version")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let checked = match &api_version {
        Some(_) => check_request(&body),
        None => Err("the anthropic-version header is required".to_owned()),
    };
    let (code, reply, usage) = match checked {
        Ok(()) => {
            let reply = scripted_reply(&state, &body);
            // Four bytes a token, roughly, as servers' counts go.
            let usage = (
                body.to_string().len() as u64 / 4,
                reply["content"].to_string().len() as u64 / 4,
            );
            let mut reply = reply;
            reply["usage"] = json!({ "input_tokens": usage.0, "output_tokens": usage.1 });
            (StatusCode::OK, reply, Some(usage))
        }
        Err(message) => (
            StatusCode::BAD_REQUEST,
            json!({
                "type": "error",
                "error": { "type": "invalid_request_error", "message": message },
            }),
            None,
        ),
    };
    state
        .exchanges
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Exchange {
            api_version,
            body,
            status: code.as_u16(),
            usage,
        });
    (code, Json(reply))
}

/// What the API checks of a request, in words it might use.
fn check_request(body: &Value) -> Result<(), String> {
    if body["model"].as_str().is_none_or(str::is_empty) {
        return Err("model: field required".into());
    }
    if body["max_tokens"].as_u64().is_none_or(|n| n == 0) {
        return Err("max_tokens: field required".into());
    }
    if !(body["system"].is_null() || body["system"].is_string()) {
        return Err("system: must be text".into());
    }
    for tool in body["tools"].as_array().into_iter().flatten() {
        if tool["name"].as_str().is_none() || tool["input_schema"]["type"] != "object" {
            return Err(format!(
                "tools: each needs a name and an object input_schema: {tool}"
            ));
        }
    }
    let turns = body["messages"]
        .as_array()
        .filter(|turns| !turns.is_empty())
        .ok_or("messages: at least one message is required")?;
    let mut unanswered: BTreeSet<String> = BTreeSet::new();
    for (i, turn) in turns.iter().enumerate() {
        let expected = if i % 2 == 0 { "user" } else { "assistant" };
        if turn["role"] != expected {
            return Err(format!(
                "messages.{i}: roles must alternate, starting with user; found {}",
                turn["role"]
            ));
        }
        let blocks = turn["content"].as_array().ok_or(format!(
            "messages.{i}.content: a list of blocks is expected"
        ))?;
        let mut answered = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for block in blocks {
            match (block["type"].as_str(), expected) {
                (Some("text"), _) if block["text"].as_str().is_some_and(|t| !t.is_empty()) => {}
                (Some("tool_use"), "assistant") if block["input"].is_object() => {
                    ids.insert(block["id"].as_str().unwrap_or_default().to_owned());
                }
                (Some("tool_result"), "user") => {
                    answered.insert(block["tool_use_id"].as_str().unwrap_or_default().to_owned());
                }
                _ => return Err(format!("messages.{i}.content: unexpected block {block}")),
            }
        }
        if expected == "user" && answered != unanswered {
            return Err(format!(
                "messages.{i}: tool_use ids {unanswered:?} must be answered by tool_result \
                 blocks, found {answered:?}"
            ));
        }
        unanswered = ids;
    }
    Ok(())
}

/// The command the script runs for the first user message `instruction`.
fn scripted_command(instruction: &str) -> &'static str {
    if instruction.contains("lighthouse") {
        // The lighthouse task's solution, in one call.
        "grep -n -i -w 'lighthouse' book.txt | cut -d: -f1 > matches.txt && awk '{ if \
         (length($0) > max) { max = length($0); n = NR } } END { print n, max }' book.txt > \
         longest.txt"
    } else {
        "ls -la"
    }
}

/// The script: one shell call, then finish, then plain text.
fn scripted_reply(state: &FakeState, body: &Value) -> Value {
    let turns = body["messages"].as_array().cloned().unwrap_or_default();
    let model_turns = turns.iter().filter(|t| t["role"] == "assistant").count();
    let instruction = turns
        .first()
        .and_then(|t| t["content"][0]["text"].as_str())
        .unwrap_or_default();
    let id = format!("toolu_{:04}", state.next_id.fetch_add(1, Ordering::SeqCst));
    let (content, stop_reason) = match model_turns {
        0 => (
            json!([
                { "type": "text", "text": "I will look at the task's files first." },
                { "type": "tool_use", "id": id, "name": "shell",
                  "input": { "command": scripted_command(instruction) } },
            ]),
            "tool_use",
        ),
        1 => (
            json!([{ "type": "tool_use", "id": id, "name": "finish",
                     "input": { "summary": "Ran the command." } }]),
            "tool_use",
        ),
        _ => (json!([{ "type": "text", "text": "Done." }]), "end_turn"),
    };
    json!({
        "id": format!("msg_{id}"),
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": null,
    })
}

// ---------------------------------------------------------------------------------------------
// The run.

/// What the example did.
#[derive(Debug)]
struct Summary {
    /// The score record of every trial.
    records: Vec<ScoreRecord>,
    /// Every request the server answered.
    exchanges: Vec<Exchange>,
}

/// The registry the program reads model specs with: the shipped backends and ours.
fn model_registry() -> ModelRegistry {
    let mut registry = ModelRegistry::new();
    registry.register(Arc::new(AnthropicBackend));
    registry
}

/// Run [`TASKS`] with the reference agent on [`MODEL`] served at `base_url`; jobs and traces
/// go under `out`.
async fn run_tasks(base_url: &str, out: &Path) -> Result<Vec<ScoreRecord>, Box<dyn Error>> {
    let options = BackendOptions::new()
        .with_base_url(base_url)
        .with_records_dir(out)
        .with_retry_budget(Arc::new(RetryBudget::default()));
    let built = model_registry().build_str(MODEL, &options)?;
    let harness = Harness::load(&bundled_harness("minimal"), &KindRegistry::builtin())?;
    let mut agent = BuiltinAgent::new(Arc::new(harness), built.provider, MODEL);
    agent.redactor = built.redactor;

    let suite = Suite::load(&bundled_suite())?;
    let tasks = suite.select(&TaskSelection::from_patterns(&TASKS.join(",")))?;
    let cache = Arc::new(ScoreCache::open(&out.join("cache"))?);
    let job = "messages-api";
    let mut options = JobOptions::new(job);
    options.jobs = 2;
    let evaluator = LocalEvaluator::with_agent(
        Arc::new(LocalProvider::default()),
        Arc::new(agent),
        cache,
        out,
        options,
    )
    .with_traces(Arc::new(RunStoreFactory::default()));
    let plan = EvalPlan::repeats(None, suite.clone(), &tasks, 1, 0, job);
    let report = evaluator.evaluate(&plan, Arc::new(NoRecords)).await?;
    Ok(report.records)
}

/// Start the fake server, run the tasks against it, stop it.
async fn demonstrate(out: &Path) -> Result<Summary, Box<dyn Error>> {
    let server = FakeMessagesApi::start().await?;
    let records = run_tasks(&server.base_url, out).await?;
    Ok(Summary {
        records,
        exchanges: server.exchanges(),
    })
}

/// `value` with every string longer than 60 characters cut short, for printing.
fn abbreviated(value: &Value) -> Value {
    match value {
        Value::String(text) if text.chars().count() > 60 => {
            let start: String = text.chars().take(57).collect();
            Value::from(format!("{start}..."))
        }
        Value::Array(items) => items.iter().map(abbreviated).collect(),
        Value::Object(fields) => fields
            .iter()
            .map(|(key, field)| (key.clone(), abbreviated(field)))
            .collect(),
        other => other.clone(),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let summary = demonstrate(dir.path()).await?;
    println!("harness run with {MODEL} (a fake Messages API on a loopback port):");
    println!(
        "  {:<45} {:<8} {:>6} {:>8} {:>8}",
        "trial", "outcome", "reward", "input", "output"
    );
    for record in &summary.records {
        println!(
            "  {:<45} {:<8} {:>6} {:>8} {:>8}",
            record.source.trial_id.to_string(),
            record.outcome.to_string(),
            record
                .reward
                .map_or_else(|| "-".to_owned(), |r| r.to_string()),
            record.usage.input_tokens,
            record.usage.output_tokens
        );
    }
    let ok = summary.exchanges.iter().filter(|e| e.status == 200).count();
    let versions: BTreeSet<&str> = summary
        .exchanges
        .iter()
        .filter_map(|e| e.api_version.as_deref())
        .collect();
    println!(
        "  {} requests to /v1/messages ({ok} answered; anthropic-version {versions:?})",
        summary.exchanges.len()
    );
    let reported = summary
        .exchanges
        .iter()
        .filter_map(|e| e.usage)
        .fold((0, 0), |(i, o), (di, d_o)| (i + di, o + d_o));
    println!(
        "  tokens the server reported: {} input, {} output",
        reported.0, reported.1
    );
    // A request answering a tool call, long texts cut short.
    let answering = summary
        .exchanges
        .iter()
        .find(|e| e.body.to_string().contains("\"tool_result\""));
    if let Some(exchange) = answering {
        println!(
            "  a request answering a tool call:\n{}",
            serde_json::to_string_pretty(&abbreviated(&exchange.body))?
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn conversations_map_to_the_messages_shape_and_back() {
        let call = ToolCall::new("toolu_1", "shell", json!({ "command": "ls" }));
        let messages = [
            Message::system("Be brief."),
            Message::user("List the files."),
            Message::Assistant(AssistantMessage::with_tool_calls(vec![call])),
            Message::tool("toolu_1", "a.txt"),
            Message::user("[loop_breaker] note"),
        ];
        let tools = [ToolDefinition::new(
            "shell",
            "Run a command.",
            json!({ "type": "object" }),
        )];
        let body = request_body("m", &messages, &tools, &ModelSettings::default());
        assert_eq!(body["system"], "Be brief.");
        assert_eq!(body["max_tokens"], 4096);
        assert_eq!(body["tools"][0]["input_schema"]["type"], "object");
        let turns = body["messages"].as_array().unwrap();
        assert_eq!(turns.len(), 3);
        assert_eq!(turns[1]["content"][0]["type"], "tool_use");
        assert_eq!(turns[1]["content"][0]["input"]["command"], "ls");
        // The tool result and the note make one user turn, the result first.
        assert_eq!(turns[2]["content"][0]["type"], "tool_result");
        assert_eq!(turns[2]["content"][0]["tool_use_id"], "toolu_1");
        assert_eq!(turns[2]["content"][1]["text"], "[loop_breaker] note");
        assert_eq!(check_request(&body), Ok(()));

        let reply = json!({
            "model": "m",
            "content": [
                { "type": "thinking", "thinking": "hmm" },
                { "type": "text", "text": "Cut off" },
            ],
            "stop_reason": "max_tokens",
            "usage": { "input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 90 },
        });
        let response = parse_response(reply.to_string().as_bytes()).unwrap();
        assert_eq!(response.finish_reason, FinishReason::Length);
        assert_eq!(response.message.content.as_deref(), Some("Cut off"));
        assert_eq!(response.message.reasoning.as_deref(), Some("hmm"));
        assert_eq!(
            (
                response.usage.prompt_tokens,
                response.usage.completion_tokens
            ),
            (100, 5)
        );
        assert_eq!(response.usage.cached_tokens, 90);
        assert!(matches!(
            parse_response(b"{\"choices\": []}"),
            Err(ModelError::MalformedResponse { .. })
        ));
    }

    #[tokio::test]
    async fn a_refused_request_is_a_bad_request() {
        let server = FakeMessagesApi::start().await.unwrap();
        let client = MessagesClient::new(MessagesConfig::new(&server.base_url, "m"), None).unwrap();
        // The API wants the conversation to start with a user turn.
        let error = client
            .chat(
                &[Message::assistant("Hello")],
                &[],
                &ModelSettings::default(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&error, ModelError::BadRequest { status: Some(400), message }
                if message.contains("starting with user")),
            "{error:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_agent_runs_tasks_over_the_messages_api() {
        let dir = tempfile::tempdir().unwrap();
        let summary = demonstrate(dir.path()).await.unwrap();

        // The trials ran and were verified; the scripted solution solved its task.
        let records = &summary.records;
        assert_eq!(records.len(), TASKS.len(), "{records:#?}");
        for record in records {
            assert!(record.is_scored(), "{record:#?}");
            assert_eq!(record.key.model.as_str(), MODEL);
        }
        let reward = |task: &str| {
            records
                .iter()
                .find(|r| r.key.task_id.as_str() == task)
                .and_then(|r| r.reward)
        };
        assert_eq!(reward("lighthouse-lines"), Some(1.0));
        assert_eq!(reward("word-frequency-report"), Some(0.0));

        // Two requests a trial (the shell call, then finish), each of the Messages shape.
        let exchanges = &summary.exchanges;
        assert_eq!(exchanges.len(), 2 * TASKS.len(), "{exchanges:#?}");
        for exchange in exchanges {
            let body = &exchange.body;
            assert_eq!(exchange.status, 200, "{body:#}");
            assert_eq!(exchange.api_version.as_deref(), Some(API_VERSION));
            assert_eq!(body["model"], "claude-fake");
            assert!(
                body["system"]
                    .as_str()
                    .is_some_and(|s| s.contains("Use the shell tool"))
            );
            assert_eq!(body["max_tokens"], 4096);
            let turns = body["messages"].as_array().unwrap();
            assert!(turns.iter().all(|t| t["role"] != "system"));
            let tools: BTreeSet<&str> = body["tools"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["name"].as_str().unwrap())
                .collect();
            assert_eq!(tools, BTreeSet::from(["finish", "shell"]));
        }
        // The second request of each trial answers the shell call with a tool_result block.
        let answered: Vec<&Value> = exchanges
            .iter()
            .filter_map(|e| {
                let turns = e.body["messages"].as_array()?;
                let [_, assistant, user] = turns.as_slice() else {
                    return None;
                };
                let call = &assistant["content"][1];
                let result = &user["content"][0];
                (call["type"] == "tool_use"
                    && result["type"] == "tool_result"
                    && result["tool_use_id"] == call["id"])
                    .then_some(result)
            })
            .collect();
        assert_eq!(answered.len(), TASKS.len(), "{exchanges:#?}");
        assert!(answered.iter().all(|r| {
            r["content"]
                .as_str()
                .is_some_and(|c| c.contains("exit code"))
        }));

        // The usage the server reported is what the score records hold.
        let reported = exchanges
            .iter()
            .filter_map(|e| e.usage)
            .fold((0, 0), |(i, o), (di, d_o)| (i + di, o + d_o));
        let recorded = records.iter().fold((0, 0), |(i, o), r| {
            (i + r.usage.input_tokens, o + r.usage.output_tokens)
        });
        assert!(reported.0 > 0 && reported.1 > 0);
        assert_eq!(recorded, reported);
    }
}
