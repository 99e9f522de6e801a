//! `harness lineage log|show|diff|checkout` on a lineage written by the library.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use assert_cmd::Command;
use harness_core::{Edit, EditSet, Harness, KindRegistry, render_diff};
use harness_lineage::{Lineage, VersionRecord};

fn harness() -> Command {
    Command::cargo_bin("harness").unwrap()
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.assert().code(0).get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

/// A run directory with the minimal seed (accepted) and one accepted child.
fn run_with_two_versions(run: &Path) -> (Harness, Harness) {
    let registry = KindRegistry::builtin();
    let seed_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/harnesses/minimal");
    let seed = Harness::load(&seed_dir, &registry).unwrap();
    let child = EditSet {
        edits: vec![Edit::Create {
            path: "memory/early.md".into(),
            content: "Create artifacts early.\n".into(),
        }],
    }
    .apply(&seed, &registry)
    .unwrap();
    let lineage = Lineage::open_or_init(run).unwrap();
    let a = lineage
        .record_candidate(&seed, None, &VersionRecord::seed("seed harness"))
        .unwrap();
    let b = lineage
        .record_candidate(
            &child,
            Some(&a),
            &VersionRecord::new(1, "c0", "memory: create artifacts early"),
        )
        .unwrap();
    lineage.accept(&b).unwrap();
    (seed, child)
}

#[test]
fn log_show_diff_checkout() {
    let run = tempfile::tempdir().unwrap();
    let (seed, child) = run_with_two_versions(run.path());
    let run_arg = run.path().to_str().unwrap();

    let log = stdout(harness().args(["lineage", "log", run_arg]));
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].ends_with(" g1 c0 - memory: create artifacts early"),
        "{log}"
    );
    assert!(lines[1].ends_with(" g0 seed - seed harness"), "{log}");
    let json = stdout(harness().args(["lineage", "log", run_arg, "--json"]));
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(first["harness_hash"], child.content_hash().to_hex());

    let show = stdout(harness().args(["lineage", "show", run_arg, "candidates/1/c0"]));
    assert!(
        show.contains("Candidate: c0") && show.contains("memory/early.md"),
        "{show}"
    );

    let diff = stdout(harness().args(["lineage", "diff", run_arg, "candidates/0/seed", "main"]));
    assert_eq!(diff, render_diff(&seed, &child));

    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("h");
    stdout(harness().args([
        "lineage",
        "checkout",
        run_arg,
        "main",
        dir.to_str().unwrap(),
    ]));
    let loaded = Harness::load(&dir, &KindRegistry::builtin()).unwrap();
    assert_eq!(loaded.content_hash(), child.content_hash());
}

#[test]
fn unknown_revisions_and_missing_lineages_are_bad_input() {
    let run = tempfile::tempdir().unwrap();
    let run_arg = run.path().to_str().unwrap();
    harness()
        .args(["lineage", "log", run_arg])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("lineage.git"));
    run_with_two_versions(run.path());
    harness()
        .args(["lineage", "show", run_arg, "candidates/7/nope"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "`candidates/7/nope` is not a version",
        ));
}
