//! [`EvalError`]: why an evaluation could not run or record.

use std::path::PathBuf;

/// Errors of the evaluation engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// Reading or writing the cache journal failed.
    #[error("score cache {}: {source}", .path.display())]
    Io {
        /// The journal.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A line of the journal is not a score record (and not a torn last line).
    #[error("score cache {}, line {line}: {message}", .path.display())]
    Corrupt {
        /// The journal.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The agent for the plan's harness could not be built.
    #[error("agent for harness {harness}: {message}")]
    Agent {
        /// Short hash of the harness.
        harness: String,
        /// What the factory said.
        message: String,
    },
    /// The plan would exceed the budget; nothing was run.
    #[error("over budget: the plan needs {estimate} of {what}, {left} left")]
    OverBudget {
        /// Which limit.
        what: String,
        /// What the plan would take.
        estimate: String,
        /// What is left.
        left: String,
    },
    /// The job runner failed (its folder could not be made or written).
    #[error("job: {0}")]
    Job(#[from] harness_tasks::TaskError),
}

impl EvalError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EvalError::Io {
            path: path.into(),
            source,
        }
    }
}
