//! The analysis commands on a real (small) run with the simulated model:
//!
//! - `harness ablate`: for each accepted change, the final harness without it, scored on the
//!   validation split; the numbers agree with re-running the ablated harnesses (and the
//!   final one, as `RUN@main`) plainly with `harness run`;
//! - `harness compare`: versions on their shared cells, and `--budget-matched`, the seed
//!   sampled at the run's budget on the test split beside the evolved harness;
//! - `harness hybrid`: a three-way merge of two versions written as a harness folder that
//!   `harness run` evaluates;
//! - `harness run --harness lineage:RUN:REV`: a version of one run on another suite.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

mod support;

use support::{TEST, repo, small_suite};

fn harness(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("harness")
        .unwrap()
        .args(args)
        .timeout(Duration::from_secs(600))
        .output()
        .unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ok(args: &[&str]) -> String {
    let out = harness(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "harness {args:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The mean reward `harness run` printed.
fn plain_mean(text: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.starts_with("mean reward: "))
        .unwrap_or_else(|| panic!("no mean reward in:\n{text}"));
    line["mean reward: ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// `harness run` of `harness` on the validation split of `suite`, as the run evaluated it.
fn run_plainly(suite: &Path, harness_arg: &str, out: &Path) -> f64 {
    let text = ok(&[
        "run",
        "--suite",
        suite.to_str().unwrap(),
        "--split",
        "validation",
        "--agent",
        "builtin",
        "--harness",
        harness_arg,
        "--model",
        "sim:explorer",
        "--repeats",
        "3",
        "--seed",
        "1",
        "--sandbox",
        "local",
        "--jobs",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    plain_mean(&text)
}

#[test]
fn ablation_comparison_hybrid_and_transfer_on_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let suite = small_suite(dir.path());
    let config = dir.path().join("evolve.yaml");
    std::fs::write(
        &config,
        format!(
            "suite: {}\nseed_harness: {}\nagent:\n  model: sim:explorer\nrepeats: 3\nk: 2\n\
             generations: 2\nconcurrency: 2\nsandbox: local\nseed: 1\n",
            suite.display(),
            repo().join("examples/harnesses/minimal").display()
        ),
    )
    .unwrap();
    let run = dir.path().join("run");
    let run_s = run.to_str().unwrap();
    ok(&[
        "evolve",
        "--config",
        config.to_str().unwrap(),
        "--out",
        run_s,
    ]);
    let summary = json(&run.join("summary.json"));
    let accepted: Vec<String> = summary["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert!(!accepted.is_empty(), "the run accepted nothing: {summary}");
    // Each generation's weakness report is kept for the run report.
    assert!(run.join("reports/generation-1.json").is_file());

    // Ablation: one row per accepted change, each with a score and a negative effect
    // (every accepted change helped on its own at the time), and the table printed.
    let table = ok(&["ablate", run_s]);
    assert!(table.contains("ablation on validation"), "{table}");
    let ablation = json(&run.join("analysis/ablation.json"));
    let rows = ablation["rows"].as_array().unwrap();
    for id in &accepted {
        let row = rows
            .iter()
            .find(|r| r["ablated"]["proposal"] == id.as_str())
            .unwrap_or_else(|| panic!("no row for {id}: {ablation}"));
        assert!(table.contains(&format!("without {id}")), "{table}");
        let label = format!("without-{id}");
        let kept = run.join("analysis/ablated").join(&label);
        if row["score"].is_null() {
            // A change later ones build on cannot be removed alone; the row says why.
            assert!(row["note"].is_string(), "{row}");
            continue;
        }
        // The numbers agree with running the ablated harness plainly.
        let plain = run_plainly(
            &suite,
            kept.to_str().unwrap(),
            &dir.path().join(format!("plain-{label}")),
        );
        let mean = row["score"]["mean"].as_f64().unwrap();
        assert!(
            (plain - mean).abs() < 5e-4,
            "{label}: ablate says {mean}, a plain run {plain}"
        );
        assert_eq!(row["score"]["cells"], 6);
    }
    // The reference is the final harness, and a lineage version runs as `RUN@main`.
    let final_plain = run_plainly(
        &suite,
        &format!("{run_s}@main"),
        &dir.path().join("plain-final"),
    );
    let reference = ablation["reference"]["mean"].as_f64().unwrap();
    assert!(
        (final_plain - reference).abs() < 5e-4,
        "final: ablate says {reference}, a plain run {final_plain}"
    );
    // The test split is sealed: ablating on it is refused.
    let refused = harness(&["ablate", run_s, "--split", "test"]);
    assert_eq!(refused.status.code(), Some(2));
    // Not a run: named.
    let not_run = harness(&["ablate", dir.path().to_str().unwrap()]);
    assert_eq!(not_run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_run.stderr).contains("config.yaml"));

    // Compare on shared cells: main against the seed (the first lineage version).
    let log = ok(&["lineage", "log", run_s]);
    let seed_version = log
        .lines()
        .last()
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();
    let compared = ok(&["compare", run_s, "main", &seed_version]);
    assert!(compared.contains("shared cells"), "{compared}");
    assert!(
        compared.contains(&format!("{seed_version} vs main")),
        "{compared}"
    );

    // The budget-matched arm: both arms printed and kept.
    let matched = ok(&["compare", run_s, "--budget-matched"]);
    assert!(matched.contains("seed, mean pass@1"), "{matched}");
    assert!(matched.contains("evolved, mean pass@1"), "{matched}");
    let arm = json(&run.join("analysis/budget-matched.json"));
    let budget = summary["rollouts"].as_u64().unwrap();
    assert_eq!(arm["budget"].as_u64().unwrap(), budget);
    assert_eq!(
        arm["samples_per_task"].as_u64().unwrap(),
        (budget / TEST.len() as u64).max(1)
    );
    assert_eq!(
        arm["seed_pass_at_1"]["cells"].as_u64().unwrap(),
        arm["samples_per_task"].as_u64().unwrap() * TEST.len() as u64
    );
    let evolved = arm["evolved_pass_at_1"]["mean"].as_f64().unwrap();
    assert!((evolved - summary["evolved"]["test"].as_f64().unwrap()).abs() < 5e-3);
    let best = arm["seed_best_of_k"]["mean"].as_f64().unwrap();
    assert!(best >= arm["seed_pass_at_1"]["mean"].as_f64().unwrap());
    // The report shows both analyses, and the seed's test score stays the run's sealed
    // evaluation (the arm's extra samples of the seed are not the run's figure).
    ok(&["report", run_s]);
    let md = std::fs::read_to_string(run.join("report.md")).unwrap();
    let seed_test = format!("{:.3}", summary["seed"]["test"].as_f64().unwrap());
    let headline = md.lines().find(|l| l.contains("on test:")).unwrap();
    assert!(
        headline.contains(&format!("on test: {seed_test} to")),
        "{headline}"
    );
    assert!(!md.contains("Not computed"), "{md}");

    // A hybrid of main and a rejected candidate of generation 1, evaluated by `harness run`.
    let state = json(&run.join("state.json"));
    let rejected = state["history"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["generation"] == 1 && r["status"] != "accepted" && r["proposal"].is_object())
        .map(|r| r["proposal"]["id"].as_str().unwrap().to_owned());
    if let Some(rejected) = rejected {
        let hybrid = dir.path().join("hybrid");
        let out = harness(&[
            "hybrid",
            run_s,
            "main",
            &format!("candidates/1/{rejected}"),
            "--out",
            hybrid.to_str().unwrap(),
            "--prefer",
            "a",
        ]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(stdout(&out).contains("common ancestor"));
        let mean = run_plainly(
            &suite,
            hybrid.to_str().unwrap(),
            &dir.path().join("plain-hybrid"),
        );
        assert!((0.0..=1.0).contains(&mean));
    }
    let same = harness(&[
        "hybrid",
        run_s,
        "main",
        "main",
        "--out",
        dir.path().join("hybrid-same").to_str().unwrap(),
    ]);
    assert_eq!(same.status.code(), Some(0));
    let nonsense = harness(&[
        "hybrid",
        run_s,
        "main",
        "no-such-version",
        "--out",
        dir.path().join("hybrid-bad").to_str().unwrap(),
    ]);
    assert_eq!(nonsense.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nonsense.stderr).contains("no-such-version"));

    // Transfer: the evolved version on tasks of another suite (bundled tasks this run's
    // suite does not have).
    let transfer = ok(&[
        "run",
        "--suite",
        repo()
            .join("examples/suites/terminal-lite")
            .to_str()
            .unwrap(),
        "--tasks",
        "misnamed-bundle,rotated-log-errors",
        "--agent",
        "builtin",
        "--harness",
        &format!("lineage:{run_s}:main"),
        "--model",
        "sim:retrier",
        "--sandbox",
        "local",
        "--out",
        dir.path().join("transfer").to_str().unwrap(),
    ]);
    assert!(transfer.contains("mean reward"), "{transfer}");
    let bad = harness(&[
        "run",
        "--suite",
        repo()
            .join("examples/suites/terminal-lite")
            .to_str()
            .unwrap(),
        "--tasks",
        "misnamed-bundle",
        "--agent",
        "builtin",
        "--harness",
        &format!("{run_s}@no-such-rev"),
        "--model",
        "sim:retrier",
        "--sandbox",
        "local",
        "--out",
        dir.path().join("transfer-bad").to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no-such-rev"));
}
