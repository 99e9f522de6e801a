//! The lineage repository: deterministic commits, refs, trailers, log/show/diff/checkout
//! round trips, and plain git reading it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;
use std::sync::Arc;

use harness_core::{Harness, KindRegistry, render_diff};
use harness_gate::calibration::synthetic_record;
use harness_gate::{GateRequest, PromotionGate, RuleGate, ScoreMatrix};
use harness_lineage::{Lineage, LineageError, VersionRecord, trailer};
use harness_types::Split;
use proptest::prelude::*;

fn git(git_dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn decision_for(parent: &Harness, candidate: &Harness) -> harness_gate::Decision {
    let (p, c) = (parent.content_hash(), candidate.content_hash());
    let mut m = ScoreMatrix::new();
    for i in 0..8 {
        let task = format!("task-{i}");
        let split = if i < 4 {
            Split::HeldIn
        } else {
            Split::Validation
        };
        for r in 0..3 {
            m.insert(&synthetic_record(p, &task, split, r, i % 2 == 0 && r == 0));
            m.insert(&synthetic_record(c, &task, split, r, i % 2 == 0 || r == 0));
        }
    }
    RuleGate::default_gate()
        .decide(&m, &GateRequest::new(p, c))
        .unwrap()
}

/// Golden: the seed commit of the minimal harness. Author, committer, dates and message are
/// fixed, so this id changes only when the harness files or the message format change.
#[test]
fn the_same_content_gives_the_same_commit_id() {
    let seed = common::minimal();
    let record = VersionRecord::seed("minimal seed harness");
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let id_a = Lineage::open_or_init(a.path())
        .unwrap()
        .record_candidate(&seed, None, &record)
        .unwrap();
    let id_b = Lineage::open_or_init(b.path())
        .unwrap()
        .record_candidate(&seed, None, &record)
        .unwrap();
    assert_eq!(id_a, id_b);
    assert_eq!(
        id_a.as_str(),
        GOLDEN_SEED_COMMIT,
        "golden commit id changed"
    );
}

const GOLDEN_SEED_COMMIT: &str = "d4f6a0f64ff054f7d04c32742db76c0267fa767c";

#[test]
fn candidates_main_trailers_and_git_itself() {
    let run = tempfile::tempdir().unwrap();
    let lineage = Lineage::open_or_init(run.path()).unwrap();
    let registry = KindRegistry::builtin();
    let seed = common::minimal();
    let seed_id = lineage
        .record_candidate(&seed, None, &VersionRecord::seed("seed"))
        .unwrap();
    lineage.accept(&seed_id).unwrap();
    let better = common::apply(&seed, vec![common::edit(1, "Create artifacts early.")]);
    let decision = decision_for(&seed, &better);
    assert_eq!(
        decision.verdict,
        harness_gate::Verdict::Promote,
        "{}",
        decision.summary()
    );
    let record = VersionRecord::new(1, "c0", "memory: create artifacts early")
        .with_change_list(serde_json::json!([{"path": "memory/n1.md", "op": "create"}]))
        .with_decision(decision.clone());
    let c0 = lineage
        .record_candidate(&better, Some(&seed_id), &record)
        .unwrap();
    let worse = common::apply(&seed, vec![common::edit(2, "Never run tests.")]);
    let c1 = lineage
        .record_candidate(
            &worse,
            Some(&seed_id),
            &VersionRecord::new(1, "c1", "memory: skip tests"),
        )
        .unwrap();
    lineage.accept(&c0).unwrap();

    assert_eq!(lineage.main().unwrap(), Some(c0.clone()));
    assert_eq!(lineage.resolve("main").unwrap(), c0);
    assert_eq!(lineage.resolve("candidates/1/c1").unwrap(), c1);
    assert_eq!(lineage.resolve(&c1.as_str()[..10]).unwrap(), c1);
    assert!(matches!(
        lineage.resolve("candidates/9/none"),
        Err(LineageError::UnknownRevision { .. })
    ));
    let refs: Vec<String> = lineage
        .candidates(Some(1))
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(refs, ["refs/candidates/1/c0", "refs/candidates/1/c1"]);

    // The record and the decision come back from the message as they went in.
    let log = lineage.log("main").unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].record.as_ref().unwrap(), &record);
    assert_eq!(log[0].harness_hash, Some(better.content_hash()));
    assert_eq!(trailer(&log[0].message, "Gate-Verdict"), Some("promote"));

    // Plain git reads it: log on HEAD (= main), trailers, show, fsck.
    let dir = lineage.git_dir();
    let subjects = git(dir, &["log", "--format=%s"]);
    assert_eq!(subjects, "memory: create artifacts early\nseed\n");
    let trailers = git(
        dir,
        &[
            "log",
            "-1",
            "--format=%(trailers:key=Gate-Verdict,valueonly)",
        ],
    );
    assert_eq!(trailers.trim(), "promote");
    let all = git(dir, &["log", "-1", "--format=%(trailers)"]);
    assert!(
        all.contains(&format!("Harness-Hash: {}", better.content_hash())),
        "{all}"
    );
    assert!(
        all.contains("Generation: 1") && all.contains("Candidate: c0"),
        "{all}"
    );
    let shown = git(dir, &["show", &format!("{c1}:memory/n2.md")]);
    assert_eq!(shown, "Never run tests.\n");
    let author = git(
        dir,
        &[
            "log",
            "-1",
            "--format=%an <%ae> %at",
            "refs/candidates/1/c1",
        ],
    );
    assert_eq!(
        author.trim(),
        "harness-evolve <lineage@harness-evolve.invalid> 1767225601"
    );
    git(dir, &["fsck", "--strict", "--no-dangling"]);

    // diff and checkout.
    let diff = lineage.diff(&seed_id, &c0, &registry).unwrap();
    assert_eq!(diff, render_diff(&seed, &better));
    let out = tempfile::tempdir().unwrap();
    let checked = lineage
        .checkout(&c1, &out.path().join("h"), &registry)
        .unwrap();
    let loaded = Harness::load(&out.path().join("h"), &registry).unwrap();
    assert_eq!(loaded.content_hash(), worse.content_hash());
    assert_eq!(checked.files(), worse.files());
}

#[tokio::test]
async fn async_callers_go_through_blocking() {
    let run = tempfile::tempdir().unwrap();
    let lineage = Arc::new(Lineage::open_or_init(run.path()).unwrap());
    let seed = common::minimal();
    let expected = seed.content_hash();
    let id = lineage
        .blocking(move |l| l.record_candidate(&seed, None, &VersionRecord::seed("seed")))
        .await
        .unwrap();
    let hash = lineage
        .blocking(move |l| Ok(l.harness(&id, &KindRegistry::builtin())?.content_hash()))
        .await
        .unwrap();
    assert_eq!(hash, expected);
}

#[test]
fn a_run_without_lineage_is_named() {
    let run = tempfile::tempdir().unwrap();
    let err = Lineage::open(run.path()).unwrap_err();
    assert!(err.is_bad_input());
    assert!(err.to_string().contains("lineage.git"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Commit, then read back by log, show (files), diff and checkout: the same harness,
    /// byte for byte.
    #[test]
    fn versions_round_trip_byte_for_byte(
        edits in proptest::collection::vec((0usize..6, "[a-zA-Z0-9 .,:\\-]{0,40}"), 1..6),
    ) {
        let registry = KindRegistry::builtin();
        let base = if edits.len() % 2 == 0 { common::minimal() } else { common::rich() };
        let mut harness = base.clone();
        let mut seen = std::collections::BTreeSet::new();
        for (unit, text) in &edits {
            if !seen.insert(*unit) || (*unit == 0 && base.file("prompts/system.md").is_none()) {
                continue;
            }
            let edit = if *unit == 0 {
                harness_core::Edit::Replace {
                    path: "prompts/system.md".into(),
                    content: format!("{}{text}\n", harness.system_prompt()),
                }
            } else {
                common::edit(*unit, text)
            };
            harness = common::apply(&harness, vec![edit]);
        }
        let run = tempfile::tempdir().unwrap();
        let lineage = Lineage::open_or_init(run.path()).unwrap();
        let a = lineage.record_candidate(&base, None, &VersionRecord::seed("base")).unwrap();
        let b = lineage
            .record_candidate(&harness, Some(&a), &VersionRecord::new(1, "x", "edits"))
            .unwrap();
        lineage.accept(&b).unwrap();
        let log = lineage.log("main").unwrap();
        prop_assert_eq!(log.iter().map(|v| v.id.clone()).collect::<Vec<_>>(), vec![b.clone(), a.clone()]);
        prop_assert_eq!(log[0].harness_hash, Some(harness.content_hash()));
        let files = lineage.files(&b).unwrap();
        prop_assert_eq!(&files, harness.files());
        prop_assert_eq!(lineage.diff(&a, &b, &registry).unwrap(), render_diff(&base, &harness));
        let out = tempfile::tempdir().unwrap();
        lineage.checkout(&b, out.path(), &registry).unwrap();
        let loaded = Harness::load(out.path(), &registry).unwrap();
        prop_assert_eq!(loaded.content_hash(), harness.content_hash());
        prop_assert_eq!(loaded.files(), harness.files());
    }
}
