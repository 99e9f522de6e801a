//! `harness run --agent builtin` against a local fake chat completions server, then the
//! `harness traces` commands over the run it wrote.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use harness_testkit::fake_openai::{FakeOpenAi, Received, Reply, SelfSigned, tool_call};
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
fn solve_then_finish(solve: &str, request: &Received) -> Reply {
    let turn = request.turn();
    let message = if turn == 0 {
        tool_call(&format!("c{turn}"), "shell", &json!({"command": solve}))
    } else {
        tool_call(&format!("c{turn}"), "finish", &json!({"summary": "done"}))
    };
    Reply::completion(message)
}

/// A fake server solving TASK, on its own runtime thread; with TLS when `tls` is given.
fn start_server(tls: Option<&SelfSigned>) -> FakeOpenAi {
    let solve = std::fs::read_to_string(
        repo()
            .join("examples/suites/terminal-lite")
            .join(TASK)
            .join("solution/solve.sh"),
    )
    .unwrap();
    let mut builder =
        FakeOpenAi::builder().respond_with(move |request| solve_then_finish(&solve, request));
    if let Some(certificate) = tls {
        builder = builder.tls(certificate);
    }
    builder.start_in_background().unwrap()
}

/// A fake server answering every request with `respond`, on its own runtime thread.
fn serve(respond: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> FakeOpenAi {
    FakeOpenAi::builder()
        .respond_with(respond)
        .start_in_background()
        .unwrap()
}

/// `harness run` of TASK with the builtin agent against `base_url`, into `out/j`.
fn run_builtin(base_url: &str, out: &Path, extra: &[&str]) -> Command {
    run_model("openai:fake", base_url, out, extra)
}

/// [`run_builtin`] with another `--model`.
fn run_model(model: &str, base_url: &str, out: &Path, extra: &[&str]) -> Command {
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
            model,
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
fn always_500(_: &Received) -> Reply {
    Reply::new(
        500,
        r#"{"error": {"message": "upstream exploded", "type": "server_error"}}"#,
    )
    .header("retry-after-ms", "0")
}

/// A failing model server: every trial is a model error, none is scored, the job aborts
/// after five in a row and the run exits 1.
#[test]
fn an_always_failing_model_server_aborts_the_run_with_model_errors() {
    let server = serve(always_500);
    let out = tempfile::tempdir().unwrap();
    run_builtin(server.base_url(), out.path(), &["--repeats", "7"])
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
fn echo_key(request: &Received) -> Reply {
    let turn = request.turn();
    let auth = request
        .header("authorization")
        .unwrap_or_default()
        .to_owned();
    let key = auth.strip_prefix("Bearer ").unwrap_or(&auth).to_owned();
    let (name, arguments) = if turn == 0 {
        (
            "shell",
            json!({"command": format!("echo {key} > key.txt; cat key.txt")}),
        )
    } else {
        ("finish", json!({"summary": format!("done with {key}")}))
    };
    Reply::ok(
        json!({
            "id": "x", "object": "chat.completion", "model": format!("fake-{key}"),
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": format!("Your key is {key} ({auth})."),
                "tool_calls": [{"id": format!("c{turn}"), "type": "function",
                    "function": {"name": name, "arguments": arguments.to_string()}}]}}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 10}
        })
        .to_string(),
    )
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
    let server = serve(echo_key);
    let out = tempfile::tempdir().unwrap();
    run_builtin(
        server.base_url(),
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
    let server = serve(echo_key);
    let with_password = server.base_url().replace("http://", "http://user:secret@");
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
    let server = start_server(None);
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
            server.base_url(),
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

/// https with verification: the fake server's self-signed certificate is trusted through
/// `--ca-cert`; without it, the certificate is refused and no request reaches the server.
#[test]
fn an_https_model_server_is_reached_with_its_certificate_given() {
    let certificate = SelfSigned::localhost().unwrap();
    let server = start_server(Some(&certificate));
    assert!(server.base_url().starts_with("https://127.0.0.1:"));
    let out = tempfile::tempdir().unwrap();
    let pem = certificate.write_cert(out.path(), "server.pem").unwrap();
    run_builtin(
        server.base_url(),
        &out.path().join("with"),
        &["--ca-cert", pem.to_str().unwrap()],
    )
    .assert()
    .code(0)
    .stdout(predicate::str::contains("mean reward: 1.000"));
    assert_eq!(server.received().len(), 2);

    run_builtin(server.base_url(), &out.path().join("without"), &[])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("mean reward: none"));
    let trial = read_json(&out.path().join(format!("without/j/{TASK}__0/result.json")));
    assert_eq!(trial["outcome"], "model_error");
    let message = trial["exception_info"]["exception_message"]
        .as_str()
        .unwrap();
    assert!(message.contains("certificate"), "{message}");
    assert_eq!(server.received().len(), 2, "a request got through");
    assert!(server.failed_handshakes() >= 1);
}

/// `sim:PROFILE` through the registry: the simulator, which declares that it takes the
/// task's solution, gets it, and keeps its ground truth beside the traces.
#[test]
fn the_simulated_model_runs_from_the_registry_with_its_ground_truth_beside_the_traces() {
    let out = tempfile::tempdir().unwrap();
    run_model("sim:explorer", "http://127.0.0.1:9/v1", out.path(), &[])
        .assert()
        .code(0);
    let trial = read_json(&out.path().join(format!("j/{TASK}__0/result.json")));
    assert_ne!(trial["outcome"], "model_error", "{trial}");
    let truth = out
        .path()
        .join(format!("j/sim-ground-truth/{TASK}__0.json"));
    assert!(truth.exists(), "{}", truth.display());
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
    .stderr(predicate::str::contains("unknown provider `nope`"))
    .stderr(predicate::str::contains("known schemes: openai, sim"));
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
