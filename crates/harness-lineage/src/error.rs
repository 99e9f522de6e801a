//! [`LineageError`]: what can go wrong reading or writing the lineage.

use std::path::PathBuf;

use harness_core::CoreError;

/// Lineage errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LineageError {
    /// A git operation failed.
    #[error("lineage repository {}: {action}: {message}", path.display())]
    Git {
        /// The repository.
        path: PathBuf,
        /// What was being done.
        action: String,
        /// gix's message.
        message: String,
    },
    /// The run directory has no lineage repository.
    #[error("{}: no lineage repository (expected a bare git repository there)", path.display())]
    NoLineage {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// A revision names nothing in the lineage.
    #[error(
        "`{rev}` is not a version of the lineage (try `main`, `candidates/<generation>/<id>`, a ref name or a commit id of 7 or more hex digits)"
    )]
    UnknownRevision {
        /// The revision as given.
        rev: String,
    },
    /// A version record's field cannot be used (a candidate id that is no ref name, say).
    #[error("version record: `{field}`: {message}")]
    BadRecord {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A commit of the lineage does not hold a harness this toolkit can read.
    #[error("version {commit}: {message}")]
    NotAHarness {
        /// The commit id.
        commit: String,
        /// What is wrong.
        message: String,
    },
    /// A harness failed to validate or to be written.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A blocking task could not be joined.
    #[error("a lineage task ended abnormally: {0}")]
    Join(String),
}

impl LineageError {
    /// Whether the error is the caller's input (unknown revision, bad record, missing
    /// repository) rather than a failure of the machine.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            LineageError::NoLineage { .. }
                | LineageError::UnknownRevision { .. }
                | LineageError::BadRecord { .. }
        ) || matches!(self, LineageError::Core(CoreError::Invalid { .. }))
    }
}
