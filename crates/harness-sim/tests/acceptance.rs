//! The acceptance points of the simulated model on the bundled suite (36 tasks, 3 repeats):
//! each profile's mean reward with the minimal harness lies in [0.2, 0.6]; the right remedies
//! (edit sets applied inside the declared surfaces) raise it by at least 0.25; a prompt-only
//! edit stays within noise; each documented bad remedy lowers the reward on some tasks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::{Job, harness, run};
use harness_sim::{GroundTruth, Pathology};

const REPEATS: u32 = 3;
const SEED: u64 = 0;
/// A prompt-only change must stay within this of the minimal harness's mean.
const NOISE: f64 = 0.05;

async fn full(profile: &str, edits: Option<&str>) -> Job {
    run(profile, harness(edits), None, REPEATS, SEED, None).await
}

/// Tasks whose mean reward is lower with `variant` than with `base`.
fn lowered(base: &Job, variant: &Job) -> Vec<(String, f64, f64)> {
    let before = base.per_task();
    let after = variant.per_task();
    before
        .iter()
        .filter(|(task, b)| after[*task] < **b - 1e-9)
        .map(|(task, b)| (task.clone(), *b, after[task]))
        .collect()
}

/// Which layers neutralised which pathologies, over a job's ground truth.
fn remedies(job: &Job) -> BTreeMap<Pathology, Vec<String>> {
    let mut out: BTreeMap<Pathology, Vec<String>> = BTreeMap::new();
    for truth in GroundTruth::read_dir(&job.run_dir.join("sim-ground-truth")).unwrap() {
        for remedy in truth.remedied {
            let layers = out.entry(remedy.pathology).or_default();
            if !layers.contains(&remedy.by) {
                layers.push(remedy.by);
            }
        }
    }
    out
}

/// Minimal, right remedies and prompt-only for one profile; returns the minimal job.
async fn check_profile(profile: &str, neutralised: &[Pathology]) -> Job {
    let minimal = full(profile, None).await;
    let remedied = full(profile, Some(&format!("{profile}-remedies"))).await;
    let prompt_only = full(profile, Some("prompt-only")).await;
    let (m, r, p) = (minimal.mean(), remedied.mean(), prompt_only.mean());
    eprintln!("{profile}: minimal {m:.3}, remedies {r:.3}, prompt-only {p:.3}");
    assert!((0.2..=0.6).contains(&m), "{profile}: minimal mean {m:.3}");
    assert!(
        r >= m + 0.25,
        "{profile}: remedies {r:.3} vs minimal {m:.3}"
    );
    assert!(
        (p - m).abs() <= NOISE,
        "{profile}: prompt-only {p:.3} vs minimal {m:.3}"
    );
    let by = remedies(&remedied);
    for pathology in neutralised {
        assert!(
            by.contains_key(pathology),
            "{profile}: {pathology} never neutralised: {by:?}"
        );
    }
    assert!(
        remedies(&minimal).is_empty(),
        "the minimal harness has no remedies"
    );
    minimal
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explorer_profile_and_its_bad_remedies() {
    let minimal = check_profile("explorer", &[Pathology::OverExplore]).await;
    for bad in ["bad-loop-stop", "bad-tight-truncation"] {
        let job = full("explorer", Some(bad)).await;
        let lower = lowered(&minimal, &job);
        eprintln!("explorer {bad}: mean {:.3}, lower on {lower:?}", job.mean());
        assert!(!lower.is_empty(), "{bad} lowered no task");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrier_profile() {
    check_profile("retrier", &[Pathology::BlindRetry, Pathology::ToolMisuse]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgetter_profile_and_its_bad_remedy() {
    let minimal = check_profile(
        "forgetter",
        &[Pathology::PrematureFinish, Pathology::EnvFactBlindness],
    )
    .await;
    let job = full("forgetter", Some("bad-hint")).await;
    let lower = lowered(&minimal, &job);
    eprintln!(
        "forgetter bad-hint: mean {:.3}, lower on {lower:?}",
        job.mean()
    );
    assert!(!lower.is_empty(), "bad-hint lowered no task");
}
