//! Shared helpers: the bundled harnesses and suite, and mined reports kept as fixtures.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use harness_core::{Harness, KindRegistry};
use harness_miner::WeaknessReport;
use harness_proposer::{ProposalContext, TaskVocabulary};
use harness_types::Split;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn registry() -> KindRegistry {
    KindRegistry::builtin()
}

pub fn harness(name: &str) -> Harness {
    Harness::load(&repo().join("examples/harnesses").join(name), &registry()).unwrap()
}

/// A report `harness mine --format json` wrote for a simulator profile's run (see
/// `tests/fixtures/README.md`).
pub fn report(profile: &str) -> WeaknessReport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reports")
        .join(format!("{profile}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every task of the bundled suite: instruction and environment file names.
pub fn vocabulary() -> TaskVocabulary {
    let suite = harness_tasks::Suite::load(&repo().join("examples/suites/terminal-lite")).unwrap();
    let mut vocabulary = TaskVocabulary::new([Split::HeldIn]);
    for entry in &suite.tasks {
        let task = &entry.task;
        vocabulary.add_task_dir(
            &task.id,
            entry.split,
            &task.instruction,
            &task.environment_dir(),
        );
    }
    vocabulary
}

pub fn context(harness_name: &str, profile: &str) -> ProposalContext {
    ProposalContext::new(harness(harness_name), registry(), report(profile))
        .with_vocabulary(vocabulary())
}
