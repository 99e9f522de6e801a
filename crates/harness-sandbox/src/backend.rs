//! What differs between backends: how a command is launched and which paths are visible.
//! Everything else (file operations, sessions, process hygiene) is shared.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::layout::Dirs;
use crate::paths::PathMap;
use crate::{SandboxError, SandboxPaths};

/// Which phase directories have been mounted so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Mounted {
    /// `tests/` is visible.
    pub tests: bool,
    /// `solution/` is visible.
    pub solution: bool,
    /// The read-only tools directory is visible.
    pub tools: bool,
}

/// The host process that runs one command.
#[derive(Debug, Clone)]
pub(crate) struct Launch {
    /// Program to execute.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Its complete environment.
    pub env: BTreeMap<String, String>,
    /// Its host working directory.
    pub cwd: PathBuf,
}

/// One backend's view of one sandbox.
pub(crate) trait Backend: Send + Sync + 'static {
    /// Backend name, e.g. `local`.
    fn name(&self) -> &'static str;

    /// The well-known directories as seen by commands of the phase `dirs` belongs to.
    fn paths(&self, dirs: &Dirs) -> SandboxPaths;

    /// Directories host-side file operations may touch, given what is mounted.
    fn path_map(&self, dirs: &Dirs, mounted: Mounted) -> PathMap;

    /// The environment a command starts with, including `call_env`.
    fn start_env(
        &self,
        dirs: &Dirs,
        call_env: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String>;

    /// How to run `script` with `sh -c` semantics starting in `cwd` (WORKDIR when `None`).
    fn launch(
        &self,
        dirs: &Dirs,
        mounted: Mounted,
        script: &str,
        cwd: Option<&str>,
        env: BTreeMap<String, String>,
    ) -> Result<Launch, SandboxError>;

    /// Kill processes that left a finished command's process group (e.g. with `setsid`) and
    /// so escaped the group kill. Backends whose commands cannot outlive them (a PID
    /// namespace) need nothing here.
    fn reap_escaped(&self) {}

    /// Inside paths that exist only in the verifier phase (and `/proc` and the `/dev` entries
    /// that lead into it, which reach them through `/proc/self/root` or open descriptors),
    /// through which links left in WORKDIR may not resolve. Backends whose verifier
    /// directories the agent cannot name need none.
    fn verifier_only_paths(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    /// WORKDIR as commands see it.
    fn inside_workdir(&self, dirs: &Dirs) -> PathBuf {
        PathBuf::from(self.paths(dirs).workdir)
    }
}

/// True for names a shell can export and a process environment can carry.
pub(crate) fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// `base`, then the task's `spec_env`, then the call's `call_env`, later ones winning.
/// Entries that no process environment can carry are dropped with a warning.
pub(crate) fn compose_env<'a>(
    base: impl IntoIterator<Item = (&'a str, String)>,
    spec_env: &BTreeMap<String, String>,
    call_env: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> =
        base.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    for (key, value) in spec_env.iter().chain(call_env) {
        if valid_env_name(key) && !value.contains('\0') {
            env.insert(key.clone(), value.clone());
        } else {
            tracing::warn!(name = %key, "skipping environment variable that cannot be exported");
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names() {
        assert!(valid_env_name("PATH"));
        assert!(valid_env_name("_x1"));
        assert!(!valid_env_name("1x"));
        assert!(!valid_env_name("A=B"));
        assert!(!valid_env_name("BASH_FUNC_f%%"));
        assert!(!valid_env_name(""));
    }

    #[test]
    fn later_layers_win() {
        let spec = BTreeMap::from([("A".to_owned(), "spec".to_owned())]);
        let call = BTreeMap::from([
            ("A".to_owned(), "call".to_owned()),
            ("bad name".to_owned(), "x".to_owned()),
        ]);
        let env = compose_env(
            [("A", "base".to_owned()), ("B", "b".to_owned())],
            &spec,
            &call,
        );
        assert_eq!(env.get("A").map(String::as_str), Some("call"));
        assert_eq!(env.get("B").map(String::as_str), Some("b"));
        assert!(!env.contains_key("bad name"));
    }
}
