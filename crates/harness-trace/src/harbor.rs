//! Harbor's own ATIF validator (`python -m harbor.utils.trajectory_validator`), set up by
//! `scripts/setup-harbor-validator` outside the repository. Used by the tests of every crate
//! that exports trajectories, and by anyone who wants the reference check on an export.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A ready validator: the interpreter and the `PYTHONPATH` that make the module importable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarborValidator {
    python: String,
    pythonpath: String,
}

impl HarborValidator {
    /// Run the setup script (idempotent) with the validator installed under `install_dir`.
    /// Errors say why the validator is not available (no Python, no network, ...).
    pub fn setup(script: &Path, install_dir: &Path) -> Result<Self, String> {
        if !script.exists() {
            return Err(format!("{} is missing", script.display()));
        }
        let output = Command::new("bash")
            .arg(script)
            .env("HARBOR_VALIDATOR_DIR", install_dir)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(stderr.lines().last().unwrap_or("setup failed").to_owned());
        }
        let value = |key: &str| {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .map(str::to_owned)
                .ok_or_else(|| format!("setup printed no `{key}` line"))
        };
        Ok(Self {
            python: value("python=")?,
            pythonpath: value("pythonpath=")?,
        })
    }

    /// For a test of the crate in `crate_dir`: the validator, set up by the repository's
    /// script under the cargo target folder of the running test binary. `Ok(None)` after
    /// printing `skipped: ...` when it is not available, unless
    /// `HARNESS_REQUIRE_HARBOR_VALIDATOR=1` (the test command sets it) makes that an error.
    pub fn for_test(crate_dir: &Path) -> Result<Option<Self>, String> {
        let required = std::env::var("HARNESS_REQUIRE_HARBOR_VALIDATOR").is_ok_and(|v| v == "1");
        // The test binary lives in `<target>/<profile>/deps/`.
        let install = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
            .unwrap_or_else(std::env::temp_dir)
            .join("harbor-validator");
        match Self::setup(&repository_setup_script(crate_dir), &install) {
            Ok(validator) => Ok(Some(validator)),
            Err(why) if required => Err(format!("HARNESS_REQUIRE_HARBOR_VALIDATOR=1 but: {why}")),
            Err(why) => {
                println!("skipped: Harbor's trajectory validator is not available: {why}");
                Ok(None)
            }
        }
    }

    /// Validate one `trajectory.json`; the error holds the validator's output.
    pub fn validate(&self, file: &Path) -> Result<(), String> {
        let output = Command::new(&self.python)
            .args(["-m", "harbor.utils.trajectory_validator"])
            .arg(file)
            .env("PYTHONPATH", &self.pythonpath)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.python))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} rejected:\n{}{}",
                file.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }
}

/// The setup script of this repository, for tests: `<workspace>/scripts/setup-harbor-validator`.
pub fn repository_setup_script(crate_dir: &Path) -> PathBuf {
    crate_dir.join("../../scripts/setup-harbor-validator")
}
