//! Script tools: a harness file run inside the sandbox by an interpreter, with the call's
//! JSON arguments on stdin. Stdout is the result; a non-zero exit is an error showing stderr.
//!
//! The script text is taken from the harness at call time and copied to
//! `$TMPDIR/.harness-tools/<path under tools/>` before every call (see the `install`
//! module): a copy is cheap, the agent may have cleared the temp dir, and a harness edited
//! between trials must never run a stale script. The script runs from WORKDIR.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use harness_core::{HarnessPath, ToolImplementation};
use harness_sandbox::ExecOptions;

use crate::model::ToolDefinition;
use crate::tools::install::{TOOLS_DIR, install};
use crate::tools::shell::{DEFAULT_OUTPUT_CAP_BYTES, exit_code, full_len};
use crate::tools::text::clip_middle;
use crate::tools::{Tool, ToolBuildError, ToolContext, ToolOutput};
use harness_core::shell_words::quote as shell_quote;

/// Bytes of a script's output read at most per stream.
const CAPTURE_BYTES: usize = 8 << 20;

/// A script tool of the harness.
#[derive(Debug, Clone)]
pub struct ScriptTool {
    definition: ToolDefinition,
    path: HarnessPath,
    interpreter: String,
    timeout: Duration,
}

impl ScriptTool {
    /// A script tool running `path` (a harness file) with `interpreter` (a command line such
    /// as `python3`, put in front of the script's path).
    pub fn new(
        definition: ToolDefinition,
        path: HarnessPath,
        interpreter: impl Into<String>,
        timeout: Duration,
    ) -> Self {
        Self {
            definition,
            path,
            interpreter: interpreter.into(),
            timeout,
        }
    }

    /// The tool a harness defines; fails for builtin definitions.
    pub fn from_harness(tool: &harness_core::Tool) -> Result<Self, ToolBuildError> {
        match &tool.spec.implementation {
            ToolImplementation::Script {
                path,
                interpreter,
                timeout_sec,
            } => Ok(Self::new(
                crate::tools::tool_definition(&tool.spec),
                path.clone(),
                interpreter,
                Duration::from_secs(*timeout_sec),
            )),
            ToolImplementation::Builtin { builtin, .. } => Err(ToolBuildError::InvalidOptions {
                tool: tool.spec.name.clone(),
                message: format!("the builtin `{builtin}` is not a script"),
            }),
        }
    }

    /// The script's path in the harness.
    pub fn script_path(&self) -> &HarnessPath {
        &self.path
    }

    /// Where the script is copied to, relative to the sandbox's temp dir.
    fn installed_name(&self) -> String {
        let path = self.path.as_str();
        format!(
            "{TOOLS_DIR}/{}",
            path.strip_prefix("tools/").unwrap_or(path)
        )
    }
}

#[async_trait]
impl Tool for ScriptTool {
    fn definition(&self) -> &ToolDefinition {
        &self.definition
    }

    async fn call(&self, ctx: &ToolContext<'_>, arguments: &serde_json::Value) -> ToolOutput {
        let started = Instant::now();
        let finish = |mut out: ToolOutput| {
            out.duration = started.elapsed();
            out
        };
        let Some(text) = ctx.harness.file(self.path.as_str()) else {
            return finish(ToolOutput::error(format!(
                "the script `{}` of this tool is missing from the harness",
                self.path
            )));
        };
        let installed = match install(ctx.sandbox, &self.installed_name(), text.as_bytes()).await {
            Ok(path) => path,
            Err(message) => return finish(ToolOutput::error(message)),
        };
        let command = format!("exec {} {}", self.interpreter, shell_quote(&installed));
        let options = ExecOptions {
            timeout: self.timeout,
            stdin: Some(arguments.to_string().into_bytes()),
            output_cap: CAPTURE_BYTES,
            ..ExecOptions::default()
        };
        let output = match ctx.sandbox.exec(&command, options).await {
            Ok(output) => output,
            Err(error) => {
                return finish(ToolOutput::error(format!(
                    "could not run the script: {error}"
                )));
            }
        };
        let stdout = output.stdout.text_with_marker();
        let stderr = output.stderr.text_with_marker();
        let code = exit_code(output.status);
        let mut out = if output.timed_out {
            let mut text = format!(
                "[timed out after {} s; the script was killed]",
                self.timeout.as_secs()
            );
            for (label, stream) in [("stdout", &stdout), ("stderr", &stderr)] {
                if !stream.trim().is_empty() {
                    text.push_str(&format!(
                        "\n[{label}]\n{}",
                        clip_middle(stream.trim_end(), DEFAULT_OUTPUT_CAP_BYTES)
                    ));
                }
            }
            ToolOutput::error(text)
        } else if code != 0 {
            let mut text = format!("[exit code {code}]");
            if !stderr.trim().is_empty() {
                text.push('\n');
                text.push_str(&clip_middle(stderr.trim_end(), DEFAULT_OUTPUT_CAP_BYTES));
            }
            if !stdout.trim().is_empty() {
                text.push_str("\n[stdout]\n");
                text.push_str(&clip_middle(stdout.trim_end(), DEFAULT_OUTPUT_CAP_BYTES));
            }
            ToolOutput::error(text)
        } else if stdout.is_empty() {
            ToolOutput::ok("(no output)")
        } else {
            ToolOutput::ok(clip_middle(&stdout, DEFAULT_OUTPUT_CAP_BYTES))
        };
        out.exit_code = Some(code);
        out.full_len = full_len(&output);
        out.duration = output.duration;
        out
    }
}
