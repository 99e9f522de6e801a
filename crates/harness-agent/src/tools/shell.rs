//! The `shell` builtin: runs a command in the sandbox, plainly or in the persistent session.
//!
//! The model sees stdout, then stderr (each labelled when both have text), then
//! `[exit code N]`, and a timeout line when the command was killed. The shell's own messages
//! are passed through untouched (`bash: line 1: foo: command not found`), since middleware
//! rules and the simulated model match on them. Long streams keep their head and tail, where
//! commands report what went wrong.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use harness_sandbox::{ExecOptions, ExecOutput, ExitStatus, SandboxError};
use serde::Deserialize;

use crate::model::ToolDefinition;
use crate::tools::args::{optional_positive, required_str};
use crate::tools::factory::builtin_options;
use crate::tools::text::clip_middle;
use crate::tools::{Tool, ToolBuildError, ToolContext, ToolOutput};

/// Default time limit of one command, in seconds.
pub const DEFAULT_TIMEOUT_SEC: u64 = 120;
/// Longest time limit a call's own `timeout_sec` may ask for, in seconds.
pub const MAX_TIMEOUT_SEC: u64 = 3600;
/// Default bytes of each stream shown to the model.
pub const DEFAULT_OUTPUT_CAP_BYTES: usize = 32 * 1024;
/// Bytes of each stream read from the command at least, so that the tail survives clipping.
const CAPTURE_BYTES: usize = 8 << 20;

/// Options of the `shell` builtin (`implementation.options` in `tools/<name>.yaml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShellOptions {
    /// Run every call in the persistent session (also turned on by
    /// [`RuntimeConfig::persistent_shell`](crate::tools::RuntimeConfig::persistent_shell)).
    pub persistent: bool,
    /// Time limit of a call that does not set its own, in seconds.
    pub timeout_sec: u64,
    /// Bytes of each stream (stdout, stderr) shown to the model; longer streams keep their
    /// first and last halves.
    pub output_cap_bytes: usize,
}

impl Default for ShellOptions {
    fn default() -> Self {
        Self {
            persistent: false,
            timeout_sec: DEFAULT_TIMEOUT_SEC,
            output_cap_bytes: DEFAULT_OUTPUT_CAP_BYTES,
        }
    }
}

/// The `shell` builtin. Arguments: `command` (string), optional `timeout_sec` (capped at
/// [`MAX_TIMEOUT_SEC`]).
#[derive(Debug, Clone)]
pub struct ShellTool {
    definition: ToolDefinition,
    options: ShellOptions,
}

impl ShellTool {
    /// A shell tool with this definition and these options.
    pub fn new(definition: ToolDefinition, options: ShellOptions) -> Self {
        Self {
            definition,
            options,
        }
    }

    /// The tool a harness defines (its spec and `options`).
    pub fn from_harness(tool: &harness_core::Tool) -> Result<Self, ToolBuildError> {
        Ok(Self::new(
            crate::tools::tool_definition(&tool.spec),
            builtin_options(tool)?,
        ))
    }

    /// The options in force.
    pub fn options(&self) -> &ShellOptions {
        &self.options
    }

    async fn run(
        &self,
        ctx: &ToolContext<'_>,
        command: &str,
        options: ExecOptions,
    ) -> Result<ExecOutput, SandboxError> {
        if !(self.options.persistent || ctx.config.persistent_shell) {
            return ctx.sandbox.exec(command, options).await;
        }
        // Holding the lock for the whole call keeps session state changes in call order.
        let mut session = ctx.session.lock().await;
        let session = match &mut *session {
            Some(session) => session,
            empty => empty.insert(ctx.sandbox.session().await?),
        };
        session.exec(command, options).await
    }
}

#[async_trait]
impl Tool for ShellTool {
    fn definition(&self) -> &ToolDefinition {
        &self.definition
    }

    async fn call(&self, ctx: &ToolContext<'_>, arguments: &serde_json::Value) -> ToolOutput {
        let started = Instant::now();
        let command = match required_str(arguments, "command") {
            Ok(command) => command,
            Err(error) => return error,
        };
        if command.trim().is_empty() {
            return ToolOutput::error("`command` is empty");
        }
        let timeout_sec = match optional_positive(arguments, "timeout_sec") {
            Ok(Some(asked)) => asked.min(MAX_TIMEOUT_SEC),
            Ok(None) => self.options.timeout_sec,
            Err(error) => return error,
        };
        let options = ExecOptions {
            timeout: Duration::from_secs(timeout_sec),
            output_cap: CAPTURE_BYTES.max(self.options.output_cap_bytes),
            ..ExecOptions::default()
        };
        match self.run(ctx, command, options).await {
            Ok(output) => render(&output, timeout_sec, self.options.output_cap_bytes),
            Err(error) => {
                let mut out = ToolOutput::error(format!("could not run the command: {error}"));
                out.duration = started.elapsed();
                out
            }
        }
    }
}

/// The exit code a shell would report (`128 + N` for a signal).
pub(crate) fn exit_code(status: ExitStatus) -> i32 {
    match status {
        ExitStatus::Code(code) => code,
        ExitStatus::Signal(signal) => 128 + signal,
    }
}

/// Bytes a command wrote to stdout and stderr, including what the capture dropped.
pub(crate) fn full_len(output: &ExecOutput) -> usize {
    let dropped = output.stdout.dropped + output.stderr.dropped;
    output.stdout.bytes.len()
        + output.stderr.bytes.len()
        + usize::try_from(dropped).unwrap_or(usize::MAX)
}

/// The model-facing text of a command's result.
fn render(output: &ExecOutput, timeout_sec: u64, cap: usize) -> ToolOutput {
    let stdout = output.stdout.text_with_marker();
    let stderr = output.stderr.text_with_marker();
    let mut content = String::new();
    match (stdout.is_empty(), stderr.is_empty()) {
        (true, true) => content.push_str("(no output)\n"),
        (false, true) => push_block(&mut content, None, &stdout, cap),
        (true, false) => push_block(&mut content, None, &stderr, cap),
        (false, false) => {
            push_block(&mut content, Some("[stdout]"), &stdout, cap);
            push_block(&mut content, Some("[stderr]"), &stderr, cap);
        }
    }
    let code = exit_code(output.status);
    match output.status {
        ExitStatus::Code(_) => content.push_str(&format!("[exit code {code}]")),
        ExitStatus::Signal(signal) => {
            content.push_str(&format!("[exit code {code}: killed by signal {signal}]"));
        }
    }
    if output.timed_out {
        content.push_str(&format!(
            "\n[timed out after {timeout_sec} s; the command was killed]"
        ));
    }
    ToolOutput {
        content,
        is_error: code != 0 || output.timed_out,
        exit_code: Some(code),
        duration: output.duration,
        full_len: full_len(output),
    }
}

fn push_block(content: &mut String, label: Option<&str>, text: &str, cap: usize) {
    if let Some(label) = label {
        content.push_str(label);
        content.push('\n');
    }
    content.push_str(&clip_middle(text, cap));
    if !content.ends_with('\n') {
        content.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness_sandbox::StreamOutput;

    fn output(stdout: &str, stderr: &str, status: ExitStatus, timed_out: bool) -> ExecOutput {
        ExecOutput {
            status,
            stdout: StreamOutput {
                bytes: stdout.as_bytes().to_vec(),
                dropped: 0,
            },
            stderr: StreamOutput {
                bytes: stderr.as_bytes().to_vec(),
                dropped: 0,
            },
            duration: Duration::from_millis(5),
            timed_out,
        }
    }

    #[test]
    fn labels_streams_only_when_both_have_text() {
        let out = render(&output("hi\n", "", ExitStatus::Code(0), false), 5, 100);
        assert_eq!(out.content, "hi\n[exit code 0]");
        assert!(!out.is_error);
        let out = render(&output("a", "b", ExitStatus::Code(2), false), 5, 100);
        assert_eq!(out.content, "[stdout]\na\n[stderr]\nb\n[exit code 2]");
        assert!(out.is_error);
        assert_eq!(out.exit_code, Some(2));
        assert_eq!(out.full_len, 2);
    }

    #[test]
    fn reports_signals_and_timeouts() {
        let out = render(&output("", "", ExitStatus::Signal(9), true), 3, 100);
        assert_eq!(
            out.content,
            "(no output)\n[exit code 137: killed by signal 9]\n[timed out after 3 s; the command was killed]"
        );
        assert!(out.is_error);
    }

    #[test]
    fn keeps_head_and_tail_of_long_streams() {
        let long = format!("{}ERROR at the end", "x".repeat(1000));
        let out = render(&output(&long, "", ExitStatus::Code(1), false), 5, 100);
        assert!(out.content.contains("bytes omitted"));
        assert!(out.content.contains("ERROR at the end"));
        assert_eq!(out.full_len, long.len());
    }
}
