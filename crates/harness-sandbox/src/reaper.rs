//! Finding and killing processes that escaped a command's process group on the `local`
//! backend (`setsid`, job control), which a group kill cannot reach.
//!
//! The harness process becomes a child subreaper, so such processes are re-parented to it
//! when their parent dies instead of vanishing under init. A sweep then kills every child of
//! the harness that lives in a process group other than the harness's own and other than a
//! command group still running (every command starts a session of its own, so none of its
//! processes can join the harness's group): by the local backend's rule, background processes end with
//! the command that started them. The rule's limit: a child that code embedding this crate
//! started in a process group of its own (not through a sandbox) looks the same; see the
//! `local` module docs.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock, RwLock, RwLockReadGuard};

use crate::sys;

/// Process groups of sandbox commands still running, across all sandboxes of this process.
static LIVE_GROUPS: Mutex<Option<HashSet<i32>>> = Mutex::new(None);

/// Held shared from a command's spawn until its group is tracked, and exclusively by a
/// sweep, so that a sweep never sees a command that was just spawned as escaped.
static SPAWNING: RwLock<()> = RwLock::new(());

/// Whether this process became a subreaper (tried once).
static SUBREAPER: OnceLock<bool> = OnceLock::new();

/// Most rounds of a sweep: killing a process re-parents its own children to us, which the
/// next round finds; a sweep ends as soon as a round finds nothing.
const ROUNDS: usize = 256;

/// Make the harness process a subreaper, once. Returns whether it is one.
pub(crate) fn enable() -> bool {
    *SUBREAPER.get_or_init(|| match sys::become_subreaper() {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!(%err, "could not become a child subreaper; processes that leave \
                their group on the local backend may outlive their sandbox");
            false
        }
    })
}

fn with_live<T>(f: impl FnOnce(&mut HashSet<i32>) -> T) -> T {
    let mut guard = LIVE_GROUPS.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(HashSet::new))
}

/// Hold while spawning a command and tracking its group.
pub(crate) fn spawning() -> RwLockReadGuard<'static, ()> {
    SPAWNING.read().unwrap_or_else(|e| e.into_inner())
}

/// Note a command group as running.
pub(crate) fn track(pgid: i32) {
    with_live(|live| live.insert(pgid));
}

/// Note a command group as finished.
pub(crate) fn untrack(pgid: i32) {
    with_live(|live| live.remove(&pgid));
}

/// One line of `/proc/<pid>/stat`: (parent pid, process group).
fn parent_and_group(stat: &str) -> Option<(i32, i32)> {
    // The command name is in parentheses and may itself hold spaces and parentheses.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let _state = fields.next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((ppid, pgrp))
}

/// Children of this process that escaped a finished command's group.
fn escaped_children() -> Vec<i32> {
    let me = i32::try_from(std::process::id()).unwrap_or(i32::MAX);
    let own_group = sys::own_process_group();
    let live = with_live(|live| live.clone());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some((ppid, pgrp)) = parent_and_group(&stat)
            && ppid == me
            && pgrp != own_group
            && !live.contains(&pgrp)
            && !live.contains(&pid)
        {
            found.push(pid);
        }
    }
    found
}

/// Kill and reap every escaped child, repeating while killing uncovers more.
pub(crate) fn sweep() -> usize {
    if SUBREAPER.get() != Some(&true) {
        return 0;
    }
    let _exclusive = SPAWNING.write().unwrap_or_else(|e| e.into_inner());
    let mut killed = 0;
    for _ in 0..ROUNDS {
        let found = escaped_children();
        if found.is_empty() {
            break;
        }
        for pid in found {
            sys::kill_and_reap(pid);
            killed += 1;
        }
    }
    killed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines() {
        assert_eq!(
            parent_and_group("123 (sleep) S 45 67 67 0 -1"),
            Some((45, 67))
        );
        assert_eq!(parent_and_group("9 (a) b) (c) R 1 9 9 0"), Some((1, 9)));
        assert_eq!(parent_and_group("garbage"), None);
    }
}
