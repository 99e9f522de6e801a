//! The task-format parsers never panic or hang on any input: task.toml, the Dockerfile subset
//! (parse and plan), suite.yaml and reward files. Each gets arbitrary text, arbitrary bytes
//! made text, and near-valid text spliced from the shipped examples, and must answer Ok or a
//! clean error. Each case runs on its own thread with a 10 s bound, so a hang fails the test
//! instead of stalling it. 256 cases each.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use harness_tasks::dockerfile::Dockerfile;
use harness_tasks::reward::{choose_rewards, parse_reward_json, parse_reward_txt};
use harness_tasks::{Suite, TaskConfig};
use harness_testkit::{arbitrary_text, bounded, splice};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file called `name` under the example suite and the test fixtures.
fn seeds(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for root in [
        repo().join("examples/suites"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
    ] {
        for entry in walkdir(&root) {
            if entry.file_name().is_some_and(|n| n == name)
                && let Ok(text) = std::fs::read_to_string(&entry)
            {
                out.push(text);
            }
        }
    }
    assert!(!out.is_empty(), "no seed files named {name}");
    out
}

fn walkdir(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn task_tomls() -> &'static [String] {
    static S: OnceLock<Vec<String>> = OnceLock::new();
    S.get_or_init(|| seeds("task.toml"))
}

fn dockerfiles() -> &'static [String] {
    static S: OnceLock<Vec<String>> = OnceLock::new();
    S.get_or_init(|| seeds("Dockerfile"))
}

const SUITE_YAMLS: [&str; 4] = [
    "name: s\ndescription: d\nsplits:\n  held_in: [t]\n",
    "splits: {stratified: {seed: 7, held_in: 0.4, validation: 0.3, test: 0.3}}\n",
    "name: s\nsplits:\n  held_in: []\n  validation: []\n  test: [t]\n",
    "description: |\n  many\n  lines\n",
];

const REWARDS: [&str; 6] = [
    "{\"reward\": 1.0}",
    "{\"reward\": 0.5, \"partial\": 0.25}",
    "1\n",
    "0.0",
    "{}",
    "",
];

/// Text that stresses the formats' punctuation.
fn noise() -> impl Strategy<Value = String> {
    harness_testkit::noise("[a-zA-Z0-9 _=:#'\"\\\\\\-\\[\\]{}|>!&*%@$`,.?/\\t\\r\\né中]{0,60}")
        .unwrap()
}

fn parse_task_toml(text: String) -> Result<(), TestCaseError> {
    bounded(move || {
        if let Ok(config) = TaskConfig::parse(&text, "t", "task.toml") {
            let _ = config.limits("t", "task.toml");
        }
    })
}

fn parse_dockerfile(text: String) -> Result<(), TestCaseError> {
    bounded(move || {
        if let Ok(d) = Dockerfile::parse(&text, "t", "environment/Dockerfile") {
            let context = Path::new("/nonexistent-build-context");
            let _ = d.plan("t", "environment/Dockerfile", context, &|_| None);
            let _ = d.plan("t", "environment/Dockerfile", context, &|v| {
                Some(format!("<{v}>"))
            });
        }
    })
}

fn parse_rewards(text: String) -> Result<(), TestCaseError> {
    bounded(move || {
        let _ = parse_reward_json(&text, "t", "/logs/verifier/reward.json");
        let _ = parse_reward_txt(&text, "t", "/logs/verifier/reward.txt");
        let _ = choose_rewards(Some(&text), Some(&text), "t", "/logs/verifier/");
        let _ = choose_rewards(None, Some(&text), "t", "/logs/verifier");
        let _ = choose_rewards(Some(&text), None, "t", "/logs/verifier");
    })
}

/// A one-task suite with `yaml` as its suite.yaml, loaded and selected from.
fn load_suite(yaml: String) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let task = dir.path().join("t");
    std::fs::create_dir_all(task.join("tests")).unwrap();
    std::fs::write(task.join("task.toml"), "version = \"1.0\"\n").unwrap();
    std::fs::write(task.join("instruction.md"), "Do it.\n").unwrap();
    std::fs::write(task.join("tests/test.sh"), "exit 0\n").unwrap();
    std::fs::write(dir.path().join("suite.yaml"), yaml).unwrap();
    let root = dir.path().to_path_buf();
    bounded(move || {
        if let Ok(suite) = Suite::load(&root) {
            let _ = suite.select_quietly(&harness_tasks::TaskSelection::default());
        }
    })
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn task_toml_never_panics_on_arbitrary_text(text in arbitrary_text()) {
        parse_task_toml(text)?;
    }

    #[test]
    fn task_toml_never_panics_on_spliced_examples(text in harness_testkit::spliced(task_tomls, noise(), 2000)) {
        parse_task_toml(text)?;
    }

    #[test]
    fn dockerfile_never_panics_on_arbitrary_text(text in arbitrary_text()) {
        parse_dockerfile(text)?;
    }

    #[test]
    fn dockerfile_never_panics_on_spliced_examples(text in harness_testkit::spliced(dockerfiles, noise(), 2000)) {
        parse_dockerfile(text)?;
    }

    #[test]
    fn rewards_never_panic_on_arbitrary_text(text in arbitrary_text()) {
        parse_rewards(text)?;
    }

    #[test]
    fn rewards_never_panic_on_near_valid_text(
        a in 0usize..REWARDS.len(),
        b in 0usize..REWARDS.len(),
        i in 0usize..40,
        j in 0usize..40,
        n in noise(),
    ) {
        parse_rewards(splice(REWARDS[a], REWARDS[b], i, j, &n))?;
    }

    #[test]
    fn suite_yaml_never_panics(
        text in arbitrary_text(),
        a in 0usize..SUITE_YAMLS.len(),
        b in 0usize..SUITE_YAMLS.len(),
        i in 0usize..200,
        j in 0usize..200,
        n in noise(),
    ) {
        load_suite(text)?;
        load_suite(splice(SUITE_YAMLS[a], SUITE_YAMLS[b], i, j, &n))?;
    }
}
