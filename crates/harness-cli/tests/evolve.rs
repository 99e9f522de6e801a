//! `harness evolve` end to end on a small suite (six gated tasks and two sealed ones, copied
//! from the bundled suite) with the simulated model:
//!
//! - killed with SIGKILL at many points across the phases and resumed each time, the run ends
//!   with the same lineage (commit ids follow from content), the same decisions and the same
//!   summary as an uninterrupted run, and no scored trial ran twice;
//! - the sealed test split is evaluated for the seed and the final harness only, and never
//!   reaches a proposal or the gate; a gate naming it is refused;
//! - aggressive remedies from a user catalog (the simulator's documented bad remedies) are
//!   proposed and rejected by the gate, visibly in the run's records.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

mod support;

use support::{TEST, repo, small_suite};

fn config(dir: &Path, extra: &str) -> PathBuf {
    let suite = small_suite(dir);
    let path = dir.join("evolve.yaml");
    std::fs::write(
        &path,
        format!(
            "suite: {}\nseed_harness: {}\nagent:\n  model: sim:explorer\nrepeats: 3\nk: 2\n\
             generations: 2\nconcurrency: 2\nsandbox: local\nseed: 1\n{extra}",
            suite.display(),
            repo().join("examples/harnesses/minimal").display()
        ),
    )
    .unwrap();
    path
}

fn evolve(config: &Path, run: &Path) {
    Command::cargo_bin("harness")
        .unwrap()
        .args(["evolve", "--config"])
        .arg(config)
        .arg("--out")
        .arg(run)
        .timeout(Duration::from_secs(600))
        .assert()
        .code(0);
}

fn spawn(args: &[&str], run: &Path, config: Option<&Path>) -> Child {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("harness"));
    cmd.args(args);
    if let Some(c) = config {
        cmd.arg("--config").arg(c).arg("--out").arg(run);
    } else {
        cmd.arg(run);
    }
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |t| t.lines().count())
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Main's history and every candidate ref, as commit ids.
fn lineage(run: &Path) -> (Vec<String>, BTreeMap<String, String>) {
    let lineage = harness_lineage::Lineage::open(run).unwrap();
    let main: Vec<String> = lineage
        .log("main")
        .unwrap()
        .iter()
        .map(|v| v.id.as_str().to_owned())
        .collect();
    let candidates: BTreeMap<String, String> = lineage
        .candidates(None)
        .unwrap()
        .into_iter()
        .map(|(name, id)| (name, id.as_str().to_owned()))
        .collect();
    (main, candidates)
}

/// Decisions as (generation, proposal, accepted).
fn decisions(run: &Path) -> Vec<(u64, String, bool)> {
    let state = json(&run.join("state.json"));
    state["history"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            Some((
                r["generation"].as_u64()?,
                r["proposal"]["id"].as_str()?.to_owned(),
                r["status"]["status"].as_str()? == "accepted",
            ))
        })
        .collect()
}

/// Score records of the run's evaluation cache.
fn records(run: &Path) -> Vec<Value> {
    std::fs::read_to_string(run.join("scores.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_run_killed_at_many_points_resumes_to_the_uninterrupted_result() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "");
    let reference = dir.path().join("reference");
    evolve(&config, &reference);
    let total = lines(&reference.join("events.jsonl"));
    assert!(total > 100, "{total} events");

    let run = dir.path().join("killed");
    // Kill after this many new events of each process: early (setup, the seed's
    // evaluation), in the middle of stages, around decisions and commits, near the end.
    let steps = [1usize, 4, 9, 2, 15, 6, 23, 3, 11, 31, 7, 19, 5, 27];
    let mut kills = 0;
    let mut first = true;
    for step in steps {
        let before = lines(&run.join("events.jsonl"));
        let mut child = if first {
            spawn(&["evolve"], &run, Some(&config))
        } else {
            spawn(&["evolve", "--resume"], &run, None)
        };
        first = false;
        let deadline = Instant::now() + Duration::from_secs(300);
        let finished = loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "{status:?}");
                break true;
            }
            if lines(&run.join("events.jsonl")) >= before + step {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
                break false;
            }
            assert!(Instant::now() < deadline, "no progress");
            std::thread::sleep(Duration::from_millis(5));
        };
        if finished {
            break;
        }
    }
    assert!(kills >= 10, "only {kills} kills before the run finished");
    // Finish it.
    Command::cargo_bin("harness")
        .unwrap()
        .args(["evolve", "--resume"])
        .arg(&run)
        .timeout(Duration::from_secs(600))
        .assert()
        .code(0);
    // A finished run resumed again runs nothing and says the same.
    assert_eq!(lineage(&run), lineage(&reference));
    assert_eq!(decisions(&run), decisions(&reference));
    let (a, b) = (
        json(&run.join("summary.json")),
        json(&reference.join("summary.json")),
    );
    for field in [
        "seed",
        "evolved",
        "accepted",
        "final_harness",
        "final_version",
        "generations",
    ] {
        assert_eq!(a[field], b[field], "{field}");
    }
    // No scored trial ran twice: one record per trial key, and as many as the reference.
    let keys: Vec<String> = records(&run).iter().map(|r| r["key"].to_string()).collect();
    let unique: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(keys.len(), unique.len(), "a scored trial ran again");
    assert_eq!(keys.len(), records(&reference).len());
    // The lineage has one commit per accepted version on main, and keeps the candidates.
    let (main, candidates) = lineage(&run);
    let accepted = json(&run.join("state.json"))["generations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["version"].is_string())
        .count();
    assert_eq!(main.len(), 1 + accepted);
    assert!(candidates.len() >= decisions(&run).len());
}

#[test]
fn the_test_split_is_sealed_and_bad_remedies_are_rejected_in_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = repo().join("examples/catalogs/aggressive.yaml");
    let config = config(
        dir.path(),
        &format!("proposer:\n  catalog: {}\n", catalog.display()),
    );
    let run = dir.path().join("run");
    evolve(&config, &run);
    let summary = json(&run.join("summary.json"));
    let seed = summary["seed_harness"].as_str().unwrap().to_owned();
    let last = summary["final_harness"].as_str().unwrap().to_owned();
    // Test-split trials: only the seed's and the final harness's.
    let mut tested: BTreeSet<String> = BTreeSet::new();
    for r in records(&run) {
        if r["split"] == "test" {
            tested.insert(r["key"]["harness_hash"].as_str().unwrap().to_owned());
        }
    }
    let allowed: BTreeSet<String> = [seed.clone(), last.clone()].into();
    assert!(!tested.is_empty());
    assert!(tested.is_subset(&allowed), "{tested:?} vs {allowed:?}");
    // Nothing a proposer or the gate saw names a test task.
    let state = std::fs::read_to_string(run.join("state.json")).unwrap();
    for task in TEST {
        assert!(!state.contains(task), "{task} in the state");
    }
    // The aggressive remedies were proposed and the gate rejected them, in the records.
    let state = json(&run.join("state.json"));
    let records = state["history"]["records"].as_array().unwrap();
    let rejected: Vec<&str> = records
        .iter()
        .filter(|r| r["status"]["status"] == "rejected")
        .filter_map(|r| r["proposal"]["remedy"].as_str())
        .collect();
    assert!(
        rejected.contains(&"tight-output-truncation") || rejected.contains(&"call-budget-stop"),
        "{rejected:?}"
    );
    let accepted: Vec<&str> = records
        .iter()
        .filter(|r| r["status"]["status"] == "accepted")
        .filter_map(|r| r["proposal"]["remedy"].as_str())
        .collect();
    assert!(
        !accepted.contains(&"tight-output-truncation"),
        "{accepted:?}"
    );
    assert!(!accepted.contains(&"call-budget-stop"), "{accepted:?}");
    let events = std::fs::read_to_string(run.join("events.jsonl")).unwrap();
    assert!(events.contains("\"candidate_decided\""));
    // A gate that names the test split is refused before anything runs.
    let sealed = config_with_gate(dir.path());
    Command::cargo_bin("harness")
        .unwrap()
        .args(["evolve", "--config"])
        .arg(&sealed)
        .arg("--out")
        .arg(dir.path().join("never"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("sealed"));
}

fn config_with_gate(dir: &Path) -> PathBuf {
    let path = dir.join("sealed.yaml");
    std::fs::write(
        &path,
        format!(
            "suite: {}\nseed_harness: {}\nagent:\n  model: sim:explorer\ngate:\n  rules:\n    rule: self_harness\n    splits: [held_in, test]\n",
            dir.join("suite").display(),
            repo().join("examples/harnesses/minimal").display()
        ),
    )
    .unwrap();
    path
}

#[test]
fn bad_configs_are_refused_naming_the_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.yaml");
    std::fs::write(
        &path,
        "suite: x\nseed_harness: y\nagent:\n  model: sim:explorer\ngenerashuns: 3\n",
    )
    .unwrap();
    Command::cargo_bin("harness")
        .unwrap()
        .args(["evolve", "--config"])
        .arg(&path)
        .arg("--out")
        .arg(dir.path().join("run"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("typo.yaml"))
        .stderr(predicate::str::contains("generashuns"));
    assert!(!dir.path().join("run").exists());
    Command::cargo_bin("harness")
        .unwrap()
        .args(["evolve", "--resume"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a run directory"));
}

#[test]
fn a_profile_the_loop_has_never_seen_is_evolved_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    // Written here, shipped nowhere: a model that repeats failed calls and mangles tool
    // arguments, with numbers of its own.
    let profile = dir.path().join("stubborn.yaml");
    std::fs::write(
        &profile,
        "name: stubborn\ndescription: Repeats what failed and mangles tool arguments.\n\
         context_window: 65536\npitfall_rate: 0.8\nexploration:\n  reads: [2, 4]\n  useful: 2\n\
         pathologies:\n  blind_retry:\n    probability: 0.7\n    repeats: [25, 35]\n  \
         tool_misuse:\n    probability: 0.6\n    attempts: [25, 35]\n",
    )
    .unwrap();
    let config = config(dir.path(), "");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("sim:explorer", &format!("sim:{}", profile.display()));
    std::fs::write(&config, text).unwrap();
    let run = dir.path().join("run");
    evolve(&config, &run);
    let summary = json(&run.join("summary.json"));
    assert!(
        summary["accepted_changes"].as_u64().unwrap() >= 1,
        "{summary}"
    );
    let seed = summary["seed"]["held_in"].as_f64().unwrap();
    let evolved = summary["evolved"]["held_in"].as_f64().unwrap();
    assert!(evolved > seed, "{summary}");
}

#[test]
fn a_spent_budget_stops_the_loop_cleanly_and_the_sealed_evaluation_still_runs() {
    let dir = tempfile::tempdir().unwrap();
    // The seed's evaluation (6 tasks x 3 repeats = 18), the reserved sealed evaluation
    // (2 harnesses x 2 tasks x 3 repeats = 12) and a little more: not three candidates.
    let config = config(dir.path(), "budget:\n  rollouts: 40\n");
    let run = dir.path().join("run");
    evolve(&config, &run);
    let events = std::fs::read_to_string(run.join("events.jsonl")).unwrap();
    assert!(
        events.contains("cannot fully evaluate three proposals"),
        "{events}"
    );
    let summary = json(&run.join("summary.json"));
    assert!(
        summary["stopped"].as_str().unwrap().contains("budget"),
        "{summary}"
    );
    assert!(summary["seed"]["test"].is_number(), "{summary}");
    assert!(summary["evolved"]["test"].is_number(), "{summary}");
    let spent = std::fs::read_to_string(run.join("ledger.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert!(spent <= 40, "{spent} rollouts charged");
}
