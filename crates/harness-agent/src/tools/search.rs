//! The search builtins: `grep` (extended regular expressions over a tree) and `find` (file
//! names by glob), both bounded so that a broad search cannot flood the context, and both
//! saying when they cut their results.
//!
//! They run the sandbox's own `grep` and `find` from WORKDIR, piped through `head` so that a
//! huge search stops early; `.git` directories are skipped.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use harness_sandbox::{ExecOptions, ExecOutput};
use serde::Deserialize;

use crate::model::ToolDefinition;
use crate::tools::args::{optional_str, required_str};
use crate::tools::factory::builtin_options;
use crate::tools::shell::full_len;
use crate::tools::text::{plural, shorten_line};
use crate::tools::{Tool, ToolBuildError, ToolContext, ToolOutput};
use harness_core::shell_words::quote as shell_quote;

/// Default most matching lines `grep` returns.
pub const DEFAULT_MAX_MATCHES: usize = 200;
/// Default most paths `find` returns.
pub const DEFAULT_MAX_RESULTS: usize = 200;
/// Longest result line shown whole, in characters.
const MAX_LINE_CHARS: usize = 500;
/// Time limit of one search.
const SEARCH_TIMEOUT: Duration = Duration::from_secs(60);
/// Bytes of search output read at most.
const CAPTURE_BYTES: usize = 4 << 20;
/// Lines of a search tool's stderr shown next to results.
const MAX_WARNING_LINES: usize = 3;

/// Run a search command from WORKDIR and turn its output into result lines (stdout), or the
/// error it reported.
async fn run_search(
    ctx: &ToolContext<'_>,
    command: &str,
) -> Result<(ExecOutput, Vec<String>), ToolOutput> {
    let options = ExecOptions {
        timeout: SEARCH_TIMEOUT,
        output_cap: CAPTURE_BYTES,
        ..ExecOptions::default()
    };
    let output = ctx
        .sandbox
        .exec(command, options)
        .await
        .map_err(|e| ToolOutput::error(format!("could not run the search: {e}")))?;
    if output.timed_out {
        return Err(ToolOutput::error(format!(
            "the search timed out after {} s; narrow the path",
            SEARCH_TIMEOUT.as_secs()
        )));
    }
    let stdout = String::from_utf8_lossy(&output.stdout.bytes).into_owned();
    let lines = stdout
        .lines()
        .map(|line| line.strip_prefix("./").unwrap_or(line))
        .filter(|line| !line.is_empty() && *line != ".")
        .map(|line| shorten_line(line, MAX_LINE_CHARS))
        .collect();
    Ok((output, lines))
}

/// Results with a closing line that counts them and says whether they were cut.
fn render_results(
    output: &ExecOutput,
    mut lines: Vec<String>,
    limit: usize,
    noun: (&str, &str),
    narrow: &str,
) -> ToolOutput {
    let cut = lines.len() > limit;
    lines.truncate(limit);
    let mut content = lines.join("\n");
    if cut {
        content.push_str(&format!(
            "\n[first {} shown; there are more: {narrow}]",
            plural(limit, noun.0, noun.1)
        ));
    } else {
        content.push_str(&format!("\n[{}]", plural(lines.len(), noun.0, noun.1)));
    }
    let warnings: Vec<&str> = std::str::from_utf8(&output.stderr.bytes)
        .unwrap_or_default()
        .lines()
        .take(MAX_WARNING_LINES)
        .collect();
    if !warnings.is_empty() {
        content.push_str(&format!("\n[warnings: {}]", warnings.join("; ")));
    }
    let mut out = ToolOutput::ok(content);
    out.full_len = full_len(output);
    out.duration = output.duration;
    out
}

fn stderr_text(output: &ExecOutput) -> String {
    String::from_utf8_lossy(&output.stderr.bytes)
        .trim()
        .to_owned()
}

/// Options of `grep`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct GrepOptions {
    max_matches: usize,
}

impl Default for GrepOptions {
    fn default() -> Self {
        Self {
            max_matches: DEFAULT_MAX_MATCHES,
        }
    }
}

/// `grep`: arguments `pattern` (an extended regular expression, as `grep -E`) and optional
/// `path` (file or directory, default WORKDIR). Output lines read `file:line:text`.
#[derive(Debug, Clone)]
pub struct GrepTool {
    definition: ToolDefinition,
    max_matches: usize,
}

impl GrepTool {
    /// A tool returning at most `max_matches` lines (at least 1).
    pub fn new(definition: ToolDefinition, max_matches: usize) -> Self {
        Self {
            definition,
            max_matches: max_matches.max(1),
        }
    }

    /// The tool a harness defines (option `max_matches`, default [`DEFAULT_MAX_MATCHES`]).
    pub fn from_harness(tool: &harness_core::Tool) -> Result<Self, ToolBuildError> {
        let options: GrepOptions = builtin_options(tool)?;
        Ok(Self::new(
            crate::tools::tool_definition(&tool.spec),
            options.max_matches,
        ))
    }

    async fn search(&self, ctx: &ToolContext<'_>, arguments: &serde_json::Value) -> ToolOutput {
        let (pattern, path) = match (
            required_str(arguments, "pattern"),
            optional_str(arguments, "path"),
        ) {
            (Ok(pattern), Ok(path)) => (pattern, path),
            (Err(e), _) | (_, Err(e)) => return e,
        };
        if pattern.is_empty() {
            return ToolOutput::error("`pattern` is empty");
        }
        // Without a path operand grep searches `.` and prints names without `./`.
        let operand = path
            .map(|p| format!(" -- {}", shell_quote(p)))
            .unwrap_or_default();
        let command = format!(
            "grep -rnHI --exclude-dir=.git -E -e {}{operand} | head -n {}",
            shell_quote(pattern),
            self.max_matches + 1
        );
        let (output, lines) = match run_search(ctx, &command).await {
            Ok(found) => found,
            Err(error) => return error,
        };
        let place = path.unwrap_or(".");
        if lines.is_empty() {
            let stderr = stderr_text(&output);
            return if stderr.is_empty() {
                ToolOutput::ok(format!("no matches for `{pattern}` in `{place}`"))
            } else {
                ToolOutput::error(stderr)
            };
        }
        render_results(
            &output,
            lines,
            self.max_matches,
            ("match", "matches"),
            "narrow the pattern or the path",
        )
    }
}

#[async_trait]
impl Tool for GrepTool {
    fn definition(&self) -> &ToolDefinition {
        &self.definition
    }

    async fn call(&self, ctx: &ToolContext<'_>, arguments: &serde_json::Value) -> ToolOutput {
        let started = Instant::now();
        let mut out = self.search(ctx, arguments).await;
        out.duration = started.elapsed();
        out
    }
}

/// Options of `find`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FindOptions {
    max_results: usize,
}

impl Default for FindOptions {
    fn default() -> Self {
        Self {
            max_results: DEFAULT_MAX_RESULTS,
        }
    }
}

/// `find`: arguments `name` (a shell glob matched against file names, as `find -name`) and
/// optional `path` (default WORKDIR). Results are sorted.
#[derive(Debug, Clone)]
pub struct FindTool {
    definition: ToolDefinition,
    max_results: usize,
}

impl FindTool {
    /// A tool returning at most `max_results` paths (at least 1).
    pub fn new(definition: ToolDefinition, max_results: usize) -> Self {
        Self {
            definition,
            max_results: max_results.max(1),
        }
    }

    /// The tool a harness defines (option `max_results`, default [`DEFAULT_MAX_RESULTS`]).
    pub fn from_harness(tool: &harness_core::Tool) -> Result<Self, ToolBuildError> {
        let options: FindOptions = builtin_options(tool)?;
        Ok(Self::new(
            crate::tools::tool_definition(&tool.spec),
            options.max_results,
        ))
    }

    async fn search(&self, ctx: &ToolContext<'_>, arguments: &serde_json::Value) -> ToolOutput {
        let (name, path) = match (
            required_str(arguments, "name"),
            optional_str(arguments, "path"),
        ) {
            (Ok(name), Ok(path)) => (name, path),
            (Err(e), _) | (_, Err(e)) => return e,
        };
        if name.is_empty() {
            return ToolOutput::error("`name` is empty");
        }
        let place = path.unwrap_or(".");
        let quoted = shell_quote(place);
        // Sorted so that the same tree always gives the same answer, and the same cut.
        let command = format!(
            "[ -e {quoted} ] || {{ echo \"no such file or directory: \"{quoted} >&2; exit 2; }}\n\
             find {quoted} -name .git -prune -o -name {} -print 2>/dev/null | LC_ALL=C sort | \
             head -n {}",
            shell_quote(name),
            self.max_results + 1
        );
        let (output, lines) = match run_search(ctx, &command).await {
            Ok(found) => found,
            Err(error) => return error,
        };
        if lines.is_empty() {
            let stderr = stderr_text(&output);
            return if stderr.is_empty() {
                ToolOutput::ok(format!("no files named `{name}` under `{place}`"))
            } else {
                ToolOutput::error(stderr)
            };
        }
        render_results(
            &output,
            lines,
            self.max_results,
            ("result", "results"),
            "narrow the name or the path",
        )
    }
}

#[async_trait]
impl Tool for FindTool {
    fn definition(&self) -> &ToolDefinition {
        &self.definition
    }

    async fn call(&self, ctx: &ToolContext<'_>, arguments: &serde_json::Value) -> ToolOutput {
        let started = Instant::now();
        let mut out = self.search(ctx, arguments).await;
        out.duration = started.elapsed();
        out
    }
}
