//! The catalog proposer on mined reports of each shipped simulator profile: its top k holds
//! the remedy for each dominant pathology, with parameters in the ranges docs/sim.md says help.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use harness_core::Harness;
use harness_proposer::{
    Catalog, CatalogProposer, GateSummary, History, Proposal, ProposalRecord, Proposer,
    ProposerError,
};
use serde_json::Value;

const K: usize = 3;

async fn propose(profile: &str, k: usize) -> (Harness, Vec<Proposal>, Option<String>) {
    let context = common::context("minimal", profile);
    let batch = CatalogProposer::builtin()
        .unwrap()
        .propose(&context, k)
        .await
        .unwrap();
    assert!(batch.rejected.is_empty(), "{:#?}", batch.rejected);
    (context.harness, batch.proposals, batch.note)
}

/// The candidate of a proposal, applied again from its edits as an optimizer would.
fn candidate(parent: &Harness, proposal: &Proposal) -> Harness {
    let next = proposal
        .change
        .edits
        .apply(parent, &common::registry())
        .expect("applies cleanly inside the surfaces");
    assert_eq!(next.content_hash(), proposal.candidate);
    next
}

fn params(harness: &Harness, kind: &str) -> Option<Value> {
    harness
        .middleware()
        .middleware
        .iter()
        .find(|m| m.kind == kind)
        .map(|m| m.params.clone())
}

fn remedies(proposals: &[Proposal]) -> Vec<&str> {
    proposals
        .iter()
        .map(|p| p.remedy.as_deref().unwrap_or(""))
        .collect()
}

fn check_common(parent: &Harness, proposals: &[Proposal]) {
    assert_eq!(proposals.len(), K);
    let mut surfaces_or_params = std::collections::BTreeSet::new();
    for p in proposals {
        let next = candidate(parent, p);
        assert_ne!(next.content_hash(), parent.content_hash());
        assert!(!p.diff.is_empty());
        assert_eq!(p.surfaces.len(), 1, "{}: one surface", p.id);
        assert!(p.changed_lines <= 80 && p.changed_chars <= 4000);
        assert!(!p.change.predicted_fixes.is_empty(), "{}", p.id);
        assert!(!p.change.evidence.is_empty(), "{}", p.id);
        assert!(
            surfaces_or_params.insert(p.change_key.clone()),
            "distinct changes"
        );
    }
}

#[tokio::test]
async fn explorer_gets_an_evidence_derived_call_warning_and_moderate_truncation() {
    let (parent, proposals, _) = propose("explorer", K).await;
    check_common(&parent, &proposals);
    let ids = remedies(&proposals);
    assert!(ids.contains(&"call-count-warning"), "{ids:?}");
    assert!(ids.contains(&"output-truncation"), "{ids:?}");
    let warning = proposals
        .iter()
        .find(|p| p.remedy.as_deref() == Some("call-count-warning"))
        .unwrap();
    let loop_breaker = params(&candidate(&parent, warning), "loop_breaker").unwrap();
    let at = loop_breaker["max_tool_calls"].as_u64().unwrap();
    // The explorer needs 4 reads; a warning at or below that rushes it, and a stop (the
    // documented bad remedy) ends long tasks. Clean passing trials wrote first by call 4.
    assert!((5..=16).contains(&at), "warning at {at}");
    assert!(loop_breaker.get("action").is_none_or(|a| a == "inject"));
    let truncation = proposals
        .iter()
        .find(|p| p.remedy.as_deref() == Some("output-truncation"))
        .unwrap();
    let t = params(&candidate(&parent, truncation), "output_truncation").unwrap();
    // The documented bad remedy keeps 40 + 20 bytes and hides a check's failing line.
    assert!(t["head_bytes"].as_u64().unwrap() >= 1000);
    assert!(t["tail_bytes"].as_u64().unwrap() >= 500);
    assert_eq!(t["spill_to_file"], Value::Bool(false));
}

#[tokio::test]
async fn retrier_gets_a_block_of_repeats_and_a_usage_hint_naming_the_parameter() {
    let (parent, proposals, _) = propose("retrier", K).await;
    check_common(&parent, &proposals);
    let ids = remedies(&proposals);
    assert!(ids.contains(&"tool-usage-hint"), "{ids:?}");
    assert!(
        ids.contains(&"retry-discipline") || ids.contains(&"identical-call-breaker"),
        "{ids:?}"
    );
    let hint = proposals
        .iter()
        .find(|p| p.remedy.as_deref() == Some("tool-usage-hint"))
        .unwrap();
    let hints = params(&candidate(&parent, hint), "tool_error_hint").unwrap();
    let first = &hints["hints"][0];
    let pattern = regex::Regex::new(first["pattern"].as_str().unwrap()).unwrap();
    assert!(pattern.is_match(
        "invalid arguments for `shell`: missing required argument `command`; unknown argument `cmd` (known: command)."
    ));
    assert!(
        first["hint"].as_str().unwrap().contains("\"command\""),
        "{first}"
    );
}

#[tokio::test]
async fn forgetter_gets_a_persistent_shell_a_finish_check_and_substitution_hints() {
    let (parent, proposals, _) = propose("forgetter", K).await;
    check_common(&parent, &proposals);
    let ids = remedies(&proposals);
    assert!(ids.contains(&"verify-before-finish"), "{ids:?}");
    assert!(ids.contains(&"substitution-hints"), "{ids:?}");
    assert!(
        ids.contains(&"persistent-shell") || ids.contains(&"persistent-env"),
        "{ids:?}"
    );
    let hints = proposals
        .iter()
        .find(|p| p.remedy.as_deref() == Some("substitution-hints"))
        .unwrap();
    let next = candidate(&parent, hints);
    let subs: Vec<(String, String)> = next
        .hints()
        .iter()
        .filter_map(|h| h.substitute.clone())
        .map(|s| (s.from, s.to))
        .collect();
    assert!(subs.contains(&("gawk".into(), "awk".into())), "{subs:?}");
    assert!(subs.contains(&("sudo ".into(), String::new())), "{subs:?}");
    // The documented bad hints (`grep` -> `grep -F`, `tar -czf` -> `tar -cf`) are not there.
    assert!(
        !subs
            .iter()
            .any(|(from, _)| from.contains("grep") || from.contains("tar"))
    );
    let finish = proposals
        .iter()
        .find(|p| p.remedy.as_deref() == Some("verify-before-finish"))
        .unwrap();
    assert!(params(&candidate(&parent, finish), "verify_before_finish").is_some());
}

#[tokio::test]
async fn surveyor_gets_a_usage_hint_and_a_finish_check_but_no_persistent_shell_or_stop() {
    let (parent, proposals, _) = propose("surveyor", K).await;
    assert!(proposals.len() >= 2);
    let ids = remedies(&proposals);
    assert!(ids.contains(&"tool-usage-hint"), "{ids:?}");
    assert!(ids.contains(&"verify-before-finish"), "{ids:?}");
    assert!(!ids.contains(&"persistent-shell") && !ids.contains(&"persistent-env"));
    for p in &proposals {
        let next = candidate(&parent, p);
        if let Some(lb) = params(&next, "loop_breaker") {
            assert!(lb.get("action").is_none_or(|a| a == "inject"));
        }
    }
}

#[tokio::test]
async fn a_rejected_change_is_never_proposed_again_and_the_next_remedy_takes_its_place() {
    let context = common::context("minimal", "retrier");
    let proposer = CatalogProposer::builtin().unwrap();
    let first = proposer.propose(&context, 1).await.unwrap();
    let rejected = first.proposals[0].clone();
    let mut history = History::new();
    let mut gate = GateSummary::new(false, "no improvement on held_in");
    gate.regressed = vec!["misnamed-bundle".into()];
    history.push(ProposalRecord::decided(1, rejected.clone(), gate));
    let context = context.with_history(history).with_generation(2);
    let second = proposer.propose(&context, K).await.unwrap();
    assert!(
        second
            .proposals
            .iter()
            .all(|p| p.change_key != rejected.change_key && p.remedy != rejected.remedy),
        "{:?}",
        remedies(&second.proposals)
    );
    assert_eq!(second.proposals.len(), K);
    // The refusal is visible, with its reason.
    assert!(
        second.rejected.iter().any(|r| r
            .violations
            .iter()
            .any(|v| v.to_string().contains(&rejected.id))),
        "{:#?}",
        second.rejected
    );
}

#[tokio::test]
async fn it_says_so_when_nothing_is_left_to_propose() {
    // Against the rich harness most remedies are already there.
    let context = common::context("rich", "retrier");
    let batch = CatalogProposer::builtin()
        .unwrap()
        .propose(&context, 10)
        .await
        .unwrap();
    assert!(batch.proposals.len() < 10);
    let note = batch.note.expect("a note");
    assert!(note.contains("nothing left to propose"), "{note}");
    assert!(note.contains("already in the harness"), "{note}");

    let mut empty = common::report("retrier");
    empty.clusters.clear();
    let context = harness_proposer::ProposalContext::new(
        common::harness("minimal"),
        common::registry(),
        empty,
    );
    let batch = CatalogProposer::builtin()
        .unwrap()
        .propose(&context, 3)
        .await
        .unwrap();
    assert!(batch.proposals.is_empty());
    assert!(
        batch
            .note
            .unwrap()
            .contains("no remedy for the mined behaviours")
    );
}

#[test]
fn catalog_errors_name_the_file_and_the_field() {
    let bad = |text: &str| match Catalog::parse("my-catalog.yaml", text) {
        Err(ProposerError::Catalog {
            file,
            field,
            message,
        }) => (file, field, message),
        other => panic!("expected a catalog error, got {other:?}"),
    };
    let (file, field, _) = bad(
        "remedies:\n- id: x\n  addresses: [a]\n  root_cause: r\n  why: w\n  rationale: r\n  change:\n    middleware:\n      kind: loop_breaker\n      params:\n        max_tool_calls: {derive: passing.turns.max}\n",
    );
    assert_eq!(file, "my-catalog.yaml");
    assert_eq!(
        field,
        "remedies[0].change.middleware.params.max_tool_calls.derive"
    );
    let (_, field, message) = bad(
        "remedies:\n- id: x\n  addresses: [a]\n  root_cause: r\n  why: w\n  rationale: r\n  colour: red\n  change: {prompt_append: {text: t}}\n",
    );
    assert!(field.starts_with("remedies[0]"), "{field}");
    assert!(message.contains("colour"), "{message}");
    let (_, field, _) = bad(
        "remedies:\n- id: x\n  addresses: []\n  root_cause: r\n  why: w\n  rationale: r\n  change: {prompt_append: {text: t}}\n",
    );
    assert_eq!(field, "remedies[0].addresses");
    let (_, field, message) = bad(
        "remedies:\n- {id: x, addresses: [a], root_cause: r, why: w, rationale: r, change: {prompt_append: {text: t}}}\n- {id: x, addresses: [b], root_cause: r, why: w, rationale: r, change: {prompt_append: {text: t}}}\n",
    );
    assert_eq!(field, "remedies[1].id");
    assert!(message.contains("earlier remedy"));
}

#[tokio::test]
async fn a_user_catalog_extends_the_builtin_one_and_its_remedies_come_first() {
    let mine = Catalog::parse(
        "mine.yaml",
        "remedies:\n- id: patient-repeats\n  addresses: [exact_repeat_after_failure]\n  root_cause: loops\n  why: middleware sees calls\n  rationale: block the fifth identical call\n  change:\n    middleware:\n      kind: loop_breaker\n      params: {max_identical_calls: 5}\n",
    )
    .unwrap();
    let catalog = Catalog::builtin().unwrap().extended_with(mine);
    let context = common::context("minimal", "retrier");
    let batch = CatalogProposer::new(catalog)
        .propose(&context, K)
        .await
        .unwrap();
    let ids = remedies(&batch.proposals);
    assert!(ids.contains(&"patient-repeats"), "{ids:?}");
}
