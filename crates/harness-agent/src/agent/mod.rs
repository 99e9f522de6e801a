//! The reference agent: a tool-calling loop over a [`ModelClient`](crate::model::ModelClient),
//! shaped by a harness (prompt, tools, middleware, skills, memory, limits), implementing the
//! task runner's [`Agent`] seam. Every step is traced.

mod hints;
mod prompt;
mod recall;
mod recorder;
mod run;
mod verifier_trace;

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use harness_core::Harness;
use harness_tasks::{Agent, AgentContext, AgentOutcome, TaskError};
use harness_trace::Redactor;

use crate::middleware::{FailureRecall, MiddlewareRegistry};
use crate::model::ModelProvider;
use crate::tools::BuiltinTools;

pub use hints::{HINTS_KIND, HintLayer, SUBSTITUTE_PREFIX, hint_note};
pub use prompt::render_system_prompt;
pub use recall::TraceStoreRecall;
pub use recorder::{Recorder, trace_message};
pub use verifier_trace::VerifierTraceWriter;

/// Name the reference agent is registered under (`--agent builtin`).
pub const BUILTIN_AGENT_NAME: &str = "builtin";

/// Everything the reference agent needs besides the per-trial context.
#[derive(Clone)]
pub struct BuiltinAgent {
    /// The harness that shapes the agent.
    pub harness: Arc<Harness>,
    /// Gives each trial its model client.
    pub models: Arc<dyn ModelProvider>,
    /// Model name recorded in traces.
    pub model_name: String,
    /// Middleware kinds by name (built-ins plus any the embedding application registered).
    pub middleware: Arc<MiddlewareRegistry>,
    /// Builtin tool implementations by name.
    pub tools: Arc<BuiltinTools>,
    /// Run directory for traces (`<run>/traces/<trial>.jsonl`); `None` records nothing.
    pub trace_dir: Option<PathBuf>,
    /// Run id written into trace headers.
    pub run_id: String,
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
    /// An agent with the standard tools and middleware, no traces.
    pub fn new(harness: Arc<Harness>, models: Arc<dyn ModelProvider>, model_name: &str) -> Self {
        Self {
            harness,
            models,
            model_name: model_name.to_owned(),
            middleware: Arc::new(MiddlewareRegistry::builtin()),
            tools: Arc::new(BuiltinTools::standard()),
            trace_dir: None,
            run_id: "run".to_owned(),
            recall: None,
            solution_to_model: false,
            redactor: Redactor::new(),
        }
    }

    /// Record traces under `run_dir` with this run id.
    pub fn with_traces(mut self, run_dir: impl Into<PathBuf>, run_id: &str) -> Self {
        self.trace_dir = Some(run_dir.into());
        self.run_id = run_id.to_owned();
        self
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

    async fn run(&self, ctx: AgentContext<'_>) -> Result<AgentOutcome, TaskError> {
        run::run_trial(self, ctx).await
    }
}
