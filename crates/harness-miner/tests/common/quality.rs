//! Scoring the miner against the simulator's ground truth: runs of the bundled suite with
//! the simulated model, mined, and the clusters each failed trial falls in compared with the
//! pathologies that fired in it. Shared by the quality test and the `miner_quality` example.
//!
//! The miner never reads the ground truth; only this scoring code does, and only this code
//! knows which of the miner's behaviour tags stands for which pathology.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use harness_agent::agent::BuiltinAgent;
use harness_core::{Harness, KindRegistry};
use harness_miner::miner::Mined;
use harness_miner::{MinerConfig, StoreMiner};
use harness_sandbox::LocalProvider;
use harness_sim::{GroundTruth, Pathology, Profile, SimProvider};
use harness_tasks::{JobOptions, JobRunner, Suite, TaskSelection};
use harness_trace::RunStore;

/// The shipped profiles.
pub const PROFILES: [&str; 4] = ["explorer", "retrier", "forgetter", "surveyor"];

/// The miner's tags that stand for each pathology (scoring code only).
pub fn tags_of(pathology: Pathology) -> &'static [&'static str] {
    match pathology {
        Pathology::OverExplore => &["exploration_without_progress"],
        Pathology::BlindRetry => &["exact_repeat_after_failure"],
        Pathology::EnvAmnesia => &["state_lost_between_calls"],
        Pathology::PrematureFinish => &["finish_without_verification"],
        Pathology::OutputFlood => &["context_flooding", "context_overflow"],
        Pathology::ToolMisuse => &["repeated_tool_argument_errors"],
        Pathology::EnvFactBlindness => &["command_not_found"],
    }
}

/// The pathology a tag stands for, if any.
pub fn pathology_of(tag: &str) -> Option<Pathology> {
    Pathology::ALL
        .into_iter()
        .find(|p| tags_of(*p).contains(&tag))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run `profile` with the minimal harness on the bundled suite (tasks matching `patterns`,
/// all when `None`), `repeats` per task, under `out`; returns the job folder.
pub async fn run_sim(profile: &str, patterns: Option<&str>, repeats: u32, out: &Path) -> PathBuf {
    let registry = KindRegistry::builtin();
    let harness = Harness::load(&repo().join("examples/harnesses/minimal"), &registry).unwrap();
    let job = format!("sim-{profile}");
    let run_dir = out.join(&job);
    let provider = SimProvider::new(Profile::resolve(profile).unwrap())
        .with_ground_truth(run_dir.join("sim-ground-truth"));
    let mut agent = BuiltinAgent::new(
        Arc::new(harness),
        Arc::new(provider),
        &format!("sim:{profile}"),
    );
    agent.solution_to_model = true;
    let suite = Suite::load(&repo().join("examples/suites/terminal-lite")).unwrap();
    let selection = patterns.map_or_else(TaskSelection::default, TaskSelection::from_patterns);
    let tasks = suite.select(&selection).unwrap();
    let mut options = JobOptions::new(&job);
    options.jobs = 2;
    options.repeats = repeats;
    JobRunner::new(Arc::new(LocalProvider::default()), Arc::new(agent))
        .with_traces_in_job_folder(Arc::new(harness_trace::RunStoreFactory::default()))
        .run(&suite, &tasks, out, &options)
        .await
        .unwrap();
    run_dir
}

/// Mine a job folder with the default miner over every split the suite uses (held-in and
/// the others but test: the bundled suite assigns splits, and scoring wants every failure).
pub async fn mine(run_dir: &Path) -> Mined {
    use harness_miner::MinableSplit;
    let store = RunStore::open_existing(run_dir).unwrap();
    let scope = harness_miner::MineScope::new([
        MinableSplit::HeldIn,
        MinableSplit::Validation,
        MinableSplit::Unassigned,
    ]);
    StoreMiner::new(MinerConfig::new(scope))
        .mine_detailed(&store)
        .await
        .unwrap()
}

/// Precision and recall of (failed trial, pathology) pairs.
#[derive(Debug, Default, Clone)]
pub struct Quality {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub failed_trials: usize,
    /// Per pathology: (tp, fp, fn).
    pub per_pathology: BTreeMap<Pathology, (usize, usize, usize)>,
}

impl Quality {
    pub fn precision(&self) -> f64 {
        let d = self.true_positives + self.false_positives;
        if d == 0 {
            1.0
        } else {
            self.true_positives as f64 / d as f64
        }
    }

    pub fn recall(&self) -> f64 {
        let d = self.true_positives + self.false_negatives;
        if d == 0 {
            1.0
        } else {
            self.true_positives as f64 / d as f64
        }
    }
}

/// Score `mined` against the ground truth in `<run_dir>/sim-ground-truth/`: for each failed
/// trial the miner saw, the pathologies of the reported clusters holding it against the
/// pathologies that fired in it.
pub fn score(mined: &Mined, run_dir: &Path) -> Quality {
    let truth_dir = run_dir.join("sim-ground-truth");
    let mut quality = Quality::default();
    for signature in &mined.signatures {
        let path = harness_sim::ground_truth_file(
            &truth_dir,
            &signature.trial.task_id,
            signature.trial.repeat,
        );
        let truth = GroundTruth::read(&path).unwrap();
        let fired: BTreeSet<Pathology> = truth.fired.iter().copied().collect();
        let predicted: BTreeSet<Pathology> = mined
            .membership
            .get(&signature.trial.trial_id)
            .into_iter()
            .flatten()
            .filter_map(|id| pathology_of(id.split('/').next().unwrap_or(id)))
            .collect();
        quality.failed_trials += 1;
        if std::env::var_os("MINER_DEBUG").is_some() && predicted != fired {
            eprintln!(
                "  {} fired {:?} predicted {:?} tags {:?}",
                signature.trial.trial_id,
                fired,
                predicted,
                signature
                    .tags
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
            );
        }
        for p in Pathology::ALL {
            let entry = quality.per_pathology.entry(p).or_default();
            match (predicted.contains(&p), fired.contains(&p)) {
                (true, true) => {
                    quality.true_positives += 1;
                    entry.0 += 1;
                }
                (true, false) => {
                    quality.false_positives += 1;
                    entry.1 += 1;
                }
                (false, true) => {
                    quality.false_negatives += 1;
                    entry.2 += 1;
                }
                (false, false) => {}
            }
        }
    }
    quality
}
