//! The middleware engine from the outside: stacks built from `middleware.yaml`, every built-in
//! kind firing and not firing, the declarative rules, ordering and short-circuits, build
//! errors, and a kind registered by an embedding application.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use harness_agent::middleware::{
    BuildError, Effect, FailureRecall, Fired, HookContext, HookPoint, Middleware,
    MiddlewareRegistry, MiddlewareStack, block_message, stop_reason,
};
use harness_agent::state::{CallRecord, RunState};
use harness_agent::tools::{RuntimeConfig, ToolOutput};
use harness_agent::{AssistantMessage, Message, ToolCall};
use harness_core::{Harness, KindRegistry, KindSpec, Limits, MiddlewareConfig};
use harness_sandbox::{EnvironmentSpec, LocalProvider, Sandbox, SandboxProvider};
use serde_json::json;

// ---------------------------------------------------------------- helpers

fn config(yaml: serde_json::Value) -> MiddlewareConfig {
    serde_json::from_value(yaml).unwrap()
}

fn stack(yaml: serde_json::Value) -> MiddlewareStack {
    MiddlewareRegistry::builtin().build(&config(yaml)).unwrap()
}

fn one(kind: &str, params: serde_json::Value) -> MiddlewareStack {
    stack(json!({"middleware": [{"kind": kind, "params": params}]}))
}

fn rule(trigger: serde_json::Value, action: serde_json::Value) -> MiddlewareStack {
    stack(json!({"rules": [{"name": "r", "trigger": trigger, "action": action}]}))
}

async fn sandbox() -> Box<dyn Sandbox> {
    LocalProvider::default()
        .create(&EnvironmentSpec::default())
        .await
        .unwrap()
}

fn state(history: Vec<CallRecord>) -> RunState {
    let mut state = RunState::new("task", "do the task", "/app", Limits::default());
    state.turn = 1;
    state.tool_calls = history.len() as u32;
    state.history = history;
    state
}

fn record(name: &str, arguments: serde_json::Value, failed: bool) -> CallRecord {
    CallRecord {
        turn: 1,
        name: name.into(),
        command: arguments["command"].as_str().map(str::to_owned),
        arguments,
        failed,
        exit_code: Some(i32::from(failed) * 2),
        output_excerpt: if failed {
            "error: it broke".into()
        } else {
            String::new()
        },
        blocked: false,
    }
}

fn shell(command: &str) -> ToolCall {
    ToolCall::new("call_1", "shell", json!({"command": command}))
}

fn shell_record(command: &str, failed: bool) -> CallRecord {
    record("shell", json!({"command": command}), failed)
}

fn ctx<'a>(state: &'a RunState, sandbox: &'a dyn Sandbox) -> HookContext<'a> {
    HookContext {
        state,
        sandbox,
        recall: None,
    }
}

fn layers(fired: &[Fired]) -> Vec<&str> {
    fired.iter().map(|(layer, _, _)| layer.as_str()).collect()
}

fn is_block(fired: &[Fired]) -> bool {
    block_message(fired).is_some()
}

async fn before_tool(stack: &MiddlewareStack, state: &RunState, call: &mut ToolCall) -> Vec<Fired> {
    let sandbox = sandbox().await;
    stack.before_tool(&ctx(state, sandbox.as_ref()), call).await
}

async fn after_tool(
    stack: &MiddlewareStack,
    state: &RunState,
    call: &ToolCall,
    output: &mut ToolOutput,
) -> Vec<Fired> {
    let sandbox = sandbox().await;
    stack
        .after_tool(&ctx(state, sandbox.as_ref()), call, output)
        .await
}

async fn before_model(stack: &MiddlewareStack, state: &RunState) -> Vec<Fired> {
    let sandbox = sandbox().await;
    stack
        .before_model(
            &ctx(state, sandbox.as_ref()),
            &mut vec![Message::user("task")],
        )
        .await
}

async fn on_finish(stack: &MiddlewareStack, state: &RunState) -> Vec<Fired> {
    let sandbox = sandbox().await;
    stack.on_finish(&ctx(state, sandbox.as_ref())).await
}

fn examples() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/harnesses"
    ))
}

// ---------------------------------------------------------------- building

#[tokio::test]
async fn builds_the_rich_example() {
    let harness = Harness::load(&examples().join("rich"), &KindRegistry::builtin()).unwrap();
    let stack = MiddlewareRegistry::builtin()
        .build(harness.middleware())
        .unwrap();
    assert_eq!(
        stack.kinds(),
        [
            "persistent_env",
            "output_truncation",
            "loop_breaker",
            "retry_discipline",
            "tool_error_hint",
            "context_compaction",
            "turn_reminder",
            "verify_before_finish",
            "similar_failure_recall"
        ]
    );
    assert_eq!(
        stack.rules().names(),
        ["no-sudo", "pip-offline", "long-run", "runaway"]
    );
    let mut runtime = RuntimeConfig::default();
    stack.configure(&mut runtime);
    assert!(runtime.persistent_shell);

    // The example's `no-sudo` rule rewrites, and its hint fires on a missing python.
    let mut call = shell("sudo apt-get install -y jq");
    let fired = before_tool(&stack, &state(vec![]), &mut call).await;
    assert_eq!(layers(&fired), ["rule:no-sudo"]);
    assert_eq!(call.arguments["command"], "apt-get install -y jq");
    let mut output = ToolOutput::error("bash: line 1: python: command not found");
    after_tool(&stack, &state(vec![]), &shell("python x.py"), &mut output).await;
    assert!(
        output
            .content
            .ends_with("[tool_error_hint] Use python3; there is no python on this machine.")
    );
}

#[test]
fn every_builtin_accepts_defaults_and_the_registry_feeds_validation() {
    let registry = MiddlewareRegistry::builtin();
    let core = KindRegistry::builtin();
    for spec in core.middleware_kinds() {
        assert_eq!(registry.spec(&spec.name), Some(spec));
        let layer = registry.build_layer(&spec.name, &json!({})).unwrap();
        assert_eq!(layer.kind(), spec.name);
    }
    assert!(stack(json!({})).is_empty());
}

#[test]
fn unknown_kinds_and_bad_params_name_their_field() {
    let registry = MiddlewareRegistry::builtin();
    let err = registry
        .build(&config(json!({"middleware": [
            {"kind": "persistent_env"}, {"kind": "nope"}
        ]})))
        .unwrap_err();
    assert_eq!(err.field, "middleware[1].kind");
    assert!(err.message.contains("unknown middleware kind `nope`"));
    assert!(err.message.contains("loop_breaker"));

    for (params, needle) in [
        (json!({"max_identical_calls": "three"}), "invalid type"),
        (json!({"max_identical_calls": 0}), "at least 2"),
        (json!({"max_identical_calls": 1}), "at least 2"),
        (json!({"typo": 1}), "unknown field"),
        (json!({"action": "halt"}), "unknown variant"),
    ] {
        let err = registry
            .build(&config(
                json!({"middleware": [{"kind": "loop_breaker", "params": params}]}),
            ))
            .unwrap_err();
        assert_eq!(err.field, "middleware[0].params");
        assert!(err.message.contains(needle), "{}", err.message);
    }
    let err = registry
        .build(&config(
            json!({"middleware": [{"kind": "context_compaction",
            "params": {"trigger_ratio": 2.0}}]}),
        ))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "middleware.yaml: middleware[0].params: `trigger_ratio` must be in (0, 1], got 2"
    );
    assert_eq!(err.to_diagnostic().field, "middleware[0].params");

    let err = registry
        .build(&config(json!({"rules": [{"name": "x",
            "trigger": {"kind": "tool_call", "pattern": "[unclosed"},
            "action": {"kind": "stop", "reason": "r"}}]})))
        .unwrap_err();
    assert_eq!(err.field, "rules[0].trigger.pattern");
}

// ---------------------------------------------------------------- user kinds

/// A user kind that blocks calls of one tool.
struct DenyTool {
    tool: String,
}

#[async_trait]
impl Middleware for DenyTool {
    fn kind(&self) -> &str {
        "deny_tool"
    }

    async fn before_tool(&self, _ctx: &HookContext<'_>, call: &mut ToolCall) -> Vec<Effect> {
        if call.name == self.tool {
            vec![Effect::Block {
                trigger: format!("`{}` denied", call.name),
                message: "not allowed here".into(),
            }]
        } else {
            Vec::new()
        }
    }
}

fn with_user_kind() -> MiddlewareRegistry {
    let mut registry = MiddlewareRegistry::builtin();
    registry.register(
        KindSpec::new(
            "deny_tool",
            "Blocks every call of one tool.",
            json!({"type": "object", "additionalProperties": false, "required": ["tool"],
                   "properties": {"tool": {"type": "string"}}}),
        ),
        |params| {
            let tool = params["tool"].as_str().ok_or("`tool` is required")?;
            Ok(Box::new(DenyTool { tool: tool.into() }) as Box<dyn Middleware>)
        },
    );
    registry
}

#[tokio::test]
async fn a_registered_kind_is_built_by_name_and_validated() {
    let registry = with_user_kind();
    let stack = registry
        .build(&config(json!({"middleware": [
            {"kind": "deny_tool", "params": {"tool": "grep"}}
        ]})))
        .unwrap();
    let mut grep = ToolCall::new("c", "grep", json!({"pattern": "x"}));
    assert_eq!(
        block_message(&before_tool(&stack, &state(vec![]), &mut grep).await),
        Some("not allowed here")
    );
    assert!(
        before_tool(&stack, &state(vec![]), &mut shell("ls"))
            .await
            .is_empty()
    );
    let err = registry
        .build(&config(json!({"middleware": [{"kind": "deny_tool"}]})))
        .unwrap_err();
    assert_eq!(
        err,
        BuildError::new("middleware[0].params", "`tool` is required")
    );

    // Harness validation knows the kind (and its schema) only through the extended registry.
    let base = Harness::load(&examples().join("minimal"), &KindRegistry::builtin()).unwrap();
    let mut files = base.files().clone();
    files.insert(
        harness_core::HarnessPath::parse("middleware.yaml").unwrap(),
        "middleware:\n- kind: deny_tool\n  params: {tool: grep}\n".into(),
    );
    assert!(Harness::from_files(files.clone(), &KindRegistry::builtin()).is_err());
    let core = registry.kind_registry(KindRegistry::builtin());
    let harness = Harness::from_files(files.clone(), &core).unwrap();
    assert_eq!(
        registry.build(harness.middleware()).unwrap().kinds(),
        ["deny_tool"]
    );
    files.insert(
        harness_core::HarnessPath::parse("middleware.yaml").unwrap(),
        "middleware:\n- kind: deny_tool\n  params: {tool: 3}\n".into(),
    );
    assert!(Harness::from_files(files, &core).is_err());
}

// ---------------------------------------------------------------- order and short-circuit

/// A user layer that notes every hook it sees, to observe what ran.
struct Witness(&'static str);

#[async_trait]
impl Middleware for Witness {
    fn kind(&self) -> &str {
        self.0
    }

    async fn before_tool(&self, _ctx: &HookContext<'_>, _call: &mut ToolCall) -> Vec<Effect> {
        vec![Effect::Note {
            trigger: "always".into(),
            what: "saw the call".into(),
        }]
    }

    async fn on_finish(&self, _ctx: &HookContext<'_>) -> Vec<Effect> {
        vec![Effect::Note {
            trigger: "always".into(),
            what: "saw the finish".into(),
        }]
    }
}

#[tokio::test]
async fn layers_run_in_order_and_block_or_stop_short_circuits() {
    let registry = MiddlewareRegistry::builtin();
    let config = config(json!({
        "middleware": [{"kind": "loop_breaker", "params": {"max_identical_calls": 2}}],
        "rules": [
            {"name": "count", "trigger": {"kind": "tool_call_count", "at": 2},
             "action": {"kind": "inject", "message": "second call"}},
            {"name": "finish-stop", "trigger": {"kind": "finish_attempted"},
             "action": {"kind": "stop", "reason": "done"}},
            {"name": "never", "trigger": {"kind": "finish_attempted"},
             "action": {"kind": "inject", "message": "unreachable"}}
        ]
    }));
    let mut stack = registry.build(&config).unwrap();
    let mut layers_in = MiddlewareStack::new(
        vec![Box::new(Witness("first"))],
        harness_agent::middleware::RuleLayer::new(&config.rules).unwrap(),
    );
    layers_in.push(
        registry
            .build_layer("loop_breaker", &json!({"max_identical_calls": 2}))
            .unwrap(),
    );
    layers_in.push(Box::new(Witness("last")));
    stack.push(Box::new(Witness("after")));

    // No block: every layer, then the rules, in order.
    let history = state(vec![shell_record("pwd", false)]);
    let fired = before_tool(&layers_in, &history, &mut shell("ls")).await;
    assert_eq!(layers(&fired), ["first", "last", "rule:count"]);
    assert!(
        fired
            .iter()
            .all(|(_, hook, _)| *hook == HookPoint::BeforeTool)
    );

    // A block by the middle layer: later layers and the rules do not run.
    let repeat = state(vec![shell_record("ls", false)]);
    let fired = before_tool(&layers_in, &repeat, &mut shell("ls")).await;
    assert_eq!(layers(&fired), ["first", "loop_breaker"]);
    assert!(is_block(&fired));

    // Stop from a rule ends the rules too; pushed layers run before the rules.
    let fired = on_finish(&stack, &state(vec![])).await;
    assert_eq!(layers(&fired), ["after", "rule:finish-stop"]);
    assert_eq!(stop_reason(&fired), Some("done"));
}

// ---------------------------------------------------------------- the kinds

#[tokio::test]
async fn loop_breaker_blocks_repeats_and_warns_at_the_budget() {
    let stack = one("loop_breaker", json!({"max_tool_calls": 3}));
    let two_ls = state(vec![shell_record("ls", false), shell_record("ls", false)]);
    let fired = before_tool(&stack, &two_ls, &mut shell("ls")).await;
    assert!(matches!(
        &fired[..],
        [(_, _, Effect::Inject { .. }), (_, _, Effect::Block { .. })]
    ));
    assert!(block_message(&fired).unwrap().contains("looping"));
    let varied = state(vec![shell_record("ls", false), shell_record("pwd", false)]);
    assert!(
        before_tool(&stack, &varied, &mut shell("ls"))
            .await
            .is_empty()
    );

    let stop = one(
        "loop_breaker",
        json!({"action": "stop", "max_identical_calls": 2}),
    );
    let fired = before_tool(
        &stop,
        &state(vec![shell_record("ls", false)]),
        &mut shell("ls"),
    )
    .await;
    assert!(stop_reason(&fired).is_some());
}

#[tokio::test]
async fn retry_discipline_blocks_only_unchanged_repeats_of_failures() {
    let stack = one("retry_discipline", json!({"message": "Do not rerun it."}));
    let failed = state(vec![
        shell_record("make", true),
        shell_record("cat log", false),
    ]);
    let fired = before_tool(&stack, &failed, &mut shell("make")).await;
    assert_eq!(block_message(&fired), Some("Do not rerun it."));
    let fixed = state(vec![
        shell_record("make", true),
        record("edit_file", json!({"path": "main.c"}), false),
    ]);
    assert!(
        before_tool(&stack, &fixed, &mut shell("make"))
            .await
            .is_empty()
    );
    let passed = state(vec![shell_record("make", false)]);
    assert!(
        before_tool(&stack, &passed, &mut shell("make"))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn persistent_env_only_configures() {
    let stack = one("persistent_env", json!({}));
    let mut runtime = RuntimeConfig::default();
    stack.configure(&mut runtime);
    assert!(runtime.persistent_shell);
    assert!(
        before_tool(&stack, &state(vec![]), &mut shell("ls"))
            .await
            .is_empty()
    );
    assert!(RuntimeConfig::default() != runtime);
}

#[tokio::test]
async fn output_truncation_spills_into_the_sandbox() {
    let stack = one(
        "output_truncation",
        json!({"head_bytes": 100, "tail_bytes": 50}),
    );
    let sandbox = sandbox().await;
    let run = state(vec![]);
    let full: String = (0..200).map(|i| format!("line {i}\n")).collect();
    let mut output = ToolOutput::ok(full.clone());
    let call = ToolCall::new("call_42", "shell", json!({"command": "seq"}));
    let fired = stack
        .after_tool(&ctx(&run, sandbox.as_ref()), &call, &mut output)
        .await;
    assert!(matches!(
        &fired[..],
        [(_, HookPoint::AfterTool, Effect::Note { .. })]
    ));
    let path = format!("{}/.harness/outputs/call_42.txt", sandbox.paths().workdir);
    assert!(
        output
            .content
            .contains(&format!("bytes omitted; full output in {path} ...]"))
    );
    assert!(output.content.starts_with(&full[..100]));
    assert!(output.content.ends_with(&full[full.len() - 50..]));
    assert_eq!(output.full_len, full.len());
    let spilled = sandbox
        .read_file(".harness/outputs/call_42.txt")
        .await
        .unwrap();
    assert_eq!(String::from_utf8(spilled).unwrap(), full);

    let mut short = ToolOutput::ok("short");
    assert!(after_tool(&stack, &run, &call, &mut short).await.is_empty());
    assert_eq!(short.content, "short");
}

#[tokio::test]
async fn context_compaction_fires_only_over_the_ratio() {
    let stack = one(
        "context_compaction",
        json!({"trigger_ratio": 0.5, "keep_recent_turns": 1}),
    );
    let sandbox = sandbox().await;
    let mut messages = vec![Message::system("sys"), Message::user("task")];
    let mut history = Vec::new();
    for t in 0..4 {
        let call = ToolCall::new(
            format!("c{t}"),
            "shell",
            json!({"command": format!("cmd {t}")}),
        );
        messages.push(Message::Assistant(AssistantMessage::with_tool_calls(vec![
            call,
        ])));
        messages.push(Message::tool(format!("c{t}"), "z".repeat(1000)));
        history.push(shell_record(&format!("cmd {t}"), false));
    }
    let mut run = state(history);
    let fired = stack
        .before_model(&ctx(&run, sandbox.as_ref()), &mut messages.clone())
        .await;
    assert!(fired.is_empty(), "128k window: nothing to do");

    run.limits.context_window = 1000;
    let fired = stack
        .before_model(&ctx(&run, sandbox.as_ref()), &mut messages)
        .await;
    assert!(matches!(
        &fired[..],
        [(_, HookPoint::BeforeModel, Effect::Note { .. })]
    ));
    assert_eq!(messages.len(), 5);
    assert!(
        matches!(&messages[2], Message::User { content } if content.contains("shell `cmd 2` -> exit 0"))
    );
    assert!(matches!(&messages[4], Message::Tool { tool_call_id, .. } if tool_call_id == "c3"));
}

#[tokio::test]
async fn turn_reminder_reminds_on_schedule() {
    let stack = one(
        "turn_reminder",
        json!({"every_turns": 5, "remaining_at": 2}),
    );
    let mut run = state(vec![]);
    run.limits.max_turns = 12;
    for (turn, fires) in [(4, false), (5, true), (6, false), (10, true), (11, false)] {
        run.turn = turn;
        assert_eq!(
            !before_model(&stack, &run).await.is_empty(),
            fires,
            "turn {turn}"
        );
    }
    run.turn = 10; // turns_left == 2 and a multiple of 5, but already reminded this turn
    assert!(before_model(&stack, &run).await.is_empty());
}

#[tokio::test]
async fn verify_before_finish_wants_a_check_after_the_last_write() {
    let stack = one(
        "verify_before_finish",
        json!({"check_command": "pytest", "max_blocks": 2}),
    );
    let unchecked = state(vec![
        shell_record("pytest", false),
        record("write_file", json!({"path": "a.py"}), false),
    ]);
    for _ in 0..2 {
        let fired = on_finish(&stack, &unchecked).await;
        assert!(block_message(&fired).unwrap().contains("`pytest`"));
    }
    assert!(
        on_finish(&stack, &unchecked).await.is_empty(),
        "max_blocks reached"
    );

    let stack = one("verify_before_finish", json!({}));
    let checked = state(vec![
        record("write_file", json!({"path": "a.py"}), false),
        shell_record("python3 a.py", false),
    ]);
    assert!(on_finish(&stack, &checked).await.is_empty());
}

#[tokio::test]
async fn tool_error_hint_appends_to_matching_errors() {
    let stack = one(
        "tool_error_hint",
        json!({"hints": [{"pattern": "No such file", "hint": "Create the file first."}]}),
    );
    let run = state(vec![]);
    let call = shell("cat out.txt");
    let mut error = ToolOutput::error("cat: out.txt: No such file or directory");
    let fired = after_tool(&stack, &run, &call, &mut error).await;
    assert_eq!(layers(&fired), ["tool_error_hint"]);
    assert!(
        error
            .content
            .ends_with("\n[tool_error_hint] Create the file first.")
    );
    let mut other = ToolOutput::error("Permission denied");
    assert!(after_tool(&stack, &run, &call, &mut other).await.is_empty());
}

struct Memory;

#[async_trait]
impl FailureRecall for Memory {
    async fn similar(&self, _error_text: &str, limit: usize) -> Vec<String> {
        vec!["task x: `make` failed on missing header; installed libfoo-dev".into(); limit.min(1)]
    }
}

#[tokio::test]
async fn similar_failure_recall_needs_an_error_and_a_backend() {
    let stack = one("similar_failure_recall", json!({"max_results": 2}));
    let sandbox = sandbox().await;
    let run = state(vec![]);
    let with_recall = HookContext {
        state: &run,
        sandbox: sandbox.as_ref(),
        recall: Some(&Memory),
    };
    let call = shell("make");
    let fired = stack
        .after_tool(
            &with_recall,
            &call,
            &mut ToolOutput::error("fatal: foo.h missing"),
        )
        .await;
    assert!(
        matches!(&fired[..], [(_, _, Effect::Inject { message, .. })]
        if message.contains("libfoo-dev"))
    );
    assert!(
        stack
            .after_tool(&with_recall, &call, &mut ToolOutput::ok("built"))
            .await
            .is_empty()
    );
    let fresh = one("similar_failure_recall", json!({}));
    assert!(
        after_tool(&fresh, &run, &call, &mut ToolOutput::error("fatal"))
            .await
            .is_empty()
    );
}

// ---------------------------------------------------------------- rules

#[tokio::test]
async fn rule_triggers_fire_at_their_hook() {
    let inject = json!({"kind": "inject", "message": "note"});
    let run = state(vec![shell_record("ls", false), shell_record("ls", false)]);

    let stack = rule(
        json!({"kind": "tool_error", "pattern": "^E: ", "tool": "shell"}),
        inject.clone(),
    );
    let mut err = ToolOutput::error("Reading lists\nE: Unable to locate package");
    assert_eq!(
        layers(&after_tool(&stack, &run, &shell("apt"), &mut err).await),
        ["rule:r"]
    );
    assert!(
        after_tool(&stack, &run, &shell("apt"), &mut ToolOutput::ok("E: fine"))
            .await
            .is_empty()
    );
    let grep = ToolCall::new("c", "grep", json!({}));
    assert!(
        after_tool(&stack, &run, &grep, &mut err).await.is_empty(),
        "other tool"
    );

    let stack = rule(
        json!({"kind": "tool_call", "pattern": "rm -rf /"}),
        inject.clone(),
    );
    assert_eq!(
        before_tool(&stack, &run, &mut shell("rm -rf /"))
            .await
            .len(),
        1
    );
    assert!(
        before_tool(&stack, &run, &mut shell("rm -rf ./x"))
            .await
            .is_empty()
    );

    let stack = rule(
        json!({"kind": "identical_calls", "count": 3}),
        inject.clone(),
    );
    assert_eq!(before_tool(&stack, &run, &mut shell("ls")).await.len(), 1);
    assert!(
        before_tool(&stack, &run, &mut shell("pwd"))
            .await
            .is_empty()
    );

    let stack = rule(json!({"kind": "tool_call_count", "at": 3}), inject.clone());
    assert_eq!(before_tool(&stack, &run, &mut shell("x")).await.len(), 1);
    assert!(
        before_tool(&stack, &state(vec![]), &mut shell("x"))
            .await
            .is_empty()
    );

    let stack = rule(json!({"kind": "turn_count", "at": 1}), inject.clone());
    assert_eq!(before_model(&stack, &run).await.len(), 1);
    let mut later = run.clone();
    later.turn = 2;
    assert!(before_model(&stack, &later).await.is_empty());

    let stack = rule(json!({"kind": "output_size", "bytes": 10}), inject.clone());
    let mut big = ToolOutput::ok("x".repeat(11));
    assert_eq!(
        after_tool(&stack, &run, &shell("x"), &mut big).await.len(),
        1
    );
    let mut small = ToolOutput::ok("x".repeat(10));
    assert!(
        after_tool(&stack, &run, &shell("x"), &mut small)
            .await
            .is_empty()
    );

    let stack = rule(json!({"kind": "finish_attempted"}), inject);
    let fired = on_finish(&stack, &run).await;
    assert!(
        matches!(&fired[..], [(layer, HookPoint::OnFinish, Effect::Inject { message, .. })]
        if layer == "rule:r" && message == "note")
    );
}

#[tokio::test]
async fn rule_actions_block_degrade_rewrite_and_stop() {
    let run = state(vec![]);
    let block = json!({"kind": "block", "message": "no network here"});

    let stack = rule(
        json!({"kind": "tool_call", "pattern": "curl"}),
        block.clone(),
    );
    let fired = before_tool(&stack, &run, &mut shell("curl example.com")).await;
    assert_eq!(block_message(&fired), Some("no network here"));

    let stack = rule(json!({"kind": "finish_attempted"}), block.clone());
    assert!(is_block(&on_finish(&stack, &run).await));

    // After a tool call there is nothing left to block: the message is injected instead.
    let stack = rule(json!({"kind": "tool_error", "pattern": "curl"}), block);
    let fired = after_tool(
        &stack,
        &run,
        &shell("curl x"),
        &mut ToolOutput::error("curl: (6)"),
    )
    .await;
    assert!(
        matches!(&fired[..], [(_, _, Effect::Inject { message, .. })] if message == "no network here")
    );

    let stack = rule(
        json!({"kind": "tool_call", "pattern": "python\\b"}),
        json!({"kind": "rewrite", "field": "command", "pattern": "\\bpython\\b", "replacement": "python3"}),
    );
    let mut call = shell("python run.py && python -V");
    let fired = before_tool(&stack, &run, &mut call).await;
    assert!(matches!(&fired[..], [(_, _, Effect::Note { .. })]));
    assert_eq!(call.arguments["command"], "python3 run.py && python3 -V");
    assert_eq!(call.raw_arguments, call.arguments.to_string());
    // A missing field is left alone.
    let mut other = ToolCall::new("c", "shell", json!({"cmd": "python"}));
    assert!(before_tool(&stack, &run, &mut other).await.is_empty());

    let stack = rule(
        json!({"kind": "turn_count", "at": 1}),
        json!({"kind": "stop", "reason": "enough"}),
    );
    assert_eq!(
        stop_reason(&before_model(&stack, &run).await),
        Some("enough")
    );
}

#[tokio::test]
async fn a_rule_fires_once_per_event() {
    let stack = rule(
        json!({"kind": "turn_count", "at": 1}),
        json!({"kind": "inject", "message": "m"}),
    );
    let run = state(vec![]);
    assert_eq!(before_model(&stack, &run).await.len(), 1);
    // The same model call again (e.g. retried after compaction): not again.
    assert!(before_model(&stack, &run).await.is_empty());

    let stack = rule(
        json!({"kind": "identical_calls", "count": 2}),
        json!({"kind": "inject", "message": "m"}),
    );
    let mut run = state(vec![shell_record("ls", false)]);
    assert_eq!(before_tool(&stack, &run, &mut shell("ls")).await.len(), 1);
    run.history.push(shell_record("ls", false));
    assert_eq!(
        before_tool(&stack, &run, &mut shell("ls")).await.len(),
        1,
        "a new call is a new event"
    );
}

#[test]
fn stacks_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<MiddlewareStack>();
    check::<MiddlewareRegistry>();
    let _shared: Arc<MiddlewareStack> = Arc::new(MiddlewareStack::empty());
}
