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
        let env = task.environment_dir();
        let files: Vec<String> = walkdir::WalkDir::new(&env)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| {
                e.path()
                    .strip_prefix(&env)
                    .ok()
                    .map(|p| p.display().to_string())
            })
            .collect();
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        vocabulary.add_task(&task.id, entry.split, &[&task.instruction], &files);
    }
    vocabulary
}

pub fn context(harness_name: &str, profile: &str) -> ProposalContext {
    ProposalContext::new(harness(harness_name), registry(), report(profile))
        .with_vocabulary(vocabulary())
}
