//! ATIF export: every exported trajectory passes the Rust-side check, and, when Python is
//! available, Harbor's own validator (`python -m harbor.utils.trajectory_validator FILE`),
//! set up by `scripts/setup-harbor-validator`. Without Python or network the Harbor part
//! prints `skipped: ...`, unless `HARNESS_REQUIRE_HARBOR_VALIDATOR=1` makes it fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use harness_trace::atif::{check, to_json, to_trajectory};
use harness_trace::harbor::{HarborValidator, repository_setup_script};
use harness_trace::synth::{EPOCH, sample_header, sample_trace, synthetic_trial};
use harness_trace::{
    Event, Message, Messages, ModelCall, Role, RunStore, TokenUsage, TraceSink, TrialId, TrialTrace,
};
use serde_json::Value;

/// Traces covering the mapping's cases, written into `run` and exported to `out`.
fn export_all(run: &Path, out: &Path) -> Vec<PathBuf> {
    let store = common::fixture_run(run);
    let mut traces: Vec<TrialTrace> = ["t1", "t2", "t3", "t4"]
        .iter()
        .map(|t| store.get_trace(&TrialId::new(*t).unwrap()).unwrap())
        .collect();
    traces.push(sample_trace());
    // Header only.
    traces.push(TrialTrace::new(
        sample_header(TrialId::new("empty").unwrap()),
        EPOCH,
    ));
    // A long synthetic trial: interventions, compactions, many tool calls.
    let (header, start, events) = synthetic_trial("synthetic", 3, 400, 11);
    let mut long = TrialTrace::new(header, start);
    for (ts, event) in events {
        long.push(ts, event);
    }
    traces.push(long);
    // Tool results only as messages, replayed assistant history, a reused call id.
    let mut odd = sample_trace();
    odd.header.trial_id = TrialId::new("odd").unwrap();
    odd.steps.retain(|l| !matches!(l.event, Event::ToolCall(_)));
    let mut tool_message = Message::text(Role::Tool, "fatal: not a git repository");
    tool_message.tool_call_id = Some("call_1".into());
    let replay = Event::ModelCall(ModelCall {
        retries: Vec::new(),
        turn: 3,
        model: Some("sim-2".into()),
        input: Messages::Inline {
            messages: vec![
                tool_message,
                Message::text(Role::Assistant, "Earlier I ran git status."),
            ],
        },
        response: Some(Message::text(Role::Assistant, "")),
        usage: TokenUsage::default(),
        latency_ms: 1,
        cost_usd: None,
        finish_reason: None,
        error: None,
    });
    let ts = odd.ended_at();
    odd.push(ts, replay);
    odd.push(ts, common::tool_call("call_1", "git status", "again", 0));
    odd.push(
        ts,
        common::tool_call("call_1", "git status", "and again", 0),
    );
    traces.push(odd);

    let mut files = Vec::new();
    for trace in &traces {
        let trajectory = to_trajectory(trace, store.blobs()).unwrap();
        let json: Value = serde_json::to_value(&trajectory).unwrap();
        if let Err(errors) = check(&json) {
            panic!("{}: {}", trace.header.trial_id, errors.join("\n"));
        }
        let dir = out.join(trace.header.trial_id.as_str());
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("trajectory.json");
        std::fs::write(&file, to_json(&trajectory).unwrap()).unwrap();
        files.push(file);
    }
    files
}

#[test]
fn exports_pass_the_rust_side_check() {
    let dir = tempfile::tempdir().unwrap();
    let files = export_all(&dir.path().join("run"), &dir.path().join("atif"));
    assert_eq!(files.len(), 8);
    // What the files hold reads back and checks too.
    for file in &files {
        let value: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        check(&value).unwrap();
    }
    // The stored-message trial keeps its system and user messages as steps.
    let t4: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("atif/t4/trajectory.json")).unwrap())
            .unwrap();
    assert_eq!(t4["steps"][0]["source"], "system");
    assert_eq!(t4["steps"][1]["message"], "Find the zebracorn in the logs.");
    assert_eq!(t4["steps"][2]["model_name"], "sim-2");
    assert!(t4["extra"]["verifier"]["rewards"]["reward"].is_number());
}

#[test]
fn exports_pass_harbors_validator() {
    let required = std::env::var("HARNESS_REQUIRE_HARBOR_VALIDATOR").is_ok_and(|v| v == "1");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let validator = match HarborValidator::setup(
        &repository_setup_script(manifest),
        &target_dir().join("harbor-validator"),
    ) {
        Ok(v) => v,
        Err(why) if !required => {
            println!("skipped: Harbor's trajectory validator is not available: {why}");
            return;
        }
        Err(why) => panic!("HARNESS_REQUIRE_HARBOR_VALIDATOR=1 but: {why}"),
    };
    let dir = tempfile::tempdir().unwrap();
    let files = export_all(&dir.path().join("run"), &dir.path().join("atif"));
    for file in &files {
        validator.validate(file).unwrap();
    }

    // And the validator does reject what the Rust check rejects (the two agree).
    let bad = dir.path().join("bad.json");
    let mut value: Value = serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();
    value["steps"][0]["metrics"] = serde_json::json!({"prompt_tokens": 1});
    std::fs::write(&bad, serde_json::to_vec(&value).unwrap()).unwrap();
    assert!(check(&value).is_err());
    assert!(validator.validate(&bad).is_err());
}

/// The cargo target dir: the test binary lives in `<target>/<profile>/deps/`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir)
}

#[test]
fn exports_from_the_run_store_read_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path()).unwrap();
    let mut sink = store
        .create_sink(sample_header(TrialId::new("stored").unwrap()))
        .unwrap();
    let input = sink
        .store_messages(&[Message::text(Role::User, "from a blob")])
        .unwrap();
    sink.append(Event::ModelCall(ModelCall {
        retries: Vec::new(),
        turn: 1,
        model: None,
        input,
        response: Some(Message::text(Role::Assistant, "ok")),
        usage: TokenUsage::default(),
        latency_ms: 0,
        cost_usd: None,
        finish_reason: Some("stop".into()),
        error: None,
    }))
    .unwrap();
    sink.close().unwrap();
    let trace = store.get_trace(&TrialId::new("stored").unwrap()).unwrap();
    let trajectory = to_trajectory(&trace, store.blobs()).unwrap();
    assert_eq!(trajectory.steps[0].message, "from a blob");
    // A missing blob is an error, not a silently empty step.
    std::fs::remove_dir_all(store.layout().blobs_dir()).unwrap();
    assert!(to_trajectory(&trace, store.blobs()).is_err());
}
