//! Making WORKDIR safe to verify: what the agent left there is the verifier's input, but the
//! way it is left must not reach past it.
//!
//! - Links into the verifier's own directories. The agent cannot read `/tests` (it is mounted
//!   only for the verifier), but it can leave `answer.txt -> /tests/expected.txt`, which
//!   resolves once the verifier runs, so that a test comparing the agent's file with its own
//!   expected file compares that file with itself. Every link in WORKDIR is resolved the way
//!   the kernel would, component by component, following links that lie in WORKDIR (up to 40
//!   hops; more counts as an escape); a link whose path passes through a protected directory
//!   (the verifier-only directories, `/proc` and the `/dev` entries that lead into it) is
//!   removed and reported.
//! - Permissions. Mode bits bind the verifier (its capabilities are dropped), so a directory the
//!   agent locked (`chmod 000`, or `555` around a file the verifier's tools must replace) would
//!   make the verifier fail on the agent's say-so, hide links from this walk, or keep a file of
//!   the agent's where the verifier means to write its own. The owner gets read, write and
//!   search back on every directory, as a root verifier in a container would have. File modes
//!   are left alone: they are often what a task checks (`chmod +x`, a read-only config), and a
//!   read-only file in a writable directory can still be replaced.
//!
//! A WORKDIR too large to walk in full is reported; the caller must then refuse to verify.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// Most entries looked at.
const MAX_ENTRIES: usize = 1_000_000;

/// Most links followed while resolving one path (the kernel's limit).
const MAX_HOPS: usize = 40;

/// What a sweep did.
#[derive(Debug, Default)]
pub(crate) struct LinkSweep {
    /// Removed links as `inside/path -> target`.
    pub removed: Vec<String>,
    /// Whether the walk stopped at [`MAX_ENTRIES`] (or could not read a directory).
    pub truncated: bool,
}

/// Resolves paths as the verifier will see them, following links that lie in WORKDIR.
struct Resolver<'a> {
    host_work: &'a Path,
    inside_work: &'a Path,
    protected: &'a [PathBuf],
}

impl Resolver<'_> {
    fn host_of(&self, inside: &Path) -> Option<PathBuf> {
        let rel = inside.strip_prefix(self.inside_work).ok()?;
        Some(self.host_work.join(rel))
    }

    fn is_protected(&self, inside: &Path) -> bool {
        self.protected.iter().any(|p| inside.starts_with(p))
    }

    /// Whether resolving `target`, read from a link that sits in `dir`, passes through a
    /// protected directory (or needs more than [`MAX_HOPS`] links).
    fn escapes(&self, dir: &Path, target: &Path) -> bool {
        let mut current = dir.to_path_buf();
        let mut pending: VecDeque<OsString> = VecDeque::new();
        push_target(&mut current, &mut pending, target);
        let mut hops = 0;
        while let Some(part) = pending.pop_front() {
            if part == ".." {
                current.pop();
                continue;
            }
            let next = current.join(&part);
            if self.is_protected(&next) {
                return true;
            }
            let link = self
                .host_of(&next)
                .and_then(|host| std::fs::symlink_metadata(&host).ok().map(|m| (host, m)))
                .filter(|(_, meta)| meta.file_type().is_symlink());
            match link {
                Some((host, _)) => {
                    hops += 1;
                    let Ok(inner) = std::fs::read_link(&host) else {
                        return true;
                    };
                    if hops > MAX_HOPS {
                        return true;
                    }
                    push_target(&mut current, &mut pending, &inner);
                }
                // Outside WORKDIR the verifier sees the read-only system and its own fresh
                // directories, which hold no links of the agent's.
                None => current = next,
            }
        }
        self.is_protected(&current)
    }
}

/// Queue `target`'s components in front of `pending`; an absolute target restarts at `/`.
fn push_target(current: &mut PathBuf, pending: &mut VecDeque<OsString>, target: &Path) {
    if target.is_absolute() {
        *current = PathBuf::from("/");
    }
    let parts: Vec<OsString> = target
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect();
    for part in parts.into_iter().rev() {
        pending.push_front(part);
    }
}

/// Give the owner read, write and search on the directory `path` if it lacks them; files are
/// left as they are.
fn restore_owner_access(path: &Path, meta: &std::fs::Metadata) {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode();
    if meta.is_dir() && mode & 0o700 != 0o700 {
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode | 0o700));
    }
}

/// Walk `host_work` (seen inside as `inside_work`): restore the owner's access everywhere and
/// remove links that resolve through one of `protected` (inside paths).
pub(crate) fn sanitize_workdir(
    host_work: &Path,
    inside_work: &Path,
    protected: &[PathBuf],
) -> LinkSweep {
    let mut sweep = LinkSweep::default();
    let resolver = Resolver {
        host_work,
        inside_work,
        protected,
    };
    if let Ok(meta) = std::fs::symlink_metadata(host_work) {
        restore_owner_access(host_work, &meta);
    }
    let mut stack = vec![(host_work.to_path_buf(), inside_work.to_path_buf())];
    let mut seen = 0usize;
    while let Some((host_dir, inside_dir)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&host_dir) else {
            sweep.truncated = true;
            continue;
        };
        for entry in entries {
            let Ok(entry) = entry else {
                sweep.truncated = true;
                continue;
            };
            seen += 1;
            if seen > MAX_ENTRIES {
                sweep.truncated = true;
                return sweep;
            }
            let host = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&host) else {
                continue;
            };
            let inside = inside_dir.join(entry.file_name());
            if meta.file_type().is_symlink() {
                let Ok(target) = std::fs::read_link(&host) else {
                    continue;
                };
                if !protected.is_empty()
                    && resolver.escapes(&inside_dir, &target)
                    && std::fs::remove_file(&host).is_ok()
                {
                    sweep
                        .removed
                        .push(format!("{} -> {}", inside.display(), target.display()));
                }
                continue;
            }
            restore_owner_access(&host, &meta);
            if meta.is_dir() {
                stack.push((host, inside));
            }
        }
    }
    sweep
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{PermissionsExt, symlink};

    fn protected() -> Vec<PathBuf> {
        ["/tests", "/proc", "/dev/fd"]
            .into_iter()
            .map(PathBuf::from)
            .collect()
    }

    #[test]
    fn removes_links_that_resolve_into_protected_dirs() {
        let work = tempfile::tempdir().unwrap();
        let w = work.path();
        std::fs::create_dir_all(w.join("sub/deeper")).unwrap();
        symlink("/tests/expected.txt", w.join("answer.txt")).unwrap();
        symlink("../tests/x", w.join("rel")).unwrap();
        symlink("../../../proc/self/root/tests/x", w.join("sub/deeper/proc")).unwrap();
        // A chain: `r` is harmless by itself (the root), `chain` goes through it.
        symlink("/", w.join("r")).unwrap();
        symlink("r/tests/expected.txt", w.join("chain")).unwrap();
        symlink("/dev/fd/3", w.join("fd")).unwrap();
        // A loop counts as an escape.
        symlink("loop-b", w.join("loop-a")).unwrap();
        symlink("loop-a", w.join("loop-b")).unwrap();
        symlink("/usr/bin/python3", w.join("python")).unwrap();
        symlink("data.txt", w.join("sub/local")).unwrap();
        symlink("/testsuite/x", w.join("lookalike")).unwrap();
        let sweep = sanitize_workdir(w, Path::new("/app"), &protected());
        let mut removed = sweep.removed.clone();
        removed.sort();
        // Of a loop, the first link met is removed; the other then dangles, which is harmless.
        let loops = removed.iter().filter(|r| r.contains("/app/loop-")).count();
        assert!(loops >= 1, "{removed:?}");
        removed.retain(|r| !r.contains("/app/loop-"));
        assert_eq!(
            removed,
            [
                "/app/answer.txt -> /tests/expected.txt",
                "/app/chain -> r/tests/expected.txt",
                "/app/fd -> /dev/fd/3",
                "/app/rel -> ../tests/x",
                "/app/sub/deeper/proc -> ../../../proc/self/root/tests/x",
            ]
        );
        assert!(!sweep.truncated);
        for kept in ["python", "sub/local", "lookalike", "r"] {
            assert!(w.join(kept).symlink_metadata().is_ok(), "{kept}");
        }
    }

    #[test]
    fn locked_directories_are_opened_and_checked() {
        let work = tempfile::tempdir().unwrap();
        let w = work.path();
        std::fs::create_dir_all(w.join("d")).unwrap();
        symlink("/tests/expected.txt", w.join("d/x")).unwrap();
        symlink("d/x", w.join("answer.txt")).unwrap();
        std::fs::write(w.join("ro.txt"), "x").unwrap();
        std::fs::set_permissions(w.join("ro.txt"), std::fs::Permissions::from_mode(0o444)).unwrap();
        std::fs::set_permissions(w.join("d"), std::fs::Permissions::from_mode(0o111)).unwrap();
        let sweep = sanitize_workdir(w, Path::new("/app"), &protected());
        assert_eq!(sweep.removed.len(), 2, "{:?}", sweep.removed);
        let mode = |p: &str| std::fs::metadata(w.join(p)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode("d") & 0o700, 0o700);
        // File modes are the task's business (and often what its tests check).
        assert_eq!(mode("ro.txt"), 0o444);
    }
}
