//! The one error type: every failure names the file (and, where there is one, the line and
//! the field) that caused it.

use std::path::PathBuf;

/// What can go wrong while reading a run directory or writing its report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file the report needs could not be read (or the run directory is not one).
    #[error("{}: {message}", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file holds something that does not parse; `message` names the field.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The line, for line-per-record files.
        line: Option<usize>,
        /// The parser's message (it names the field).
        message: String,
    },
    /// A chart could not be drawn.
    #[error("chart {chart}: {message}")]
    Plot {
        /// Which chart.
        chart: String,
        /// What failed.
        message: String,
    },
    /// The report could not be written.
    #[error("{}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}
