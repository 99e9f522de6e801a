//! The run directory: where a run's traces, blobs and index live.
//!
//! ```text
//! <run>/
//!   traces/<trial_id>.jsonl   one trial per file, the canonical record (see `crate::jsonl`)
//!   blobs/<sha256>            content-addressed bodies: stored message lists, full tool outputs
//!   index.sqlite              SQLite FTS5 index (+ -wal, -shm); derived, rebuildable at any time
//!   attempts/<trial_id>.N.jsonl   earlier attempts of a trial that ran again (not indexed)
//! ```
//!
//! Everything under `traces/` and `blobs/` is written once and never rewritten (a trace file
//! only grows); `index.sqlite` may be deleted at any time and is rebuilt from the JSONL.
//! A run directory may be a job folder of another tool as well: nothing else in it is read.

use std::path::{Path, PathBuf};

pub use harness_types::TrialId;

use crate::TraceError;

/// Sub-directory holding one `<trial_id>.jsonl` per trial.
pub const TRACES_DIR: &str = "traces";
/// Sub-directory holding content-addressed blobs.
pub const BLOBS_DIR: &str = "blobs";
/// File name of the SQLite index.
pub const INDEX_FILE: &str = "index.sqlite";
/// Extension of trace files.
pub const TRACE_EXT: &str = "jsonl";
/// Folder of the traces of earlier attempts, set aside by [`crate::RunStore::set_aside_trace`].
pub const ATTEMPTS_DIR: &str = "attempts";

/// Paths inside one run directory. Pure path arithmetic; nothing is touched until asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLayout {
    root: PathBuf,
}

impl RunLayout {
    /// The layout rooted at `root` (which need not exist yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The run directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<run>/traces`.
    pub fn traces_dir(&self) -> PathBuf {
        self.root.join(TRACES_DIR)
    }

    /// `<run>/blobs`.
    pub fn blobs_dir(&self) -> PathBuf {
        self.root.join(BLOBS_DIR)
    }

    /// `<run>/index.sqlite`.
    pub fn index_path(&self) -> PathBuf {
        self.root.join(INDEX_FILE)
    }

    /// `<run>/traces/<trial>.jsonl`.
    pub fn trace_path(&self, trial: &TrialId) -> PathBuf {
        self.traces_dir()
            .join(format!("{}.{TRACE_EXT}", trial.as_str()))
    }

    /// The first free `attempts/<trial_id>.N.jsonl`, for setting a trace aside.
    pub fn attempt_path(&self, trial: &TrialId) -> PathBuf {
        let dir = self.root.join(ATTEMPTS_DIR);
        let mut n = 1u32;
        loop {
            let path = dir.join(format!("{}.{n}.{TRACE_EXT}", trial.as_str()));
            if !path.exists() || n == u32::MAX {
                return path;
            }
            n += 1;
        }
    }

    /// Create `traces/` and `blobs/` (and the root) if missing.
    pub fn create_dirs(&self) -> Result<(), TraceError> {
        for dir in [self.traces_dir(), self.blobs_dir()] {
            std::fs::create_dir_all(&dir).map_err(|e| TraceError::io(&dir, e))?;
        }
        Ok(())
    }

    /// The trials that have a trace file, sorted by id. Files whose names are not trial ids
    /// (editor backups, temporary files) are ignored. A missing `traces/` holds no trials.
    pub fn trial_ids(&self) -> Result<Vec<TrialId>, TraceError> {
        let dir = self.traces_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(TraceError::io(&dir, e)),
        };
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| TraceError::io(&dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(stem) = name.strip_suffix(&format!(".{TRACE_EXT}")) else {
                continue;
            };
            if let Ok(id) = TrialId::new(stem) {
                ids.push(id);
            }
        }
        ids.sort();
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_only_trace_files() {
        let dir = tempfile::tempdir().unwrap();
        let layout = RunLayout::new(dir.path());
        assert!(layout.trial_ids().unwrap().is_empty());
        layout.create_dirs().unwrap();
        for name in ["b.jsonl", "a.jsonl", ".tmp.jsonl", "notes.txt", "c.jsonl~"] {
            std::fs::write(layout.traces_dir().join(name), "").unwrap();
        }
        let ids: Vec<String> = layout
            .trial_ids()
            .unwrap()
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(ids, ["a", "b"]);
    }
}
