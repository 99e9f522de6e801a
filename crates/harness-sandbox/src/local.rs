//! The `local` backend: a host temp directory per sandbox and plain host processes.
//!
//! It isolates hygiene, not security: commands see the host file system and network. What
//! it does give: a fresh directory tree (`work`, `logs`, `tests`, `solution`, `home`, `tmp`),
//! an environment cleared to an allow-list (`PATH`, `HOME` and `TMPDIR` inside the sandbox,
//! `LANG=C.UTF-8`, `TERM=dumb`, `LOGS_DIR`, then the task's and the call's variables), null
//! stdin, its own process group killed on timeout, resource limits, capped output, and
//! processes that leave the group (`setsid`, job control) killed when their command ends
//! (the harness process becomes a child subreaper to find them; a child that embedding code
//! starts in a process group of its own, outside any sandbox, is taken for one of them). The
//! verifier phase gets fresh logs, HOME and TMPDIR directories, as on every backend. Tasks
//! that need absolute paths such as `/app` are refused; use `bwrap` for them.
//!
//! What it does not protect against: commands run as the invoking user with the host's file
//! system, network and process table. They can read and write anything that user can
//! (including `/etc` when run as root, the task's tests and solution, other trials' files),
//! read the harness's own environment through `/proc`, and reach any host on the network.
//! Use it for trusted agents and for development, not to score an agent you do not trust.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::backend::{Backend, Launch, Mounted, compose_env};
use crate::fsops::blocking;
use crate::host_sandbox::HostSandbox;
use crate::hostenv::{find_on_path, host_path};
use crate::layout::{Dirs, Layout, remove_stale};
use crate::paths::PathMap;
use crate::reaper;
use crate::{EnvironmentSpec, Limits, Sandbox, SandboxError, SandboxPaths, SandboxProvider};

const NAME: &str = "local";

/// How the `local` backend behaves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalOptions {
    /// Where sandbox directories are created; the system temp dir when `None`.
    pub base_dir: Option<PathBuf>,
    /// Resource limits of every command.
    pub limits: Limits,
    /// `PATH` of commands; the host's `PATH` when `None`.
    pub path: Option<String>,
    /// Shell that runs commands (`-c`); `bash` from `PATH` when `None`, else `/bin/sh`.
    pub shell: Option<PathBuf>,
}

#[derive(Debug)]
struct Config {
    base_dir: Option<PathBuf>,
    limits: Limits,
    path: String,
    shell: PathBuf,
}

/// Makes `local` sandboxes.
#[derive(Debug, Clone)]
pub struct LocalProvider {
    config: Arc<Config>,
}

impl Default for LocalProvider {
    fn default() -> Self {
        Self::new(LocalOptions::default())
    }
}

impl LocalProvider {
    /// A provider with `options`; looks up the shell once, makes this process a child
    /// subreaper (see the module docs) and removes sandbox directories left by killed runs.
    pub fn new(options: LocalOptions) -> Self {
        reaper::enable();
        remove_stale(options.base_dir.as_deref());
        let path = options.path.unwrap_or_else(host_path);
        let shell = options
            .shell
            .or_else(|| find_on_path("bash", &path))
            .unwrap_or_else(|| PathBuf::from("/bin/sh"));
        Self {
            config: Arc::new(Config {
                base_dir: options.base_dir,
                limits: options.limits,
                path,
                shell,
            }),
        }
    }
}

#[async_trait]
impl SandboxProvider for LocalProvider {
    fn name(&self) -> &str {
        NAME
    }

    async fn create(&self, spec: &EnvironmentSpec) -> Result<Box<dyn Sandbox>, SandboxError> {
        if spec.requires_absolute_paths {
            return Err(SandboxError::Unsupported {
                backend: NAME.to_owned(),
                reason: format!(
                    "the task uses absolute paths (WORKDIR {}, /logs, /tests) but this backend \
                     runs in a host temp directory; use the bwrap backend",
                    spec.workdir
                ),
            });
        }
        let base = self.config.base_dir.clone();
        let layout = blocking(move || Layout::create(base.as_deref())).await?;
        let backend = LocalBackend {
            config: self.config.clone(),
            spec_env: spec.env.clone(),
        };
        let (limits, applied) = self.config.limits.for_environment(spec);
        Ok(Box::new(HostSandbox::new(
            Box::new(backend),
            layout,
            limits,
            applied,
        )))
    }
}

struct LocalBackend {
    config: Arc<Config>,
    spec_env: BTreeMap<String, String>,
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

impl Backend for LocalBackend {
    fn name(&self) -> &'static str {
        NAME
    }

    fn paths(&self, dirs: &Dirs) -> SandboxPaths {
        dirs.host_paths()
    }

    fn path_map(&self, dirs: &Dirs, _mounted: Mounted) -> PathMap {
        PathMap::new(
            dirs.work.clone(),
            vec![
                (dirs.work.clone(), dirs.work.clone()),
                (dirs.root.clone(), dirs.root.clone()),
            ],
        )
    }

    fn start_env(
        &self,
        dirs: &Dirs,
        call_env: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        compose_env(
            [
                ("PATH", self.config.path.clone()),
                ("HOME", display(&dirs.home)),
                ("TMPDIR", display(&dirs.tmp)),
                ("LANG", "C.UTF-8".to_owned()),
                ("TERM", "dumb".to_owned()),
                ("LOGS_DIR", display(&dirs.logs)),
            ],
            &self.spec_env,
            call_env,
        )
    }

    fn launch(
        &self,
        dirs: &Dirs,
        mounted: Mounted,
        script: &str,
        cwd: Option<&str>,
        env: BTreeMap<String, String>,
    ) -> Result<Launch, SandboxError> {
        let cwd = match cwd {
            None => dirs.work.clone(),
            // Cheap metadata calls; not worth a trip to the blocking pool.
            Some(cwd) => {
                let host = self.path_map(dirs, mounted).resolve(cwd)?;
                if !host.is_dir() {
                    return Err(SandboxError::Io {
                        path: host,
                        source: std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            "working directory does not exist",
                        ),
                    });
                }
                host
            }
        };
        Ok(Launch {
            program: self.config.shell.clone(),
            args: vec!["-c".to_owned(), script.to_owned()],
            env,
            cwd,
        })
    }

    fn reap_escaped(&self) {
        reaper::sweep();
    }
}
