//! The one error type of this crate.

use harness_trace::TraceError;

/// What can go wrong while mining.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MinerError {
    /// The trace store failed (listing, reading a trace or a blob).
    #[error("trace store: {0}")]
    Trace(#[from] TraceError),
    /// A configuration value is out of range.
    #[error("invalid configuration: {field}: {message}")]
    Config {
        /// The field, e.g. `cluster.min_tasks`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The question-answering layer failed (model error, budget spent).
    #[error("question answering: {0}")]
    Qa(String),
    /// Serializing the report failed.
    #[error("report: {0}")]
    Report(String),
}

impl MinerError {
    /// A configuration error.
    pub fn config(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Config {
            field: field.into(),
            message: message.into(),
        }
    }
}
