//! The per-trial seam: which client a trial talks to.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::client::ModelClient;
use crate::error::ModelError;

/// What a provider may know about the trial it makes a client for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrialModelContext {
    /// Task id (the task's folder name).
    pub task_id: String,
    /// The trial's seed, derived from the job seed, task id and repeat.
    pub seed: u64,
    /// Repeat index from 0.
    pub repeat: u32,
    /// Task-side knowledge a simulated model may use (for example the behaviour it should
    /// play out on this task). Opaque to this crate; real backends ignore it, and it must
    /// never carry what a real model would not see in a fair run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_knowledge: Option<serde_json::Value>,
}

impl TrialModelContext {
    /// A context without task knowledge.
    pub fn new(task_id: impl Into<String>, seed: u64, repeat: u32) -> Self {
        Self {
            task_id: task_id.into(),
            seed,
            repeat,
            task_knowledge: None,
        }
    }

    /// The same context with task knowledge attached.
    pub fn with_task_knowledge(mut self, knowledge: serde_json::Value) -> Self {
        self.task_knowledge = Some(knowledge);
        self
    }
}

/// Hands each trial its model client. Real backends share one client across trials
/// ([`SharedClientProvider`]); a simulated model builds one per trial from the context,
/// so its behaviour can depend on the task, seed and repeat.
pub trait ModelProvider: Send + Sync {
    /// The client for one trial.
    fn client_for(&self, trial: &TrialModelContext) -> Result<Arc<dyn ModelClient>, ModelError>;

    /// Whether this provider may be handed a task's solution as task knowledge
    /// ([`TrialModelContext::task_knowledge`]). Only a simulated model, a test double that
    /// draws its competence from the solution, says yes; a real model must never see it, so
    /// the default is no.
    fn accepts_task_solution(&self) -> bool {
        false
    }
}

/// A provider that gives every trial the same client.
#[derive(Debug, Clone)]
pub struct SharedClientProvider {
    client: Arc<dyn ModelClient>,
}

impl SharedClientProvider {
    /// Share `client` across all trials.
    pub fn new(client: Arc<dyn ModelClient>) -> Self {
        Self { client }
    }

    /// The shared client.
    pub fn client(&self) -> &Arc<dyn ModelClient> {
        &self.client
    }
}

impl ModelProvider for SharedClientProvider {
    fn client_for(&self, _trial: &TrialModelContext) -> Result<Arc<dyn ModelClient>, ModelError> {
        Ok(Arc::clone(&self.client))
    }
}

impl<F> ModelProvider for F
where
    F: Fn(&TrialModelContext) -> Result<Arc<dyn ModelClient>, ModelError> + Send + Sync,
{
    fn client_for(&self, trial: &TrialModelContext) -> Result<Arc<dyn ModelClient>, ModelError> {
        self(trial)
    }
}
