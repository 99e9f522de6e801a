//! Process hygiene shared by every backend: each command runs as the leader of its own session
//! and process group (so nothing it starts can join the harness's group, and it has no
//! controlling terminal to push input into) with a cleared environment, null stdin unless given, resource limits and capped
//! output; when it ends, times out or is abandoned, the whole group is killed.

use std::collections::{BTreeMap, HashSet};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::sync::watch;

use crate::capture::read_capped;
use crate::reaper;
use crate::sys::{self, SIGKILL};
use crate::{ExecOutput, ExitStatus, Limits, SandboxError};

/// How long output pipes may stay open after the command's process group was killed. Only a
/// process that left the group (e.g. with `setsid`) can hold them that long.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// Most bytes accepted on the session state descriptor.
const STATE_CAP: usize = 8 << 20;

/// One process to run to completion.
#[derive(Debug, Clone)]
pub(crate) struct ProcessSpec {
    /// Program to execute (absolute path or a name looked up on the host PATH).
    pub program: PathBuf,
    /// Arguments after the program name.
    pub args: Vec<String>,
    /// The complete environment; nothing is inherited.
    pub env: BTreeMap<String, String>,
    /// Host working directory of the process.
    pub cwd: PathBuf,
    /// Bytes for stdin; `None` gives a null stdin.
    pub stdin: Option<Vec<u8>>,
    /// Wall-clock limit.
    pub timeout: Duration,
    /// Per-stream output cap.
    pub output_cap: usize,
    /// Resource limits.
    pub limits: Limits,
    /// Whether to open a pipe at descriptor 3 and return what the process wrote to it.
    pub capture_state: bool,
}

/// A finished process.
#[derive(Debug)]
pub(crate) struct Finished {
    /// The result as callers see it.
    pub output: ExecOutput,
    /// Bytes written to descriptor 3, when asked for and not truncated.
    pub state: Option<Vec<u8>>,
}

/// The process groups a sandbox has running, so that dropping the sandbox can kill them.
#[derive(Debug, Default)]
pub(crate) struct ProcessGroups {
    live: Mutex<HashSet<i32>>,
}

impl ProcessGroups {
    fn with_live<T>(&self, f: impl FnOnce(&mut HashSet<i32>) -> T) -> T {
        // A panic while holding the lock leaves the set intact, so poisoning can be ignored.
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut live)
    }

    /// Kill every group still registered.
    pub(crate) fn kill_all(&self) {
        let groups: Vec<i32> = self.with_live(|live| live.drain().collect());
        for pgid in groups {
            let _ = sys::signal_group(pgid, SIGKILL);
        }
    }

    /// How many groups are registered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.with_live(|live| live.len())
    }
}

/// Kills its process group when dropped unless disarmed, so that a cancelled or panicking
/// caller cannot leave processes behind.
struct GroupGuard<'a> {
    pgid: i32,
    groups: &'a ProcessGroups,
    armed: bool,
}

impl<'a> GroupGuard<'a> {
    fn new(pgid: i32, groups: &'a ProcessGroups) -> Self {
        groups.with_live(|live| live.insert(pgid));
        reaper::track(pgid);
        Self {
            pgid,
            groups,
            armed: true,
        }
    }

    fn kill(&self) {
        if let Err(err) = sys::signal_group(self.pgid, SIGKILL) {
            tracing::warn!(pgid = self.pgid, %err, "could not kill process group");
        }
    }

    /// The group was killed after its leader was reaped; killing again later could hit a
    /// recycled id.
    fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for GroupGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.kill();
        }
        self.groups.with_live(|live| live.remove(&self.pgid));
        reaper::untrack(self.pgid);
    }
}

fn convert_status(status: std::process::ExitStatus) -> ExitStatus {
    match (status.code(), status.signal()) {
        (Some(code), _) => ExitStatus::Code(code),
        (None, Some(signal)) => ExitStatus::Signal(signal),
        // Neither code nor signal cannot happen for a reaped child; report it as a failure.
        (None, None) => ExitStatus::Code(-1),
    }
}

/// Run `spec` to completion inside `groups`.
///
/// Sequence: spawn as a group leader; feed stdin and drain stdout, stderr (and the state
/// pipe) concurrently; wait for the leader up to the timeout, killing the group when it
/// passes; kill the group once the leader is reaped so that background children end with
/// the command; then give the readers [`DRAIN_GRACE`] to see end-of-file.
pub(crate) async fn run(
    spec: ProcessSpec,
    groups: &ProcessGroups,
) -> Result<Finished, SandboxError> {
    let program = spec.program.display().to_string();
    let spawn_error = |source: std::io::Error| SandboxError::Spawn {
        program: program.clone(),
        source,
    };

    let mut command = tokio::process::Command::new(&spec.program);
    command
        .args(&spec.args)
        .env_clear()
        .envs(&spec.env)
        .current_dir(&spec.cwd)
        .stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // No `process_group(0)`: the child calls setsid() itself (see `sys::setup_child`),
        // which makes it the leader of a new session and of a process group of the same id.
        .kill_on_drop(true);

    let state_pipe = if spec.capture_state {
        Some(std::io::pipe().map_err(&spawn_error)?)
    } else {
        None
    };
    let state_fd = state_pipe.as_ref().map(|(_, writer)| writer.as_raw_fd());
    sys::setup_child(&mut command, spec.limits.to_settings(), state_fd);

    let started = Instant::now();
    let spawning = reaper::spawning();
    let mut child = command.spawn().map_err(&spawn_error)?;
    // The child has its copy; ours must close or the reader never sees end-of-file.
    let state_reader = match state_pipe {
        Some((reader, writer)) => {
            drop(writer);
            let receiver = tokio::net::unix::pipe::Receiver::from_owned_fd(OwnedFd::from(reader))
                .map_err(&spawn_error)?;
            Some(receiver)
        }
        None => None,
    };
    let pgid = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .ok_or_else(|| spawn_error(std::io::Error::other("spawned process has no pid")))?;
    let mut guard = GroupGuard::new(pgid, groups);
    drop(spawning);

    let (done_tx, done_rx) = watch::channel(false);
    let stop = || {
        let mut rx = done_rx.clone();
        async move {
            // A dropped sender also means the command is over.
            let _ = rx.wait_for(|done| *done).await;
            tokio::time::sleep(DRAIN_GRACE).await;
        }
    };

    let stdin_bytes = spec.stdin.unwrap_or_default();
    let stdin_pipe = child.stdin.take();
    let stdin_stop = stop();
    let feed_stdin = async move {
        if let Some(mut pipe) = stdin_pipe {
            tokio::select! {
                // EPIPE is normal when the command does not read all of its input.
                _ = pipe.write_all(&stdin_bytes) => {}
                () = stdin_stop => {}
            }
        }
    };
    let stdout = read_capped(child.stdout.take(), spec.output_cap, stop());
    let stderr = read_capped(child.stderr.take(), spec.output_cap, stop());
    let state = read_capped(state_reader, STATE_CAP, stop());

    let wait = async {
        let waited = tokio::time::timeout(spec.timeout, child.wait()).await;
        let (status, timed_out) = match waited {
            Ok(status) => (status, false),
            Err(_) => {
                guard.kill();
                (child.wait().await, true)
            }
        };
        let duration = started.elapsed();
        // Background children end with the command, as they would in a container whose
        // entry process exits.
        guard.kill();
        guard.disarm();
        let _ = done_tx.send(true);
        (status, timed_out, duration)
    };

    let ((status, timed_out, duration), stdout, stderr, state, ()) =
        tokio::join!(wait, stdout, stderr, state, feed_stdin);
    drop(guard);
    let status = status.map_err(|source| SandboxError::Io {
        path: spec.program.clone(),
        source,
    })?;

    let state = (spec.capture_state && state.dropped == 0).then_some(state.bytes);
    Ok(Finished {
        output: ExecOutput {
            status: convert_status(status),
            stdout,
            stderr,
            duration,
            timed_out,
        },
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(script: &str) -> ProcessSpec {
        ProcessSpec {
            program: PathBuf::from("sh"),
            args: vec!["-c".to_owned(), script.to_owned()],
            env: BTreeMap::from([("PATH".to_owned(), "/usr/bin:/bin".to_owned())]),
            cwd: std::env::temp_dir(),
            stdin: None,
            timeout: Duration::from_secs(20),
            output_cap: 1024,
            limits: Limits::default(),
            capture_state: false,
        }
    }

    #[tokio::test]
    async fn runs_and_captures() {
        let groups = ProcessGroups::default();
        let done = run(spec("echo out; echo err >&2; exit 3"), &groups)
            .await
            .unwrap();
        assert_eq!(done.output.status, ExitStatus::Code(3));
        assert_eq!(done.output.stdout.bytes, b"out\n");
        assert_eq!(done.output.stderr.bytes, b"err\n");
        assert!(!done.output.timed_out);
        assert_eq!(groups.len(), 0);
    }

    #[tokio::test]
    async fn state_pipe_is_descriptor_three() {
        let groups = ProcessGroups::default();
        let mut s = spec("printf 'state' >&3; echo visible");
        s.capture_state = true;
        let done = run(s, &groups).await.unwrap();
        assert_eq!(done.state.as_deref(), Some(&b"state"[..]));
        assert_eq!(done.output.stdout.bytes, b"visible\n");
    }

    #[tokio::test]
    async fn background_children_do_not_hold_the_call() {
        let groups = ProcessGroups::default();
        let started = Instant::now();
        let done = run(spec("sleep 30 & echo started"), &groups).await.unwrap();
        assert_eq!(done.output.stdout.bytes, b"started\n");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[tokio::test]
    async fn rlimits_apply() {
        let groups = ProcessGroups::default();
        let done = run(spec("ulimit -n"), &groups).await.unwrap();
        let shown = String::from_utf8_lossy(&done.output.stdout.bytes)
            .trim()
            .to_owned();
        let expected = Limits::default()
            .to_settings()
            .into_iter()
            .find(|(r, _)| *r == sys::Resource::OpenFiles)
            .map(|(_, v)| v.to_string())
            .unwrap();
        assert_eq!(shown, expected);
    }

    #[tokio::test]
    async fn missing_program_is_a_spawn_error() {
        let groups = ProcessGroups::default();
        let mut s = spec("true");
        s.program = PathBuf::from("/nonexistent/program");
        let err = run(s, &groups).await.unwrap_err();
        assert!(matches!(err, SandboxError::Spawn { .. }), "{err}");
    }
}
