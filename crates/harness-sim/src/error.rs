//! The one error type of this crate.

use std::path::PathBuf;

/// What can go wrong when loading profiles, reading task knowledge or writing ground truth.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A profile file does not parse or breaks a rule.
    #[error("{file}: {field}: {message}")]
    Profile {
        /// The profile file (or `<shipped>/<name>.yaml`).
        file: String,
        /// The field at fault (`pathologies.over_explore.probability`), or `-` for the file.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// `sim:NAME` names no shipped profile and no file.
    #[error("unknown simulated-model profile `{name}`; shipped profiles: {known}")]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// The shipped names, comma-separated.
        known: String,
    },
    /// The trial carries no usable task knowledge (the solution script).
    #[error("task {task}: {message}")]
    TaskKnowledge {
        /// Task id.
        task: String,
        /// What is missing.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}
