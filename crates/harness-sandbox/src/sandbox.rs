//! The sandbox trait: run commands and move files in one isolated working area.

use std::collections::BTreeMap;
use std::path::Path;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::{ExecOptions, ExecOutput, SandboxError};

/// The well-known directories of a sandbox, as paths seen from inside it. On `bwrap` these are
/// the Harbor paths (`/app`, `/logs`, `/tests`, `/solution`); on `local` they are host paths
/// inside the sandbox's temp directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxPaths {
    /// WORKDIR: where the agent works.
    pub workdir: String,
    /// Log root; the verifier writes to `<logs>/verifier/`.
    pub logs: String,
    /// Where `tests/` appears once mounted.
    pub tests: String,
    /// Where `solution/` appears once mounted.
    pub solution: String,
    /// Where the read-only tools directory ([`MountKind::Tools`]) appears once mounted.
    pub tools: String,
}

/// A directory that is made visible only for one phase of a trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MountKind {
    /// The task's `tests/`, for the verifier only.
    Tests,
    /// The task's `solution/`, for the oracle only.
    Solution,
    /// Helper programs of the harness itself (the offline shims), read-only inside and
    /// outside every directory a command can write.
    Tools,
}

/// What entering the verifier phase changed in WORKDIR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifierPhaseReport {
    /// Links in WORKDIR into the verifier's own directories that were removed, as
    /// `path -> target`.
    pub removed_links: Vec<String>,
    /// Whether WORKDIR was too large to check for such links in full.
    pub links_check_truncated: bool,
}

/// How a resource request of the environment is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    /// A cgroup limit for the whole sandbox.
    Cgroup,
    /// A per-process resource limit (`setrlimit`), inherited by children.
    Rlimit,
    /// Recorded only.
    NotEnforced,
}

/// One resource request and how it is enforced, for the trial's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AppliedLimit {
    /// `memory`, `cpus` or `processes`.
    pub resource: String,
    /// What the task asked for, as written (e.g. `2048 MiB`), if it asked.
    pub requested: Option<String>,
    /// The mechanism in force.
    pub enforcement: Enforcement,
    /// The value set, in the mechanism's unit (bytes of address space, processes).
    pub value: Option<u64>,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirEntry {
    /// File name (no directory part).
    pub name: String,
    /// True for directories.
    pub is_dir: bool,
    /// Size in bytes (0 for directories).
    pub size: u64,
}

/// One isolated working area. Dropping it removes everything it created and kills anything
/// still running in it.
#[async_trait]
pub trait Sandbox: Send + Sync {
    /// Backend name, e.g. `local` or `bwrap`.
    fn backend(&self) -> &str;

    /// The sandbox's well-known directories in the current phase (on backends that show host
    /// paths, the verifier phase has its own logs, tests and tools directories).
    fn paths(&self) -> SandboxPaths;

    /// Run `command` with `sh -c` semantics (bash when available).
    async fn exec(&self, command: &str, options: ExecOptions) -> Result<ExecOutput, SandboxError>;

    /// Read a file; relative paths are relative to WORKDIR.
    ///
    /// Paths given to the file methods must stay inside the sandbox's directories: `..`
    /// climbing out, absolute paths elsewhere, and symlinks resolving outside are refused
    /// with [`SandboxError::PathNotAllowed`].
    async fn read_file(&self, path: &str) -> Result<Vec<u8>, SandboxError>;

    /// Write (create or truncate) a file, creating parent directories.
    async fn write_file(&self, path: &str, contents: &[u8]) -> Result<(), SandboxError>;

    /// List a directory.
    async fn list_dir(&self, path: &str) -> Result<Vec<DirEntry>, SandboxError>;

    /// Copy a host file or directory tree into the sandbox at `dest`. A directory's contents
    /// are merged into `dest` (created if missing); a file goes to `dest`, or into it when
    /// `dest` ends with `/` or is a directory. Symlinks are copied as symlinks.
    async fn copy_in(&self, host_src: &Path, dest: &str) -> Result<(), SandboxError>;

    /// Copy a sandbox file or directory tree out to the host at `host_dest` (parents are
    /// created; a directory's contents are merged). Symlinks are copied as symlinks, never
    /// followed, so links made inside cannot pull host files along.
    async fn copy_out(&self, src: &str, host_dest: &Path) -> Result<(), SandboxError>;

    /// Make a host directory visible at the sandbox's tests, solution or tools path from now
    /// on. Returns the path as seen from inside. The directory is copied, so the sandbox cannot
    /// change the original; mounting again replaces the previous copy. [`MountKind::Tools`]
    /// is read-only inside.
    async fn mount(&self, kind: MountKind, host_src: &Path) -> Result<String, SandboxError>;

    /// End the agent phase and start the verifier phase. Every process started so far is
    /// killed (including ones that left their process group); from then on commands get a
    /// fresh, empty logs directory (with `verifier/` and `agent/`), HOME and TMPDIR created from
    /// the host side, and nothing mounted. Only WORKDIR carries over, as the agent left it.
    ///
    /// This is what keeps a reward honest: nothing the agent phase could write, other than
    /// WORKDIR, is an input of the verifier. Links the agent left in WORKDIR that point into
    /// directories only the verifier has (`/tests` and the like) are removed and reported. An
    /// error here means the sandbox failed, never that the task was solved.
    async fn enter_verifier_phase(&self) -> Result<VerifierPhaseReport, SandboxError>;

    /// How the environment's resource requests are enforced in this sandbox.
    fn applied_limits(&self) -> Vec<AppliedLimit> {
        Vec::new()
    }

    /// Open a persistent shell session: the working directory and exported variables of one
    /// call survive into the next.
    async fn session(&self) -> Result<Box<dyn ShellSession>, SandboxError>;

    /// The well-known directories as host paths, for backends that keep them on the host
    /// (both built-in backends do). `None` for backends whose files live elsewhere.
    fn host_paths(&self) -> Option<SandboxPaths> {
        None
    }
}

/// A shell whose working directory and exported environment persist across calls.
#[async_trait]
pub trait ShellSession: Send {
    /// Run one command in the session's current state and update that state.
    async fn exec(
        &mut self,
        command: &str,
        options: ExecOptions,
    ) -> Result<ExecOutput, SandboxError>;

    /// The directory the next call starts in, if the session tracks it.
    fn cwd(&self) -> Option<String> {
        None
    }

    /// The exported environment saved from the last call, if the session tracks it.
    fn exported_env(&self) -> Option<BTreeMap<String, String>> {
        None
    }
}
