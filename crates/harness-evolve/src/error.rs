//! The one error type of the loop.

use std::path::PathBuf;

use thiserror::Error;

/// What stops the loop. Running out of budget is not an error: the loop stops cleanly and
/// says why in its summary.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EvolveError {
    /// The configuration is malformed; names the file and the field.
    #[error("{file}: {field}: {message}")]
    Config {
        /// The config file.
        file: String,
        /// The field (`budget.rollouts`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A harness is invalid (the seed, or a merge of candidates).
    #[error("harness: {0}")]
    Harness(#[from] harness_core::CoreError),
    /// The suite could not be loaded or has no task to learn from.
    #[error("suite: {0}")]
    Suite(String),
    /// The evaluation engine failed.
    #[error("evaluation: {0}")]
    Eval(#[from] harness_eval::EvalError),
    /// Mining failed.
    #[error("mining: {0}")]
    Miner(#[from] harness_miner::MinerError),
    /// The proposer failed.
    #[error("proposer: {0}")]
    Proposer(#[from] harness_proposer::ProposerError),
    /// The gate failed.
    #[error("gate: {0}")]
    Gate(#[from] harness_gate::GateError),
    /// The lineage failed.
    #[error("lineage: {0}")]
    Lineage(#[from] harness_lineage::LineageError),
    /// The traces could not be read.
    #[error("traces: {0}")]
    Trace(#[from] harness_trace::TraceError),
    /// The run's state is unreadable or belongs to another configuration.
    #[error("{}: {message}", .path.display())]
    State {
        /// The state file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl EvolveError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// Whether the error is the user's input (config, harness, suite, state of another run)
    /// rather than a failure of the machinery.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            EvolveError::Config { .. }
                | EvolveError::Harness(_)
                | EvolveError::Suite(_)
                | EvolveError::State { .. }
        )
    }
}
