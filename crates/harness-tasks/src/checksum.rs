//! A task's content checksum: the cache key for evaluations of that task.
//!
//! sha256 over every file under the task dir in byte order of their `/`-separated relative
//! paths. Each file contributes its path, a 0 byte, a kind byte (`f` file, `x` executable file,
//! `l` symlink), the content length as 8 little-endian bytes, then the content (for symlinks,
//! the link target). Directories contribute nothing by themselves, so empty dirs do not change
//! the checksum; the executable bit does, because it changes what a script does.

use std::path::Path;

use harness_types::{ContentHash, TaskChecksum};
use sha2::{Digest, Sha256};

use crate::TaskError;

/// Hex sha256 of the task dir's files (see the module docs for the exact framing).
pub fn task_checksum(dir: &Path) -> Result<TaskChecksum, TaskError> {
    let mut entries = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.map_err(|e| {
            let path = e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| dir.to_path_buf());
            TaskError::io(path, std::io::Error::other(e.to_string()))
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        entries.push((rel, entry.into_path()));
    }
    entries.sort();
    let mut hasher = Sha256::new();
    for (rel, path) in entries {
        let meta = std::fs::symlink_metadata(&path).map_err(|e| TaskError::io(&path, e))?;
        let (kind, content) = if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).map_err(|e| TaskError::io(&path, e))?;
            (b'l', target.to_string_lossy().into_owned().into_bytes())
        } else {
            let bytes = std::fs::read(&path).map_err(|e| TaskError::io(&path, e))?;
            (if is_executable(&meta) { b'x' } else { b'f' }, bytes)
        };
        hasher.update(rel.as_bytes());
        hasher.update([0, kind]);
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(&content);
    }
    Ok(TaskChecksum::from_hash(ContentHash::from_digest(
        hasher.finalize().into(),
    )))
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_content_sensitive() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("tests")).unwrap();
        std::fs::write(dir.path().join("tests/test.sh"), "exit 0\n").unwrap();
        std::fs::write(dir.path().join("instruction.md"), "do it\n").unwrap();
        let a = task_checksum(dir.path()).unwrap();
        assert_eq!(a, task_checksum(dir.path()).unwrap());
        // Golden value: evaluation caches are keyed by it, so a change to the framing must
        // be deliberate (computed independently from the module docs' framing).
        assert_eq!(
            a.as_str(),
            "f010bb135a7d8f57e5618e288f39239eac4b6c9699fef539f3d5f16651bbfdbb"
        );
        std::fs::create_dir_all(dir.path().join("empty")).unwrap();
        assert_eq!(a, task_checksum(dir.path()).unwrap());
        std::fs::write(dir.path().join("instruction.md"), "do it!\n").unwrap();
        let b = task_checksum(dir.path()).unwrap();
        assert_ne!(a, b);
        // Moving content between files changes the checksum (paths are framed).
        std::fs::write(dir.path().join("instruction.md"), "do it\n").unwrap();
        std::fs::rename(
            dir.path().join("tests/test.sh"),
            dir.path().join("tests/t.sh"),
        )
        .unwrap();
        assert_ne!(a, task_checksum(dir.path()).unwrap());
    }
}
