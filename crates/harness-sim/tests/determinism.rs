//! Same (profile, task, seed, repeat): identical traces apart from timestamps (and from what
//! real commands print about the machine: temp paths, file times, commit hashes). Different
//! repeat index: different draws and outcomes. Ground truth stays out of the traces.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{harness, run};
use harness_sim::{GroundTruth, Pathology};
use serde_json::Value;

const TASKS: &str = "report-helpers-path,out-of-tree-build,http-status-summary,build-stats-tool,fix-stats-helpers,rotated-log-errors,git-pick-merge-fix,sensor-anomaly-pipeline";

/// A trace with what legitimately varies between runs removed: timestamps and latencies,
/// model-call inputs (they hold the sandbox's temp path) and tool outputs (real commands
/// print temp paths, file times and commit hashes). What the model decided stays.
fn normalised(path: &Path) -> Vec<Value> {
    fn strip(value: &mut Value) {
        if let Value::Object(map) = value {
            for key in ["ts", "latency_ms", "duration_ms"] {
                map.remove(key);
            }
            if map.get("type").and_then(Value::as_str) == Some("model_call") {
                map.remove("input");
            }
            if map.get("type").and_then(Value::as_str) == Some("tool_call") {
                map.remove("output");
            }
            map.values_mut().for_each(strip);
        }
    }
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let mut value: Value = serde_json::from_str(line).unwrap();
            strip(&mut value);
            value
        })
        .collect()
}

fn traces(run_dir: &Path) -> BTreeMap<String, Vec<Value>> {
    std::fs::read_dir(run_dir.join("traces"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                normalised(&p),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_seed_gives_the_same_traces_and_repeats_differ() {
    for profile in ["forgetter", "retrier", "explorer", "surveyor"] {
        let a_out = tempfile::tempdir().unwrap();
        let b_out = tempfile::tempdir().unwrap();
        let a = run(
            profile,
            harness(None),
            Some(TASKS),
            3,
            11,
            Some(a_out.path()),
        )
        .await;
        let b = run(
            profile,
            harness(None),
            Some(TASKS),
            3,
            11,
            Some(b_out.path()),
        )
        .await;
        assert_eq!(a.rewards, b.rewards, "{profile}");
        let (ta, tb) = (traces(&a.run_dir), traces(&b.run_dir));
        assert_eq!(ta.len(), 24);
        assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
        for (name, events) in &ta {
            assert_eq!(events, &tb[name], "{profile}: {name} differs between runs");
            assert!(events.len() > 3, "{name}");
        }
        let truth_a = GroundTruth::read_dir(&a.run_dir.join("sim-ground-truth")).unwrap();
        let truth_b = GroundTruth::read_dir(&b.run_dir.join("sim-ground-truth")).unwrap();
        assert_eq!(truth_a, truth_b, "{profile}");

        // Repeats of a task draw differently, and some tasks' outcomes differ between them.
        let mut by_task: BTreeMap<&str, Vec<(f64, Vec<Pathology>)>> = BTreeMap::new();
        for truth in &truth_a {
            let reward = a.rewards[&(truth.task_id.clone(), truth.repeat)];
            by_task
                .entry(truth.task_id.as_str())
                .or_default()
                .push((reward, truth.drawn.clone()));
        }
        let differing_outcomes = by_task
            .values()
            .filter(|r| r.iter().any(|(reward, _)| *reward != r[0].0))
            .count();
        let differing_draws = by_task
            .values()
            .filter(|r| r.iter().any(|(_, drawn)| *drawn != r[0].1))
            .count();
        assert!(differing_outcomes >= 1, "{profile}: {by_task:?}");
        assert!(differing_draws >= 2, "{profile}: {by_task:?}");

        // The ground truth never enters the trace.
        for entry in std::fs::read_dir(a.run_dir.join("traces")).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for pathology in Pathology::ALL {
                assert!(!text.contains(pathology.name()), "{pathology} in a trace");
            }
            assert!(!text.contains("sim-ground-truth"));
        }
    }
}
