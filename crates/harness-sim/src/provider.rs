//! The per-trial seam: a [`SimProvider`] makes one [`SimClient`] per trial from the trial's
//! context and its task knowledge (the solution script, handed over out of band).

use std::path::PathBuf;
use std::sync::Arc;

use harness_model::{ModelClient, ModelError, ModelProvider, TrialModelContext};

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
}
