//! The per-trial seam: a [`SimProvider`] makes one [`SimClient`] per trial from the trial's
//! context and its task knowledge (the solution script, handed over out of band).

use std::path::PathBuf;
use std::sync::Arc;

use harness_model::{
    BackendOptions, BuiltModel, ModelBackend, ModelClient, ModelError, ModelProvider,
    ModelRegistry, ModelSpec, TrialModelContext,
};

use crate::client::SimClient;
use crate::draw::TrialDraw;
use crate::episode::Episode;
use crate::error::SimError;
use crate::ground_truth::{GroundTruth, ground_truth_file};
use crate::plan::Plan;
use crate::profile::Profile;
use crate::rng::trial_seed;

/// Hands each trial a simulated model of one profile.
#[derive(Debug, Clone)]
pub struct SimProvider {
    profile: Arc<Profile>,
    ground_truth_dir: Option<PathBuf>,
}

impl SimProvider {
    /// A provider for `profile`, writing no ground truth.
    pub fn new(profile: Profile) -> Self {
        Self {
            profile: Arc::new(profile),
            ground_truth_dir: None,
        }
    }

    /// Keep each trial's ground truth in `dir/<task>__<repeat>.json`.
    pub fn with_ground_truth(mut self, dir: impl Into<PathBuf>) -> Self {
        self.ground_truth_dir = Some(dir.into());
        self
    }

    /// The profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The episode of one trial (exposed for tests and tools that inspect draws).
    pub fn episode(&self, trial: &TrialModelContext) -> Result<Episode, SimError> {
        let knowledge = trial
            .task_knowledge
            .as_ref()
            .ok_or_else(|| SimError::TaskKnowledge {
                task: trial.task_id.clone(),
                message: "the simulated model needs the task's solution/solve.sh (run the builtin \
                      agent with the solution handed to the model)"
                    .to_owned(),
            })?;
        let solve = knowledge["solve_sh"]
            .as_str()
            .ok_or_else(|| SimError::TaskKnowledge {
                task: trial.task_id.clone(),
                message: "task knowledge has no `solve_sh` text".to_owned(),
            })?;
        let instruction = knowledge["instruction"].as_str().unwrap_or_default();
        let plan = Plan::parse(solve, instruction);
        if plan.steps.is_empty() {
            return Err(SimError::TaskKnowledge {
                task: trial.task_id.clone(),
                message: "solution/solve.sh has no commands".to_owned(),
            });
        }
        let base = trial_seed(&self.profile.name, &trial.task_id, trial.seed, trial.repeat);
        let draw = TrialDraw::draw(&self.profile, &plan, base);
        let truth = GroundTruth::new(&self.profile.name, &trial.task_id, trial.seed, trial.repeat);
        Ok(Episode::new(&self.profile, plan, draw, base, truth))
    }
}

impl ModelProvider for SimProvider {
    fn client_for(&self, trial: &TrialModelContext) -> Result<Arc<dyn ModelClient>, ModelError> {
        let episode = self.episode(trial).map_err(|e| ModelError::Fatal {
            message: format!("simulated model: {e}"),
        })?;
        let path = self
            .ground_truth_dir
            .as_ref()
            .map(|dir| ground_truth_file(dir, &trial.task_id, trial.repeat));
        if let Some(path) = &path {
            episode.truth.write(path).map_err(|e| ModelError::Fatal {
                message: format!("simulated model: {e}"),
            })?;
        }
        Ok(Arc::new(SimClient::new(
            Arc::clone(&self.profile),
            episode,
            path,
        )))
    }

    /// Yes: the simulator is a test double whose competence is the task's solution.
    fn accepts_task_solution(&self) -> bool {
        true
    }
}

/// Folder of a backend's records folder (a run directory) that holds the ground truth, one
/// file per trial.
pub const GROUND_TRUTH_DIR: &str = "sim-ground-truth";

/// The `sim` scheme: `sim:PROFILE` is a shipped profile name or a profile YAML file. With a
/// records folder, each trial's ground truth goes to `<records>/sim-ground-truth/`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimBackend;

impl ModelBackend for SimBackend {
    fn scheme(&self) -> &str {
        "sim"
    }

    fn build(&self, spec: &ModelSpec, options: &BackendOptions) -> Result<BuiltModel, ModelError> {
        let profile =
            Profile::resolve(spec.model()).map_err(|e| ModelError::fatal(e.to_string()))?;
        let mut provider = SimProvider::new(profile);
        if let Some(records) = &options.records_dir {
            provider = provider.with_ground_truth(records.join(GROUND_TRUTH_DIR));
        }
        Ok(BuiltModel::new(Arc::new(provider)))
    }
}

/// Add the `sim` scheme to `registry`.
pub fn register(registry: &mut ModelRegistry) {
    registry.register(Arc::new(SimBackend));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sim_scheme_builds_a_provider_that_takes_the_solution() {
        let mut registry = ModelRegistry::empty();
        register(&mut registry);
        assert_eq!(registry.schemes(), ["sim"]);
        let records = tempfile::tempdir().unwrap();
        let built = registry
            .build_str(
                "sim:explorer",
                &BackendOptions::new().with_records_dir(records.path()),
            )
            .unwrap();
        assert!(built.provider.accepts_task_solution());
        assert!(built.redactor.is_empty());
        // Ground truth goes to the records folder once a trial has its knowledge.
        let trial = TrialModelContext::new("t", 1, 0).with_task_knowledge(serde_json::json!({
            "solve_sh": "echo hi > out.txt\n", "instruction": "Write out.txt."
        }));
        built.provider.client_for(&trial).unwrap();
        assert!(
            records
                .path()
                .join(GROUND_TRUTH_DIR)
                .join("t__0.json")
                .exists()
        );

        let error = registry
            .build_str("sim:nobody", &BackendOptions::new())
            .unwrap_err()
            .to_string();
        assert!(error.contains("`sim:nobody`"), "{error}");
        assert!(error.contains("explorer"), "{error}");
    }
}
