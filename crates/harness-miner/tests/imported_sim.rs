//! Detectors work on imported traces: simulated runs exported as a Harbor job folder (ATIF
//! trajectories and result.json files), imported back, and mined, give every failed trial
//! the same behaviour tags as mining the original traces.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/quality.rs"]
mod quality;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use harness_miner::miner::Mined;
use harness_miner::{MinerConfig, StoreMiner};
use harness_trace::import::{ImportOptions, import_harbor_job};
use harness_trace::{RunStore, SplitScope, TraceStore, TrialFilter, atif};

/// Write every trial of `run` as a Harbor trial folder under `job`.
async fn export_as_harbor_job(run: &Path, job: &Path) {
    let store = RunStore::open_existing(run).unwrap();
    for summary in store
        .list(&TrialFilter::new().splits(SplitScope::All))
        .await
        .unwrap()
    {
        let trace = store.get(&summary.trial_id).await.unwrap();
        let folder = job.join(format!("{}__{}", trace.header.task_id, trace.header.repeat));
        std::fs::create_dir_all(folder.join("agent")).unwrap();
        let trajectory = atif::to_trajectory(&trace, store.blobs()).unwrap();
        std::fs::write(
            folder.join("agent/trajectory.json"),
            atif::to_json(&trajectory).unwrap(),
        )
        .unwrap();
        let reward = trace.verifier().and_then(|v| v.reward).unwrap_or(0.0);
        let result = serde_json::json!({
            "task_name": trace.header.task_id,
            "trial_name": format!("{}__{}", trace.header.task_id, trace.header.repeat),
            "verifier_result": {"rewards": {"reward": reward}},
            "exception_info": null,
        });
        std::fs::write(folder.join("result.json"), result.to_string()).unwrap();
    }
}

fn tags_by_trial(mined: &Mined) -> BTreeMap<(String, u32), BTreeSet<String>> {
    mined
        .signatures
        .iter()
        .map(|s| {
            let tags = s.tags.iter().map(|t| t.to_string()).collect();
            ((s.trial.task_id.clone(), s.trial.repeat), tags)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_traces_get_the_same_behaviours() {
    let out = tempfile::tempdir().unwrap();
    let mut compared = 0;
    let mut seen_tags = BTreeSet::new();
    for (profile, tasks) in [
        ("retrier", "fix-word-counter,ini-to-typed-json,site-backup"),
        (
            "forgetter",
            "site-backup,http-status-summary,out-of-tree-build",
        ),
    ] {
        let run = quality::run_sim(profile, Some(tasks), 3, out.path()).await;
        let native = quality::mine(&run).await;
        let job = out.path().join(format!("harbor-{profile}"));
        export_as_harbor_job(&run, &job).await;
        let imported_dir = out.path().join(format!("imported-{profile}"));
        let store = RunStore::open(&imported_dir).unwrap();
        let report = import_harbor_job(&job, &ImportOptions::new(profile), &store).await;
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        let imported = StoreMiner::new(MinerConfig::default())
            .mine_detailed(&store)
            .await
            .unwrap();
        let native_tags = tags_by_trial(&native);
        let imported_tags = tags_by_trial(&imported);
        for (trial, tags) in &native_tags {
            let Some(other) = imported_tags.get(trial) else {
                panic!("{profile} {trial:?}: failed natively, not after import");
            };
            assert_eq!(tags, other, "{profile} {trial:?}");
            seen_tags.extend(tags.iter().cloned());
            compared += 1;
        }
    }
    assert!(compared >= 6, "only {compared} failed trials compared");
    assert!(seen_tags.len() >= 3, "{seen_tags:?}");
}
