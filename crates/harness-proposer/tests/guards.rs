//! The guards, whoever proposes: out-of-surface, over-budget, task-specific, duplicate and
//! repeated-rejected change lists are refused with clear reasons; anything else applies
//! cleanly and validates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use harness_core::{Edit, EditSet};
use harness_proposer::{
    ChangeList, EditBudget, GateSummary, GuardConfig, GuardViolation, History, ProposalContext,
    ProposalGuard, ProposalRecord,
};
use proptest::prelude::*;

fn change(surface: &str, edits: Vec<Edit>) -> ChangeList {
    ChangeList {
        cluster: "exact_repeat_after_failure".into(),
        evidence: Vec::new(),
        root_cause: "repeats".into(),
        surface: surface.into(),
        why_this_component: "middleware sees every call".into(),
        edits: EditSet { edits },
        predicted_fixes: vec!["misnamed-bundle".into()],
        at_risk: Vec::new(),
        rationale: "block repeats".into(),
    }
}

fn create(path: &str, content: &str) -> Edit {
    Edit::Create {
        path: path.into(),
        content: content.into(),
    }
}

fn context() -> ProposalContext {
    common::context("minimal", "retrier")
}

fn violations(context: &ProposalContext, change: ChangeList) -> Vec<GuardViolation> {
    match ProposalGuard::default().check(context, change, "test", None, &[]) {
        Ok(p) => panic!("expected a refusal, got {}", p.id),
        Err(rejected) => rejected.violations,
    }
}

const RETRY: &str = "middleware:\n- kind: retry_discipline\n  params:\n    window: 3\n";

#[test]
fn a_good_change_passes_and_is_measured() {
    let ctx = context();
    let p = ProposalGuard::default()
        .check(
            &ctx,
            change("middleware", vec![create("middleware.yaml", RETRY)]),
            "test",
            None,
            &[],
        )
        .unwrap();
    assert_eq!(p.surfaces, vec!["middleware".to_owned()]);
    assert_eq!(p.changed_lines, 4);
    assert!(p.diff.contains("+++ b/middleware.yaml"), "{}", p.diff);
    assert!(p.id.starts_with("p-") && p.id.len() == 14);
    assert_ne!(p.candidate, p.parent);
}

#[test]
fn edits_outside_the_surfaces_are_refused_naming_the_path() {
    let ctx = context();
    for (path, surface) in [
        ("harness.yaml", "prompt"),
        ("tools/finish.yaml", "tools"),
        ("../escape.md", "prompt"),
        ("notes/elsewhere.md", "prompt"),
    ] {
        let v = violations(
            &ctx,
            change(
                surface,
                vec![Edit::Replace {
                    path: path.into(),
                    content: "x".into(),
                }],
            ),
        );
        assert!(
            matches!(&v[..], [GuardViolation::OutsideSurface { path: p, .. }] if p == path),
            "{path}: {v:?}"
        );
        assert!(v[0].to_string().contains(path), "{}", v[0]);
    }
}

#[test]
fn over_budget_edits_are_refused_with_the_limit() {
    let ctx = context();
    let long: String = (0..100).map(|i| format!("Line {i} of advice.\n")).collect();
    let v = violations(
        &ctx,
        change(
            "prompt",
            vec![Edit::Replace {
                path: "prompts/system.md".into(),
                content: format!("{{{{instruction}}}}\n{long}"),
            }],
        ),
    );
    assert!(
        v.iter()
            .any(|x| matches!(x, GuardViolation::TooManyLines { limit: 80, .. })),
        "{v:?}"
    );
    let wide = format!("{{{{instruction}}}}\n{}\n", "word ".repeat(1000));
    let v = violations(
        &ctx,
        change(
            "prompt",
            vec![Edit::Replace {
                path: "prompts/system.md".into(),
                content: wide,
            }],
        ),
    );
    assert!(
        v.iter()
            .any(|x| matches!(x, GuardViolation::TooManyChars { limit: 4000, .. })),
        "{v:?}"
    );
    // Two surfaces at once.
    let v = violations(
        &ctx,
        change(
            "middleware",
            vec![
                create("middleware.yaml", RETRY),
                create("memory/notes.md", "Each call starts in a fresh shell.\n"),
            ],
        ),
    );
    assert!(
        v.iter()
            .any(|x| matches!(x, GuardViolation::TooManySurfaces { limit: 1, .. })),
        "{v:?}"
    );
    // A larger budget lets the same change through.
    let guard = ProposalGuard::new(GuardConfig {
        budget: EditBudget {
            max_surfaces: 2,
            ..EditBudget::default()
        },
        ..GuardConfig::default()
    });
    assert!(
        guard
            .check(
                &ctx,
                change(
                    "middleware",
                    vec![
                        create("middleware.yaml", RETRY),
                        create("memory/notes.md", "Each call starts in a fresh shell.\n"),
                    ],
                ),
                "test",
                None,
                &[],
            )
            .is_ok()
    );
}

#[test]
fn task_specific_edits_are_refused_and_hidden_tasks_are_never_named() {
    let ctx = context();
    // `region_totals.csv` occurs in the held-in task sales-region-totals only.
    let v = violations(
        &ctx,
        change(
            "memory",
            vec![create(
                "memory/notes.md",
                "Write region_totals.csv before anything else.\n",
            )],
        ),
    );
    let found = v
        .iter()
        .find_map(|x| match x {
            GuardViolation::TaskSpecific {
                identifier,
                visible_tasks,
                ..
            } => Some((identifier.clone(), visible_tasks.clone())),
            _ => None,
        })
        .expect("flagged");
    assert_eq!(found.0, "region_totals.csv");
    assert_eq!(found.1, vec!["sales-region-totals".to_owned()]);
    // A task id is specific too.
    let v = violations(
        &ctx,
        change(
            "memory",
            vec![create("memory/notes.md", "In makefile-repair, run make.\n")],
        ),
    );
    assert!(v.iter().any(|x| matches!(x, GuardViolation::TaskSpecific { identifier, .. } if identifier == "makefile-repair")), "{v:?}");
    // A test-split task's identifier is refused without naming the task.
    let suite =
        harness_tasks::Suite::load(&common::repo().join("examples/suites/terminal-lite")).unwrap();
    let test_task = suite
        .tasks
        .iter()
        .find(|t| t.split == harness_types::Split::Test)
        .unwrap();
    let v = violations(
        &ctx,
        change(
            "memory",
            vec![create(
                "memory/notes.md",
                &format!("Remember {}.\n", test_task.task.id),
            )],
        ),
    );
    let text: Vec<String> = v.iter().map(ToString::to_string).collect();
    assert!(
        text.iter().any(|t| t.contains("specific to 1 task(s);")),
        "{text:?}"
    );
    // Flag-only mode lets it through and records it.
    let guard = ProposalGuard::new(GuardConfig {
        reject_task_specific: false,
        ..GuardConfig::default()
    });
    let p = guard
        .check(
            &ctx,
            change(
                "memory",
                vec![create(
                    "memory/notes.md",
                    "Write region_totals.csv first.\n",
                )],
            ),
            "test",
            None,
            &[],
        )
        .unwrap();
    assert_eq!(p.task_specific, vec!["region_totals.csv".to_owned()]);
}

#[test]
fn duplicates_collapse_and_rejected_changes_are_not_repeated() {
    let ctx = context();
    let guard = ProposalGuard::default();
    let first = guard
        .check(
            &ctx,
            change("middleware", vec![create("middleware.yaml", RETRY)]),
            "a",
            None,
            &[],
        )
        .unwrap();
    // The same harness from a differently written file (same canonical content).
    let v = guard
        .check(
            &ctx,
            change(
                "middleware",
                vec![create(
                    "middleware.yaml",
                    "middleware:\n  - kind: retry_discipline\n    params: {window: 3}\n",
                )],
            ),
            "b",
            None,
            std::slice::from_ref(&first),
        )
        .unwrap_err()
        .violations;
    assert_eq!(
        v,
        vec![GuardViolation::Duplicate {
            of: first.id.clone()
        }]
    );
    // Rejected by the gate in an earlier generation: refused, even on another parent.
    let mut history = History::new();
    history.push(ProposalRecord::decided(
        1,
        first.clone(),
        GateSummary::new(false, "no improvement"),
    ));
    let mut ctx2 = ctx.clone().with_history(history);
    let v = guard
        .check(
            &ctx2,
            change("middleware", vec![create("middleware.yaml", RETRY)]),
            "a",
            None,
            &[],
        )
        .unwrap_err()
        .violations;
    assert!(
        v.contains(&GuardViolation::RepeatsRejected {
            of: first.id.clone()
        }),
        "{v:?}"
    );
    let prompt = ctx2.harness.file("prompts/system.md").unwrap().to_owned();
    ctx2.harness = EditSet {
        edits: vec![Edit::Replace {
            path: "prompts/system.md".into(),
            content: format!("{prompt}Be brief.\n"),
        }],
    }
    .apply(&ctx.harness, &common::registry())
    .unwrap();
    let v = guard
        .check(
            &ctx2,
            change("middleware", vec![create("middleware.yaml", RETRY)]),
            "a",
            None,
            &[],
        )
        .unwrap_err()
        .violations;
    assert!(
        v.iter()
            .any(|x| matches!(x, GuardViolation::RepeatsRejected { .. })),
        "{v:?}"
    );
}

#[test]
fn malformed_or_empty_changes_are_refused_with_the_file_and_field() {
    let ctx = context();
    let v = violations(
        &ctx,
        change(
            "middleware",
            vec![create(
                "middleware.yaml",
                "middleware:\n- kind: loop_breaker\n  params:\n    max_identical_calls: 1\n",
            )],
        ),
    );
    let text = v[0].to_string();
    assert!(text.contains("middleware.yaml"), "{text}");
    assert!(text.contains("max_identical_calls"), "{text}");
    assert_eq!(
        violations(&ctx, change("middleware", vec![])),
        vec![GuardViolation::Empty]
    );
    let v = violations(
        &ctx,
        change("prompt", vec![create("middleware.yaml", RETRY)]),
    );
    assert!(
        matches!(&v[..], [GuardViolation::SurfaceMismatch { claimed, .. }] if claimed == "prompt"),
        "{v:?}"
    );
}

fn arbitrary_edit() -> impl Strategy<Value = Edit> {
    let path = prop_oneof![
        Just("middleware.yaml".to_owned()),
        Just("memory/notes.md".to_owned()),
        Just("memory/hints.yaml".to_owned()),
        Just("prompts/system.md".to_owned()),
        Just("harness.yaml".to_owned()),
        Just("tools/shell.yaml".to_owned()),
        "[a-z./]{1,20}",
    ];
    let content = prop_oneof![
        Just(RETRY.to_owned()),
        Just("{{instruction}}\nDo it.\n".to_owned()),
        ".{0,200}",
    ];
    (path, content, 0..4u8).prop_map(|(path, content, op)| match op {
        0 => Edit::Create { path, content },
        1 => Edit::Replace { path, content },
        2 => Edit::Delete { path },
        _ => Edit::Patch {
            path,
            diff: content,
        },
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever a proposer submits, the guards answer without panicking, and what they let
    /// through applies to the parent inside its surfaces, validates, and stays in budget.
    #[test]
    fn guards_never_panic_and_what_passes_applies(
        edits in proptest::collection::vec(arbitrary_edit(), 0..4),
        surface in prop_oneof![Just("middleware"), Just("memory"), Just("prompt"), Just("tools")],
    ) {
        let ctx = context();
        let registry = common::registry();
        match ProposalGuard::default().check(&ctx, change(surface, edits), "p", None, &[]) {
            Ok(p) => {
                let next = p.change.edits.apply(&ctx.harness, &registry).unwrap();
                prop_assert_eq!(next.content_hash(), p.candidate);
                prop_assert!(p.changed_lines <= 80 && p.changed_chars <= 4000);
                prop_assert_eq!(p.surfaces.len(), 1);
            }
            Err(rejected) => prop_assert!(!rejected.violations.is_empty()),
        }
    }
}
