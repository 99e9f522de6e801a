//! `harness run --agent builtin` against a local fake chat completions server, then the
//! `harness traces` commands over the run it wrote.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use assert_cmd::Command;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use predicates::prelude::*;
use serde_json::{Value, json};

const TASK: &str = "word-frequency-report";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn harness() -> Command {
    Command::cargo_bin("harness").unwrap()
}

/// Turn 0: run the task's solution as one shell call; then finish.
async fn answer(State(solve): State<Arc<String>>, body: axum::body::Bytes) -> axum::Json<Value> {
    let request: Value = serde_json::from_slice(&body).unwrap();
    let turn = request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "assistant")
        .count();
    let (name, arguments) = if turn == 0 {
        ("shell", json!({"command": solve.as_str()}))
    } else {
        ("finish", json!({"summary": "done"}))
    };
    axum::Json(json!({
        "id": "x", "object": "chat.completion", "model": "fake",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": null,
            "tool_calls": [{"id": format!("c{turn}"), "type": "function",
                "function": {"name": name, "arguments": arguments.to_string()}}]}}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 10}
    }))
}

/// A fake server on its own runtime thread; returns its base URL.
fn start_server() -> (String, tokio::runtime::Runtime) {
    let solve = std::fs::read_to_string(
        repo()
            .join("examples/suites/terminal-lite")
            .join(TASK)
            .join("solution/solve.sh"),
    )
    .unwrap();
    serve(
        Router::new()
            .route("/v1/chat/completions", post(answer))
            .with_state(Arc::new(solve)),
    )
}

/// Serve `app` on a free port on its own runtime thread; returns `http://ADDRESS/v1`.
fn serve(app: Router) -> (String, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let address = listener.local_addr().unwrap();
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/v1"), runtime)
}

/// `harness run` of TASK with the builtin agent against `base_url`, into `out/j`.
fn run_builtin(base_url: &str, out: &Path, extra: &[&str]) -> Command {
    let mut cmd = harness();
    cmd.current_dir(repo())
        .args([
            "run",
            "--suite",
            "examples/suites/terminal-lite",
            "--tasks",
            TASK,
            "--agent",
            "builtin",
            "--harness",
            "examples/harnesses/minimal",
            "--model",
            "openai:fake",
            "--sandbox",
            "local",
            "--job-name",
            "j",
            "--base-url",
            base_url,
        ])
        .args(extra)
        .arg("--out")
        .arg(out);
    cmd
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Always HTTP 500, asking for no wait so that the client's retries are quick.
async fn always_500() -> axum::response::Response {
    axum::response::IntoResponse::into_response((
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        [("retry-after-ms", "0")],
        r#"{"error": {"message": "upstream exploded", "type": "server_error"}}"#,
    ))
}

/// A failing model server: every trial is a model error, none is scored, the job aborts
/// after five in a row and the run exits 1.
#[test]
fn an_always_failing_model_server_aborts_the_run_with_model_errors() {
    let (base_url, _server) = serve(Router::new().route("/v1/chat/completions", post(always_500)));
    let out = tempfile::tempdir().unwrap();
    run_builtin(&base_url, out.path(), &["--repeats", "7"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "aborted: 5 trials in a row failed with model errors: ",
        ))
        .stderr(predicate::str::contains("upstream exploded"))
        .stdout(predicate::str::contains("mean reward: none"))
        .stdout(predicate::str::contains(
            "excluded from the mean: 5 trials (model_error 5)",
        ))
        .stdout(predicate::str::contains("not run: 2 trials"));
    let job = out.path().join("j");
    let result = read_json(&job.join("result.json"));
    assert_eq!(result["n_finished"], 5);
    assert_eq!(result["n_excluded"], 5);
    assert!(result["mean_reward"].is_null(), "{result}");
    assert_eq!(result["outcome_counts"]["model_error"], 5);
    assert!(
        result["aborted"]
            .as_str()
            .unwrap()
            .contains("5 trials in a row")
    );
    // Five trials ran (in whatever order they got their slots); two never started.
    let ran: Vec<PathBuf> = (0..7)
        .map(|i| job.join(format!("{TASK}__{i}")))
        .filter(|d| d.exists())
        .collect();
    assert_eq!(ran.len(), 5, "{ran:?}");
    for dir in ran {
        let trial = read_json(&dir.join("result.json"));
        assert_eq!(trial["outcome"], "model_error");
        assert!(trial["verifier_result"].is_null());
        assert_eq!(trial["agent_result"]["status"]["kind"], "model_error");
    }
}

/// Nothing listens at the base URL: the same, through connection errors and retries.
#[test]
fn an_unreachable_model_server_aborts_the_run_with_model_errors() {
    // Bind, then drop: the port is free and refuses connections.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base_url = format!("http://127.0.0.1:{port}/v1");
    let out = tempfile::tempdir().unwrap();
    run_builtin(&base_url, out.path(), &["--repeats", "5", "--jobs", "5"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "aborted: 5 trials in a row failed with model errors: ",
        ))
        .stderr(predicate::str::contains("cannot connect"));
    let result = read_json(&out.path().join("j/result.json"));
    assert_eq!(result["n_excluded"], 5);
    assert!(result["mean_reward"].is_null(), "{result}");
}

/// Turn 0: a reply that echoes the request's Authorization header in its text and asks to
/// run a command holding it; then finish.
async fn echo_key(headers: axum::http::HeaderMap, body: axum::body::Bytes) -> axum::Json<Value> {
    let request: Value = serde_json::from_slice(&body).unwrap();
    let turn = request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "assistant")
        .count();
    let auth = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let key = auth.strip_prefix("Bearer ").unwrap_or(&auth).to_owned();
    let (name, arguments) = if turn == 0 {
        (
            "shell",
            json!({"command": format!("echo {key} > key.txt; cat key.txt")}),
        )
    } else {
        ("finish", json!({"summary": format!("done with {key}")}))
    };
    axum::Json(json!({
        "id": "x", "object": "chat.completion", "model": format!("fake-{key}"),
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": format!("Your key is {key} ({auth})."),
            "tool_calls": [{"id": format!("c{turn}"), "type": "function",
                "function": {"name": name, "arguments": arguments.to_string()}}]}}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 10}
    }))
}

/// Every file under `dir` that holds `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn an_echoed_api_key_is_in_no_file_of_the_run() {
    const KEY: &str = "sk-test-ECHOED-7f3a9c";
    let (base_url, _server) = serve(Router::new().route("/v1/chat/completions", post(echo_key)));
    let out = tempfile::tempdir().unwrap();
    run_builtin(
        &base_url,
        out.path(),
        &["--api-key-env", "HARNESS_TEST_ECHOED_KEY"],
    )
    .env("HARNESS_TEST_ECHOED_KEY", KEY)
    .assert()
    .code(0)
    .stdout(predicate::str::contains(KEY).not())
    .stderr(predicate::str::contains(KEY).not());
    let run = out.path().join("j");
    assert_eq!(files_containing(&run, KEY), Vec::<PathBuf>::new());
    // The marker is there instead.
    assert!(!files_containing(&run.join("traces"), "[REDACTED]").is_empty());
    harness()
        .args(["traces", "search"])
        .arg(&run)
        .arg("REDACTED")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(KEY).not());
}

#[test]
fn a_password_in_the_base_url_is_in_no_file_of_the_run() {
    let (base_url, _server) = serve(Router::new().route("/v1/chat/completions", post(echo_key)));
    let with_password = base_url.replace("http://", "http://user:secret@");
    let out = tempfile::tempdir().unwrap();
    run_builtin(&with_password, out.path(), &[])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("secret").not());
    // Neither the password nor the basic credentials the client sent (which the server
    // echoed) are written.
    for needle in ["secret", "dXNlcjpzZWNyZXQ="] {
        assert_eq!(
            files_containing(&out.path().join("j"), needle),
            Vec::<PathBuf>::new(),
            "{needle}"
        );
    }
    assert!(!files_containing(&out.path().join("j"), "Basic [REDACTED]").is_empty());
    // Unreachable, so the URL lands in error messages: still without the password.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = tempfile::tempdir().unwrap();
    run_builtin(
        &format!("http://user:secret@127.0.0.1:{port}/v1?api_key=qwerty123"),
        out.path(),
        &[],
    )
    .assert()
    .code(0)
    .stderr(predicate::str::contains("secret").not())
    .stderr(predicate::str::contains("qwerty123").not());
    let job = out.path().join("j");
    assert_eq!(files_containing(&job, "secret"), Vec::<PathBuf>::new());
    assert_eq!(files_containing(&job, "qwerty123"), Vec::<PathBuf>::new());
    let trial = read_json(&job.join(format!("{TASK}__0/result.json")));
    assert_eq!(trial["outcome"], "model_error");
    let message = trial["exception_info"]["exception_message"]
        .as_str()
        .unwrap();
    assert!(message.contains("user:[REDACTED]@127.0.0.1"), "{message}");
}

#[test]
fn builtin_agent_run_then_traces_show_search_export() {
    let (base_url, _server) = start_server();
    let out = tempfile::tempdir().unwrap();
    harness()
        .current_dir(repo())
        .args([
            "run",
            "--suite",
            "examples/suites/terminal-lite",
            "--tasks",
            TASK,
        ])
        .args([
            "--agent",
            "builtin",
            "--harness",
            "examples/harnesses/minimal",
            "--model",
            "openai:fake",
        ])
        .args([
            "--base-url",
            &base_url,
            "--sandbox",
            "local",
            "--job-name",
            "j",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("mean reward: 1.000"));
    let run = out.path().join("j");
    let trial = format!("{TASK}__0");
    harness()
        .args(["traces", "show"])
        .arg(&run)
        .arg(&trial)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("finish"));
    harness()
        .args(["traces", "search"])
        .arg(&run)
        .arg("finish")
        .args([
            "--split",
            "held-in",
            "--split",
            "validation",
            "--split",
            "test",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(&trial));
    for format in ["atif", "otlp"] {
        let dest = out.path().join(format);
        harness()
            .args(["traces", "export"])
            .arg(&run)
            .args(["--format", format, "--out"])
            .arg(&dest)
            .assert()
            .code(0);
        assert!(
            std::fs::read_dir(&dest).unwrap().count() > 0,
            "{format}: nothing exported"
        );
    }
    harness()
        .args(["traces", "show"])
        .arg(&run)
        .arg("no-such-trial")
        .assert()
        .code(2);
}

#[test]
fn builtin_agent_needs_a_harness_and_a_known_model() {
    let out = tempfile::tempdir().unwrap();
    let base = |cmd: &mut Command| {
        cmd.current_dir(repo())
            .args([
                "run",
                "--suite",
                "examples/suites/terminal-lite",
                "--tasks",
                TASK,
                "--agent",
                "builtin",
                "--out",
            ])
            .arg(out.path());
    };
    let mut cmd = harness();
    base(&mut cmd);
    cmd.args(["--model", "openai:x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--harness"));
    let mut cmd = harness();
    base(&mut cmd);
    cmd.args([
        "--harness",
        "examples/harnesses/minimal",
        "--model",
        "nope:x",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("unknown provider"));
    let mut cmd = harness();
    base(&mut cmd);
    cmd.args([
        "--harness",
        "crates/harness-core/tests/fixtures/invalid/yaml-typo/harness",
        "--model",
        "openai:x",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("harness.yaml:8:1"));
}
