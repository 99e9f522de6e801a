//! Quality against the simulator's ground truth: runs of the bundled suite with each shipped
//! profile and the minimal harness (3 repeats), mined; the clusters each failed trial falls
//! in, mapped to pathologies (in `common/quality.rs`, test code only), reach precision and
//! recall of at least 0.8 over (failed trial, pathology) pairs. A debug test runs a subset
//! of the tasks; the `miner_quality` example runs the whole suite.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/quality.rs"]
mod quality;

/// Tasks of the subset: every pathology of every profile shows in some of them.
const TASKS: &str = "fix-word-counter,fix-textkit-package,git-untrack-artifacts,http-status-summary,\
    misnamed-bundle,report-helpers-path,rotated-log-errors,site-backup,out-of-tree-build,\
    release-build-profile,sensor-anomaly-pipeline,ini-to-typed-json,docs-whitespace-cleanup,\
    write-project-makefile";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clusters_match_the_ground_truth() {
    let out = tempfile::tempdir().unwrap();
    for profile in quality::PROFILES {
        let run_dir = quality::run_sim(profile, Some(TASKS), 3, out.path()).await;
        let mined = quality::mine(&run_dir).await;
        let q = quality::score(&mined, &run_dir);
        eprintln!(
            "profile={profile} precision={:.3} recall={:.3} ({} failed trials, per pathology {:?})",
            q.precision(),
            q.recall(),
            q.failed_trials,
            q.per_pathology
        );
        assert!(
            q.failed_trials >= 10,
            "{profile}: too few failures to judge"
        );
        assert!(
            q.precision() >= 0.8,
            "{profile}: precision {:.3}",
            q.precision()
        );
        assert!(q.recall() >= 0.8, "{profile}: recall {:.3}", q.recall());
        assert!(mined.report.rendered_tokens <= mined.report.budget_tokens);
    }
}
