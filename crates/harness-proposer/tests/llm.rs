//! The LLM proposer against the fake OpenAI-compatible server, through the real backend:
//! scripted models that read, search, consult an advisor and submit change lists, and what
//! every request carried.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use harness_miner::{MinableSplit, MineScope};
use harness_proposer::{
    GateSummary, GuardViolation, History, LlmProposer, LlmProposerConfig, ProposalBatch,
    ProposalContext, ProposalRecord, Proposer, ProposerError, TraceAccess,
};
use harness_testkit::fake_openai::{FakeOpenAi, Reply, tool_call};
use harness_trace::{RunStore, Split, TraceStore};
use serde_json::{Value, json};

/// The prompt of the minimal harness.
const PROMPT: &str = "You are working in {{workdir}} on this task: {{instruction}}\n\
    Use the shell tool to inspect files, run commands and make changes.\n\
    Call finish when the task is done.\n";

/// A trial id of the fixture report (cluster `required_artifact_missing`).
const REPORT_TRIAL: &str = "2026-12-02__07-01-50.456834-1122.fix-event-summarizer__0";

/// A change list that passes every guard: one generic line added to the prompt.
fn good_change() -> Value {
    json!({
        "cluster": "required_artifact_missing",
        "evidence": [REPORT_TRIAL],
        "root_cause": "Agents finish before writing every output file the task asks for.",
        "surface": "prompt",
        "why_this_component": "The prompt is where the agent learns when it may finish.",
        "edits": {"edits": [{
            "op": "replace",
            "path": "prompts/system.md",
            "content": format!(
                "{PROMPT}Before calling finish, check that every output file the task asks \
                 for exists and is complete.\n"
            ),
        }]},
        "predicted_fixes": ["fix-event-summarizer", "utf16-todo-extract"],
        "at_risk": [],
        "rationale": "A last check costs one command and catches missing outputs."
    })
}

/// The good change list with its edits replaced.
fn change_with(surface: &str, path: &str, content: &str) -> Value {
    let mut change = good_change();
    change["surface"] = json!(surface);
    change["edits"] = json!({"edits": [{"op": "replace", "path": path, "content": content}]});
    change
}

fn submit(id: &str, proposals: Value) -> Reply {
    Reply::completion(tool_call(
        id,
        "submit_proposals",
        &json!({ "proposals": proposals }),
    ))
}

fn text(content: &str) -> Reply {
    Reply::completion(json!({"role": "assistant", "content": content}))
}

/// A reply asking the advisor.
fn ask(id: &str, question: &str, context: &str) -> Reply {
    Reply::completion(tool_call(
        id,
        "ask_advisor",
        &json!({"question": question, "context": context}),
    ))
}

/// A run with `advisor` consulted through its own fake server and `meter` charged.
async fn propose_advised(
    server: &FakeOpenAi,
    advisor: &FakeOpenAi,
    meter: Arc<common::Meter>,
    context: ProposalContext,
) -> ProposalBatch {
    LlmProposer::new(common::openai(server), config())
        .with_advisor(common::openai(advisor))
        .with_meter(meter)
        .propose(&context, 1)
        .await
        .unwrap()
}

fn config() -> LlmProposerConfig {
    LlmProposerConfig::default()
}

fn context() -> ProposalContext {
    common::context("minimal", "explorer")
}

async fn propose(server: &FakeOpenAi, config: LlmProposerConfig, k: usize) -> ProposalBatch {
    LlmProposer::new(common::openai(server), config)
        .propose(&context(), k)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_good_run_reads_a_file_then_returns_the_accepted_proposal() {
    let server = FakeOpenAi::start([
        Reply::completion(tool_call(
            "c1",
            "read_harness_file",
            &json!({"path": "prompts/system.md"}),
        )),
        submit("c2", json!([good_change()])),
    ])
    .await
    .unwrap();
    let mut settings = config();
    settings.max_tokens = 1_234;
    let batch = propose(&server, settings, 1).await;

    assert_eq!(batch.proposer, "llm");
    assert_eq!(batch.proposals.len(), 1, "{:#?}", batch.rejected);
    assert!(batch.rejected.is_empty());
    assert_eq!(batch.note, None);
    let proposal = &batch.proposals[0];
    assert_eq!(proposal.proposer, "llm");
    assert_eq!(proposal.surfaces, vec!["prompt".to_owned()]);
    assert!(
        proposal.diff.contains("+Before calling finish"),
        "{}",
        proposal.diff
    );
    // The trial id given as a string became a full reference.
    assert_eq!(proposal.change.evidence[0].trial_id, REPORT_TRIAL);
    assert_eq!(proposal.change.evidence[0].task_id, "fix-event-summarizer");
    assert_eq!(batch.usage.turns, 2);
    assert_eq!(batch.usage.proposer_tokens, 120);
    assert!(batch.usage.advisor_calls.is_empty());

    let received = server.received();
    assert_eq!(received.len(), 2);
    for request in &received {
        assert_eq!(request.body["max_tokens"], 1_234);
        let tools: Vec<&str> = request.body["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["function"]["name"].as_str().unwrap())
            .collect();
        assert!(tools.contains(&"submit_proposals") && tools.contains(&"show_trial"));
        assert!(!tools.contains(&"ask_advisor"), "{tools:?}");
    }
    let system = common::system_text(&received[0]);
    assert!(
        system.contains("# Weakness report"),
        "the report is rendered"
    );
    assert!(
        system.contains(
            "- `prompt` (paths: prompts/**): The system prompt template. Files: prompts/system.md."
        ),
        "{system}"
    );
    assert!(
        system.contains("- `memory` (paths: memory/**): Notes and structured hints. No files yet.")
    );
    assert!(
        system.contains("harness.yaml, tools/finish.yaml"),
        "{system}"
    );
    assert!(system.contains("80 changed lines"), "{system}");
    assert!(!system.contains("{{"), "every placeholder is filled");
    let file = common::tool_result(&received[1], "c1");
    assert!(
        file.contains("Call finish when the task is done."),
        "{file}"
    );
    assert!(file.contains("surface `prompt`"), "{file}");
}

#[tokio::test]
async fn malformed_and_fenced_submissions_are_answered_then_a_corrected_one_succeeds() {
    let mut missing_root_cause = good_change();
    missing_root_cause
        .as_object_mut()
        .unwrap()
        .remove("root_cause");
    let fence = |change: &Value| format!("```json\n{}\n```", json!([change]));
    let server = FakeOpenAi::start([
        Reply::completion(common::raw_tool_call(
            "c1",
            "submit_proposals",
            r#"{"proposals": [{"cluster": "x", "#,
        )),
        Reply::completion(common::tool_calls(&[
            ("c2", "read_harness_file", json!({"file": 7})),
            (
                "c3",
                "submit_proposals",
                json!({"proposals": fence(&missing_root_cause)}),
            ),
        ])),
        Reply::completion(tool_call(
            "c4",
            "submit_proposals",
            &json!({"proposals": fence(&good_change())}),
        )),
    ])
    .await
    .unwrap();
    let batch = propose(&server, config(), 1).await;

    assert_eq!(batch.proposals.len(), 1);
    assert_eq!(batch.note, None);
    assert!(
        batch.rejected.is_empty(),
        "unreadable lists are not guard refusals"
    );
    let received = server.received();
    assert_eq!(received.len(), 3);
    let malformed = common::tool_result(&received[1], "c1");
    assert!(malformed.contains("could not be read"), "{malformed}");
    assert!(malformed.contains("Submission 1 of 3"), "{malformed}");
    let bad_arguments = common::tool_result(&received[2], "c2");
    assert!(
        bad_arguments.contains("`read_harness_file` do not fit its schema"),
        "{bad_arguments}"
    );
    let missing = common::tool_result(&received[2], "c3");
    assert!(
        missing.contains("proposals[0]") && missing.contains("root_cause"),
        "{missing}"
    );
    assert!(missing.contains("Accepted so far: 0 of 1"), "{missing}");
}

#[tokio::test]
async fn an_edit_outside_the_surfaces_is_refused_and_the_reason_shown() {
    let finish = "name: finish\ndescription: Say you are done.\n";
    let server = FakeOpenAi::start([
        submit(
            "c1",
            json!([
                change_with("tools", "tools/finish.yaml", finish),
                change_with("manifest", "harness.yaml", "name: other\n"),
            ]),
        ),
        submit("c2", json!([good_change()])),
    ])
    .await
    .unwrap();
    let batch = propose(&server, config(), 1).await;

    assert_eq!(batch.proposals.len(), 1);
    assert_eq!(batch.rejected.len(), 2);
    for (rejected, path) in batch
        .rejected
        .iter()
        .zip(["tools/finish.yaml", "harness.yaml"])
    {
        assert!(
            matches!(
                &rejected.violations[..],
                [GuardViolation::OutsideSurface { path: p, .. }] if p == path
            ),
            "{:?}",
            rejected.violations
        );
    }
    let shown = common::tool_result(&server.received()[1], "c1");
    assert!(
        shown.contains("proposals[0]: refused")
            && shown.contains("`tools/finish.yaml` is outside the editable surfaces"),
        "{shown}"
    );
    assert!(
        shown.contains("`harness.yaml` is outside the editable surfaces"),
        "{shown}"
    );
}

#[tokio::test]
async fn an_edit_over_the_budget_is_refused() {
    let long: String = (1..=85)
        .map(|i| format!("Rule {i}: work carefully and check each step.\n"))
        .collect();
    let server = FakeOpenAi::start([submit(
        "c1",
        json!([change_with(
            "prompt",
            "prompts/system.md",
            &format!("{PROMPT}{long}")
        )]),
    )])
    .await
    .unwrap();
    let mut settings = config();
    settings.max_submissions = 1;
    let batch = propose(&server, settings, 1).await;

    assert!(batch.proposals.is_empty());
    assert_eq!(batch.rejected.len(), 1);
    assert!(
        batch.rejected[0].violations.iter().any(|v| matches!(
            v,
            GuardViolation::TooManyLines {
                lines: 85,
                limit: 80
            }
        )),
        "{:?}",
        batch.rejected[0].violations
    );
    let note = batch.note.unwrap();
    assert!(note.starts_with("submission limit reached"), "{note}");
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_task_specific_edit_is_refused() {
    let specific = format!("{PROMPT}When asked for region totals, write region_totals.csv.\n");
    let server = FakeOpenAi::start([
        submit(
            "c1",
            json!([change_with("prompt", "prompts/system.md", &specific)]),
        ),
        text("I have nothing else."),
        text("Still nothing."),
    ])
    .await
    .unwrap();
    let batch = propose(&server, config(), 1).await;

    assert!(batch.proposals.is_empty());
    let violations = &batch.rejected[0].violations;
    assert!(
        violations.iter().any(|v| matches!(
            v,
            GuardViolation::TaskSpecific { identifier, .. } if identifier == "region_totals.csv"
        )),
        "{violations:?}"
    );
    let received = server.received();
    let shown = common::tool_result(&received[1], "c1");
    assert!(
        shown.contains("`region_totals.csv` is specific to"),
        "{shown}"
    );
    // A reply without a tool call gets one reminder; the second ends the loop.
    let reminder = received[2].messages().last().unwrap().clone();
    assert_eq!(reminder["role"], "user");
    assert!(
        reminder["content"]
            .as_str()
            .unwrap()
            .contains("Call `submit_proposals`"),
        "{reminder}"
    );
    assert_eq!(received.len(), 3);
    let note = batch.note.unwrap();
    assert!(
        note.contains("stopped calling tools after a reminder"),
        "{note}"
    );
    assert_eq!(batch.usage.turns, 3);
}

/// A store with a held-in, a validation and a test trial sharing a word, each with its own
/// marker; access limited to held-in.
async fn split_store() -> (tempfile::TempDir, TraceAccess) {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path()).unwrap();
    for (task, split, marker) in [
        ("visible-task", Split::HeldIn, "HELDIN-MARKER-31"),
        ("gate-task", Split::Validation, "VALIDATION-MARKER-47"),
        ("sealed-task", Split::Test, "SEALED-MARKER-59"),
    ] {
        let trace = common::trial(
            "r1",
            task,
            split,
            0,
            &format!("Do the {task} work."),
            "python3 run.py",
            &format!("Traceback: shared failure {marker}"),
        );
        store.put(&trace).await.unwrap();
    }
    let store: Arc<dyn TraceStore> = Arc::new(store);
    (
        dir,
        TraceAccess::new(store, MineScope::new([MinableSplit::HeldIn])),
    )
}

#[tokio::test]
async fn no_tool_reaches_a_trial_outside_the_visible_splits() {
    let (_dir, access) = split_store().await;
    // Evidence naming a trial outside the visible splits is a problem to fix, like an
    // unknown id; one naming a visible trial of the store resolves to its reference.
    let mut sealed_evidence = good_change();
    sealed_evidence["evidence"] = json!(["r1.sealed-task__0"]);
    let mut visible_evidence = good_change();
    visible_evidence["evidence"] = json!(["r1.visible-task__0"]);
    let server = FakeOpenAi::start([
        Reply::completion(common::tool_calls(&[
            ("c1", "show_trial", json!({"trial_id": "r1.sealed-task__0"})),
            ("c2", "show_trial", json!({"trial_id": "r1.gate-task__0"})),
            (
                "c3",
                "show_trial",
                json!({"trial_id": "r1.visible-task__0"}),
            ),
            ("c4", "search_traces", json!({"query": "shared failure"})),
        ])),
        submit("c5", json!([sealed_evidence, visible_evidence])),
    ])
    .await
    .unwrap();
    let batch = LlmProposer::new(common::openai(&server), config())
        .propose(&context().with_traces(access), 1)
        .await
        .unwrap();
    assert_eq!(batch.proposals.len(), 1);
    // The first change list was answered as unreadable (had it been accepted, the second,
    // with the same edits, would be a refused duplicate).
    assert!(batch.rejected.is_empty());
    let evidence = &batch.proposals[0].change.evidence;
    assert_eq!(evidence.len(), 1);
    assert_eq!(
        (evidence[0].run_id.as_str(), evidence[0].task_id.as_str()),
        ("r1", "visible-task")
    );

    let second = &server.received()[1];
    common::assert_answered(second, &["c1", "c2"], "no such trial in the visible splits");
    let visible = common::tool_result(second, "c3");
    assert!(visible.contains("HELDIN-MARKER-31"), "{visible}");
    assert!(visible.contains("Do the visible-task work."), "{visible}");
    let hits = common::tool_result(second, "c4");
    assert!(hits.starts_with("1 matching steps in 1 trials"), "{hits}");
    assert!(hits.contains("r1.visible-task__0"), "{hits}");
    common::assert_never_sent(
        &[&server],
        &[
            "SEALED-MARKER-59",
            "VALIDATION-MARKER-47",
            "sealed-task work",
        ],
    );
}

#[tokio::test]
async fn without_trace_access_the_trace_tools_say_so() {
    let mut unknown_evidence = good_change();
    unknown_evidence["evidence"] = json!([REPORT_TRIAL, "r9.made-up__0"]);
    let server = FakeOpenAi::start([
        Reply::completion(common::tool_calls(&[
            ("c1", "search_traces", json!({"query": "error"})),
            ("c2", "show_trial", json!({"trial_id": REPORT_TRIAL})),
            (
                "c3",
                "list_similar_failures",
                json!({"cluster_id": "required_artifact_missing"}),
            ),
            (
                "c4",
                "show_report",
                json!({"cluster_id": "no-such-cluster"}),
            ),
            (
                "c6",
                "show_report",
                json!({"cluster_id": "required_artifact_missing"}),
            ),
        ])),
        submit("c5", json!([unknown_evidence])),
        submit("c7", json!([good_change()])),
    ])
    .await
    .unwrap();
    let batch = propose(&server, config(), 1).await;
    assert_eq!(batch.proposals.len(), 1);
    let second = &server.received()[1];
    common::assert_answered(second, &["c1", "c2"], "trace access is not available");
    let similar = common::tool_result(second, "c3");
    assert!(similar.contains(REPORT_TRIAL), "{similar}");
    assert!(similar.contains("Tasks: fix-event-summarizer"), "{similar}");
    let one = common::tool_result(second, "c6");
    assert!(
        one.starts_with("## 4. required_artifact_missing (3 tasks"),
        "one cluster's section only: {one}"
    );
    assert!(!one.contains("context_flooding ("), "{one}");
    let evidence = common::tool_result(&server.received()[2], "c5");
    assert!(
        evidence.contains(
            "proposals[0]: evidence names no trial in the visible splits: `r9.made-up__0`"
        ),
        "{evidence}"
    );
    let unknown = common::tool_result(second, "c4");
    assert!(
        unknown.contains("no cluster `no-such-cluster`")
            && unknown.contains("required_artifact_missing"),
        "{unknown}"
    );
}

#[tokio::test]
async fn an_advisor_consultation_is_recorded_and_charged_under_advisor() {
    let server = FakeOpenAi::start([
        ask(
            "c1",
            "Is a reminder in the prompt enough?",
            "Agents finish without writing the output file.",
        ),
        submit("c2", json!([good_change()])),
    ])
    .await
    .unwrap();
    let advisor = FakeOpenAi::start([text("Yes: add one line asking for a final check.")])
        .await
        .unwrap();
    let meter = Arc::new(common::Meter::default());
    let batch = propose_advised(&server, &advisor, meter.clone(), context()).await;

    assert_eq!(batch.proposals.len(), 1);
    let calls = &batch.usage.advisor_calls;
    assert_eq!(calls.len(), 1);
    assert!(
        calls[0]
            .question
            .contains("Is a reminder in the prompt enough?")
    );
    assert!(
        calls[0]
            .question
            .contains("without writing the output file")
    );
    assert_eq!(
        calls[0].answer,
        "Yes: add one line asking for a final check."
    );
    assert_eq!(calls[0].tokens, 60);
    assert_eq!(batch.usage.advisor_tokens, 60);
    assert_eq!(batch.usage.proposer_tokens, 120);
    assert_eq!(meter.charged("advisor"), 60);
    assert_eq!(meter.charged("proposer"), 120);

    let asked = advisor.received();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0]
            .first_user_text()
            .contains("Context:\nAgents finish")
    );
    assert!(
        asked[0].body.get("tools").is_none(),
        "the advisor gets no tools"
    );
    assert_eq!(asked[0].body["max_tokens"], 1_024);
    let tools = server.received()[0].body["tools"].to_string();
    assert!(tools.contains("ask_advisor"));
    let answer = common::tool_result(&server.received()[1], "c1");
    assert!(
        answer.contains("add one line asking for a final check"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_spent_advisor_budget_is_a_tool_result_and_no_call() {
    let server = FakeOpenAi::start([
        ask("c1", "Anything?", ""),
        submit("c2", json!([good_change()])),
    ])
    .await
    .unwrap();
    let advisor = FakeOpenAi::start([]).await.unwrap();
    let meter = Arc::new(common::Meter::default().with_calls("advisor", 0));
    let batch = propose_advised(&server, &advisor, meter.clone(), context()).await;
    assert_eq!(batch.proposals.len(), 1);
    assert!(advisor.received().is_empty());
    assert!(batch.usage.advisor_calls.is_empty());
    assert_eq!(meter.charged("advisor"), 0);
    let answer = common::tool_result(&server.received()[1], "c1");
    assert!(answer.contains("budget is spent"), "{answer}");
}

/// Two scripted turns, each submitting one good change list of its own, for k = 2.
async fn two_submissions() -> FakeOpenAi {
    let mut second = change_with("memory", "memory/checks.md", "");
    second["edits"] = json!({"edits": [{
        "op": "create",
        "path": "memory/checks.md",
        "content": "Check that every output file exists before finishing.\n",
    }]});
    FakeOpenAi::start([
        submit("c1", json!([good_change()])),
        submit("c2", json!([second])),
    ])
    .await
    .unwrap()
}

async fn metered(server: &FakeOpenAi, meter: Arc<common::Meter>) -> ProposalBatch {
    LlmProposer::new(common::openai(server), config())
        .with_meter(meter)
        .propose(&context(), 2)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_meter_that_allows_no_further_call_ends_the_loop_keeping_what_was_accepted() {
    let server = two_submissions().await;
    let meter = Arc::new(common::Meter::default().with_calls("proposer", 1));
    let batch = metered(&server, meter.clone()).await;

    assert_eq!(batch.proposals.len(), 1);
    let note = batch.note.unwrap();
    assert!(
        note.starts_with("the proposer's budget is spent (the meter allows no further call"),
        "{note}"
    );
    assert!(note.contains("1 of 2 proposals accepted"), "{note}");
    assert_eq!(server.received().len(), 1);
    assert_eq!(meter.charged("proposer"), 60);
}

#[tokio::test]
async fn a_refused_charge_ends_the_loop_keeping_what_was_accepted() {
    let server = two_submissions().await;
    let meter = Arc::new(common::Meter::default().with_limit("proposer", 100));
    let batch = metered(&server, meter.clone()).await;

    // The second reply was paid for but the meter refused it: its submission is not read.
    assert_eq!(batch.proposals.len(), 1);
    assert_eq!(batch.proposals[0].surfaces, vec!["prompt".to_owned()]);
    let note = batch.note.unwrap();
    assert!(
        note.starts_with("the proposer's budget is spent (proposer limit of 100 tokens passed)"),
        "{note}"
    );
    assert_eq!(batch.usage.turns, 2);
    assert_eq!(batch.usage.proposer_tokens, 120);
    assert_eq!(meter.charged("proposer"), 120);
}

#[tokio::test]
async fn an_unmetered_run_accepts_k_proposals_over_two_submissions() {
    let server = two_submissions().await;
    let batch = metered(&server, Arc::new(common::Meter::default())).await;
    assert_eq!(batch.proposals.len(), 2, "{:#?}", batch.rejected);
    assert_eq!(batch.note, None);
    assert_eq!(batch.proposals[1].surfaces, vec!["memory".to_owned()]);
}

#[tokio::test]
async fn running_out_of_turns_is_noted() {
    let server = FakeOpenAi::start([
        Reply::completion(tool_call("c1", "list_harness_files", &json!({}))),
        Reply::completion(tool_call("c2", "show_report", &json!({}))),
    ])
    .await
    .unwrap();
    let mut settings = config();
    settings.max_turns = 2;
    let batch = propose(&server, settings, 1).await;

    assert!(batch.proposals.is_empty());
    assert_eq!(batch.usage.turns, 2);
    let note = batch.note.unwrap();
    assert!(
        note.starts_with("out of turns: the 2 turns allowed"),
        "{note}"
    );
    assert!(note.contains("0 of 1 proposals accepted"), "{note}");
    let received = server.received();
    assert_eq!(received.len(), 2);
    let files = common::tool_result(&received[1], "c1");
    assert!(
        files.contains("tools/finish.yaml") && files.contains("read-only"),
        "{files}"
    );
}

#[tokio::test]
async fn tool_results_are_cut_to_the_configured_size() {
    let server = FakeOpenAi::start([
        Reply::completion(tool_call("c1", "show_report", &json!({}))),
        submit("c2", json!([good_change()])),
    ])
    .await
    .unwrap();
    let mut settings = config();
    settings.tool_output_bytes = 1_000;
    let batch = propose(&server, settings, 1).await;
    assert_eq!(batch.proposals.len(), 1);
    let report = common::tool_result(&server.received()[1], "c1");
    assert!(report.len() <= 1_000, "{}", report.len());
    assert!(report.starts_with("# Weakness report"), "{report}");
    assert!(report.contains("bytes omitted"), "{report}");
}

#[tokio::test]
async fn a_model_failure_before_any_acceptance_is_an_error() {
    let server = FakeOpenAi::start([]).await.unwrap();
    let error = LlmProposer::new(common::openai(&server), config())
        .propose(&context(), 1)
        .await
        .unwrap_err();
    assert!(matches!(error, ProposerError::Model(_)), "{error}");
}

#[tokio::test]
async fn the_history_and_its_rejected_changes_reach_the_instructions_of_a_user_template() {
    // A proposal of an earlier generation that the gate rejected.
    let earlier = {
        let server = FakeOpenAi::start([submit("c1", json!([good_change()]))])
            .await
            .unwrap();
        propose(&server, config(), 1).await.proposals.remove(0)
    };
    let mut history = History::new();
    history.push(ProposalRecord::decided(
        1,
        earlier.clone(),
        GateSummary::new(false, "no improvement on the shared cells"),
    ));
    let server = FakeOpenAi::start([submit("c1", json!([good_change()]))])
        .await
        .unwrap();
    let mut settings = config();
    settings.max_submissions = 1;
    let batch = LlmProposer::new(common::openai(&server), settings)
        .with_template("Propose {{ k }}.\n\n{{history}}\n")
        .unwrap()
        .propose(&context().with_history(history).with_generation(2), 1)
        .await
        .unwrap();

    let system = common::system_text(&server.received()[0]);
    assert!(system.starts_with("Propose 1.\n\n- p-"), "{system}");
    assert!(
        system.contains("REJECTED by the gate: no improvement on the shared cells."),
        "{system}"
    );
    assert!(system.contains("Verdict: INEFFECTIVE"), "{system}");
    assert!(
        system.contains("+Before calling finish"),
        "the ledger shows the diff"
    );
    // The same change again is refused as a repeat.
    assert!(batch.proposals.is_empty());
    assert!(
        batch.rejected[0]
            .violations
            .iter()
            .any(|v| matches!(v, GuardViolation::RepeatsRejected { of } if *of == earlier.id)),
        "{:?}",
        batch.rejected[0].violations
    );
}

#[tokio::test]
async fn a_user_template_with_an_unknown_variable_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.md");
    std::fs::write(&path, "Fix {{ weaknesses }} within {{budget}}.\n").unwrap();
    let server = FakeOpenAi::start([]).await.unwrap();
    let error = LlmProposer::new(common::openai(&server), config())
        .with_template_file(&path)
        .unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, ProposerError::Template { .. }), "{message}");
    assert!(message.contains("mine.md"), "{message}");
    assert!(
        message.contains("line 1, column 5: unknown variable `weaknesses`"),
        "{message}"
    );
}

/// Strings that must never reach a model: a test trial's output, command and instruction,
/// and what a verifier printed beside the run.
const TEST_CANARY: &str = "CANARY-TESTSPLIT-8c41d7";
const VERIFIER_CANARY: &str = "CANARY-VERIFIER-52e90b";

#[tokio::test]
async fn no_request_carries_test_split_or_verifier_text() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path()).unwrap();
    let held_in = common::trial(
        "r1",
        "visible-task",
        Split::HeldIn,
        0,
        "Do the visible work.",
        "make all",
        "make: *** [all] Error 2 (held-in marker HELDIN-7)",
    );
    let sealed = common::trial(
        "r1",
        "sealed-task",
        Split::Test,
        0,
        &format!("Sealed instruction {TEST_CANARY}"),
        &format!("echo {TEST_CANARY}"),
        &format!("make: *** [all] Error 2 {TEST_CANARY}"),
    );
    store.put(&held_in).await.unwrap();
    store.put(&sealed).await.unwrap();
    // What a verifier wrote beside the run: outside the trace model, so out of every tool's
    // reach.
    let verifier = dir.path().join("verifier/r1.visible-task__0");
    std::fs::create_dir_all(&verifier).unwrap();
    std::fs::write(
        verifier.join("test-stdout.txt"),
        format!("FAILED test_outputs {VERIFIER_CANARY}"),
    )
    .unwrap();
    let store: Arc<dyn TraceStore> = Arc::new(store);
    let access = TraceAccess::new(store, MineScope::default());

    let server = FakeOpenAi::start([
        Reply::completion(common::tool_calls(&[
            ("c1", "list_harness_files", json!({})),
            (
                "c2",
                "read_harness_file",
                json!({"path": "prompts/system.md"}),
            ),
            ("c3", "show_report", json!({})),
            (
                "c4",
                "show_report",
                json!({"cluster_id": "required_artifact_missing"}),
            ),
            (
                "c5",
                "list_similar_failures",
                json!({"cluster_id": "required_artifact_missing"}),
            ),
        ])),
        Reply::completion(common::tool_calls(&[
            ("c6", "search_traces", json!({"query": "canary-testsplit"})),
            (
                "c7",
                "search_traces",
                json!({"query": "canary-[a-z]+-[0-9a-f]{6}", "regex": true}),
            ),
            ("c8", "search_traces", json!({"query": "Error 2"})),
            (
                "c9",
                "search_traces",
                json!({"query": "test-stdout|FAILED", "regex": true}),
            ),
            (
                "c10",
                "show_trial",
                json!({"trial_id": "r1.sealed-task__0"}),
            ),
            (
                "c11",
                "show_trial",
                json!({"trial_id": "r1.visible-task__0"}),
            ),
        ])),
        ask("c12", "What do the failures share?", "make fails"),
        submit("c13", json!([good_change()])),
    ])
    .await
    .unwrap();
    let advisor = FakeOpenAi::start([text("They share a make error.")])
        .await
        .unwrap();
    let meter = Arc::new(common::Meter::default());
    let batch = propose_advised(&server, &advisor, meter, context().with_traces(access)).await;
    assert_eq!(batch.proposals.len(), 1, "the run went to its end");

    let received = server.received();
    assert_eq!(received.len(), 4);
    assert_eq!(advisor.received().len(), 1);
    // The tools did read the visible trial: the search and the trial view show its output.
    let third = &received[2];
    let found = common::tool_result(third, "c8");
    assert!(
        found.contains("HELDIN-7") && found.starts_with("1 matching steps"),
        "{found}"
    );
    assert!(common::tool_result(third, "c11").contains("HELDIN-7"));
    common::assert_answered(third, &["c6", "c7", "c9"], "0 matching steps");
    common::assert_answered(third, &["c10"], "no such trial in the visible splits");
    // Nothing of the test trial or the verifier's output reached either model.
    common::assert_never_sent(
        &[&server, &advisor],
        &[TEST_CANARY, VERIFIER_CANARY, "Sealed instruction"],
    );
}
