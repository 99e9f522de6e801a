//! Offline shims: small scripts put first on PATH for the environment build's RUN lines, the
//! verifier's `test.sh` and the oracle's `solve.sh` (never for the agent), so that TB2-style
//! scripts which bootstrap tools over the network run offline against the host's tools:
//!
//! - `apt-get`, `apt`: no-ops (the Dockerfile's install requests are checked beforehand).
//! - `curl`: downloads nothing; what would be downloaded is a harmless script, so
//!   `curl -LsSf https://astral.sh/uv/install.sh | sh` succeeds. Installing the shims also
//!   leaves an empty `$HOME/.local/bin/env` in the sandbox's HOME (as the uv installer would)
//!   for the usual `source $HOME/.local/bin/env`.
//! - `uvx [-p V] [-w REQ]... pytest ARGS`: pytest's entry point under python3 (WORKDIR not on
//!   `sys.path`, as with the real entry point), after checking that pytest
//!   and every `-w` requirement are importable by python3 (any version); otherwise a clear error
//!   naming the missing ones.
//! - `uv pip install`, `pip install`, `pip3 install`: check instead of install; `uv venv` makes a
//!   stand-in; `uv run pytest ...` as uvx.
//! - `python`: the host's `python`, else `python3`.
//!
//! The scripts live in `src/shims/`. They reach the sandbox as a read-only
//! [`MountKind::Tools`] mount, outside every directory a command can write, so nothing an
//! agent does can change what the verifier runs. Where a shim stands in for a real tool it
//! must not open holes the real tool does not have: `uvx pytest` runs pytest with the working
//! directory off `sys.path`, as the real entry point does, so a `pytest.py` in WORKDIR cannot
//! shadow it.
//!
//! [`MountKind::Tools`]: harness_sandbox::MountKind::Tools

use std::path::Path;

use harness_sandbox::{ExecOptions, MountKind, Sandbox, SandboxError};

use crate::words::shell_quote;

/// The shim files: (name, content).
pub const SHIM_FILES: &[(&str, &str)] = &[
    ("_lib.sh", include_str!("shims/_lib.sh")),
    ("pycheck.py", include_str!("shims/pycheck.py")),
    ("apt-get", include_str!("shims/apt.sh")),
    ("apt", include_str!("shims/apt.sh")),
    ("curl", include_str!("shims/curl.sh")),
    ("uvx", include_str!("shims/uvx.sh")),
    ("uv", include_str!("shims/uv.sh")),
    ("pip", include_str!("shims/pip.sh")),
    ("pip3", include_str!("shims/pip.sh")),
    ("python", include_str!("shims/python.sh")),
];

/// Shims installed in one sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineShims {
    dir: String,
}

impl OfflineShims {
    /// Mount the shims read-only into the sandbox ([`MountKind::Tools`]).
    pub async fn install(sandbox: &dyn Sandbox) -> Result<Self, SandboxError> {
        let staging = tempfile::tempdir().map_err(|source| SandboxError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
        Self::write_to_host(staging.path()).map_err(|source| SandboxError::Io {
            path: staging.path().to_path_buf(),
            source,
        })?;
        let dir = sandbox.mount(MountKind::Tools, staging.path()).await?;
        // TB2 scripts `source $HOME/.local/bin/env` right after installing uv; an empty file in
        // the sandbox's HOME lets them go on. Failing to create it is not fatal.
        let script = "[ -e \"$HOME/.local/bin/env\" ] || \
             { mkdir -p \"$HOME/.local/bin\" && : > \"$HOME/.local/bin/env\"; } 2>/dev/null\n\
             exit 0";
        sandbox.exec(script, ExecOptions::default()).await?;
        Ok(Self { dir })
    }

    /// The shims dir as seen inside the sandbox.
    pub fn dir(&self) -> &str {
        &self.dir
    }

    /// `command` with the shims put first on PATH.
    pub fn wrap(&self, command: &str) -> String {
        format!(
            "export PATH={}:\"$PATH\"\n{command}",
            shell_quote(&self.dir)
        )
    }

    /// Write the shims into a host directory (for tests and for inspecting them).
    pub fn write_to_host(dir: &Path) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(dir)?;
        for (name, content) in SHIM_FILES {
            let path = dir.join(name);
            std::fs::write(&path, content)?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Run `script` with bash, the shims first on PATH, HOME in a temp dir.
    fn run(script: &str) -> (i32, String, String, tempfile::TempDir) {
        let tmp = tempfile::tempdir().unwrap();
        let shims = tmp.path().join("shims");
        OfflineShims::write_to_host(&shims).unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let shims_dir = OfflineShims {
            dir: shims.display().to_string(),
        };
        let out = Command::new("bash")
            .arg("-c")
            .arg(shims_dir.wrap(script))
            .current_dir(tmp.path())
            .env("HOME", &home)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            tmp,
        )
    }

    #[test]
    fn apt_is_a_noop_and_compound_lines_continue() {
        let (code, out, err, _t) = run(
            "apt-get update && apt-get install -y git && apt install -y jq && echo second-half",
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.trim(), "second-half");
        assert!(err.contains("skipped: apt-get install -y git"));
    }

    #[test]
    fn curl_pipe_to_sh_is_harmless_and_provides_env_file() {
        let (code, _out, err, tmp) = run(
            "curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh && source $HOME/.local/bin/env && echo ok",
        );
        assert_eq!(code, 0, "{err}");
        assert!(tmp.path().join("home/.local/bin/env").is_file());
        let (code, _, _, tmp) = run("curl -fsSLo install.sh https://x/y.sh && sh install.sh");
        assert_eq!(code, 0);
        assert!(tmp.path().join("install.sh").is_file());
        let (code, _, _, tmp) = run("curl -sSLO https://x/get.sh?v=1 && sh get.sh");
        assert_eq!(code, 0);
        assert!(tmp.path().join("get.sh").is_file());
    }

    fn have_pytest() -> bool {
        Command::new("python3")
            .args(["-c", "import pytest"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    /// Fail when `HARNESS_REQUIRE_PYTEST=1` (the test command sets it), else say why the test
    /// is skipped.
    fn require_pytest() {
        assert!(
            std::env::var("HARNESS_REQUIRE_PYTEST").as_deref() != Ok("1"),
            "pytest is required (HARNESS_REQUIRE_PYTEST=1) but python3 cannot import it"
        );
        eprintln!("skipped: pytest is not installed for python3");
    }

    #[test]
    fn uvx_maps_to_local_pytest() {
        if !have_pytest() {
            require_pytest();
            return;
        }
        let (code, out, err, _t) = run(
            "printf 'def test_ok():\\n    assert 1 + 1 == 2\\n' > test_x.py\n\
             uvx -p 3.13 -w pytest==8.4.1 pytest test_x.py -q",
        );
        assert_eq!(code, 0, "{out}\n{err}");
        assert!(out.contains("1 passed"), "{out}");
    }

    #[test]
    fn uvx_pytest_is_not_shadowed_by_workdir_modules() {
        if !have_pytest() {
            require_pytest();
            return;
        }
        // A module named like the test runner, left in the working directory, that would
        // "pass" everything if it were imported.
        for planted in [
            "printf 'import sys\\nsys.exit(0)\\n' > pytest.py",
            "mkdir -p _pytest && printf 'import os\\nos._exit(0)\\n' > _pytest/__init__.py",
        ] {
            for runner in ["uvx -w pytest pytest", "uv run pytest"] {
                let (code, out, err, _t) = run(&format!(
                    "{planted}\n\
                     printf 'def test_no():\\n    assert False\\n' > test_x.py\n\
                     {runner} test_x.py -q -p no:cacheprovider"
                ));
                assert_ne!(code, 0, "{planted} / {runner}: {out}\n{err}");
                assert!(
                    out.contains("1 failed"),
                    "{planted} / {runner}: {out}\n{err}"
                );
            }
        }
    }

    #[test]
    fn uvx_names_missing_requirements() {
        let (code, _out, err, _t) =
            run("uvx -w no-such-dist-xyz==1.0 -w other-missing-abc pytest -q");
        assert_ne!(code, 0);
        assert!(
            err.contains("no-such-dist-xyz==1.0") && err.contains("other-missing-abc"),
            "{err}"
        );
        let (code, _out, err, _t) = run("uvx ruff check .");
        assert_eq!(code, 127);
        assert!(err.contains("only pytest"), "{err}");
    }

    #[test]
    fn pip_install_checks_instead_of_installing() {
        let (code, _out, err, _t) = run("pip install --no-cache-dir no-such-dist-xyz");
        assert_ne!(code, 0);
        assert!(err.contains("no-such-dist-xyz"), "{err}");
        let (code, _out, err, _t) = run("pip3 install -q pip && echo ok");
        assert_eq!(code, 0, "{err}");
    }

    #[test]
    fn uv_venv_and_run() {
        let (code, out, err, tmp) = run(
            "uv venv .venv-x && source .venv-x/bin/activate && uv run python3 -c 'print(40 + 2)'",
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.trim(), "42");
        assert!(tmp.path().join(".venv-x/bin/activate").is_file());
    }

    #[test]
    fn python_exists() {
        let (code, out, err, _t) = run("python -c 'import sys; print(sys.version_info[0])'");
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.trim(), "3");
    }
}
