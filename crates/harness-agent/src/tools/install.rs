//! Placing harness files (script tools, skill resources) inside a sandbox.
//!
//! Files go to hidden directories under the sandbox's temp dir (`$TMPDIR`, else `/tmp`):
//! `.harness-tools/` for scripts and `.harness-skills/` for skill resources. That keeps them
//! out of WORKDIR, where the verifier and `grep`/`find` would see them. Writing goes through
//! a command rather than [`Sandbox::write_file`] because only the sandbox's shell knows where
//! its temp dir is on every backend. Each write is atomic (temporary file, then rename), so
//! concurrent calls never run a half-written script.

use std::time::Duration;

use harness_sandbox::{ExecOptions, Sandbox};

use crate::tools::shell::exit_code;
use harness_core::shell_words::quote as shell_quote;

/// Hidden directory of script tools, under the sandbox's temp dir.
pub(crate) const TOOLS_DIR: &str = ".harness-tools";
/// Hidden directory of skill resources, under the sandbox's temp dir.
pub(crate) const SKILLS_DIR: &str = ".harness-skills";

/// Write `contents` to `<temp dir>/<relative>` inside the sandbox and return the absolute
/// path as the sandbox sees it. `relative` is a harness path (no `..`, not absolute).
pub(crate) async fn install(
    sandbox: &dyn Sandbox,
    relative: &str,
    contents: &[u8],
) -> Result<String, String> {
    let script = format!(
        "set -e\n\
         p=\"${{TMPDIR:-/tmp}}\"/{rel}\n\
         mkdir -p \"$(dirname \"$p\")\"\n\
         cat > \"$p.$$.tmp\"\n\
         mv -f \"$p.$$.tmp\" \"$p\"\n\
         printf '%s' \"$p\"\n",
        rel = shell_quote(relative)
    );
    let options = ExecOptions {
        timeout: Duration::from_secs(30),
        stdin: Some(contents.to_vec()),
        ..ExecOptions::default()
    };
    let output = sandbox
        .exec(&script, options)
        .await
        .map_err(|e| format!("could not copy `{relative}` into the sandbox: {e}"))?;
    if output.status.success() && !output.timed_out {
        Ok(String::from_utf8_lossy(&output.stdout.bytes).into_owned())
    } else {
        Err(format!(
            "could not copy `{relative}` into the sandbox (exit code {}): {}",
            exit_code(output.status),
            output.stderr.text_with_marker().trim()
        ))
    }
}
