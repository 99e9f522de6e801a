//! Shared helpers of the examples: where the bundled suite and harnesses are, and a small
//! suite of bundled tasks with splits for quick runs.

use std::path::{Path, PathBuf};

/// The repository's `examples/` folder.
pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A bundled harness folder (`minimal`, `rich`).
pub fn bundled_harness(name: &str) -> PathBuf {
    examples_dir().join("harnesses").join(name)
}

/// The bundled suite folder.
pub fn bundled_suite() -> PathBuf {
    examples_dir().join("suites/terminal-lite")
}

/// A suite in `dir` made of bundled tasks, copied, with the splits given: what a user's own
/// suite looks like (task folders and a `suite.yaml`).
pub fn small_suite(
    dir: &Path,
    held_in: &[&str],
    validation: &[&str],
    test: &[&str],
) -> std::io::Result<PathBuf> {
    let suite = dir.join("suite");
    let source = bundled_suite();
    for task in held_in.iter().chain(validation).chain(test) {
        copy_dir(&source.join(task), &suite.join(task))?;
    }
    let list = |tasks: &[&str]| {
        tasks
            .iter()
            .map(|t| format!("    - {t}\n"))
            .collect::<String>()
    };
    std::fs::write(
        suite.join("suite.yaml"),
        format!(
            "name: my-tasks\nsplits:\n  held_in:\n{}  validation:\n{}  test:\n{}",
            list(held_in),
            list(validation),
            list(test)
        ),
    )?;
    Ok(suite)
}

/// Copy a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
