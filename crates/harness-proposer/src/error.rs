//! The one error type of the crate.

use thiserror::Error;

/// What can go wrong while proposing. A proposal that breaks a guard is not an error: it is
/// a [`RejectedChange`](crate::RejectedChange) in the batch, with its reasons.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ProposerError {
    /// A catalog file is malformed; names the file and the field.
    #[error("{file}: {field}: {message}")]
    Catalog {
        /// The catalog file.
        file: String,
        /// The field, as a path (`remedies[2].params.max_tool_calls`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// An instruction template is malformed or names an unknown variable.
    #[error("template {file}: {message}")]
    Template {
        /// The template file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The model backend failed (after its own retries).
    #[error("model: {0}")]
    Model(#[from] harness_model::ModelError),
    /// The trace store failed.
    #[error("traces: {0}")]
    Trace(#[from] harness_trace::TraceError),
    /// The spend meter refused a charge: the budget is spent.
    #[error("budget: {0}")]
    Budget(String),
    /// A harness could not be built or serialized.
    #[error("harness: {0}")]
    Harness(#[from] harness_core::CoreError),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}
