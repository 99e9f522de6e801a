//! Quality of the miner against the simulator's ground truth: every shipped profile with the
//! minimal harness on the whole bundled suite, 3 repeats, the local sandbox. Prints
//! `profile=<p> precision=<x> recall=<y>` per profile, then the counts per pathology.
//!
//! `cargo run --release -p harness-miner --example miner_quality [-- --keep DIR] [--report]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/quality.rs"]
mod quality;

use std::path::PathBuf;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let keep = args
        .iter()
        .position(|a| a == "--keep")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let show_report = args.iter().any(|a| a == "--report");
    let temp = tempfile::tempdir().unwrap();
    let out = keep.unwrap_or_else(|| temp.path().to_owned());
    for profile in quality::PROFILES {
        let run_dir = out.join(format!("sim-{profile}"));
        let run_dir = if run_dir.join("traces").is_dir() {
            run_dir
        } else {
            quality::run_sim(profile, None, 3, &out).await
        };
        let started = std::time::Instant::now();
        let mined = quality::mine(&run_dir).await;
        let seconds = started.elapsed().as_secs_f64();
        let q = quality::score(&mined, &run_dir);
        println!(
            "profile={profile} precision={:.3} recall={:.3}",
            q.precision(),
            q.recall()
        );
        eprintln!(
            "  failed trials {}, clusters {}, report {} tokens, mined in {seconds:.2} s",
            q.failed_trials,
            mined.report.clusters.len(),
            mined.report.rendered_tokens
        );
        for (pathology, (tp, fp, fn_)) in &q.per_pathology {
            if tp + fp + fn_ > 0 {
                eprintln!("  {pathology}: tp {tp} fp {fp} fn {fn_}");
            }
        }
        if show_report {
            eprintln!("{}", mined.markdown);
        }
    }
}
