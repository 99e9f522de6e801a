//! The job folder on disk and crash-safe writes:
//!
//! ```text
//! <out>/<job>/.lock                        held (locked) by the run that owns the job
//! <out>/<job>/config.json
//! <out>/<job>/result.json                  rewritten as trials finish
//! <out>/<job>/<task>__<repeat>/result.json written once, when the trial ends
//! <out>/<job>/<task>__<repeat>/agent/      the agent's own records
//! <out>/<job>/<task>__<repeat>/environment/build.log
//! <out>/<job>/<task>__<repeat>/verifier/   reward files, test-stdout.txt (humans only)
//! <out>/<job>/scores.jsonl                 one score record per finished trial, synced
//! <out>/<job>/attempts/<task>__<repeat>.N/ earlier attempts of a trial that ran again
//! ```
//!
//! Every JSON file is written to a temp file in the same folder and renamed over the target,
//! so a crash or kill leaves either the old or the new file, never a torn one.
//!
//! A job folder belongs to one run: [`JobDir::create`] claims it by creating `.lock` with
//! `O_EXCL` and keeps an advisory lock on that file for as long as any clone of the
//! [`JobDir`] lives (the lock goes with the process, so a killed run leaves no stale lock,
//! only the file, and the folder stays taken). [`JobDir::reopen`] takes such a folder back to
//! resume it, when no live run holds its lock.
//!
//! [`JobDir`]: crate::layout::JobDir
//! [`JobDir::create`]: crate::layout::JobDir::create
//! [`JobDir::reopen`]: crate::layout::JobDir::reopen

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::TaskError;
use crate::transcript::VerifierDir;

/// Name of the per-job and per-trial result files.
pub const RESULT_JSON: &str = "result.json";
/// Name of the job config file.
pub const CONFIG_JSON: &str = "config.json";
/// Name of the file a run creates and locks to own its job folder.
pub const LOCK_FILE: &str = ".lock";
/// Score records of a job, one JSON line per finished trial.
pub const SCORES_FILE: &str = "scores.jsonl";
/// How many times [`JobDir::reopen`] tries a held lock again, 50 ms apart, before refusing.
const REOPEN_LOCK_TRIES: u32 = 40;
/// Folder of a job's earlier attempts of trials that ran again.
pub const ATTEMPTS_DIR: &str = "attempts";

/// Write `value` as pretty JSON to `path` atomically (temp file + rename).
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<(), TaskError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| TaskError::io(dir, e))?;
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| TaskError::io(path, std::io::Error::other(e)))?;
    bytes.push(b'\n');
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(|e| TaskError::io(dir, e))?;
    std::io::Write::write_all(&mut tmp, &bytes).map_err(|e| TaskError::io(tmp.path(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| TaskError::io(tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| TaskError::io(path, e.error))?;
    Ok(())
}

/// `<out>/<job>/`, owned by this run while any clone of it lives.
#[derive(Debug, Clone)]
pub struct JobDir {
    root: PathBuf,
    /// `.lock`, locked; unlocked when the last clone is dropped.
    _lock: Arc<File>,
}

impl PartialEq for JobDir {
    fn eq(&self, other: &Self) -> bool {
        self.root == other.root
    }
}

impl Eq for JobDir {}

/// Cut a journal back to its last complete line (a writer killed mid-line leaves a torn one);
/// a missing file is left missing.
pub fn truncate_torn_tail(path: &Path) -> Result<(), TaskError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(TaskError::io(path, e)),
    };
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        return Ok(());
    }
    let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    tracing::warn!(path = %path.display(), bytes = bytes.len() - keep, "torn last line cut off");
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| TaskError::io(path, e))?;
    file.set_len(keep as u64)
        .map_err(|e| TaskError::io(path, e))?;
    file.sync_all().map_err(|e| TaskError::io(path, e))
}

/// Lock the job's `.lock` for this process, or say another run holds it. A file system
/// without locks is let through.
fn hold_lock(lock: &File, root: &Path, lock_path: &Path) -> Result<(), TaskError> {
    match lock.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(job_exists(root, "another run holds its lock"))
        }
        Err(std::fs::TryLockError::Error(e)) => {
            tracing::debug!(path = %lock_path.display(), error = %e, "job lock not taken");
            Ok(())
        }
    }
}

/// A job name must be a plain folder name.
fn check_job_name(out: &Path, job_name: &str) -> Result<(), TaskError> {
    let plain = !job_name.is_empty()
        && job_name != "."
        && job_name != ".."
        && !job_name.contains(['/', '\\', '\0']);
    if plain {
        return Ok(());
    }
    Err(TaskError::io(
        out.join(job_name),
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "a job name must be a plain folder name (no `/`, not `.` or `..`)",
        ),
    ))
}

/// The error for a job folder another run owns or owned.
fn job_exists(root: &Path, why: &str) -> TaskError {
    TaskError::io(
        root,
        std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("job folder exists ({why}); choose another job name or output folder"),
        ),
    )
}

impl JobDir {
    /// Create `<out>/<job>/` and claim it for this run. The folder must be new, or an empty
    /// folder nobody claimed; the claim is creating `.lock` exclusively and locking it, so of
    /// several runs racing for one name exactly one succeeds. The others, and any run naming
    /// a folder that holds files (an earlier job, whatever its state), get an
    /// [`AlreadyExists`](std::io::ErrorKind::AlreadyExists) error saying "job folder exists":
    /// two jobs never mix their trials.
    pub fn create(out: &Path, job_name: &str) -> Result<Self, TaskError> {
        check_job_name(out, job_name)?;
        let root = out.join(job_name);
        std::fs::create_dir_all(out).map_err(|e| TaskError::io(out, e))?;
        match std::fs::create_dir(&root) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // Only an empty folder (made by hand) may be taken over; a run that races for
                // it is settled by the exclusive `.lock` below.
                let mut entries = std::fs::read_dir(&root).map_err(|e| TaskError::io(&root, e))?;
                if entries.next().is_some() {
                    return Err(job_exists(&root, "it is not empty"));
                }
            }
            Err(e) => return Err(TaskError::io(&root, e)),
        }
        let lock_path = root.join(LOCK_FILE);
        let lock = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock_path)
        {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(job_exists(&root, "another run owns it"));
            }
            Err(e) => return Err(TaskError::io(&lock_path, e)),
        };
        // On file systems without locks (some network mounts) the exclusive create above
        // already made the folder ours.
        hold_lock(&lock, &root, &lock_path)?;
        let _ =
            std::io::Write::write_all(&mut &lock, format!("{}\n", std::process::id()).as_bytes());
        Ok(Self {
            root,
            _lock: Arc::new(lock),
        })
    }

    /// Take `<out>/<job>/` back to resume it (or create it): the folder may hold an earlier
    /// run of the job, killed or finished, but no live run may hold its lock. A torn last
    /// line of `scores.jsonl` (a run killed mid-write; its trial never counted as finished)
    /// is cut off, so the next record starts on a line of its own.
    pub fn reopen(out: &Path, job_name: &str) -> Result<Self, TaskError> {
        check_job_name(out, job_name)?;
        let root = out.join(job_name);
        std::fs::create_dir_all(&root).map_err(|e| TaskError::io(&root, e))?;
        let lock_path = root.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| TaskError::io(&lock_path, e))?;
        // A run of this job that just ended in this process may release its lock a moment
        // late (its last handles drop as its tasks wind down); a live run elsewhere keeps it.
        let mut tries = 0;
        loop {
            match hold_lock(&lock, &root, &lock_path) {
                Ok(()) => break,
                Err(_) if tries < REOPEN_LOCK_TRIES => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => return Err(e),
            }
        }
        truncate_torn_tail(&root.join(SCORES_FILE))?;
        Ok(Self {
            root,
            _lock: Arc::new(lock),
        })
    }

    /// The job folder.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// `config.json`.
    pub fn config_path(&self) -> PathBuf {
        self.root.join(CONFIG_JSON)
    }

    /// `result.json`.
    pub fn result_path(&self) -> PathBuf {
        self.root.join(RESULT_JSON)
    }

    /// `<job>/scores.jsonl`: one [`harness_types::ScoreRecord`] per finished trial, appended
    /// and synced as each trial ends.
    pub fn scores_path(&self) -> PathBuf {
        self.root.join(SCORES_FILE)
    }

    /// Create the folder of one trial. A folder an earlier attempt left (a trial killed
    /// mid-run, or one that ended in an error and runs again) is moved to
    /// `attempts/<trial>.N/`, not deleted.
    pub fn trial(&self, trial_name: &str) -> Result<TrialDir, TaskError> {
        let root = self.root.join(trial_name);
        if root.exists() {
            self.set_aside(trial_name)?;
        }
        for sub in ["agent", "verifier", "environment"] {
            let d = root.join(sub);
            std::fs::create_dir_all(&d).map_err(|e| TaskError::io(&d, e))?;
        }
        Ok(TrialDir { root })
    }
}

impl JobDir {
    /// Move `<job>/<trial>/` to the first free `<job>/attempts/<trial>.N/`.
    fn set_aside(&self, trial_name: &str) -> Result<(), TaskError> {
        let from = self.root.join(trial_name);
        let attempts = self.root.join(ATTEMPTS_DIR);
        std::fs::create_dir_all(&attempts).map_err(|e| TaskError::io(&attempts, e))?;
        for n in 1u32.. {
            let to = attempts.join(format!("{trial_name}.{n}"));
            if to.exists() {
                continue;
            }
            return std::fs::rename(&from, &to).map_err(|e| TaskError::io(&from, e));
        }
        Ok(())
    }
}

/// `<out>/<job>/<task>__<repeat>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialDir {
    root: PathBuf,
}

impl TrialDir {
    /// The trial folder.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// `agent/`.
    pub fn agent_dir(&self) -> PathBuf {
        self.root.join("agent")
    }

    /// `environment/`.
    pub fn environment_dir(&self) -> PathBuf {
        self.root.join("environment")
    }

    /// `verifier/`: the only place verifier transcripts may be written.
    pub fn verifier_dir(&self) -> VerifierDir {
        VerifierDir::new(self.root.join("verifier"))
    }

    /// `result.json`.
    pub fn result_path(&self) -> PathBuf {
        self.root.join(RESULT_JSON)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x/result.json");
        write_json_atomic(&path, &serde_json::json!({"a": 1})).unwrap();
        write_json_atomic(&path, &serde_json::json!({"a": 2})).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["a"], 2);
        let names: Vec<_> = std::fs::read_dir(dir.path().join("x"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["result.json"]);
    }

    #[test]
    fn job_dir_refuses_existing_job() {
        let out = tempfile::tempdir().unwrap();
        let job = JobDir::create(out.path(), "j").unwrap();
        write_json_atomic(&job.config_path(), &1).unwrap();
        let err = JobDir::create(out.path(), "j").unwrap_err();
        assert!(err.to_string().contains("job folder exists"), "{err}");
        // Still taken once the first run is gone.
        drop(job);
        assert!(JobDir::create(out.path(), "j").is_err());
        // An empty folder made by hand may be used; one holding files may not.
        std::fs::create_dir(out.path().join("empty")).unwrap();
        assert!(JobDir::create(out.path(), "empty").is_ok());
        std::fs::create_dir(out.path().join("full")).unwrap();
        std::fs::write(out.path().join("full/notes.txt"), "mine").unwrap();
        assert!(JobDir::create(out.path(), "full").is_err());
        assert_eq!(
            std::fs::read_to_string(out.path().join("full/notes.txt")).unwrap(),
            "mine"
        );
        let job = JobDir::create(out.path(), "k").unwrap();
        for bad in ["", "..", "a/b"] {
            assert!(JobDir::create(out.path(), bad).is_err(), "{bad:?}");
        }
        let t = job.trial("task__0").unwrap();
        assert!(out.path().join("k/.lock").is_file());
        assert!(t.agent_dir().is_dir() && t.verifier_dir().path().is_dir());
    }
}
