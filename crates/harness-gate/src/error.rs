//! [`GateError`]: what stops a gate from deciding at all (as opposed to a decision to wait).

use harness_types::ContentHash;

/// Why a gate could not decide.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GateError {
    /// The score matrix holds no record at all for a harness the request names.
    #[error("the score matrix has no record of harness {harness} (the {role})")]
    UnknownHarness {
        /// The harness hash asked for.
        harness: ContentHash,
        /// `parent` or `candidate`.
        role: &'static str,
    },
    /// A parameter is out of its range.
    #[error("gate configuration: `{field}`: {message}")]
    BadConfig {
        /// The field, as written in a configuration file.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The same planned cell has two different splits, or a record's split disagrees with
    /// the plan.
    #[error("cell {cell}: {message}")]
    InconsistentCell {
        /// The cell, as `task#repeat@seed`.
        cell: String,
        /// What disagrees.
        message: String,
    },
}
