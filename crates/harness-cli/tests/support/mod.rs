//! Helpers shared by the command-line tests that make runs: the repository root and a small
//! suite of bundled tasks with their splits.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Held-in tasks of the small suite.
pub const HELD_IN: [&str; 4] = [
    "docs-whitespace-cleanup",
    "http-status-summary",
    "fix-event-summarizer",
    "sales-region-totals",
];
/// Its validation tasks.
pub const VALIDATION: [&str; 2] = ["lighthouse-lines", "fix-word-counter"];
/// Its sealed test tasks.
pub const TEST: [&str; 2] = ["word-frequency-report", "duplicate-photos"];

/// A suite of eight bundled tasks with their splits.
pub fn small_suite(dir: &Path) -> PathBuf {
    let suite = dir.join("suite");
    let source = repo().join("examples/suites/terminal-lite");
    for task in HELD_IN.iter().chain(&VALIDATION).chain(&TEST) {
        let from = source.join(task);
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.unwrap();
            let to = suite
                .join(task)
                .join(entry.path().strip_prefix(&from).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
            } else {
                std::fs::copy(entry.path(), &to).unwrap();
            }
        }
    }
    let list = |tasks: &[&str]| {
        tasks
            .iter()
            .map(|t| format!("    - {t}\n"))
            .collect::<String>()
    };
    std::fs::write(
        suite.join("suite.yaml"),
        format!(
            "name: small\nsplits:\n  held_in:\n{}  validation:\n{}  test:\n{}",
            list(&HELD_IN),
            list(&VALIDATION),
            list(&TEST)
        ),
    )
    .unwrap();
    suite
}
