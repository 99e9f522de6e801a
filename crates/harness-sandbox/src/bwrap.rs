//! The `bwrap` backend: every command is a fresh [bubblewrap] invocation over the sandbox's
//! host directory.
//!
//! The file system a command sees: an empty tmpfs root; the host's system directories
//! read-only ([`BwrapOptions::system_dirs`]: the toolchain trees `/usr`, `/lib*`, `/bin`,
//! `/sbin`, `/nix` and the package database; top-level symlinks such as `/bin -> usr/bin`
//! are recreated as symlinks); a minimal `/etc` of allow-listed entries
//! ([`BwrapOptions::etc_entries`]: users and groups, name resolution, certificates,
//! alternatives, the dynamic linker's configuration, time zone, the language runtimes' own
//! directories; never `shadow`); fresh `/dev` and `/proc`; then the sandbox's own directories
//! writable: `/tmp`, HOME (`/root` by default, hiding the host's), WORKDIR (e.g. `/app`),
//! `/logs`, and `/tests`, `/solution` or the read-only tools at `/.harness-tools` once
//! [`mount`](crate::Sandbox::mount)ed. Nothing else of the host is visible: not `/home`,
//! `/srv`, `/opt`, `/var`, `/mnt`, nor the task suite, the run directory or the user's home,
//! wherever they live. A toolchain outside the allow-list is added with
//! [`BwrapOptions::extra_ro_binds`]; the host Python's installation is found and added by
//! itself. A tmpfs covers package-manager state ([`BwrapOptions::scratch_dirs`]) so that
//! Dockerfile lines such as `rm -rf /var/lib/apt/lists/*` succeed without touching the host. All namespaces
//! are unshared (no network unless the task asks and [`BwrapOptions::allow_network`]
//! permits), capabilities dropped, the environment cleared to `PATH`, `HOME`, `TMPDIR`,
//! `LANG`, `TERM`, `LOGS_DIR=/logs` and the task's and the call's variables.
//!
//! The host's Python is made to work inside even behind a shim (pyenv): the provider asks
//! `python3` where its real interpreter lives, puts that directory first on `PATH` and binds
//! the installation read-only if it is not visible otherwise.
//!
//! Exit statuses: a command killed by a signal inside the sandbox is reported by bubblewrap as
//! exit code 128 + signal; [`ExitStatus::Signal`](crate::ExitStatus::Signal) appears only when
//! the sandbox itself was killed (e.g. on timeout).
//!
//! Each `bwrap` runs with `--die-with-parent`, which the kernel ties to the *thread* that
//! spawned it: call sandboxes from async runtime threads, not from short-lived threads.
//!
//! [bubblewrap]: https://github.com/containers/bubblewrap

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::backend::{Backend, Launch, Mounted, compose_env};
use crate::fsops::blocking;
use crate::host_sandbox::HostSandbox;
use crate::hostenv::{STANDARD_PATH, find_on_path, host_path, probe_python};
use crate::layout::{Dirs, Layout, VERIFIER_HOME_IN_TMP, remove_stale};
use crate::paths::{PathMap, normalize};
use crate::process::{self, ProcessGroups, ProcessSpec};
use crate::{EnvironmentSpec, Limits, Sandbox, SandboxError, SandboxPaths, SandboxProvider};

const NAME: &str = "bwrap";

/// Inside paths no WORKDIR may take or lie under.
const RESERVED: &[&str] = &[
    "/proc",
    "/dev",
    "/sys",
    "/logs",
    "/tests",
    "/solution",
    TOOLS_DIR,
];

/// Where [`MountKind::Tools`](crate::MountKind::Tools) appears inside.
const TOOLS_DIR: &str = "/.harness-tools";

/// How the `bwrap` backend behaves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BwrapOptions {
    /// The `bwrap` binary; looked up on the host `PATH` when `None`.
    pub bwrap: Option<PathBuf>,
    /// Where sandbox directories are created on the host; the system temp dir when `None`.
    pub base_dir: Option<PathBuf>,
    /// Resource limits of every command (applied to `bwrap`, inherited inside).
    pub limits: Limits,
    /// Whether tasks that ask for network ([`EnvironmentSpec::network`]) get the host's.
    pub allow_network: bool,
    /// Host directories (or top-level symlinks) shown read-only at the same path. Missing
    /// ones are skipped. Deliberately an allow-list: other host trees (project checkouts,
    /// task sources with their tests, run directories, users' homes) stay invisible.
    pub system_dirs: Vec<PathBuf>,
    /// Entries of the host's `/etc` shown read-only (files, directories or symlinks, by
    /// name; a trailing `*` matches any suffix). Missing ones are skipped.
    pub etc_entries: Vec<String>,
    /// More host paths shown read-only at the same path (toolchains and the like).
    pub extra_ro_binds: Vec<PathBuf>,
    /// Directories covered by an empty tmpfs in every command (package-manager state).
    pub scratch_dirs: Vec<PathBuf>,
    /// HOME inside; a writable per-sandbox directory is mounted there.
    pub home: String,
    /// `PATH` inside; when `None`, the standard system `PATH` with the host Python's real
    /// directory in front.
    pub path: Option<String>,
    /// Time allowed for the probes run at construction.
    pub probe_timeout: Duration,
}

impl Default for BwrapOptions {
    fn default() -> Self {
        let paths = |list: &[&str]| list.iter().map(PathBuf::from).collect();
        Self {
            bwrap: None,
            base_dir: None,
            limits: Limits::default(),
            allow_network: false,
            system_dirs: paths(&[
                "/usr",
                "/bin",
                "/sbin",
                "/lib",
                "/lib32",
                "/lib64",
                "/libx32",
                "/nix",
                "/var/lib/dpkg",
            ]),
            etc_entries: DEFAULT_ETC.iter().map(|e| (*e).to_owned()).collect(),
            extra_ro_binds: Vec::new(),
            scratch_dirs: paths(&[
                "/var/lib/apt/lists",
                "/var/cache/apt",
                "/var/cache/debconf",
                "/var/tmp",
            ]),
            home: "/root".to_owned(),
            path: None,
            probe_timeout: Duration::from_secs(20),
        }
    }
}

/// The `/etc` entries shown by default: what commands need to resolve users, hosts and
/// certificates, find alternatives and libraries, and what language runtimes read.
const DEFAULT_ETC: &[&str] = &[
    "passwd",
    "group",
    "hosts",
    "host.conf",
    "nsswitch.conf",
    "gai.conf",
    "resolv.conf",
    "ssl",
    "ca-certificates",
    "ca-certificates.conf",
    "pki",
    "crypto-policies",
    "alternatives",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "timezone",
    "mime.types",
    "magic",
    "magic.mime",
    "protocols",
    "services",
    "os-release",
    "debian_version",
    "lsb-release",
    "mtab",
    "inputrc",
    "locale.alias",
    "locale.conf",
    "fonts",
    "xml",
    "python3*",
    "perl",
    "java*",
    "R",
];

/// What the provider worked out about the host, shared by its sandboxes.
#[derive(Debug)]
struct Host {
    bwrap: PathBuf,
    base_dir: Option<PathBuf>,
    limits: Limits,
    allow_network: bool,
    probe_timeout: Duration,
    home: PathBuf,
    path: String,
    shell: String,
    /// Host directories bound read-only at the same path.
    ro_dirs: Vec<PathBuf>,
    /// System binds, `/dev`, `/proc`: before the sandbox's own directories.
    system_args: Vec<String>,
    /// Extra read-only binds, scratch tmpfs and masks: after `/tmp` and HOME.
    overlay_args: Vec<String>,
}

fn unavailable(reason: impl Into<String>) -> SandboxError {
    SandboxError::BackendUnavailable {
        backend: NAME.to_owned(),
        reason: reason.into(),
    }
}

fn unsupported(reason: impl Into<String>) -> SandboxError {
    SandboxError::Unsupported {
        backend: NAME.to_owned(),
        reason: reason.into(),
    }
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

impl Host {
    /// Whether `path` (canonical) is visible inside through a read-only system bind.
    fn visible(&self, path: &Path) -> bool {
        self.ro_dirs.iter().any(|dir| path.starts_with(dir)) && !path.starts_with(&self.home)
    }

    /// Check a task's WORKDIR and return it normalised.
    fn check_workdir(&self, workdir: &str) -> Result<PathBuf, SandboxError> {
        let refuse = |why: String| unsupported(format!("WORKDIR `{workdir}` {why}"));
        if !workdir.starts_with('/') {
            return Err(refuse("is not absolute".to_owned()));
        }
        let wd = normalize(Path::new("/"), workdir)
            .ok_or_else(|| refuse("climbs above /".to_owned()))?;
        if wd == Path::new("/") || wd == Path::new("/tmp") {
            return Err(refuse(
                "would cover a directory the sandbox needs".to_owned(),
            ));
        }
        if let Some(reserved) = RESERVED.iter().find(|r| wd.starts_with(r)) {
            return Err(refuse(format!(
                "lies in {reserved}, which the sandbox provides"
            )));
        }
        if let Some(dir) = self.ro_dirs.iter().find(|dir| dir.starts_with(&wd)) {
            return Err(refuse(format!(
                "would hide the system directory {}",
                dir.display()
            )));
        }
        let under_ro = self.ro_dirs.iter().find(|dir| wd.starts_with(dir));
        if let Some(dir) = under_ro
            && !wd.starts_with(&self.home)
            && !wd.is_dir()
        {
            return Err(refuse(format!(
                "does not exist under the read-only {}, where bubblewrap cannot create it",
                dir.display()
            )));
        }
        Ok(wd)
    }
}

/// Makes `bwrap` sandboxes. Construction checks that bubblewrap works on this host.
#[derive(Debug, Clone)]
pub struct BwrapProvider {
    host: Arc<Host>,
}

impl BwrapProvider {
    /// Probe the host and, if a sandboxed `true` runs, return a provider.
    ///
    /// Fails with [`SandboxError::BackendUnavailable`] saying what the probe saw when
    /// `bwrap` is missing or cannot create namespaces here (typical inside Docker).
    pub async fn new(options: BwrapOptions) -> Result<Self, SandboxError> {
        let base = options.base_dir.clone();
        blocking(move || Ok(remove_stale(base.as_deref()))).await?;
        let host = Arc::new(discover(options).await?);
        let provider = Self { host };
        provider.probe().await?;
        Ok(provider)
    }

    /// The `bwrap` binary in use.
    pub fn bwrap_path(&self) -> &Path {
        &self.host.bwrap
    }

    /// `PATH` as commands see it.
    pub fn inside_path(&self) -> &str {
        &self.host.path
    }

    async fn probe(&self) -> Result<(), SandboxError> {
        let base = self.host.base_dir.clone();
        let layout = blocking(move || Layout::create(base.as_deref())).await?;
        let backend = self.backend(&EnvironmentSpec::default())?;
        let dirs = layout.dirs();
        let env = backend.start_env(&dirs, &BTreeMap::new());
        let launch = backend.launch(&dirs, Mounted::default(), "true", None, env)?;
        let spec = ProcessSpec {
            program: launch.program,
            args: launch.args,
            env: launch.env,
            cwd: launch.cwd,
            stdin: None,
            timeout: self.host.probe_timeout,
            output_cap: 64 * 1024,
            limits: self.host.limits.clone(),
            capture_state: false,
        };
        let groups = ProcessGroups::default();
        let finished = process::run(spec, &groups).await.map_err(|err| {
            unavailable(format!(
                "could not run {}: {err}",
                self.host.bwrap.display()
            ))
        })?;
        drop(layout);
        let output = finished.output;
        if output.timed_out || !output.status.success() {
            let stderr = output.stderr.text_with_marker();
            return Err(unavailable(format!(
                "a sandboxed `true` ended with {:?}{}: {}",
                output.status,
                if output.timed_out { " (timed out)" } else { "" },
                stderr.trim()
            )));
        }
        Ok(())
    }

    fn backend(&self, spec: &EnvironmentSpec) -> Result<BwrapBackend, SandboxError> {
        let workdir = self.host.check_workdir(&spec.workdir)?;
        let network = spec.network && self.host.allow_network;
        if spec.network && !network {
            tracing::info!("task asks for network; bwrap sandbox runs without (not allowed)");
        }
        Ok(BwrapBackend {
            host: self.host.clone(),
            paths: SandboxPaths {
                workdir: s(&workdir),
                logs: "/logs".to_owned(),
                tests: "/tests".to_owned(),
                solution: "/solution".to_owned(),
                tools: TOOLS_DIR.to_owned(),
            },
            workdir,
            spec_env: spec.env.clone(),
            network,
        })
    }
}

/// One allow-listed entry of the host's `/etc`.
enum EtcEntry {
    Symlink(PathBuf),
    Dir,
    File,
}

/// Whether an `/etc` entry name matches an allow-list pattern (a trailing `*` matches any
/// suffix).
fn etc_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

/// The host's `/etc` entries that `patterns` allow, sorted by path.
fn etc_entries(patterns: &[String]) -> Vec<(PathBuf, EtcEntry)> {
    let etc = Path::new("/etc");
    let Ok(listing) = std::fs::read_dir(etc) else {
        return Vec::new();
    };
    let mut names: Vec<String> = listing
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| patterns.iter().any(|p| etc_matches(p, name)))
        .collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|name| {
            let path = etc.join(&name);
            let meta = std::fs::symlink_metadata(&path).ok()?;
            let entry = if meta.file_type().is_symlink() {
                EtcEntry::Symlink(std::fs::read_link(&path).ok()?)
            } else if meta.is_dir() {
                EtcEntry::Dir
            } else if meta.is_file() {
                EtcEntry::File
            } else {
                return None;
            };
            Some((path, entry))
        })
        .collect()
}

/// Work out binds, PATH and shell for `options` on this host.
async fn discover(options: BwrapOptions) -> Result<Host, SandboxError> {
    let bwrap = match options.bwrap {
        Some(path) => path,
        None => find_on_path("bwrap", &host_path())
            .ok_or_else(|| unavailable("`bwrap` not found on PATH (install bubblewrap)"))?,
    };
    let home = normalize(Path::new("/"), &options.home)
        .filter(|h| options.home.starts_with('/') && h != Path::new("/"))
        .ok_or_else(|| {
            unavailable(format!(
                "HOME `{}` must be an absolute directory",
                options.home
            ))
        })?;

    let mut system_args = vec!["--tmpfs".to_owned(), "/".to_owned()];
    let mut ro_dirs = Vec::new();
    for dir in &options.system_dirs {
        let Ok(meta) = std::fs::symlink_metadata(dir) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            if let Ok(target) = std::fs::read_link(dir) {
                system_args.extend(["--symlink".to_owned(), s(&target), s(dir)]);
            }
        } else if meta.is_dir() {
            system_args.extend(["--ro-bind".to_owned(), s(dir), s(dir)]);
            ro_dirs.push(dir.clone());
        }
    }
    for (path, entry) in etc_entries(&options.etc_entries) {
        match entry {
            EtcEntry::Symlink(target) => {
                system_args.extend(["--symlink".to_owned(), s(&target), s(&path)]);
            }
            EtcEntry::Dir => {
                system_args.extend(["--ro-bind".to_owned(), s(&path), s(&path)]);
                ro_dirs.push(path);
            }
            EtcEntry::File => {
                system_args.extend(["--ro-bind".to_owned(), s(&path), s(&path)]);
            }
        }
    }
    system_args.extend(["--dev", "/dev", "--proc", "/proc"].map(str::to_owned));

    if let Some(dir) = ro_dirs.iter().find(|dir| home.starts_with(dir))
        && !home.is_dir()
    {
        return Err(unavailable(format!(
            "HOME `{}` does not exist under the read-only {}, where bubblewrap cannot create it",
            home.display(),
            dir.display()
        )));
    }

    let mut host = Host {
        bwrap,
        base_dir: options.base_dir.clone(),
        limits: options.limits.clone(),
        allow_network: options.allow_network,
        probe_timeout: options.probe_timeout,
        home,
        path: STANDARD_PATH.to_owned(),
        shell: "/bin/sh".to_owned(),
        ro_dirs,
        system_args,
        overlay_args: Vec::new(),
    };

    let mut ro_binds: Vec<PathBuf> = Vec::new();
    match options.path {
        Some(path) => host.path = path,
        None => {
            if let Some(python) = probe_python(options.probe_timeout).await {
                let standard = STANDARD_PATH
                    .split(':')
                    .any(|d| Path::new(d) == python.bin_dir);
                if !standard {
                    host.path = format!("{}:{STANDARD_PATH}", python.bin_dir.display());
                }
                for prefix in python.prefixes {
                    let prefix = prefix.canonicalize().unwrap_or(prefix);
                    if !host.visible(&prefix) {
                        ro_binds.push(prefix);
                    }
                }
            }
        }
    }
    ro_binds.extend(options.extra_ro_binds.iter().cloned());
    ro_binds.dedup();
    for path in ro_binds.iter().filter(|p| p.exists()) {
        host.overlay_args
            .extend(["--ro-bind".to_owned(), s(path), s(path)]);
    }
    for dir in options.scratch_dirs.iter().filter(|d| d.is_dir()) {
        host.overlay_args.extend(["--tmpfs".to_owned(), s(dir)]);
    }
    // Other sandboxes' directories must not be visible through a system bind.
    let base = options.base_dir.unwrap_or_else(std::env::temp_dir);
    let base = base.canonicalize().unwrap_or(base);
    if host.ro_dirs.iter().any(|dir| base.starts_with(dir)) {
        host.overlay_args.extend(["--tmpfs".to_owned(), s(&base)]);
    }

    if let Some(bash) = find_on_path("bash", STANDARD_PATH) {
        let real = bash.canonicalize().unwrap_or_else(|_| bash.clone());
        if host.visible(&real) {
            host.shell = s(&bash);
        }
    }
    Ok(host)
}

#[async_trait]
impl SandboxProvider for BwrapProvider {
    fn name(&self) -> &str {
        NAME
    }

    async fn create(&self, spec: &EnvironmentSpec) -> Result<Box<dyn Sandbox>, SandboxError> {
        let backend = self.backend(spec)?;
        let base = self.host.base_dir.clone();
        let layout = blocking(move || Layout::create(base.as_deref())).await?;
        let (limits, applied) = self.host.limits.for_environment(spec);
        Ok(Box::new(HostSandbox::new(
            Box::new(backend),
            layout,
            limits,
            applied,
        )))
    }
}

struct BwrapBackend {
    host: Arc<Host>,
    paths: SandboxPaths,
    workdir: PathBuf,
    spec_env: BTreeMap<String, String>,
    network: bool,
}

impl BwrapBackend {
    fn home_is_workdir(&self) -> bool {
        self.workdir == self.host.home
    }
}

impl Backend for BwrapBackend {
    fn name(&self) -> &'static str {
        NAME
    }

    fn paths(&self, _dirs: &Dirs) -> SandboxPaths {
        self.paths.clone()
    }

    fn verifier_only_paths(&self) -> Vec<PathBuf> {
        [
            "/tests",
            "/logs",
            "/solution",
            TOOLS_DIR,
            "/proc",
            "/dev/fd",
            "/dev/stdin",
            "/dev/stdout",
            "/dev/stderr",
        ]
        .into_iter()
        .map(PathBuf::from)
        .collect()
    }

    fn path_map(&self, dirs: &Dirs, mounted: Mounted) -> PathMap {
        let mut mounts = vec![
            (self.workdir.clone(), dirs.work.clone()),
            (PathBuf::from("/logs"), dirs.logs.clone()),
            (PathBuf::from("/tmp"), dirs.tmp.clone()),
        ];
        if !self.home_is_workdir() {
            mounts.push((self.host.home.clone(), dirs.home.clone()));
        }
        if mounted.tests {
            mounts.push((PathBuf::from("/tests"), dirs.tests.clone()));
        }
        if mounted.solution {
            mounts.push((PathBuf::from("/solution"), dirs.solution.clone()));
        }
        if mounted.tools {
            mounts.push((PathBuf::from(TOOLS_DIR), dirs.tools.clone()));
        }
        PathMap::new(self.workdir.clone(), mounts)
    }

    fn start_env(
        &self,
        dirs: &Dirs,
        call_env: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        // Where HOME is WORKDIR, the verifier gets a fresh HOME of its own under its fresh
        // /tmp, so that no start-up file of the agent's (`.local/bin/env`, a user site) is read.
        let home = if dirs.verifier && self.home_is_workdir() {
            format!("/tmp/{VERIFIER_HOME_IN_TMP}")
        } else {
            s(&self.host.home)
        };
        compose_env(
            [
                ("PATH", self.host.path.clone()),
                ("HOME", home),
                ("TMPDIR", "/tmp".to_owned()),
                ("LANG", "C.UTF-8".to_owned()),
                ("TERM", "dumb".to_owned()),
                ("LOGS_DIR", "/logs".to_owned()),
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
        let chdir = match cwd {
            None => self.workdir.clone(),
            Some(cwd) => {
                normalize(&self.workdir, cwd).ok_or_else(|| SandboxError::PathNotAllowed {
                    path: cwd.to_owned(),
                    reason: "`..` climbs above the root".to_owned(),
                })?
            }
        };
        let host = &self.host;
        let mut args = host.system_args.clone();
        args.extend(["--bind".to_owned(), s(&dirs.tmp), "/tmp".to_owned()]);
        if !self.home_is_workdir() {
            args.extend(["--bind".to_owned(), s(&dirs.home), s(&host.home)]);
        }
        args.extend(host.overlay_args.iter().cloned());
        args.extend(["--bind".to_owned(), s(&dirs.work), s(&self.workdir)]);
        args.extend(["--bind".to_owned(), s(&dirs.logs), "/logs".to_owned()]);
        if mounted.tests {
            args.extend(["--bind".to_owned(), s(&dirs.tests), "/tests".to_owned()]);
        }
        if mounted.solution {
            args.extend([
                "--bind".to_owned(),
                s(&dirs.solution),
                "/solution".to_owned(),
            ]);
        }
        if mounted.tools {
            args.extend(["--ro-bind".to_owned(), s(&dirs.tools), TOOLS_DIR.to_owned()]);
        }
        args.push("--unshare-all".to_owned());
        if self.network {
            args.push("--share-net".to_owned());
        }
        // Root on the host would keep its capabilities and could remount the read-only
        // binds writable.
        args.extend(["--cap-drop", "ALL", "--die-with-parent", "--clearenv"].map(str::to_owned));
        for (key, value) in env {
            args.extend(["--setenv".to_owned(), key, value]);
        }
        args.extend([
            "--chdir".to_owned(),
            s(&chdir),
            "--".to_owned(),
            host.shell.clone(),
            "-c".to_owned(),
            script.to_owned(),
        ]);
        Ok(Launch {
            program: host.bwrap.clone(),
            args,
            env: BTreeMap::new(),
            cwd: dirs.root.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> Host {
        Host {
            bwrap: PathBuf::from("bwrap"),
            base_dir: None,
            limits: Limits::default(),
            allow_network: false,
            probe_timeout: Duration::from_secs(1),
            home: PathBuf::from("/root"),
            path: STANDARD_PATH.to_owned(),
            shell: "/bin/sh".to_owned(),
            ro_dirs: vec![PathBuf::from("/usr"), PathBuf::from("/etc")],
            system_args: Vec::new(),
            overlay_args: Vec::new(),
        }
    }

    #[test]
    fn workdirs() {
        let h = host();
        assert_eq!(h.check_workdir("/app").unwrap(), PathBuf::from("/app"));
        assert_eq!(
            h.check_workdir("/app/./x/").unwrap(),
            PathBuf::from("/app/x")
        );
        assert_eq!(
            h.check_workdir("/root/project").unwrap(),
            PathBuf::from("/root/project")
        );
        for bad in [
            "app",
            "/",
            "/tmp",
            "/logs",
            "/tests/x",
            "/proc",
            "/usr",
            "/usr/no/such/dir",
        ] {
            assert!(
                matches!(h.check_workdir(bad), Err(SandboxError::Unsupported { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn visibility() {
        let h = host();
        assert!(h.visible(Path::new("/usr/bin/python3")));
        assert!(!h.visible(Path::new("/root/.pyenv/versions/3.11.7")));
        assert!(!h.visible(Path::new("/work/x")));
    }
}
