//! Running the bundled suite with the simulated model and a harness variant.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use harness_agent::agent::BuiltinAgent;
use harness_core::{EditSet, Harness, KindRegistry};
use harness_sandbox::LocalProvider;
use harness_sim::{Profile, SimProvider};
use harness_tasks::{JobOptions, JobRunner, Suite, TaskSelection};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The minimal harness, with the edit set `tests/fixtures/edits/<edits>.yaml` applied as an
/// optimizer would (inside the declared surfaces) when given.
pub fn harness(edits: Option<&str>) -> Harness {
    let registry = KindRegistry::builtin();
    let base = Harness::load(&repo().join("examples/harnesses/minimal"), &registry).unwrap();
    match edits {
        None => base,
        Some(name) => {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/edits")
                .join(format!("{name}.yaml"));
            let edits: EditSet =
                serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            edits
                .apply(&base, &registry)
                .unwrap_or_else(|e| panic!("{name}: {e}"))
        }
    }
}

/// The rewards of one job, by (task, repeat), and where it ran.
pub struct Job {
    pub rewards: BTreeMap<(String, u32), f64>,
    pub run_dir: PathBuf,
    _out: Option<tempfile::TempDir>,
}

impl Job {
    pub fn mean(&self) -> f64 {
        self.rewards.values().sum::<f64>() / self.rewards.len() as f64
    }

    /// Mean reward per task.
    pub fn per_task(&self) -> BTreeMap<String, f64> {
        let mut sums: BTreeMap<String, (f64, u32)> = BTreeMap::new();
        for ((task, _), reward) in &self.rewards {
            let entry = sums.entry(task.clone()).or_default();
            entry.0 += reward;
            entry.1 += 1;
        }
        sums.into_iter()
            .map(|(task, (sum, n))| (task, sum / f64::from(n)))
            .collect()
    }
}

/// Run `profile` on the bundled suite (tasks matching `patterns`, all when `None`) with
/// `harness`, `repeats` trials per task, job seed `seed`, under `out` (a temp dir when `None`).
pub async fn run(
    profile: &str,
    harness: Harness,
    patterns: Option<&str>,
    repeats: u32,
    seed: u64,
    out: Option<&Path>,
) -> Job {
    let temp = if out.is_none() {
        Some(tempfile::tempdir().unwrap())
    } else {
        None
    };
    let out = out.map_or_else(|| temp.as_ref().unwrap().path().to_owned(), Path::to_owned);
    let job_name = "sim";
    let run_dir = out.join(job_name);
    let provider = SimProvider::new(Profile::resolve(profile).unwrap())
        .with_ground_truth(run_dir.join("sim-ground-truth"));
    let mut agent = BuiltinAgent::new(
        Arc::new(harness),
        Arc::new(provider),
        &format!("sim:{profile}"),
    );
    agent.solution_to_model = true;
    let suite = Suite::load(&repo().join("examples/suites/terminal-lite")).unwrap();
    let tasks = match patterns {
        Some(p) => suite.select(&TaskSelection::from_patterns(p)).unwrap(),
        None => suite.select(&TaskSelection::default()).unwrap(),
    };
    let mut options = JobOptions::new(job_name);
    options.jobs = 2;
    options.repeats = repeats;
    options.seed = seed;
    let output = JobRunner::new(Arc::new(LocalProvider::default()), Arc::new(agent))
        .with_traces_in_job_folder(Arc::new(harness_trace::RunStoreFactory::default()))
        .run(&suite, &tasks, &out, &options)
        .await
        .unwrap();
    let rewards = output
        .trials
        .iter()
        .map(|t| ((t.task_name.clone(), t.repeat), t.reward.unwrap_or(0.0)))
        .collect();
    Job {
        rewards,
        run_dir,
        _out: temp,
    }
}
