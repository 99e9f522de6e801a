//! The host directories of one sandbox, removed on drop.
//!
//! A sandbox starts with one root, `<base>/harness-sandbox-XXXX/`, holding WORKDIR and the
//! phase directories (logs, tests, solution, HOME, TMPDIR, tools). Entering the verifier phase
//! makes a second root with fresh phase directories, created from the host side after every
//! process of the agent phase was killed; only WORKDIR carries over. Nothing the agent could
//! write is reused as an input of the verifier.
//!
//! Each root holds a lock file (`.owner.lock`) locked for the sandbox's life, so that a later
//! run can tell a root left by a killed process (lock free) from one in use and remove it
//! ([`remove_stale`]).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::fsops::{self, io_error};
use crate::sys;
use crate::{SandboxError, SandboxPaths};

/// Prefix of every sandbox root under the base directory.
pub(crate) const ROOT_PREFIX: &str = "harness-sandbox-";

/// The lock file in each root.
const LOCK_FILE: &str = ".owner.lock";

/// A root younger than this without a lock file may still be being created.
const CREATION_GRACE: Duration = Duration::from_secs(120);

/// The host directories commands of the current phase use.
#[derive(Debug, Clone)]
pub(crate) struct Dirs {
    /// The root of this phase's directories.
    pub root: PathBuf,
    /// WORKDIR (the same in every phase).
    pub work: PathBuf,
    /// Log root; `verifier/` and `agent/` exist from the start, as Harbor tasks expect.
    pub logs: PathBuf,
    /// Copy of the task's tests once mounted.
    pub tests: PathBuf,
    /// Copy of the task's solution once mounted.
    pub solution: PathBuf,
    /// HOME of the sandbox's commands.
    pub home: PathBuf,
    /// TMPDIR of the sandbox's commands.
    pub tmp: PathBuf,
    /// Read-only tools (offline shims) once mounted.
    pub tools: PathBuf,
    /// Whether these are the verifier phase's directories.
    pub verifier: bool,
}

/// Name of the verifier's HOME under its TMPDIR, for backends whose HOME is WORKDIR (a task
/// with `WORKDIR /root`): the verifier must not take its start-up files from the agent's.
pub(crate) const VERIFIER_HOME_IN_TMP: &str = ".home";

impl Dirs {
    /// The well-known directories as host paths.
    pub(crate) fn host_paths(&self) -> SandboxPaths {
        SandboxPaths {
            workdir: self.work.display().to_string(),
            logs: self.logs.display().to_string(),
            tests: self.tests.display().to_string(),
            solution: self.solution.display().to_string(),
            tools: self.tools.display().to_string(),
        }
    }
}

/// One root directory and the lock that marks it as in use.
#[derive(Debug)]
struct Root {
    path: PathBuf,
    // Held open (and locked) until the root is removed.
    _lock: Option<File>,
}

/// Every host directory of one sandbox. Dropping it removes them all.
#[derive(Debug)]
pub(crate) struct Layout {
    base: PathBuf,
    roots: Mutex<Vec<Root>>,
    dirs: Mutex<Dirs>,
}

/// Make a fresh, locked root under `base`.
fn new_root(base: &Path) -> Result<Root, SandboxError> {
    std::fs::create_dir_all(base).map_err(io_error(base))?;
    let dir = tempfile::Builder::new()
        .prefix(ROOT_PREFIX)
        .tempdir_in(base)
        .map_err(io_error(base))?;
    // From here on removal is this module's job (it also copes with read-only trees).
    let kept = dir.keep();
    let path = match kept.canonicalize() {
        Ok(path) => path,
        Err(source) => {
            let _ = fsops::remove_tree(&kept);
            return Err(SandboxError::Io { path: kept, source });
        }
    };
    let lock = lock_root(&path);
    Ok(Root { path, _lock: lock })
}

/// Create and lock the root's lock file. It is locked under a temporary name and then renamed
/// (the lock follows the file), so a scan never sees it unlocked while its owner lives. A file
/// system without locks only loses the stale-directory cleanup, so failures are logged, not
/// returned.
fn lock_root(root: &Path) -> Option<File> {
    let staging = root.join(".owner.lock.new");
    let path = root.join(LOCK_FILE);
    let file = match File::create(&staging) {
        Ok(file) => file,
        Err(err) => {
            tracing::warn!(path = %staging.display(), %err, "could not create sandbox lock file");
            return None;
        }
    };
    if let Err(err) = file.try_lock() {
        tracing::warn!(path = %staging.display(), %err, "could not lock sandbox lock file");
    }
    if let Err(err) = std::fs::rename(&staging, &path) {
        tracing::warn!(path = %path.display(), %err, "could not place sandbox lock file");
    }
    Some(file)
}

/// Fresh phase directories under `root`, with `work` as WORKDIR.
fn phase_dirs(root: &Path, work: PathBuf, verifier: bool) -> Result<Dirs, SandboxError> {
    let dirs = Dirs {
        root: root.to_path_buf(),
        work,
        logs: root.join("logs"),
        tests: root.join("tests"),
        solution: root.join("solution"),
        home: root.join("home"),
        tmp: root.join("tmp"),
        tools: root.join("tools"),
        verifier,
    };
    for dir in [
        &dirs.logs.join("verifier"),
        &dirs.logs.join("agent"),
        &dirs.tests,
        &dirs.solution,
        &dirs.home,
        &dirs.tmp,
        &dirs.tools,
    ] {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    }
    if verifier {
        let home = dirs.tmp.join(VERIFIER_HOME_IN_TMP);
        std::fs::create_dir_all(&home).map_err(io_error(&home))?;
    }
    Ok(dirs)
}

impl Layout {
    /// Make a fresh sandbox directory under `base` (the system temp dir when `None`).
    pub(crate) fn create(base: Option<&Path>) -> Result<Self, SandboxError> {
        let base = base.map_or_else(std::env::temp_dir, Path::to_path_buf);
        let root = new_root(&base)?;
        let layout = Self {
            base,
            dirs: Mutex::new(Dirs {
                root: root.path.clone(),
                work: root.path.join("work"),
                logs: PathBuf::new(),
                tests: PathBuf::new(),
                solution: PathBuf::new(),
                home: PathBuf::new(),
                tmp: PathBuf::new(),
                tools: PathBuf::new(),
                verifier: false,
            }),
            roots: Mutex::new(vec![root]),
        };
        // The layout owns the root now, so an error below still removes it.
        let root_path = layout.dirs().root;
        let work = root_path.join("work");
        std::fs::create_dir_all(&work).map_err(io_error(&work))?;
        let dirs = phase_dirs(&root_path, work, false)?;
        *layout.dirs.lock().unwrap_or_else(|e| e.into_inner()) = dirs;
        Ok(layout)
    }

    /// The current phase's directories.
    pub(crate) fn dirs(&self) -> Dirs {
        self.dirs.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Switch to fresh verifier-phase directories in a new root. The caller has killed every
    /// process of the earlier phase. WORKDIR is kept; if a command removed it or put something
    /// else in its place, an empty directory takes its place (what the agent did to its own
    /// files is the agent's outcome, not a failure of the sandbox).
    pub(crate) fn enter_verifier_phase(&self) -> Result<Dirs, SandboxError> {
        let current = self.dirs();
        restore_traversal(&current.root);
        let root = new_root(&self.base)?;
        // A command that replaced the root itself (possible on `local`) leaves no WORKDIR to
        // restore in place: the verifier gets an empty one, and the tests fail as they should.
        let work = match ensure_real_dir(&current.work) {
            Ok(()) => current.work,
            Err(err) => {
                tracing::warn!(%err, "WORKDIR could not be restored; the verifier gets an empty one");
                root.path.join("work")
            }
        };
        restore_traversal(&work);
        let dirs = std::fs::create_dir_all(&work)
            .map_err(io_error(&work))
            .and_then(|()| phase_dirs(&root.path, work, true));
        self.roots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(root);
        let dirs = dirs?;
        *self.dirs.lock().unwrap_or_else(|e| e.into_inner()) = dirs.clone();
        Ok(dirs)
    }

    /// Re-create WORKDIR, HOME and TMPDIR where a command removed them, so that the next
    /// command can start (a missing working directory would fail the spawn). Returns the
    /// current directories.
    pub(crate) fn repair(&self) -> Result<Dirs, SandboxError> {
        let dirs = self.dirs();
        restore_traversal(&dirs.root);
        for dir in [&dirs.work, &dirs.home, &dirs.tmp] {
            ensure_real_dir(dir)?;
        }
        Ok(dirs)
    }
}

/// Give the owner back read, write and search permission on a directory that a command locked
/// down (`chmod 000`), so that host-side work and the verifier can enter it.
fn restore_traversal(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::symlink_metadata(dir)
        && meta.is_dir()
    {
        let mode = meta.permissions().mode();
        if mode & 0o700 != 0o700 {
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode | 0o700));
        }
    }
}

/// Make `dir` a real directory: remove a symlink or file in its place, create it if missing.
fn ensure_real_dir(dir: &Path) -> Result<(), SandboxError> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => {
            std::fs::remove_file(dir).map_err(io_error(dir))?;
            std::fs::create_dir_all(dir).map_err(io_error(dir))
        }
        Err(_) => std::fs::create_dir_all(dir).map_err(io_error(dir)),
    }
}

impl Drop for Layout {
    fn drop(&mut self) {
        let roots = std::mem::take(&mut *self.roots.lock().unwrap_or_else(|e| e.into_inner()));
        for root in roots {
            if let Err(err) = fsops::remove_tree(&root.path) {
                tracing::warn!(root = %root.path.display(), %err, "could not remove sandbox directory");
            }
        }
    }
}

/// Remove sandbox roots under `base` (the system temp dir when `None`) whose owner is gone:
/// their lock file can be locked, or they have none and are older than a creation could
/// take. Returns how many were removed. Roots in use by any live process are left alone.
pub fn remove_stale(base: Option<&Path>) -> usize {
    let base = base.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let Ok(entries) = std::fs::read_dir(&base) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(ROOT_PREFIX) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_dir() {
            continue;
        }
        if is_stale(&path, &meta) && fsops::remove_tree(&path).is_ok() {
            tracing::info!(root = %path.display(), "removed a sandbox directory left by a killed run");
            removed += 1;
        }
    }
    removed
}

fn is_stale(root: &Path, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    // Only our own roots: another user's are theirs to clean.
    if meta.uid() != sys::effective_uid() {
        return false;
    }
    // Non-blocking and without following links, so that a FIFO or a link planted under the
    // lock file's name cannot hang or redirect the scan; it must be a regular file.
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(root.join(LOCK_FILE));
    match opened {
        // A lock we can take means no live owner holds it.
        Ok(file) => file.metadata().is_ok_and(|m| m.is_file()) && file.try_lock().is_ok(),
        // No lock file at all: an owner that died before making one, once it is old enough.
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age > CREATION_GRACE),
        // Anything else (no permission, a link, ...) is not proof that the owner is gone.
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_and_removes() {
        let base = tempfile::tempdir().unwrap();
        let layout = Layout::create(Some(base.path())).unwrap();
        let dirs = layout.dirs();
        assert!(dirs.logs.join("verifier").is_dir());
        assert!(dirs.work.is_dir());
        assert!(dirs.tools.is_dir());
        drop(layout);
        assert!(!dirs.root.exists());
    }

    #[test]
    fn verifier_phase_has_fresh_dirs_and_keeps_work() {
        let base = tempfile::tempdir().unwrap();
        let layout = Layout::create(Some(base.path())).unwrap();
        let agent = layout.dirs();
        std::fs::write(agent.work.join("kept.txt"), "x").unwrap();
        std::fs::write(agent.logs.join("verifier/reward.txt"), "1").unwrap();
        std::fs::write(agent.home.join(".profile"), "planted").unwrap();
        let verifier = layout.enter_verifier_phase().unwrap();
        assert_eq!(verifier.work, agent.work);
        assert_ne!(verifier.root, agent.root);
        assert!(verifier.work.join("kept.txt").is_file());
        assert!(!verifier.logs.join("verifier/reward.txt").exists());
        assert!(!verifier.home.join(".profile").exists());
        drop(layout);
        assert!(!agent.root.exists() && !verifier.root.exists());
    }

    #[test]
    fn workdir_replaced_by_a_symlink_is_restored() {
        let base = tempfile::tempdir().unwrap();
        let layout = Layout::create(Some(base.path())).unwrap();
        let dirs = layout.dirs();
        std::fs::remove_dir_all(&dirs.work).unwrap();
        std::os::unix::fs::symlink("/etc", &dirs.work).unwrap();
        let verifier = layout.enter_verifier_phase().unwrap();
        let meta = std::fs::symlink_metadata(&verifier.work).unwrap();
        assert!(meta.is_dir() && !meta.file_type().is_symlink());
    }

    #[test]
    fn stale_roots_are_removed_and_live_ones_kept() {
        let base = tempfile::tempdir().unwrap();
        let live = Layout::create(Some(base.path())).unwrap();
        // A root whose owner died: its lock file exists but nobody holds the lock.
        let dead = base.path().join(format!("{ROOT_PREFIX}dead"));
        std::fs::create_dir_all(dead.join("work")).unwrap();
        std::fs::write(dead.join(LOCK_FILE), "").unwrap();
        // A root being created right now: no lock file yet, but young.
        let young = base.path().join(format!("{ROOT_PREFIX}young"));
        std::fs::create_dir_all(&young).unwrap();
        // A FIFO planted under the lock file's name neither hangs the scan nor counts as free.
        let fifo = base.path().join(format!("{ROOT_PREFIX}fifo"));
        std::fs::create_dir_all(&fifo).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(fifo.join(LOCK_FILE))
            .status()
            .unwrap();
        assert!(made.success());
        assert_eq!(remove_stale(Some(base.path())), 1);
        assert!(fifo.exists());
        assert!(!dead.exists());
        assert!(young.exists());
        assert!(live.dirs().root.exists());
    }
}
