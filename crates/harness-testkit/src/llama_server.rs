//! A real model for tests: `llama-server` (llama.cpp) serving the GGUF that
//! `scripts/setup-real-model` assembles, on a free loopback port, behind a
//! [`RecordingProxy`] that logs every request and reply.
//!
//! - [`RealModel::locate`] finds the model and the server: the paths in `HARNESS_REAL_MODEL`
//!   and `HARNESS_LLAMA_SERVER` (the setup script prints them), else the setup script's
//!   default cache. [`RealModel::for_test`] turns "not set up" into a skip, or into a failure
//!   when `HARNESS_REQUIRE_REAL_MODEL=1` (the test command sets it).
//! - [`LlamaServer::start`] spawns the server in its own process group (and, on Linux, with a
//!   parent-death signal), waits for `/health`, and kills the whole group when dropped, so
//!   the server never outlives the test.
#![allow(unsafe_code)]

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::recording_proxy::RecordingProxy;

/// The GGUF file name `scripts/setup-real-model` writes.
pub const MODEL_FILE: &str = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf";

/// The model name to send as `model` (llama-server serves whatever it loaded).
pub const MODEL_NAME: &str = "qwen2.5-coder-1.5b-instruct";

/// Context of each slot, in tokens.
pub const DEFAULT_CONTEXT: u32 = 8192;

/// How long loading the model may take before the start counts as failed.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(180);

/// Where the real model and its server are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealModel {
    /// The GGUF weights.
    pub model: PathBuf,
    /// The `llama-server` binary.
    pub server: PathBuf,
}

impl RealModel {
    /// The paths in `HARNESS_REAL_MODEL` and `HARNESS_LLAMA_SERVER`, else those of the setup
    /// script's default cache (`$HARNESS_REAL_MODEL_CACHE`, or
    /// `${XDG_CACHE_HOME:-$HOME/.cache}/harness-evolve/real-model`). Fails, saying what is
    /// missing, when either file is not there.
    pub fn locate() -> Result<Self, String> {
        let cache = cache_dir();
        let model = match std::env::var_os("HARNESS_REAL_MODEL") {
            Some(path) => PathBuf::from(path),
            None => match &cache {
                Some(cache) => cache.join("model").join(MODEL_FILE),
                None => return Err("HARNESS_REAL_MODEL is not set and there is no HOME".into()),
            },
        };
        let server = match std::env::var_os("HARNESS_LLAMA_SERVER") {
            Some(path) => PathBuf::from(path),
            None => cache
                .as_deref()
                .and_then(cached_server)
                .ok_or("HARNESS_LLAMA_SERVER is not set and the cache has no llama-server")?,
        };
        for path in [&model, &server] {
            if !path.is_file() {
                return Err(format!(
                    "{} does not exist (run scripts/setup-real-model)",
                    path.display()
                ));
            }
        }
        Ok(Self { model, server })
    }

    /// [`locate`](Self::locate) for a test: `None` after printing `skipped: ...` when the
    /// model is not set up, unless `HARNESS_REQUIRE_REAL_MODEL=1`, which makes it an error.
    pub fn for_test() -> Result<Option<Self>, String> {
        match Self::locate() {
            Ok(found) => Ok(Some(found)),
            Err(why) if std::env::var("HARNESS_REQUIRE_REAL_MODEL").is_ok_and(|v| v == "1") => {
                Err(format!("HARNESS_REQUIRE_REAL_MODEL=1 but: {why}"))
            }
            Err(why) => {
                println!("skipped: the real model is not set up: {why}");
                Ok(None)
            }
        }
    }
}

/// The setup script's default cache folder.
fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("HARNESS_REAL_MODEL_CACHE") {
        return Some(PathBuf::from(dir));
    }
    let base = match std::env::var_os("XDG_CACHE_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".cache"),
    };
    Some(base.join("harness-evolve").join("real-model"))
}

/// The newest `llama-server-*/llama-server` in the cache.
fn cached_server(cache: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(cache)
        .ok()?
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("llama-server-")
        })
        .map(|entry| entry.path().join("llama-server"))
        .filter(|path| path.is_file())
        .collect();
    found.sort();
    found.pop()
}

/// Generation threads for the current load: both spin-waiting threads collapse when other
/// work shares the cores, so one thread unless the machine is nearly idle.
/// `HARNESS_LLAMA_THREADS` overrides.
pub fn threads_for_load() -> u32 {
    if let Some(n) = std::env::var("HARNESS_LLAMA_THREADS")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|n| *n > 0)
    {
        return n;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0);
    // Cores left over by the other work, at least one.
    let idle = (f64::from(cores) - load).floor();
    if idle >= 1.0 {
        (idle as u32).clamp(1, cores)
    } else {
        1
    }
}

/// How to start a [`LlamaServer`].
#[derive(Debug, Clone)]
pub struct LlamaOptions {
    /// Context of each slot, in tokens (the server gets `context * slots`).
    pub context: u32,
    /// Requests served at once (`--parallel`): on a CPU, decoding several sequences in one
    /// batch costs little more than one, so concurrent trials are nearly free.
    pub slots: u32,
    /// Generation threads (`-t`).
    pub threads: u32,
    /// Folder for the server's own log and the proxy's request log.
    pub log_dir: PathBuf,
    /// An API key the server requires (`--api-key`); none accepts any request.
    pub api_key: Option<String>,
}

impl LlamaOptions {
    /// [`DEFAULT_CONTEXT`], [`threads_for_load`], logs under `log_dir`.
    pub fn new(log_dir: impl Into<PathBuf>) -> Self {
        Self {
            context: DEFAULT_CONTEXT,
            slots: 1,
            threads: threads_for_load(),
            log_dir: log_dir.into(),
            api_key: None,
        }
    }
}

/// A running `llama-server` behind a [`RecordingProxy`]. Dropping it kills the server's
/// process group and stops the proxy.
pub struct LlamaServer {
    child: Child,
    address: SocketAddr,
    proxy: RecordingProxy,
    server_log: PathBuf,
    threads: u32,
}

impl std::fmt::Debug for LlamaServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlamaServer")
            .field("pid", &self.child.id())
            .field("address", &self.address)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

impl LlamaServer {
    /// Spawn `llama-server` for `model` on a free loopback port with `--jinja` (tool calls
    /// parsed from the model's chat template) and `options`; wait until `/health`
    /// answers 200. A server that exits or is not healthy in time is an error that quotes
    /// the end of its log.
    pub fn start(model: &RealModel, options: &LlamaOptions) -> io::Result<Self> {
        std::fs::create_dir_all(&options.log_dir)?;
        let server_log = options.log_dir.join("llama-server.log");
        let port = free_port()?;
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let output = std::fs::File::create(&server_log)?;
        let mut command = Command::new(&model.server);
        command
            .arg("--model")
            .arg(&model.model)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--ctx-size",
                &(options.context * options.slots.max(1)).to_string(),
            ])
            .args(["--parallel", &options.slots.max(1).to_string()])
            .args(["--threads", &options.threads.to_string()])
            .args(["--jinja", "--no-webui"])
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output)
            .process_group(0);
        if let Some(key) = &options.api_key {
            command.args(["--api-key", key]);
        }
        // SAFETY: the hook calls only prctl and getppid, both async-signal-safe, and
        // touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                // The server dies with the thread that started it, even when the test is
                // killed before any destructor runs.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                if libc::getppid() == 1 {
                    return Err(io::Error::other("the parent already exited"));
                }
                Ok(())
            });
        }
        let child = command.spawn()?;
        let proxy = match RecordingProxy::start(
            &format!("http://{address}"),
            &options.log_dir.join("requests.jsonl"),
        ) {
            Ok(proxy) => proxy,
            Err(e) => {
                kill_group(child);
                return Err(e);
            }
        };
        let mut server = Self {
            child,
            address,
            proxy,
            server_log,
            threads: options.threads,
        };
        server.wait_healthy()?;
        Ok(server)
    }

    /// Poll `/health` until it answers 200.
    fn wait_healthy(&mut self) -> io::Result<()> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(io::Error::other(format!(
                    "llama-server exited with {status} before it was healthy:\n{}",
                    self.log_tail()
                )));
            }
            if health_status(self.address) == Some(200) {
                return Ok(());
            }
            if started.elapsed() > HEALTH_TIMEOUT {
                return Err(io::Error::other(format!(
                    "llama-server was not healthy within {} s:\n{}",
                    HEALTH_TIMEOUT.as_secs(),
                    self.log_tail()
                )));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The last lines of the server's own log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.server_log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// The base URL clients use: the recording proxy's, `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> &str {
        self.proxy.base_url()
    }

    /// The server's own address (requests sent there are not recorded).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The recording proxy: every request and reply that went through [`base_url`](Self::base_url).
    pub fn proxy(&self) -> &RecordingProxy {
        &self.proxy
    }

    /// The server's own log file.
    pub fn server_log(&self) -> &Path {
        &self.server_log
    }

    /// The generation threads it runs with.
    pub fn threads(&self) -> u32 {
        self.threads
    }

    /// The server's process id (also its process group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for LlamaServer {
    fn drop(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill takes plain integers; the group is the one spawned above.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// Kill `child`'s process group and reap it.
fn kill_group(mut child: Child) {
    let pid = child.id() as libc::pid_t;
    // SAFETY: as in `Drop for LlamaServer`.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
    let _ = child.wait();
}

/// A loopback port nothing listens on now.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The HTTP status of `GET /health`, when the server answers at all.
fn health_status(address: SocketAddr) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_millis(500)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream
        .write_all(b"GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
        .ok()?;
    let mut head = [0u8; 16];
    let n = stream.read(&mut head).ok()?;
    let text = std::str::from_utf8(&head[..n]).ok()?;
    let (version, rest) = text.split_once(' ')?;
    if !version.starts_with("HTTP/") {
        return None;
    }
    rest.get(..3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_for_load_is_at_least_one() {
        assert!(threads_for_load() >= 1);
    }

    #[test]
    fn a_server_that_exits_at_once_is_an_error_quoting_its_log() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("llama-server");
        std::fs::write(&fake, "#!/bin/sh\necho 'cannot load model' >&2\nexit 3\n").unwrap();
        std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let model = RealModel {
            model: dir.path().join("m.gguf"),
            server: fake,
        };
        let error = LlamaServer::start(&model, &LlamaOptions::new(dir.path().join("logs")))
            .unwrap_err()
            .to_string();
        assert!(error.contains("exited"), "{error}");
        assert!(error.contains("cannot load model"), "{error}");
    }

    #[test]
    fn dropping_the_server_kills_its_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("llama-server");
        // A "server" that answers /health with 200 and leaves a child of its own behind.
        std::fs::write(
            &fake,
            "#!/usr/bin/env python3\nimport http.server, subprocess, sys\n\
             port = int(sys.argv[sys.argv.index('--port') + 1])\n\
             child = subprocess.Popen(['sleep', '300'])\n\
             open(sys.argv[0] + '.child', 'w').write(str(child.pid))\n\
             class H(http.server.BaseHTTPRequestHandler):\n    \
             def do_GET(self):\n        self.send_response(200); self.end_headers()\n\
             http.server.HTTPServer(('127.0.0.1', port), H).serve_forever()\n",
        )
        .unwrap();
        std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let model = RealModel {
            model: dir.path().join("m.gguf"),
            server: fake.clone(),
        };
        let server =
            LlamaServer::start(&model, &LlamaOptions::new(dir.path().join("logs"))).unwrap();
        let pid = server.pid();
        let child: u32 = std::fs::read_to_string(fake.with_extension("child"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        drop(server);
        let alive = |pid: u32| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|stat| !stat.contains(") Z "))
        };
        assert!(!alive(pid), "the server survived");
        for _ in 0..50 {
            if !alive(child) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(child), "the server's child survived");
    }
}
