//! The [`Sandbox`] implementation shared by the built-in backends: a host directory
//! ([`Layout`]), host-side file operations through a [`PathMap`], commands through the
//! process layer, and sessions by state replay. Backends differ only in their [`Backend`].

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::backend::{Backend, Mounted};
use crate::fsops::{self, blocking, io_error};
use crate::layout::Layout;
use crate::links;
use crate::paths::PathMap;
use crate::process::{self, ProcessGroups, ProcessSpec};
use crate::session::{ReplaySession, ScriptHost};
use crate::{
    AppliedLimit, DirEntry, ExecOptions, ExecOutput, Limits, MountKind, Sandbox, SandboxError,
    SandboxPaths, ShellSession, VerifierPhaseReport,
};

/// Everything one sandbox owns. Sessions hold it too, so the directory lives until the
/// sandbox and all its sessions are gone.
struct Inner {
    backend: Box<dyn Backend>,
    groups: ProcessGroups,
    mounted: Mutex<Mounted>,
    limits: Limits,
    applied: Vec<AppliedLimit>,
    // Declared last so that it is dropped after the process groups were killed.
    layout: Layout,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Commands still running belong to abandoned calls; end them before the directory
        // they work in is removed.
        self.groups.kill_all();
        self.backend.reap_escaped();
    }
}

impl Inner {
    fn mounted(&self) -> Mounted {
        *self.mounted.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn path_map(&self) -> PathMap {
        self.backend.path_map(&self.layout.dirs(), self.mounted())
    }

    async fn run(
        &self,
        script: &str,
        options: ExecOptions,
        capture_state: bool,
    ) -> Result<process::Finished, SandboxError> {
        // Put back WORKDIR, HOME and TMPDIR if a command removed them (cheap metadata calls):
        // what a command did to its own directories must not fail the next one's start.
        let dirs = self.layout.repair()?;
        let env = self.backend.start_env(&dirs, &options.env);
        let launch =
            self.backend
                .launch(&dirs, self.mounted(), script, options.cwd.as_deref(), env)?;
        let spec = ProcessSpec {
            program: launch.program,
            args: launch.args,
            env: launch.env,
            cwd: launch.cwd,
            stdin: options.stdin,
            timeout: options.timeout,
            output_cap: options.output_cap,
            limits: self.limits.clone(),
            capture_state,
        };
        let finished = process::run(spec, &self.groups).await;
        self.backend.reap_escaped();
        finished
    }
}

#[async_trait]
impl ScriptHost for Inner {
    fn workdir(&self) -> String {
        self.backend.paths(&self.layout.dirs()).workdir
    }

    fn start_env(&self, call_env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        self.backend.start_env(&self.layout.dirs(), call_env)
    }

    async fn run_script(
        &self,
        script: &str,
        options: ExecOptions,
    ) -> Result<(ExecOutput, Option<Vec<u8>>), SandboxError> {
        let finished = self.run(script, options, true).await?;
        Ok((finished.output, finished.state))
    }
}

/// A sandbox backed by a host directory; see the module docs.
pub(crate) struct HostSandbox {
    inner: Arc<Inner>,
}

impl HostSandbox {
    /// A sandbox in `layout` run by `backend`.
    pub(crate) fn new(
        backend: Box<dyn Backend>,
        layout: Layout,
        limits: Limits,
        applied: Vec<AppliedLimit>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                backend,
                groups: ProcessGroups::default(),
                mounted: Mutex::new(Mounted::default()),
                limits,
                applied,
                layout,
            }),
        }
    }
}

#[async_trait]
impl Sandbox for HostSandbox {
    fn backend(&self) -> &str {
        self.inner.backend.name()
    }

    fn paths(&self) -> SandboxPaths {
        self.inner.backend.paths(&self.inner.layout.dirs())
    }

    async fn exec(&self, command: &str, options: ExecOptions) -> Result<ExecOutput, SandboxError> {
        Ok(self.inner.run(command, options, false).await?.output)
    }

    async fn read_file(&self, path: &str) -> Result<Vec<u8>, SandboxError> {
        let map = self.inner.path_map();
        let path = path.to_owned();
        blocking(move || {
            let host = map.resolve(&path)?;
            fsops::read_regular(&host)
        })
        .await
    }

    async fn write_file(&self, path: &str, contents: &[u8]) -> Result<(), SandboxError> {
        let map = self.inner.path_map();
        let path = path.to_owned();
        let contents = contents.to_vec();
        blocking(move || {
            let host = map.resolve(&path)?;
            fsops::write_file(&host, &contents)
        })
        .await
    }

    async fn list_dir(&self, path: &str) -> Result<Vec<DirEntry>, SandboxError> {
        let map = self.inner.path_map();
        let path = path.to_owned();
        blocking(move || fsops::list_dir(&map.resolve(&path)?)).await
    }

    async fn copy_in(&self, host_src: &Path, dest: &str) -> Result<(), SandboxError> {
        let map = self.inner.path_map();
        let src = host_src.to_path_buf();
        let dest = dest.to_owned();
        blocking(move || {
            let mut target = map.resolve(&dest)?;
            let meta = std::fs::symlink_metadata(&src).map_err(io_error(&src))?;
            if !meta.is_dir()
                && (dest.ends_with('/') || target.is_dir())
                && let Some(name) = src.file_name()
            {
                target.push(name);
            }
            fsops::copy_tree(&src, &target)
        })
        .await
    }

    async fn copy_out(&self, src: &str, host_dest: &Path) -> Result<(), SandboxError> {
        let map = self.inner.path_map();
        let src = src.to_owned();
        let dest = host_dest.to_path_buf();
        blocking(move || {
            let host = map.resolve(&src)?;
            if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(io_error(parent))?;
            }
            fsops::copy_tree(&host, &dest)
        })
        .await
    }

    async fn mount(&self, kind: MountKind, host_src: &Path) -> Result<String, SandboxError> {
        let dirs = self.inner.layout.dirs();
        let paths = self.paths();
        let (dir, inside) = match kind {
            MountKind::Tests => (dirs.tests, paths.tests.clone()),
            MountKind::Solution => (dirs.solution, paths.solution.clone()),
            MountKind::Tools => (dirs.tools, paths.tools.clone()),
        };
        let src = host_src.to_path_buf();
        blocking(move || {
            if !src.is_dir() {
                return Err(SandboxError::Io {
                    path: src,
                    source: std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        "only directories can be mounted",
                    ),
                });
            }
            fsops::reset_dir(&dir)?;
            fsops::copy_tree(&src, &dir)?;
            if kind == MountKind::Tools {
                fsops::make_read_only(&dir)?;
            }
            Ok(())
        })
        .await?;
        let mut mounted = self.inner.mounted.lock().unwrap_or_else(|e| e.into_inner());
        match kind {
            MountKind::Tests => mounted.tests = true,
            MountKind::Solution => mounted.solution = true,
            MountKind::Tools => mounted.tools = true,
        }
        Ok(inside)
    }

    async fn enter_verifier_phase(&self) -> Result<VerifierPhaseReport, SandboxError> {
        // Nothing of the agent phase may run on: a process left behind could write the
        // verifier's files while it works.
        self.inner.groups.kill_all();
        self.inner.backend.reap_escaped();
        let inner = self.inner.clone();
        let report = blocking(move || {
            let dirs = inner.layout.enter_verifier_phase()?;
            let protected = inner.backend.verifier_only_paths();
            let inside = inner.backend.inside_workdir(&dirs);
            let sweep = links::sanitize_workdir(&dirs.work, &inside, &protected);
            Ok(VerifierPhaseReport {
                removed_links: sweep.removed,
                links_check_truncated: sweep.truncated,
            })
        })
        .await?;
        *self.inner.mounted.lock().unwrap_or_else(|e| e.into_inner()) = Mounted::default();
        Ok(report)
    }

    fn applied_limits(&self) -> Vec<AppliedLimit> {
        self.inner.applied.clone()
    }

    async fn session(&self) -> Result<Box<dyn ShellSession>, SandboxError> {
        let host: Arc<dyn ScriptHost> = self.inner.clone();
        Ok(Box::new(ReplaySession::new(host)))
    }

    fn host_paths(&self) -> Option<SandboxPaths> {
        Some(self.inner.layout.dirs().host_paths())
    }
}
