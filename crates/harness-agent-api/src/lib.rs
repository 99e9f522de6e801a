//! The agent seam: what a user implements to plug an agent into the runner and the loop,
//! without SQLite, HTTP or the task runner.
//!
//! - [`Agent`]: given a task's instruction and a sandbox, change the sandbox so that the
//!   task's hidden tests pass.
//! - [`AgentContext`]: what the agent gets for one trial: the task as it may see it, the
//!   sandbox, the trial's identity and [`TrialKey`](harness_types::TrialKey), its timeout,
//!   and a trace sink ([`harness_trace::SharedSink`]) the runner opened and will append the
//!   verdict to.
//! - [`AgentOutcome`], [`AgentStatus`], [`AgentError`]: how the run ended.
//! - [`AgentFactory`]: the agent that runs a given harness; the loop builds candidates only
//!   through it.

/// The agent trait.
pub mod agent;
/// The per-trial context.
pub mod context;
/// Why an agent could not run.
pub mod error;
/// Harness to agent.
pub mod factory;
/// How a run ended.
pub mod outcome;
/// What an agent may know about the task and the trial.
pub mod task;

pub use agent::Agent;
pub use context::AgentContext;
pub use error::AgentError;
pub use factory::{AgentFactory, RunContext};
pub use outcome::{AgentOutcome, AgentStatus};
pub use task::{AgentTask, SolutionAccess, TrialIdentity};
