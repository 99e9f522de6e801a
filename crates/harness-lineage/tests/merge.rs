//! Merge properties: disjoint edits merge to applying both; the merge does not depend on the
//! order of the candidates; a unit changed differently by two candidates is a reported
//! conflict, never resolved silently.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use harness_core::KindRegistry;
use harness_lineage::merge;
use proptest::prelude::*;

/// Up to 6 units, each touched by candidate a, b, both, or neither, with a text each.
fn plan() -> impl Strategy<Value = Vec<(u8, String, String)>> {
    proptest::collection::vec((0u8..4, "[a-z ]{1,12}", "[a-z ]{1,12}"), 6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn disjoint_edits_merge_to_applying_both(plan in plan()) {
        let base = common::minimal();
        let (mut ea, mut eb) = (Vec::new(), Vec::new());
        for (unit, (who, ta, tb)) in plan.iter().enumerate() {
            // Disjoint: each unit goes to a, to b, or to no one.
            match who % 3 {
                0 => ea.push(common::edit(unit, ta)),
                1 => eb.push(common::edit(unit, tb)),
                _ => {}
            }
        }
        let a = common::apply(&base, ea.clone());
        let b = common::apply(&base, eb.clone());
        let both = common::apply(&base, ea.into_iter().chain(eb).collect());
        let merged = merge(&base, &[("a".into(), a), ("b".into(), b)]);
        prop_assert!(merged.is_clean());
        let harness = merged.harness(&KindRegistry::builtin()).unwrap();
        prop_assert_eq!(harness.content_hash(), both.content_hash());
    }

    #[test]
    fn merge_is_symmetric_and_conflicts_are_reported(plan in plan()) {
        let base = common::minimal();
        let (mut ea, mut eb) = (Vec::new(), Vec::new());
        let mut expected_conflicts = Vec::new();
        for (unit, (who, ta, tb)) in plan.iter().enumerate() {
            if who & 1 == 1 {
                ea.push(common::edit(unit, ta));
            }
            if who & 2 == 2 {
                eb.push(common::edit(unit, tb));
                if who & 1 == 1 && ta != tb {
                    expected_conflicts.push(unit);
                }
            }
        }
        let a = common::apply(&base, ea);
        let b = common::apply(&base, eb);
        let ab = merge(&base, &[("a".into(), a.clone()), ("b".into(), b.clone())]);
        let ba = merge(&base, &[("b".into(), b), ("a".into(), a)]);
        prop_assert_eq!(&ab, &ba);
        let units: Vec<String> = expected_conflicts
            .iter()
            .map(|u| if *u == 0 { "prompts/system.md".to_owned() } else { format!("memory/n{u}.md") })
            .collect();
        let mut units_sorted = units.clone();
        units_sorted.sort();
        let reported: Vec<String> = ab.conflicts.iter().map(|c| c.unit.clone()).collect();
        prop_assert_eq!(reported, units_sorted);
        for conflict in &ab.conflicts {
            prop_assert_eq!(conflict.sides.len(), 2);
            // The parent's version stays until the loop chooses.
            let base_version = base.file(&conflict.unit).map(str::to_owned);
            prop_assert_eq!(ab.files.get(&conflict.unit).cloned(), base_version);
        }
        prop_assert_eq!(ab.harness(&KindRegistry::builtin()).is_err(), !ab.is_clean());
    }
}

#[test]
fn a_conflict_is_settled_only_by_an_explicit_choice() {
    let base = common::minimal();
    let a = common::apply(&base, vec![common::edit(0, "Check twice.")]);
    let b = common::apply(&base, vec![common::edit(0, "Check once.")]);
    let mut merged = merge(&base, &[("a".into(), a.clone()), ("b".into(), b)]);
    assert_eq!(merged.conflicts.len(), 1);
    assert_eq!(merged.conflicts[0].unit, "prompts/system.md");
    let err = merged.harness(&KindRegistry::builtin()).unwrap_err();
    assert!(
        err[0].message.contains("merge conflict between a and b"),
        "{err:?}"
    );
    assert!(!merged.choose("prompts/system.md", "z"));
    assert!(merged.choose("prompts/system.md", "a"));
    let harness = merged.harness(&KindRegistry::builtin()).unwrap();
    assert_eq!(harness.content_hash(), a.content_hash());
    assert_eq!(merged.taken["prompts/system.md"], ["a"]);
}

#[test]
fn same_change_by_two_candidates_is_no_conflict() {
    let base = common::minimal();
    let a = common::apply(&base, vec![common::edit(3, "same")]);
    let merged = merge(&base, &[("a".into(), a.clone()), ("b".into(), a.clone())]);
    assert!(merged.is_clean());
    assert_eq!(merged.taken["memory/n3.md"], ["a", "b"]);
    assert_eq!(
        merged
            .harness(&KindRegistry::builtin())
            .unwrap()
            .content_hash(),
        a.content_hash()
    );
}

fn with_file(base: &harness_core::Harness, path: &str, content: &str) -> harness_core::Harness {
    let edit = if base.file(path).is_some() {
        harness_core::Edit::Replace {
            path: path.into(),
            content: content.into(),
        }
    } else {
        harness_core::Edit::Create {
            path: path.into(),
            content: content.into(),
        }
    };
    common::apply(base, vec![edit])
}

#[test]
fn middleware_and_hints_merge_entry_by_entry() {
    let base = common::minimal();
    let a = with_file(
        &base,
        "middleware.yaml",
        "middleware:\n- kind: loop_breaker\n  params:\n    max_tool_calls: 8\n",
    );
    let b = with_file(
        &base,
        "middleware.yaml",
        "middleware:\n- kind: output_truncation\n  params:\n    head_bytes: 2000\n",
    );
    let merged = merge(&base, &[("a".into(), a.clone()), ("b".into(), b.clone())]);
    assert!(merged.is_clean(), "{:?}", merged.conflicts);
    let harness = merged.harness(&KindRegistry::builtin()).unwrap();
    let kinds: Vec<&str> = harness
        .middleware()
        .middleware
        .iter()
        .map(|m| m.kind.as_str())
        .collect();
    assert_eq!(kinds, vec!["loop_breaker", "output_truncation"]);
    assert_eq!(
        merged.taken["middleware.yaml"],
        vec!["a".to_owned(), "b".to_owned()]
    );
    // Order-independent.
    let ba = merge(&base, &[("b".into(), b), ("a".into(), a.clone())]);
    assert_eq!(ba.files, merged.files);
    // The same kind with different params is still a conflict.
    let c = with_file(
        &base,
        "middleware.yaml",
        "middleware:\n- kind: loop_breaker\n  params:\n    max_tool_calls: 12\n",
    );
    let conflicted = merge(&base, &[("a".into(), a), ("c".into(), c)]);
    assert_eq!(conflicted.conflicts.len(), 1);
    assert_eq!(conflicted.conflicts[0].unit, "middleware.yaml");
    // Hints by id, on top of a parent that already has some.
    let parent = with_file(
        &base,
        "memory/hints.yaml",
        "hints:\n- id: one\n  trigger:\n    kind: always\n  advice: First.\n",
    );
    let x = with_file(
        &parent,
        "memory/hints.yaml",
        "hints:\n- id: one\n  trigger:\n    kind: always\n  advice: First.\n- id: two\n  trigger:\n    kind: always\n  advice: Second.\n",
    );
    let y = with_file(
        &parent,
        "memory/hints.yaml",
        "hints:\n- id: three\n  trigger:\n    kind: always\n  advice: Third.\n",
    );
    let merged = merge(&parent, &[("x".into(), x), ("y".into(), y)]);
    assert!(merged.is_clean());
    let harness = merged.harness(&KindRegistry::builtin()).unwrap();
    let ids: Vec<&str> = harness.hints().iter().map(|h| h.id.as_str()).collect();
    // y deleted `one`, x added `two`, y added `three`.
    assert_eq!(ids, vec!["two", "three"]);
}
