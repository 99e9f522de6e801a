//! Edits: each operation, surfaces, all-or-nothing, and diffs both ways.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use harness_core::{
    CoreError, Edit, EditRejection, EditSet, Harness, KindRegistry, diff_to_edits, render_diff,
};

fn load(name: &str) -> Harness {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/harnesses")
        .join(name);
    Harness::load(&dir, &KindRegistry::builtin()).unwrap()
}

fn set(edits: Vec<Edit>) -> EditSet {
    EditSet { edits }
}

#[test]
fn create_replace_patch_delete_inside_surfaces() {
    let r = KindRegistry::builtin();
    let base = load("minimal");
    let next = set(vec![
        Edit::Create { path: "memory/env.md".into(), content: "Use python3.\r\n".into() },
        Edit::Create {
            path: "middleware.yaml".into(),
            content: "middleware:\n- kind: loop_breaker\n  params:\n    max_identical_calls: 3\n".into(),
        },
        Edit::Patch {
            path: "prompts/system.md".into(),
            diff: "@@ -3 +3 @@\n-Call finish when the task is done.\n+Run the checks, then call finish.\n"
                .into(),
        },
    ])
    .apply(&base, &r)
    .unwrap();
    assert_eq!(next.file("memory/env.md"), Some("Use python3.\n"));
    assert_eq!(next.middleware().middleware[0].kind, "loop_breaker");
    assert!(
        next.system_prompt()
            .ends_with("Run the checks, then call finish.\n")
    );
    assert_ne!(next.content_hash(), base.content_hash());

    let back = set(vec![
        Edit::Delete {
            path: "memory/env.md".into(),
        },
        Edit::Delete {
            path: "middleware.yaml".into(),
        },
        Edit::Replace {
            path: "prompts/system.md".into(),
            content: base.system_prompt().into(),
        },
    ])
    .apply(&next, &r)
    .unwrap();
    assert_eq!(back, base);
    assert_eq!(back.content_hash(), base.content_hash());
}

#[test]
fn a_refused_edit_refuses_the_whole_set() {
    let r = KindRegistry::builtin();
    let base = load("minimal");
    let err = set(vec![
        Edit::Create {
            path: "memory/a.md".into(),
            content: "fine".into(),
        },
        Edit::Create {
            path: "memory/../../escape.md".into(),
            content: "bad".into(),
        },
    ])
    .apply(&base, &r)
    .unwrap_err();
    match err {
        CoreError::EditRejected {
            index,
            rejection: EditRejection::PathEscapes { .. },
            ..
        } => {
            assert_eq!(index, 1)
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn conflicts_are_reported() {
    let r = KindRegistry::builtin();
    let base = load("minimal");
    let cases = [
        Edit::Create {
            path: "prompts/system.md".into(),
            content: "x".into(),
        },
        Edit::Replace {
            path: "memory/none.md".into(),
            content: "x".into(),
        },
        Edit::Delete {
            path: "memory/none.md".into(),
        },
        Edit::Patch {
            path: "prompts/system.md".into(),
            diff: "@@ -1 +1 @@\n-not there\n+x\n".into(),
        },
    ];
    for edit in cases {
        let err = set(vec![edit.clone()]).apply(&base, &r).unwrap_err();
        assert!(
            matches!(
                err,
                CoreError::EditRejected {
                    rejection: EditRejection::Conflict { .. },
                    ..
                }
            ),
            "{edit:?}: {err}"
        );
    }
}

#[test]
fn surfaces_are_enforced_and_can_be_bypassed_only_by_maintainers() {
    let r = KindRegistry::builtin();
    let base = load("minimal");
    let edit = set(vec![Edit::Replace {
        path: "harness.yaml".into(),
        content: base
            .file("harness.yaml")
            .unwrap()
            .replace("max_turns: 40", "max_turns: 50"),
    }]);
    let err = edit.apply(&base, &r).unwrap_err();
    assert!(matches!(
        err,
        CoreError::EditRejected {
            rejection: EditRejection::ReadOnly { .. },
            ..
        }
    ));
    let next = edit.apply_without_surfaces(&base, &r).unwrap();
    assert_eq!(next.manifest().limits.max_turns, 50);
}

#[test]
fn diff_between_examples_round_trips() {
    let r = KindRegistry::builtin();
    let (minimal, rich) = (load("minimal"), load("rich"));
    for (a, b) in [(&minimal, &rich), (&rich, &minimal), (&rich, &rich)] {
        let diff = render_diff(a, b);
        let edits = diff_to_edits(&diff).unwrap();
        let applied = edits.apply_without_surfaces(a, &r).unwrap();
        assert_eq!(&applied, b);
    }
    assert_eq!(render_diff(&rich, &rich), "");
}

#[test]
fn diff_sections_are_split_by_hunk_counts_not_by_dashes() {
    let r = KindRegistry::builtin();
    let base = load("minimal");
    // A removed line that starts with "-- " renders as "--- ...", which is not a header.
    let with_dashes = set(vec![Edit::Create {
        path: "memory/sql.md".into(),
        content: "-- a comment\n++ plus\nkeep\n".into(),
    }])
    .apply_without_surfaces(&base, &r)
    .unwrap();
    let changed = set(vec![Edit::Replace {
        path: "memory/sql.md".into(),
        content: "keep\n".into(),
    }])
    .apply_without_surfaces(&with_dashes, &r)
    .unwrap();
    let diff = render_diff(&with_dashes, &changed);
    assert!(diff.contains("\n--- a comment\n"), "{diff}");
    let round = diff_to_edits(&diff)
        .unwrap()
        .apply_without_surfaces(&with_dashes, &r)
        .unwrap();
    assert_eq!(round, changed);
}

#[test]
fn save_replaces_the_directory_and_load_reads_it_back() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("h");
    let rich = load("rich");
    rich.save(&dir).unwrap();
    std::fs::write(dir.join("stray.txt"), "left over").unwrap();
    let minimal = load("minimal");
    minimal.save(&dir).unwrap();
    let reread = Harness::load(&dir, &KindRegistry::builtin()).unwrap();
    assert_eq!(reread, minimal);
    let siblings: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(siblings.len(), 1, "staging directories were left behind");
}

#[test]
fn edit_set_parse_errors_name_the_file_and_field_and_quote_short_excerpts() {
    let e = EditSet::parse("dir/e.yaml", "edits:\n- op: nope\n  path: a\n").unwrap_err();
    let CoreError::Invalid { diagnostics } = e else {
        panic!("{e}")
    };
    let d = &diagnostics[0];
    assert_eq!(d.file, "dir/e.yaml");
    assert!(d.field.starts_with("edits[0]"), "{d}");
    assert_eq!(d.line, Some(2), "{d}");
    assert!(d.message.contains("unknown variant `nope`"), "{d}");

    // A document that is one long string is not echoed back whole.
    let long = "x".repeat(100_000);
    let e = EditSet::parse("e.yaml", &long).unwrap_err().to_string();
    assert!(
        e.len() < 300,
        "{} chars: {}",
        e.len(),
        &e[..300.min(e.len())]
    );
    assert!(
        e.starts_with("e.yaml:1:1: ") && e.contains("more characters"),
        "{e}"
    );
    let e = EditSet::parse(
        "e.yaml",
        &format!("edits:\n- op: create\n  path: a\n  {long}: 1\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.len() < 400, "{} chars", e.len());

    let e = EditSet::parse("e.yaml", "  \n").unwrap_err().to_string();
    assert!(e.starts_with("e.yaml: empty edit file"), "{e}");
}
