//! What a crate compiles: the names in `cargo tree -e normal` of a package, for tests that
//! keep a crate light.

use std::path::Path;
use std::process::Command;

/// The package names among the normal (non-dev, non-build) dependencies of `package`, itself
/// included, as `cargo tree --offline` lists them; `extra` goes to `cargo tree` as is (for
/// instance `--no-default-features`). `cargo` is the cargo binary (`env!("CARGO")` in the
/// calling test) and `manifest_dir` the calling crate's directory. Panics when `cargo tree`
/// fails: this is test support.
#[allow(clippy::panic, clippy::expect_used)]
pub fn normal_dependencies(
    cargo: &str,
    manifest_dir: &Path,
    package: &str,
    extra: &[&str],
) -> Vec<String> {
    let output = Command::new(cargo)
        .args(["tree", "--offline", "-p", package, "-e", "normal"])
        .args(["--prefix", "none", "--format", "{p}"])
        .args(extra)
        .current_dir(manifest_dir)
        .output()
        .expect("cargo tree runs");
    if !output.status.success() {
        panic!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}
