//! Deeply nested or oversized YAML is refused before the parser sees it, with a diagnostic
//! naming the file and the limit. (Before the pre-scan, 1 MB of `[` took about 20 s to reject
//! in a debug build; now milliseconds. The time is observed, not asserted.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use harness_core::{
    CoreError, EditSet, Harness, HarnessPath, KindRegistry, MAX_CONFIG_BYTES, MAX_NESTING_DEPTH,
};

fn nested_inputs() -> Vec<(&'static str, String)> {
    let indented: String = (0..1000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    let dashes = format!("{}x\n", "- ".repeat(50_000));
    vec![
        ("100 KB of [", "[".repeat(100_000)),
        ("1 MB of [", "[".repeat(1_000_000)),
        ("100 KB of {", "{".repeat(100_000)),
        ("1 MB of {", "{".repeat(1_000_000)),
        ("1000 indented levels", indented),
        ("50000 nested sequence entries", dashes),
    ]
}

fn invalid(e: CoreError) -> Vec<harness_core::Diagnostic> {
    match e {
        CoreError::Invalid { diagnostics } => diagnostics,
        other => panic!("unexpected error kind: {other}"),
    }
}

#[test]
fn harness_files_nested_too_deeply_are_refused_naming_file_and_limit() {
    let registry = KindRegistry::builtin();
    for file in [
        "harness.yaml",
        "middleware.yaml",
        "tools/x.yaml",
        "memory/hints.yaml",
    ] {
        for (what, text) in nested_inputs() {
            let mut files = BTreeMap::new();
            files.insert(HarnessPath::parse(file).unwrap(), text);
            let start = std::time::Instant::now();
            let diagnostics = invalid(Harness::from_files(files, &registry).unwrap_err());
            eprintln!("{file}, {what}: refused in {:?}", start.elapsed());
            let d = diagnostics.iter().find(|d| d.file == file).unwrap();
            assert!(
                d.message
                    .contains(&format!("nested deeper than {MAX_NESTING_DEPTH} levels")),
                "{file}, {what}: {d}"
            );
            assert!(d.line.is_some(), "{file}, {what}: no position: {d}");
        }
    }
}

#[test]
fn skill_front_matter_positions_count_the_opening_line() {
    let text = format!("---\nname: s\nx: {}\n---\nbody\n", "[".repeat(1000));
    let mut files = BTreeMap::new();
    files.insert(HarnessPath::parse("skills/s/SKILL.md").unwrap(), text);
    let diagnostics = invalid(Harness::from_files(files, &KindRegistry::builtin()).unwrap_err());
    let d = diagnostics
        .iter()
        .find(|d| d.file == "skills/s/SKILL.md")
        .unwrap();
    assert_eq!(d.line, Some(3), "{d}");
}

#[test]
fn loading_a_directory_with_a_nested_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("harness.yaml"), "[".repeat(1_000_000)).unwrap();
    let diagnostics = invalid(Harness::load(dir.path(), &KindRegistry::builtin()).unwrap_err());
    assert!(
        diagnostics[0]
            .to_string()
            .starts_with("harness.yaml:1:65: brackets nested deeper"),
        "{}",
        diagnostics[0]
    );
}

#[test]
fn edit_sets_nested_too_deeply_or_too_large_are_refused() {
    for (what, text) in nested_inputs() {
        let diagnostics = invalid(EditSet::parse("changes/e.yaml", &text).unwrap_err());
        assert_eq!(diagnostics[0].file, "changes/e.yaml", "{what}");
        assert!(
            diagnostics[0].message.contains("nested deeper than"),
            "{what}: {}",
            diagnostics[0]
        );
    }
    let big = format!("edits: []\n{}", "#".repeat(MAX_CONFIG_BYTES as usize));
    let diagnostics = invalid(EditSet::parse("e.yaml", &big).unwrap_err());
    assert!(
        diagnostics[0].to_string().starts_with(&format!(
            "e.yaml: file is {} bytes; the limit is",
            big.len()
        )),
        "{}",
        diagnostics[0]
    );
}

#[test]
fn files_written_by_edits_are_size_capped_like_loaded_files() {
    let mut files = BTreeMap::new();
    files.insert(
        HarnessPath::parse("prompts/big.md").unwrap(),
        "a".repeat(harness_core::MAX_FILE_BYTES as usize + 1),
    );
    let diagnostics = invalid(Harness::from_files(files, &KindRegistry::builtin()).unwrap_err());
    let d = diagnostics
        .iter()
        .find(|d| d.file == "prompts/big.md")
        .unwrap();
    assert!(d.message.contains("the limit is"), "{d}");
}
