//! Host-side file operations behind the sandbox's file methods.
//!
//! Trees are copied without following symlinks (links are recreated as links), and an
//! existing symlink at a destination is replaced rather than written through, so that links
//! made inside a sandbox cannot redirect host-side writes or reads.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::{DirEntry, SandboxError};

/// Wrap an I/O error with the host path it concerns.
pub(crate) fn io_error(path: &Path) -> impl FnOnce(io::Error) -> SandboxError + '_ {
    move |source| SandboxError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Run a blocking file operation off the async runtime.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, SandboxError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, SandboxError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|join| SandboxError::Io {
            path: PathBuf::new(),
            source: io::Error::other(format!("file operation did not finish: {join}")),
        })?
}

/// Remove `path` if it is a symlink or a non-directory, so a directory can be made there.
fn clear_for_dir(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => fs::remove_file(path),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err),
    }
}

/// Remove whatever is at `path`.
fn remove_any(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => remove_tree(path),
        Ok(_) => fs::remove_file(path),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err),
    }
}

/// Remove `path` if it is a symlink, so that writing to it cannot follow the link.
fn clear_symlink(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => fs::remove_file(path),
        _ => Ok(()),
    }
}

/// Most bytes [`read_regular`] returns; larger files are refused rather than loaded.
pub(crate) const READ_CAP: u64 = 256 << 20;

/// Read a regular file without blocking on what a command may have put in its place: the
/// file is opened non-blocking (a FIFO opens at once instead of waiting for a writer), must be
/// a regular file once open, and may not be larger than [`READ_CAP`].
pub(crate) fn read_regular(host: &Path) -> Result<Vec<u8>, SandboxError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let refuse = |why: &str| SandboxError::Io {
        path: host.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidInput, why.to_owned()),
    };
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(host)
        .map_err(io_error(host))?;
    let meta = file.metadata().map_err(io_error(host))?;
    if !meta.is_file() {
        return Err(refuse("not a regular file"));
    }
    if meta.len() > READ_CAP {
        return Err(refuse("larger than the sandbox's read limit (256 MiB)"));
    }
    let mut bytes = Vec::new();
    file.take(READ_CAP + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error(host))?;
    if bytes.len() as u64 > READ_CAP {
        return Err(refuse("larger than the sandbox's read limit (256 MiB)"));
    }
    Ok(bytes)
}

/// Write `contents` to `host`, creating parent directories.
pub(crate) fn write_file(host: &Path, contents: &[u8]) -> Result<(), SandboxError> {
    if let Some(parent) = host.parent() {
        fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    fs::write(host, contents).map_err(io_error(host))
}

/// List the directory `host`, sorted by name.
pub(crate) fn list_dir(host: &Path) -> Result<Vec<DirEntry>, SandboxError> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(host).map_err(io_error(host))? {
        let entry = entry.map_err(io_error(host))?;
        let meta = entry.metadata().map_err(io_error(&entry.path()))?;
        let is_dir = meta.is_dir();
        entries.push(DirEntry {
            name: entry.file_name().to_string_lossy().into_owned(),
            is_dir,
            size: if is_dir { 0 } else { meta.len() },
        });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

/// Copy `src` (file, symlink or directory tree) to `dst`. A directory's contents are merged
/// into `dst`; symlinks are recreated, not followed; special files are skipped.
pub(crate) fn copy_tree(src: &Path, dst: &Path) -> Result<(), SandboxError> {
    let meta = fs::symlink_metadata(src).map_err(io_error(src))?;
    let kind = meta.file_type();
    if kind.is_symlink() {
        let target = fs::read_link(src).map_err(io_error(src))?;
        remove_any(dst).map_err(io_error(dst))?;
        std::os::unix::fs::symlink(&target, dst).map_err(io_error(dst))
    } else if kind.is_dir() {
        clear_for_dir(dst).map_err(io_error(dst))?;
        fs::create_dir_all(dst).map_err(io_error(dst))?;
        for entry in fs::read_dir(src).map_err(io_error(src))? {
            let entry = entry.map_err(io_error(src))?;
            copy_tree(&entry.path(), &dst.join(entry.file_name()))?;
        }
        fs::set_permissions(dst, meta.permissions()).map_err(io_error(dst))
    } else if kind.is_file() {
        clear_symlink(dst).map_err(io_error(dst))?;
        fs::copy(src, dst).map_err(io_error(dst)).map(|_| ())
    } else {
        Ok(())
    }
}

/// Make `dir` an empty directory.
pub(crate) fn reset_dir(dir: &Path) -> Result<(), SandboxError> {
    if fs::symlink_metadata(dir).is_ok() {
        remove_tree(dir).map_err(io_error(dir))?;
    }
    fs::create_dir_all(dir).map_err(io_error(dir))
}

/// Remove a tree even where commands inside the sandbox removed write permission from its
/// directories (which stops removal for non-root users).
pub(crate) fn remove_tree(path: &Path) -> io::Result<()> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(_) => {
            make_writable(path);
            fs::remove_dir_all(path)
        }
    }
}

/// Remove write permission from every file and directory of a tree (symlinks are left as
/// they are), keeping read and execute.
pub(crate) fn make_read_only(path: &Path) -> Result<(), SandboxError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::symlink_metadata(path).map_err(io_error(path))?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    if meta.is_dir() {
        for entry in fs::read_dir(path).map_err(io_error(path))? {
            let entry = entry.map_err(io_error(path))?;
            make_read_only(&entry.path())?;
        }
    }
    let mode = meta.permissions().mode() & 0o555;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_error(path))
}

fn make_writable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = fs::symlink_metadata(path) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o700));
    if let Ok(entries) = fs::read_dir(path) {
        for entry in entries.flatten() {
            make_writable(&entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_trees_without_following_links() {
        let src = tempfile::tempdir().unwrap();
        let dst = tempfile::tempdir().unwrap();
        fs::create_dir_all(src.path().join("a/b")).unwrap();
        fs::write(src.path().join("a/b/f.txt"), b"data").unwrap();
        std::os::unix::fs::symlink("/etc/hostname", src.path().join("a/link")).unwrap();
        copy_tree(src.path(), &dst.path().join("out")).unwrap();
        assert_eq!(fs::read(dst.path().join("out/a/b/f.txt")).unwrap(), b"data");
        let link = fs::symlink_metadata(dst.path().join("out/a/link")).unwrap();
        assert!(link.file_type().is_symlink());
    }

    #[test]
    fn replaces_symlinks_at_the_destination() {
        let src = tempfile::tempdir().unwrap();
        let dst = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(src.path().join("f"), b"new").unwrap();
        fs::write(outside.path().join("victim"), b"old").unwrap();
        std::os::unix::fs::symlink(outside.path().join("victim"), dst.path().join("f")).unwrap();
        copy_tree(&src.path().join("f"), &dst.path().join("f")).unwrap();
        assert_eq!(fs::read(outside.path().join("victim")).unwrap(), b"old");
        assert_eq!(fs::read(dst.path().join("f")).unwrap(), b"new");
    }

    #[test]
    fn lists_sorted() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("b"), b"12").unwrap();
        fs::create_dir(dir.path().join("a")).unwrap();
        let entries = list_dir(dir.path()).unwrap();
        assert_eq!(
            entries,
            vec![
                DirEntry {
                    name: "a".into(),
                    is_dir: true,
                    size: 0
                },
                DirEntry {
                    name: "b".into(),
                    is_dir: false,
                    size: 2
                },
            ]
        );
    }

    #[test]
    fn removes_read_only_trees() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("t");
        fs::create_dir_all(tree.join("x")).unwrap();
        fs::write(tree.join("x/f"), b"").unwrap();
        fs::set_permissions(tree.join("x"), fs::Permissions::from_mode(0o500)).unwrap();
        remove_tree(&tree).unwrap();
        assert!(!tree.exists());
    }
}
