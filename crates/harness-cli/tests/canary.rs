//! The leakage canary, end to end: a task whose tests print a sentinel string. The verifier's
//! output reaches the trial's folder for people, and nothing else: not the traces, the index,
//! the blobs, the score records, the ATIF and OTLP exports, a weakness report, or any search
//! an optimizer can make.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use harness_trace::{
    FailureQuery, QuerySyntax, RunStore, SearchQuery, SplitScope, TraceStore, TrialFilter,
};

const SENTINEL: &str = "CANARY-7f3c9e2b41d8-SECRET-TEST-TEXT";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn write_suite(root: &Path) {
    for (id, split) in [("canary-held", "held_in"), ("canary-test", "test")] {
        let d = root.join(id);
        std::fs::create_dir_all(d.join("tests")).unwrap();
        std::fs::create_dir_all(d.join("solution")).unwrap();
        std::fs::write(
            d.join("task.toml"),
            format!("version = \"1.0\"\n[metadata]\ncategory = \"canary-{split}\"\n"),
        )
        .unwrap();
        std::fs::write(
            d.join("instruction.md"),
            "Create a file named done.txt in the working directory.\n",
        )
        .unwrap();
        // The tests shout the sentinel on stdout and stderr, in a file of the verifier's
        // logs, and in a reward name that is not one; then they score.
        std::fs::write(
            d.join("tests/test.sh"),
            format!(
                "echo \"{SENTINEL} on stdout\"\necho \"{SENTINEL} on stderr\" >&2\n\
                 OUT=\"${{LOGS_DIR:-/logs}}/verifier\"\necho \"{SENTINEL}\" > \"$OUT/notes.txt\"\n\
                 if [ -f done.txt ]; then echo '{{\"reward\": 1, \"{SENTINEL}\": 1}}' > \"$OUT/reward.json\"; \
                 else echo 0 > \"$OUT/reward.txt\"; fi\n"
            ),
        )
        .unwrap();
        std::fs::write(d.join("solution/solve.sh"), "touch done.txt\n").unwrap();
    }
    std::fs::write(
        root.join("suite.yaml"),
        "name: canary\nsplits:\n  held_in: [canary-held]\n  validation: []\n  test: [canary-test]\n",
    )
    .unwrap();
}

/// Every file under `dir` (recursively) that contains the sentinel.
fn files_with_sentinel(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_with_sentinel(&path));
        } else if std::fs::read(&path)
            .unwrap()
            .windows(SENTINEL.len())
            .any(|w| w == SENTINEL.as_bytes())
        {
            found.push(path);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verifiers_output_reaches_no_trace_index_export_or_query() {
    let suite = tempfile::tempdir().unwrap();
    write_suite(suite.path());
    let out = tempfile::tempdir().unwrap();
    let run = Command::cargo_bin("harness")
        .unwrap()
        .current_dir(repo())
        .args(["run", "--suite"])
        .arg(suite.path())
        .args([
            "--agent",
            "builtin",
            "--harness",
            "examples/harnesses/minimal",
            "--model",
            "sim:explorer",
            "--sandbox",
            "local",
            "--repeats",
            "2",
            "--job-name",
            "canary",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    let job = out.path().join("canary");
    assert!(
        job.join("scores.jsonl").is_file(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    // Positive control: the sentinel was printed, and kept for people in the trial folders
    // (the verifier's logs, and the named rewards of result.json).
    let found = files_with_sentinel(&job);
    let trial_folders: Vec<PathBuf> = ["canary-held", "canary-test"]
        .iter()
        .flat_map(|t| {
            let job = &job;
            (0..2).map(move |r| job.join(format!("{t}__{r}")))
        })
        .collect();
    assert!(
        found
            .iter()
            .any(|p| p.components().any(|c| c.as_os_str() == "verifier")),
        "the tests did not print the sentinel: {found:?}"
    );
    // ... and only there: not in traces, blobs, the index, scores or the job's files.
    let leaked: Vec<&PathBuf> = found
        .iter()
        .filter(|p| !trial_folders.iter().any(|t| p.starts_with(t)))
        .collect();
    assert!(
        leaked.is_empty(),
        "sentinel outside the trial folders: {leaked:?}"
    );
    assert!(job.join("traces").is_dir() && job.join("index.sqlite").is_file());

    // Exports.
    for format in ["atif", "otlp"] {
        let dir = out.path().join(format!("export-{format}"));
        Command::cargo_bin("harness")
            .unwrap()
            .args(["traces", "export"])
            .arg(&job)
            .args(["--format", format, "--out"])
            .arg(&dir)
            .assert()
            .code(0);
        assert!(dir.is_dir());
        assert!(
            files_with_sentinel(&dir).is_empty(),
            "{format} export leaks"
        );
    }

    // Queries, the sealed split included.
    let store = RunStore::open_existing(&job).unwrap();
    let all = TrialFilter::new().splits(SplitScope::All);
    let trials = store.list(&all).await.unwrap();
    assert_eq!(trials.len(), 4);
    assert!(!format!("{trials:?}").contains(SENTINEL));
    for syntax in [QuerySyntax::Words, QuerySyntax::AnyWords] {
        let mut query = SearchQuery::words(SENTINEL);
        query.syntax = syntax;
        query.filter = all.clone();
        assert!(store.search_steps(&query).unwrap().is_empty());
    }
    let mut failure = FailureQuery::for_model_error(&harness_trace::CallError {
        kind: "verifier".into(),
        message: SENTINEL.into(),
    });
    failure.splits = SplitScope::All;
    assert!(store.find_similar_failures(&failure).unwrap().is_empty());
    for trial in &trials {
        let trace = store.get(&trial.trial_id).await.unwrap();
        assert!(!serde_json::to_string(&trace).unwrap().contains(SENTINEL));
    }
    let searched = Command::cargo_bin("harness")
        .unwrap()
        .args(["traces", "search"])
        .arg(&job)
        .args([SENTINEL, "--split", "test", "--split", "held-in", "--json"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&searched.stdout).contains(SENTINEL));

    // The weakness report, in both formats, clusters of a single failure allowed.
    for format in ["md", "json"] {
        let mined = Command::cargo_bin("harness")
            .unwrap()
            .arg("mine")
            .arg(&job)
            .args([
                "--split",
                "held_in",
                "--split",
                "validation",
                "--split",
                "unassigned",
            ])
            .args([
                "--min-failures",
                "1",
                "--min-tasks",
                "1",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        assert!(
            mined.status.success(),
            "{}",
            String::from_utf8_lossy(&mined.stderr)
        );
        let text = String::from_utf8_lossy(&mined.stdout);
        assert!(
            !text.is_empty() && !text.contains(SENTINEL),
            "{format} report leaks"
        );
    }
}
