//! The file builtins: `read_file` (numbered lines, a range, bounded), `write_file` (whole
//! file, parents created) and `edit_file` (replace exactly one occurrence).
//!
//! Paths are relative to WORKDIR; the sandbox refuses paths that leave its directories.
//! Every failure is an error output naming the path and the cause, never a host path.

use std::io::ErrorKind;
use std::time::Instant;

use async_trait::async_trait;
use harness_sandbox::SandboxError;
use serde::Deserialize;

use crate::model::ToolDefinition;
use crate::tools::args::{optional_positive, required_str};
use crate::tools::factory::{NoOptions, builtin_options};
use crate::tools::text::{plural, shorten_line};
use crate::tools::{Tool, ToolBuildError, ToolContext, ToolOutput};

/// Default most lines `read_file` returns per call.
pub const DEFAULT_MAX_LINES: usize = 400;
/// Longest line `read_file` shows whole, in characters (minified files would flood the
/// context otherwise).
const MAX_LINE_CHARS: usize = 2000;
/// Bytes inspected for NUL to call a file binary.
const BINARY_SNIFF: usize = 8192;
/// Most lines of the edited region `edit_file` echoes back.
const MAX_ECHO_LINES: usize = 30;

/// Why a file operation failed, for the model: the path as given and the cause.
fn describe_error(action: &str, path: &str, error: &SandboxError) -> String {
    match error {
        SandboxError::Io { source, .. } => {
            let cause = match source.kind() {
                ErrorKind::NotFound => "no such file or directory".to_owned(),
                ErrorKind::IsADirectory => "it is a directory".to_owned(),
                ErrorKind::NotADirectory => "a part of the path is not a directory".to_owned(),
                ErrorKind::PermissionDenied => "permission denied".to_owned(),
                _ => source.to_string(),
            };
            format!("cannot {action} `{path}`: {cause}")
        }
        SandboxError::PathNotAllowed { reason, .. } => {
            format!("cannot {action} `{path}`: the path is not allowed ({reason})")
        }
        other => format!("cannot {action} `{path}`: {other}"),
    }
}

/// Stamp the elapsed time on an output.
fn timed(started: Instant, mut out: ToolOutput) -> ToolOutput {
    out.duration = started.elapsed();
    out
}

/// Options of `read_file`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ReadFileOptions {
    max_lines: usize,
}

impl Default for ReadFileOptions {
    fn default() -> Self {
        Self {
            max_lines: DEFAULT_MAX_LINES,
        }
    }
}

/// `read_file`: arguments `path`, optional `start_line` and `end_line` (1-based,
/// inclusive). Output lines read `N<TAB>text`, followed by a line that gives the file's line
/// count and says when the output stopped at the `max_lines` bound.
#[derive(Debug, Clone)]
pub struct ReadFileTool {
    definition: ToolDefinition,
    max_lines: usize,
}

impl ReadFileTool {
    /// A tool returning at most `max_lines` lines per call (at least 1).
    pub fn new(definition: ToolDefinition, max_lines: usize) -> Self {
        Self {
            definition,
            max_lines: max_lines.max(1),
        }
    }

    /// The tool a harness defines (option `max_lines`, default [`DEFAULT_MAX_LINES`]).
    pub fn from_harness(tool: &harness_core::Tool) -> Result<Self, ToolBuildError> {
        let options: ReadFileOptions = builtin_options(tool)?;
        Ok(Self::new(
            crate::tools::tool_definition(&tool.spec),
            options.max_lines,
        ))
    }

    async fn read(&self, ctx: &ToolContext<'_>, arguments: &serde_json::Value) -> ToolOutput {
        let (path, start, end) = match (
            required_str(arguments, "path"),
            optional_positive(arguments, "start_line"),
            optional_positive(arguments, "end_line"),
        ) {
            (Ok(path), Ok(start), Ok(end)) => (path, start, end),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e,
        };
        let bytes = match ctx.sandbox.read_file(path).await {
            Ok(bytes) => bytes,
            Err(error) => return ToolOutput::error(describe_error("read", path, &error)),
        };
        if bytes[..bytes.len().min(BINARY_SNIFF)].contains(&0) {
            return ToolOutput::error(format!(
                "`{path}` is a binary file ({} bytes); inspect it with shell commands such as \
                 `file` or `xxd | head`",
                bytes.len()
            ));
        }
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text.lines().collect();
        let total = lines.len();
        if total == 0 {
            return ToolOutput::ok(format!("[`{path}` is empty: 0 lines]"));
        }
        let start = usize::try_from(start.unwrap_or(1)).unwrap_or(usize::MAX);
        if start > total {
            return ToolOutput::error(format!(
                "start_line {start} is past the end of `{path}`, which has {}",
                plural(total, "line", "lines")
            ));
        }
        let wanted_end = match end {
            Some(end) => usize::try_from(end).unwrap_or(usize::MAX),
            None => total,
        };
        if wanted_end < start {
            return ToolOutput::error(format!(
                "end_line {wanted_end} is before start_line {start}"
            ));
        }
        let wanted_end = wanted_end.min(total);
        let end = wanted_end.min(start + self.max_lines - 1);
        let mut content = String::new();
        for (i, line) in lines[start - 1..end].iter().enumerate() {
            content.push_str(&format!(
                "{}\t{}\n",
                start + i,
                shorten_line(line, MAX_LINE_CHARS)
            ));
        }
        if end < wanted_end {
            content.push_str(&format!(
                "[lines {start}-{end} of {total}; truncated at {} lines; read on with \
                 start_line={}]",
                self.max_lines,
                end + 1
            ));
        } else if start == 1 && end == total {
            content.push_str(&format!(
                "[end of file: {}]",
                plural(total, "line", "lines")
            ));
        } else {
            content.push_str(&format!("[lines {start}-{end} of {total}]"));
        }
        let mut out = ToolOutput::ok(content);
        out.full_len = bytes.len();
        out
    }
}

#[async_trait]
impl Tool for ReadFileTool {
    fn definition(&self) -> &ToolDefinition {
        &self.definition
    }

    async fn call(&self, ctx: &ToolContext<'_>, arguments: &serde_json::Value) -> ToolOutput {
        let started = Instant::now();
        timed(started, self.read(ctx, arguments).await)
    }
}

/// `write_file`: arguments `path` and `content`; creates or replaces the whole file and
/// any missing parent directories.
#[derive(Debug, Clone)]
pub struct WriteFileTool {
    definition: ToolDefinition,
}

impl WriteFileTool {
    /// A tool with this definition.
    pub fn new(definition: ToolDefinition) -> Self {
        Self { definition }
    }

    /// The tool a harness defines (no options).
    pub fn from_harness(tool: &harness_core::Tool) -> Result<Self, ToolBuildError> {
        let _: NoOptions = builtin_options(tool)?;
        Ok(Self::new(crate::tools::tool_definition(&tool.spec)))
    }
}

#[async_trait]
impl Tool for WriteFileTool {
    fn definition(&self) -> &ToolDefinition {
        &self.definition
    }

    async fn call(&self, ctx: &ToolContext<'_>, arguments: &serde_json::Value) -> ToolOutput {
        let started = Instant::now();
        let (path, content) = match (
            required_str(arguments, "path"),
            required_str(arguments, "content"),
        ) {
            (Ok(path), Ok(content)) => (path, content),
            (Err(e), _) | (_, Err(e)) => return timed(started, e),
        };
        let out = match ctx.sandbox.write_file(path, content.as_bytes()).await {
            Ok(()) => ToolOutput::ok(format!(
                "wrote {} ({}) to `{path}`",
                plural(content.len(), "byte", "bytes"),
                plural(content.lines().count(), "line", "lines")
            )),
            Err(error) => ToolOutput::error(describe_error("write", path, &error)),
        };
        timed(started, out)
    }
}

/// `edit_file`: arguments `path`, `old` and `new`; replaces `old` with `new` when `old`
/// occurs exactly once, and otherwise says how many times it occurs and changes nothing.
#[derive(Debug, Clone)]
pub struct EditFileTool {
    definition: ToolDefinition,
}

impl EditFileTool {
    /// A tool with this definition.
    pub fn new(definition: ToolDefinition) -> Self {
        Self { definition }
    }

    /// The tool a harness defines (no options).
    pub fn from_harness(tool: &harness_core::Tool) -> Result<Self, ToolBuildError> {
        let _: NoOptions = builtin_options(tool)?;
        Ok(Self::new(crate::tools::tool_definition(&tool.spec)))
    }

    async fn edit(&self, ctx: &ToolContext<'_>, arguments: &serde_json::Value) -> ToolOutput {
        let (path, old, new) = match (
            required_str(arguments, "path"),
            required_str(arguments, "old"),
            required_str(arguments, "new"),
        ) {
            (Ok(path), Ok(old), Ok(new)) => (path, old, new),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e,
        };
        if old.is_empty() {
            return ToolOutput::error(
                "`old` is empty; give the exact text to replace (use write_file to create a file)",
            );
        }
        let bytes = match ctx.sandbox.read_file(path).await {
            Ok(bytes) => bytes,
            Err(error) => return ToolOutput::error(describe_error("edit", path, &error)),
        };
        // Editing a lossy decoding would corrupt the bytes that are not UTF-8.
        let Ok(text) = String::from_utf8(bytes) else {
            return ToolOutput::error(format!("cannot edit `{path}`: it is not UTF-8 text"));
        };
        let count = text.matches(old).count();
        match count {
            0 => {
                return ToolOutput::error(format!(
                    "`old` was not found in `{path}` (0 occurrences); nothing was changed. Read \
                     the file and copy the text exactly, including whitespace and indentation."
                ));
            }
            1 => {}
            n => {
                return ToolOutput::error(format!(
                    "`old` occurs {n} times in `{path}`; nothing was changed. Include more \
                     surrounding text so that it matches exactly once."
                ));
            }
        }
        let at = text.find(old).unwrap_or_default();
        let updated = format!("{}{new}{}", &text[..at], &text[at + old.len()..]);
        if let Err(error) = ctx.sandbox.write_file(path, updated.as_bytes()).await {
            return ToolOutput::error(describe_error("write", path, &error));
        }
        let first = text[..at].matches('\n').count() + 1;
        let shown = new.lines().count().clamp(1, MAX_ECHO_LINES);
        let mut content =
            format!("replaced 1 occurrence in `{path}`; the edited lines now read:\n");
        for (i, line) in updated.lines().skip(first - 1).take(shown).enumerate() {
            content.push_str(&format!(
                "{}\t{}\n",
                first + i,
                shorten_line(line, MAX_LINE_CHARS)
            ));
        }
        ToolOutput::ok(content.trim_end().to_owned())
    }
}

#[async_trait]
impl Tool for EditFileTool {
    fn definition(&self) -> &ToolDefinition {
        &self.definition
    }

    async fn call(&self, ctx: &ToolContext<'_>, arguments: &serde_json::Value) -> ToolOutput {
        let started = Instant::now();
        timed(started, self.edit(ctx, arguments).await)
    }
}
