//! [`AgentContext`]: everything an agent gets for one trial.

use std::path::Path;
use std::time::Duration;

use harness_sandbox::Sandbox;
use harness_trace::SharedSink;
use harness_types::TrialKey;

use crate::task::{AgentTask, SolutionAccess, TrialIdentity};

/// Everything an agent gets for one trial. Fields are public to read; new ones may be added,
/// so build one with [`AgentContext::new`] and the `with_` methods.
#[non_exhaustive]
pub struct AgentContext<'a> {
    /// The task as the agent may see it.
    pub task: &'a AgentTask,
    /// The trial's sandbox, environment built, WORKDIR ready.
    pub sandbox: &'a dyn Sandbox,
    /// Trial identity.
    pub trial: &'a TrialIdentity,
    /// Wall-clock budget.
    pub timeout: Duration,
    /// Host folder for the agent's own records (`<trial>/agent/`).
    pub agent_dir: &'a Path,
    /// The solution, for agents whose [`crate::Agent::needs_solution`] is true.
    pub solution: Option<&'a SolutionAccess>,
    /// What decides this trial's score; the key its score record is filed under.
    pub key: &'a TrialKey,
    /// The trial's trace, opened by the runner from its trace store with the header written;
    /// the runner appends the verifier's verdict after the agent returns. `None` when the
    /// run keeps no traces.
    pub trace: Option<SharedSink>,
}

impl<'a> AgentContext<'a> {
    /// A context without solution and trace.
    pub fn new(
        task: &'a AgentTask,
        sandbox: &'a dyn Sandbox,
        trial: &'a TrialIdentity,
        key: &'a TrialKey,
        timeout: Duration,
        agent_dir: &'a Path,
    ) -> Self {
        Self {
            task,
            sandbox,
            trial,
            timeout,
            agent_dir,
            solution: None,
            key,
            trace: None,
        }
    }

    /// The same context with the solution handed over.
    pub fn with_solution(mut self, solution: Option<&'a SolutionAccess>) -> Self {
        self.solution = solution;
        self
    }

    /// The same context with a trace sink.
    pub fn with_trace(mut self, trace: Option<SharedSink>) -> Self {
        self.trace = trace;
        self
    }
}
