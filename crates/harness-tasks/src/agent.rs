//! The agent seam. The traits and types live in `harness_agent_api` (so an agent can be
//! written without this crate); they are re-exported here, with the task side's view.

pub use harness_agent_api::{
    Agent, AgentContext, AgentError, AgentFactory, AgentOutcome, AgentStatus, AgentTask,
    RunContext, SolutionAccess, TrialIdentity,
};

use crate::task::Task;

/// The agent's view of a loaded task: no host paths, so no route to `tests/`.
pub fn agent_task(task: &Task) -> AgentTask {
    let mut view = AgentTask::new(
        task.id.clone(),
        task.instruction.clone(),
        task.checksum.clone(),
        task.plan.workdir.clone(),
    );
    view.metadata = task.config.metadata.clone();
    view
}
