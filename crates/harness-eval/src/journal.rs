//! Append-only JSON-lines journals, shared by the score cache and the budget ledger: every
//! record is one `write` of one line, synced before the call returns, so a kill loses at most
//! the line being written, and a torn last line is skipped on reading.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::EvalError;

/// Read every record of the journal at `path` (none when it does not exist) and open it for
/// appending. A torn last line is skipped and cut off, so the next record starts on a line of
/// its own; any other bad line is an error naming it, and nothing is dropped.
pub(crate) fn open<T: DeserializeOwned>(path: &Path) -> Result<(Vec<T>, File), EvalError> {
    let mut records = Vec::new();
    match std::fs::read(path) {
        Ok(bytes) => {
            let complete = bytes.ends_with(b"\n");
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<T>(line) {
                    Ok(record) => records.push(record),
                    Err(_) if !complete && i + 1 == lines.len() => {
                        tracing::warn!(path = %path.display(), line = i + 1, "torn last line skipped");
                    }
                    Err(e) => {
                        return Err(EvalError::Corrupt {
                            path: path.to_path_buf(),
                            line: i + 1,
                            message: e.to_string(),
                        });
                    }
                }
            }
            // Cut the torn line off (closing it with a newline instead would leave a bad line
            // in the middle, which the next open could not tell from corruption).
            harness_tasks::layout::truncate_torn_tail(path)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(EvalError::io(path, e)),
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| EvalError::io(path, e))?;
    Ok((records, file))
}

/// Append `record` as one line and sync it.
pub(crate) fn append<T: Serialize>(
    file: &mut File,
    path: &Path,
    record: &T,
) -> Result<(), EvalError> {
    let mut line = serde_json::to_vec(record).map_err(|e| EvalError::Corrupt {
        path: path.to_path_buf(),
        line: 0,
        message: e.to_string(),
    })?;
    line.push(b'\n');
    file.write_all(&line).map_err(|e| EvalError::io(path, e))?;
    file.sync_data().map_err(|e| EvalError::io(path, e))
}
