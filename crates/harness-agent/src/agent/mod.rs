//! The reference agent: a tool-calling loop over a [`ModelClient`](crate::model::ModelClient),
//! shaped by a harness (prompt, tools, middleware, skills, memory, limits), implementing the
//! task runner's [`Agent`] seam. Every step is traced.

mod hints;
mod prompt;
mod recall;
mod recorder;
mod run;

use std::sync::Arc;

use async_trait::async_trait;
use harness_core::{ContentHash, Harness};
use harness_tasks::{Agent, AgentContext, AgentError, AgentFactory, AgentOutcome, RunContext};
use harness_trace::Redactor;
use harness_types::ModelId;

use crate::middleware::{FailureRecall, MiddlewareRegistry};
use crate::model::ModelProvider;
use crate::tools::BuiltinTools;

pub use hints::{HINTS_KIND, HintLayer, SUBSTITUTE_PREFIX, hint_note};
pub use prompt::render_system_prompt;
pub use recall::TraceStoreRecall;
pub use recorder::{Recorder, trace_message};

/// Name the reference agent is registered under (`--agent builtin`).
pub const BUILTIN_AGENT_NAME: &str = "builtin";

/// Everything the reference agent needs besides the per-trial context.
#[derive(Clone)]
pub struct BuiltinAgent {
    /// The harness that shapes the agent.
    pub harness: Arc<Harness>,
    /// Gives each trial its model client.
    pub models: Arc<dyn ModelProvider>,
    /// The model spec (`openai:gpt-4o-mini`, `sim:PROFILE`): the model's id in trial keys
    /// and trace headers.
    pub model_name: String,
    /// Middleware kinds by name (built-ins plus any the embedding application registered).
    pub middleware: Arc<MiddlewareRegistry>,
    /// Builtin tool implementations by name.
    pub tools: Arc<BuiltinTools>,
    /// Past-failure lookup for `similar_failure_recall`.
    pub recall: Option<Arc<dyn FailureRecall>>,
    /// Hand the task's `solution/` to the model provider as task knowledge (for the
    /// simulated model, which draws its competence from it out of band; never real models).
    pub solution_to_model: bool,
    /// Secrets (the API key, base URL passwords) replaced with `[REDACTED]` in the traces and
    /// the outcome messages this agent writes. The model client redacts them already; this is
    /// the second line, for secrets that reach the conversation another way.
    pub redactor: Redactor,
}

impl BuiltinAgent {
    /// An agent with the standard tools and middleware. It traces into the sink the runner
    /// hands it ([`AgentContext::trace`]).
    pub fn new(harness: Arc<Harness>, models: Arc<dyn ModelProvider>, model_name: &str) -> Self {
        Self {
            harness,
            models,
            model_name: model_name.to_owned(),
            middleware: Arc::new(MiddlewareRegistry::builtin()),
            tools: Arc::new(BuiltinTools::standard()),
            recall: None,
            solution_to_model: false,
            redactor: Redactor::new(),
        }
    }
}

#[async_trait]
impl Agent for BuiltinAgent {
    fn name(&self) -> &str {
        BUILTIN_AGENT_NAME
    }

    fn version(&self) -> &str {
        env!("CARGO_PKG_VERSION")
    }

    fn needs_solution(&self) -> bool {
        self.solution_to_model
    }

    fn harness_hash(&self) -> ContentHash {
        self.harness.content_hash()
    }

    fn model(&self) -> ModelId {
        ModelId::new(self.model_name.clone())
    }

    async fn run(&self, ctx: AgentContext<'_>) -> Result<AgentOutcome, AgentError> {
        self.check_solution_forwarding()?;
        run::run_trial(self, ctx).await
    }
}

impl BuiltinAgent {
    /// Refuse to hand a task's `solution/` to a provider that does not declare it may take
    /// it: only the simulated model (a test double) draws its competence from the solution;
    /// a real model given `solve.sh` would be scored on the answer it was shown.
    pub fn check_solution_forwarding(&self) -> Result<(), AgentError> {
        if self.solution_to_model && !self.models.accepts_task_solution() {
            return Err(AgentError::failed(format!(
                "solution_to_model is set but the model provider of `{}` does not accept task \
                 solutions (only the simulated model does); the task's solve.sh is not sent",
                self.model_name
            )));
        }
        Ok(())
    }
}

/// Builds the reference agent for any harness, with the same model, tools, middleware kinds,
/// recall and redaction: the loop's way to evaluate a candidate harness.
#[derive(Clone)]
pub struct BuiltinAgentFactory {
    template: BuiltinAgent,
}

impl BuiltinAgentFactory {
    /// A factory whose agents are `template` with the harness replaced.
    pub fn new(template: BuiltinAgent) -> Self {
        Self { template }
    }
}

impl AgentFactory for BuiltinAgentFactory {
    fn agent_for(
        &self,
        harness: Arc<Harness>,
        _run: &RunContext,
    ) -> Result<Arc<dyn Agent>, AgentError> {
        // Middleware parameters are checked here, before any trial starts, so a harness the
        // agent cannot run is a configuration error and not a run of failed trials.
        self.template
            .middleware
            .build(harness.middleware())
            .map_err(|e| AgentError::failed(format!("middleware.yaml: {e}")))?;
        self.template.check_solution_forwarding()?;
        let mut agent = self.template.clone();
        agent.harness = harness;
        Ok(Arc::new(agent))
    }
}
