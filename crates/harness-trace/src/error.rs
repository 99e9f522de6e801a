//! The one error type of this crate.

use std::path::{Path, PathBuf};

/// Everything that can go wrong while writing, reading, indexing or exporting traces.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// Host path involved.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A complete line of a trace file is not a valid event.
    #[error("{}:{line}: {message}", .path.display())]
    Parse {
        /// The trace file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },
    /// A trace file is well-formed line by line but not as a whole (no header first,
    /// sequence numbers out of order, a second header).
    #[error("{}:{line}: {message}", .path.display())]
    Malformed {
        /// The trace file.
        path: PathBuf,
        /// 1-based line number where the problem shows.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An event cannot be written as it is (e.g. a reward that is NaN, which JSON cannot hold).
    #[error("invalid event: {message}")]
    InvalidEvent {
        /// What is wrong.
        message: String,
    },
    /// A trial id is not usable as a file name.
    #[error("invalid trial id `{id}`: {reason}")]
    InvalidTrialId {
        /// The id as given.
        id: String,
        /// Why it was refused.
        reason: String,
    },
    /// Something asked for does not exist (a run directory, a trial, a blob).
    #[error("not found: {what}")]
    NotFound {
        /// What was looked for.
        what: String,
    },
    /// A stored blob does not match its reference (size or hash).
    #[error("{}: blob does not match its reference ({message})", .path.display())]
    BlobMismatch {
        /// The blob file.
        path: PathBuf,
        /// What differs.
        message: String,
    },
    /// A search query has nothing to search for, or the search engine refused it.
    #[error("bad query `{query}`: {message}")]
    BadQuery {
        /// The query as given.
        query: String,
        /// What is wrong with it.
        message: String,
    },
    /// The search index failed.
    #[error("index {}: {message}", .path.display())]
    Index {
        /// The index file.
        path: PathBuf,
        /// What the index engine reported.
        message: String,
    },
    /// JSON encoding failed (export or event serialization).
    #[error("{what}: {source}")]
    Json {
        /// What was being encoded or decoded.
        what: String,
        /// Underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// A blocking task of an async store method did not finish (it panicked or was cancelled).
    #[error("background task failed: {message}")]
    Background {
        /// What happened.
        message: String,
    },
}

impl TraceError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TraceError::Io {
            path: path.into(),
            source,
        }
    }

    /// An index error on the index file at `path`.
    pub fn index(path: &Path, source: impl std::fmt::Display) -> Self {
        TraceError::Index {
            path: path.to_path_buf(),
            message: source.to_string(),
        }
    }

    /// A JSON error while handling `what`.
    pub fn json(what: impl Into<String>, source: serde_json::Error) -> Self {
        TraceError::Json {
            what: what.into(),
            source,
        }
    }

    /// A not-found error.
    pub fn not_found(what: impl Into<String>) -> Self {
        TraceError::NotFound { what: what.into() }
    }

    /// True when the error is the caller's (missing run or trial, bad id or query, bad file)
    /// rather than the machine's; the CLI maps these to exit code 2.
    pub fn is_bad_input(&self) -> bool {
        match self {
            TraceError::Io { source, .. } => source.kind() == std::io::ErrorKind::NotFound,
            TraceError::Parse { .. }
            | TraceError::Malformed { .. }
            | TraceError::InvalidEvent { .. }
            | TraceError::InvalidTrialId { .. }
            | TraceError::NotFound { .. }
            | TraceError::BadQuery { .. } => true,
            TraceError::BlobMismatch { .. }
            | TraceError::Index { .. }
            | TraceError::Json { .. }
            | TraceError::Background { .. } => false,
        }
    }
}

impl From<harness_types::IdError> for TraceError {
    fn from(e: harness_types::IdError) -> Self {
        TraceError::InvalidTrialId {
            id: e.id,
            reason: e.reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_file_and_line() {
        let e = TraceError::Parse {
            path: PathBuf::from("run/traces/t1.jsonl"),
            line: 7,
            message: "expected value".into(),
        };
        assert_eq!(e.to_string(), "run/traces/t1.jsonl:7: expected value");
        assert!(e.is_bad_input());
    }
}
