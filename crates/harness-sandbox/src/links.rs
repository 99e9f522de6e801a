//! Links in WORKDIR that point at the verifier's own directories.
//!
//! The agent cannot read `/tests` (it is mounted only for the verifier), but it can leave a
//! link such as `answer.txt -> /tests/expected.txt` that resolves once the verifier runs,
//! so that a test comparing the agent's file with its own expected file compares that file with
//! itself. Before the verifier phase, links in WORKDIR whose target lies in a directory that
//! exists only for the verifier (or in `/proc`, through which `/proc/self/root/tests` reaches
//! the same place) are removed and reported. Targets are resolved lexically from where the link
//! sits, as the kernel would resolve a relative target.

use std::path::{Path, PathBuf};

use crate::paths::normalize;

/// Most entries looked at; a WORKDIR larger than this is checked only in part (and says so).
const MAX_ENTRIES: usize = 500_000;

/// What a sweep found.
#[derive(Debug, Default)]
pub(crate) struct LinkSweep {
    /// Removed links as `inside/path -> target`.
    pub removed: Vec<String>,
    /// Whether the walk stopped at [`MAX_ENTRIES`].
    pub truncated: bool,
}

/// Remove links under `host_work` (seen inside as `inside_work`) whose target lies under one of
/// `protected` (inside paths).
pub(crate) fn remove_links_into(
    host_work: &Path,
    inside_work: &Path,
    protected: &[PathBuf],
) -> LinkSweep {
    let mut sweep = LinkSweep::default();
    if protected.is_empty() {
        return sweep;
    }
    let mut stack = vec![(host_work.to_path_buf(), inside_work.to_path_buf())];
    let mut seen = 0usize;
    while let Some((host_dir, inside_dir)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&host_dir) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_ENTRIES {
                sweep.truncated = true;
                return sweep;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let host = entry.path();
            let inside = inside_dir.join(entry.file_name());
            if kind.is_dir() {
                stack.push((host, inside));
            } else if kind.is_symlink() {
                let Ok(target) = std::fs::read_link(&host) else {
                    continue;
                };
                let from = inside.parent().unwrap_or(inside_work);
                let resolved = normalize(from, &target.to_string_lossy());
                let into_protected = resolved
                    .as_ref()
                    .is_some_and(|r| protected.iter().any(|p| r.starts_with(p)));
                if into_protected && std::fs::remove_file(&host).is_ok() {
                    sweep
                        .removed
                        .push(format!("{} -> {}", inside.display(), target.display()));
                }
            }
        }
    }
    sweep
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn removes_links_into_protected_dirs_only() {
        let work = tempfile::tempdir().unwrap();
        let w = work.path();
        std::fs::create_dir_all(w.join("sub/deeper")).unwrap();
        symlink("/tests/expected.txt", w.join("answer.txt")).unwrap();
        symlink("../tests/x", w.join("rel")).unwrap();
        symlink("../../../proc/self/root/tests/x", w.join("sub/deeper/proc")).unwrap();
        symlink("/usr/bin/python3", w.join("python")).unwrap();
        symlink("data.txt", w.join("sub/local")).unwrap();
        symlink("/testsuite/x", w.join("lookalike")).unwrap();
        let protected = [PathBuf::from("/tests"), PathBuf::from("/proc")];
        let sweep = remove_links_into(w, Path::new("/app"), &protected);
        let mut removed = sweep.removed.clone();
        removed.sort();
        assert_eq!(
            removed,
            [
                "/app/answer.txt -> /tests/expected.txt",
                "/app/rel -> ../tests/x",
                "/app/sub/deeper/proc -> ../../../proc/self/root/tests/x",
            ]
        );
        assert!(!sweep.truncated);
        for kept in ["python", "sub/local", "lookalike"] {
            assert!(w.join(kept).symlink_metadata().is_ok(), "{kept}");
        }
    }
}
