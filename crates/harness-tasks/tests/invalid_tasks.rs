//! A suite with invalid task dirs: every invalid task is reported with its own error, and a
//! selection that leaves them all out still loads and selects the good tasks. Also the bounds
//! on suite.yaml and task.toml.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use harness_tasks::{Split, Suite, TaskError, TaskSelection};

fn write_task(root: &Path, id: &str, toml: &str, with_test: bool) {
    let d = root.join(id);
    std::fs::create_dir_all(d.join("tests")).unwrap();
    std::fs::write(d.join("task.toml"), toml).unwrap();
    std::fs::write(d.join("instruction.md"), "Do it.\n").unwrap();
    if with_test {
        std::fs::write(d.join("tests/test.sh"), "exit 0\n").unwrap();
    }
}

const GOOD: &str = "version = \"1.0\"\n[metadata]\ncategory = \"a\"\ndifficulty = \"easy\"\n";

/// good-1, good-2, bad-toml (does not parse), no-test (missing tests/test.sh), bad-memory.
fn suite(yaml: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_task(dir.path(), "good-1", GOOD, true);
    write_task(dir.path(), "good-2", GOOD, true);
    write_task(dir.path(), "bad-toml", "version = \n", true);
    write_task(dir.path(), "no-test", GOOD, false);
    write_task(
        dir.path(),
        "bad-memory",
        "[environment]\nmemory = \"lots\"\n",
        true,
    );
    if let Some(y) = yaml {
        std::fs::write(dir.path().join("suite.yaml"), y).unwrap();
    }
    dir
}

fn ids(tasks: &[harness_tasks::SuiteTask]) -> Vec<&str> {
    tasks.iter().map(|t| t.task.id.as_str()).collect()
}

fn assert_lists_every_bad_task(e: &str, bad: &[&str]) {
    for id in bad {
        assert!(
            e.contains(&format!("task `{id}`")),
            "{id} missing from: {e}"
        );
    }
    if bad.contains(&"bad-toml") {
        assert!(e.contains("task `bad-toml`: task.toml:"), "{e}");
    }
    if bad.contains(&"no-test") {
        assert!(e.contains("task `no-test`: missing tests/test.sh"), "{e}");
    }
    if bad.contains(&"bad-memory") {
        assert!(
            e.contains("task `bad-memory`: task.toml: field `environment.memory`"),
            "{e}"
        );
    }
}

#[test]
fn every_invalid_task_is_kept_with_its_error() {
    let dir = suite(None);
    let suite = Suite::load(dir.path()).unwrap();
    assert_eq!(ids(&suite.tasks), ["good-1", "good-2"]);
    let bad: Vec<&str> = suite.invalid.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(bad, ["bad-memory", "bad-toml", "no-test"]);
}

#[test]
fn selecting_everything_refuses_and_lists_every_bad_task() {
    let dir = suite(None);
    let suite = Suite::load(dir.path()).unwrap();
    let e = suite.select(&TaskSelection::default()).unwrap_err();
    assert!(matches!(e, TaskError::InvalidTasks { count: 3, .. }), "{e}");
    let e = e.to_string();
    assert!(e.starts_with("suite `"), "{e}");
    assert!(e.contains("3 invalid task(s)"), "{e}");
    assert_lists_every_bad_task(&e, &["bad-memory", "bad-toml", "no-test"]);
}

#[test]
fn a_selection_that_excludes_the_bad_tasks_selects_the_good_ones() {
    let dir = suite(None);
    let suite = Suite::load(dir.path()).unwrap();
    let (tasks, skipped) = suite
        .select_quietly(&TaskSelection::from_patterns("good-*"))
        .unwrap();
    assert_eq!(ids(&tasks), ["good-1", "good-2"]);
    assert_eq!(skipped.len(), 3);
    // The warning-printing form selects the same.
    let tasks = suite
        .select(&TaskSelection::from_patterns("good-1"))
        .unwrap();
    assert_eq!(ids(&tasks), ["good-1"]);
}

#[test]
fn a_selection_including_a_bad_task_refuses_with_each_selected_bad_task() {
    let dir = suite(None);
    let suite = Suite::load(dir.path()).unwrap();
    let e = suite
        .select(&TaskSelection::from_patterns("good-*,bad-*"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("2 invalid task(s)"), "{e}");
    assert_lists_every_bad_task(&e, &["bad-memory", "bad-toml"]);
    assert!(e.contains("also invalid, not selected: no-test"), "{e}");
}

#[test]
fn explicit_splits_keep_bad_tasks_in_their_split() {
    let dir = suite(Some(
        "splits:\n  held_in: [good-1, good-2]\n  test: [bad-toml, no-test, bad-memory]\n",
    ));
    let suite = Suite::load(dir.path()).unwrap();
    assert!(suite.invalid.iter().all(|t| t.split == Split::Test));
    let held_in = TaskSelection {
        patterns: vec![],
        split: Some(Split::HeldIn),
    };
    assert_eq!(ids(&suite.select(&held_in).unwrap()), ["good-1", "good-2"]);
    let test = TaskSelection {
        patterns: vec![],
        split: Some(Split::Test),
    };
    let e = suite.select(&test).unwrap_err().to_string();
    assert_lists_every_bad_task(&e, &["bad-memory", "bad-toml", "no-test"]);
}

#[test]
fn stratified_splits_need_the_metadata_of_every_task() {
    let yaml = "splits: {stratified: {seed: 1, held_in: 0.5, validation: 0.25, test: 0.25}}\n";
    // bad-toml's category is unknown: the good tasks' splits would depend on it.
    let dir = suite(Some(yaml));
    let e = Suite::load(dir.path()).unwrap_err().to_string();
    assert!(e.contains("stratified splits need the category"), "{e}");
    assert!(e.contains("bad-toml"), "{e}");
    assert_lists_every_bad_task(&e, &["bad-memory", "bad-toml", "no-test"]);
    // Without it, the others are stratified with their metadata and the good ones selectable.
    std::fs::remove_dir_all(dir.path().join("bad-toml")).unwrap();
    let suite = Suite::load(dir.path()).unwrap();
    assert_eq!(suite.invalid.len(), 2);
    assert!(
        suite
            .select_quietly(&TaskSelection::from_patterns("good-*"))
            .is_ok()
    );
}

#[test]
fn a_suite_of_only_bad_tasks_lists_them_all() {
    let dir = tempfile::tempdir().unwrap();
    write_task(dir.path(), "x", "version = \n", true);
    write_task(dir.path(), "y", GOOD, false);
    let e = Suite::load(dir.path()).unwrap_err().to_string();
    assert!(e.contains("2 invalid task(s)"), "{e}");
    assert!(
        e.contains("task `x`: task.toml") && e.contains("task `y`: missing"),
        "{e}"
    );
}

#[test]
fn deeply_nested_or_oversized_config_files_are_refused_naming_the_file() {
    let cases = [
        ("[".repeat(100_000), "line 1 column 65"),
        ("{".repeat(1_000_000), "nested deeper than 64 levels"),
        (
            format!("x = {}", "[".repeat(100_000)),
            "nested deeper than 64",
        ),
        ("#".repeat(2_000_000), "file is 2000000 bytes; the limit is"),
    ];
    for (text, expected) in &cases {
        let dir = tempfile::tempdir().unwrap();
        write_task(dir.path(), "t", text, true);
        let e = harness_tasks::Task::load(&dir.path().join("t"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("task `t`: task.toml: ") && e.contains(expected),
            "{expected}: {}",
            &e[..e.len().min(300)]
        );
    }
    let indented: String = (0..1000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    let yaml_cases = [
        ("[".repeat(1_000_000), "brackets nested deeper than 64"),
        ("{".repeat(100_000), "brackets nested deeper than 64"),
        (indented, "indentation nested deeper than 64"),
        ("#".repeat(2_000_000), "the limit is 1048576 bytes"),
    ];
    for (text, expected) in &yaml_cases {
        let dir = suite(None);
        std::fs::write(dir.path().join("suite.yaml"), text).unwrap();
        let e = Suite::load(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains(": suite.yaml: ") && e.contains(expected),
            "{expected}: {}",
            &e[..e.len().min(300)]
        );
    }
}
