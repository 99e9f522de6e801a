//! The few direct system calls of this crate: resource limits and the state descriptor set up
//! in the child between fork and exec, and signals to whole process groups.
//!
//! Everything `unsafe` in the crate lives here, so that it can be reviewed in one place.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::RawFd;

/// A resource limit the child can be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    /// CPU seconds (`RLIMIT_CPU`).
    Cpu,
    /// Virtual address space in bytes (`RLIMIT_AS`).
    AddressSpace,
    /// Largest file the process may write, in bytes (`RLIMIT_FSIZE`).
    FileSize,
    /// Open file descriptors (`RLIMIT_NOFILE`).
    OpenFiles,
    /// Core dump size in bytes (`RLIMIT_CORE`).
    Core,
    /// Data segment and private writable mappings in bytes (`RLIMIT_DATA`).
    Data,
    /// Processes of the real user (`RLIMIT_NPROC`).
    Processes,
}

/// The descriptor number at which a child finds the session state pipe.
pub(crate) const STATE_FD: RawFd = 3;

fn to_rlimit(value: u64) -> libc::rlimit {
    // rlim_t is u64 on every Linux target this crate builds for.
    libc::rlimit {
        rlim_cur: value as libc::rlim_t,
        rlim_max: value as libc::rlim_t,
    }
}

fn set_limit(resource: Resource, value: u64) -> io::Result<()> {
    let limit = to_rlimit(value);
    // SAFETY: setrlimit reads a valid, initialised struct and is async-signal-safe, so it may
    // run between fork and exec.
    let rc = unsafe {
        match resource {
            Resource::Cpu => libc::setrlimit(libc::RLIMIT_CPU, &limit),
            Resource::AddressSpace => libc::setrlimit(libc::RLIMIT_AS, &limit),
            Resource::FileSize => libc::setrlimit(libc::RLIMIT_FSIZE, &limit),
            Resource::OpenFiles => libc::setrlimit(libc::RLIMIT_NOFILE, &limit),
            Resource::Core => libc::setrlimit(libc::RLIMIT_CORE, &limit),
            Resource::Data => libc::setrlimit(libc::RLIMIT_DATA, &limit),
            Resource::Processes => libc::setrlimit(libc::RLIMIT_NPROC, &limit),
        }
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The current hard limit of this process for `resource`, `None` when unlimited or unknown.
pub(crate) fn hard_limit(resource: Resource) -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own and pass by valid pointer.
    let rc = unsafe {
        match resource {
            Resource::Cpu => libc::getrlimit(libc::RLIMIT_CPU, &mut limit),
            Resource::AddressSpace => libc::getrlimit(libc::RLIMIT_AS, &mut limit),
            Resource::FileSize => libc::getrlimit(libc::RLIMIT_FSIZE, &mut limit),
            Resource::OpenFiles => libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit),
            Resource::Core => libc::getrlimit(libc::RLIMIT_CORE, &mut limit),
            Resource::Data => libc::getrlimit(libc::RLIMIT_DATA, &mut limit),
            Resource::Processes => libc::getrlimit(libc::RLIMIT_NPROC, &mut limit),
        }
    };
    if rc != 0 || limit.rlim_max == libc::RLIM_INFINITY {
        None
    } else {
        Some(limit.rlim_max)
    }
}

/// Arrange for the child to get `limits` and, when given, the write end of the state pipe at
/// [`STATE_FD`].
///
/// The caller must have created `state_fd` in this process and keep it open until the child
/// has been spawned. The limits must already be clamped to what this process may set.
pub(crate) fn setup_child(
    command: &mut tokio::process::Command,
    limits: Vec<(Resource, u64)>,
    state_fd: Option<RawFd>,
) {
    let hook = move || -> io::Result<()> {
        // A new session: the command leads its own group (the group kill reaches everything
        // that stays in it), and nothing it starts can join the harness's group, which is only
        // possible within one session. It also drops the controlling terminal.
        // SAFETY: setsid takes no arguments and is async-signal-safe.
        if unsafe { libc::setsid() } < 0 {
            return Err(io::Error::last_os_error());
        }
        for (resource, value) in &limits {
            set_limit(*resource, *value)?;
        }
        if let Some(fd) = state_fd {
            if fd == STATE_FD {
                // dup2 onto itself keeps close-on-exec set, so clear the flag instead.
                // SAFETY: fcntl on a descriptor this process owns; async-signal-safe.
                if unsafe { libc::fcntl(fd, libc::F_SETFD, 0) } != 0 {
                    return Err(io::Error::last_os_error());
                }
            } else {
                // SAFETY: dup2 between descriptors of this process; async-signal-safe. The
                // copy at STATE_FD does not inherit close-on-exec, which is the point.
                if unsafe { libc::dup2(fd, STATE_FD) } < 0 {
                    return Err(io::Error::last_os_error());
                }
            }
        }
        Ok(())
    };
    // SAFETY: the hook only calls async-signal-safe functions (setrlimit, fcntl, dup2), does
    // not allocate and touches no locks, as required between fork and exec.
    unsafe {
        command.pre_exec(hook);
    }
}

/// Send `signal` to every process in group `pgid`. Refuses group ids that would address
/// more than one group (0, 1 and negatives). A group that no longer exists is not an error.
pub(crate) fn signal_group(pgid: i32, signal: i32) -> io::Result<()> {
    if pgid <= 1 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("refusing to signal process group {pgid}"),
        ));
    }
    // SAFETY: kill has no memory-safety preconditions; a negative pid addresses one group.
    let rc = unsafe { libc::kill(-pgid, signal) };
    if rc == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::ESRCH) {
        Ok(())
    } else {
        Err(err)
    }
}

/// Make this process a child subreaper (`PR_SET_CHILD_SUBREAPER`): descendants orphaned by
/// their parent's death are re-parented to it instead of to init, so they can be found.
pub(crate) fn become_subreaper() -> io::Result<()> {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes plain integer arguments.
    let rc = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// This process's effective user id.
pub(crate) fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// This process's process group.
pub(crate) fn own_process_group() -> i32 {
    // SAFETY: getpgrp has no preconditions and cannot fail.
    unsafe { libc::getpgrp() }
}

/// SIGKILL one process (refusing ids that address groups or everyone), then reap it if it has
/// died within a few milliseconds (a process that has not is reaped by a later sweep). Only
/// for children of this process that no other code waits for.
pub(crate) fn kill_and_reap(pid: i32) {
    if pid <= 1 {
        return;
    }
    // SAFETY: kill has no memory-safety preconditions; a positive pid addresses one process.
    let _ = unsafe { libc::kill(pid, libc::SIGKILL) };
    for _ in 0..20 {
        let mut status = 0;
        // SAFETY: waitpid writes the status into a local we own; WNOHANG never blocks.
        let rc = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if rc != 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_micros(500));
    }
}

/// SIGKILL, for [`signal_group`].
pub(crate) const SIGKILL: i32 = libc::SIGKILL;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_broad_groups() {
        assert!(signal_group(0, 0).is_err());
        assert!(signal_group(1, 0).is_err());
        assert!(signal_group(-5, 0).is_err());
    }

    #[test]
    fn missing_group_is_fine() {
        // Group ids near the top of the pid range are practically never in use.
        assert!(signal_group(4_194_000, 0).is_ok());
    }
}
