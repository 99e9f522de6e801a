//! `harness traces search|show|export|import`: read the traces of a run directory, or import
//! traces of agents we did not run into one.
//!
//! RUN is a run directory as `harness-trace` lays it out:
//!
//! ```text
//! <run>/traces/<trial_id>.jsonl   one trial per file, the record
//! <run>/blobs/<sha256>            stored message lists and full tool outputs
//! <run>/index.sqlite              full-text index, brought up to date by `search`
//! ```
//!
//! Exit codes: 0 ok, 2 bad input (no such run directory or trial, bad query, unreadable
//! trace file), 1 internal failure. `search` leaves out trace files it cannot read, prints
//! the hits in the others, names the left-out files on stderr and exits 2.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use harness_trace::{
    BlobStore, Event, Messages, QuerySyntax, RunLayout, RunStore, SearchQuery, Split, SplitScope,
    TraceError, TraceLine, TrialFilter, TrialId, TrialTrace, atif, otlp, read_trace,
};

use super::output::{BAD_INPUT, OK, report_error};

/// Lines of a tool output or message shown per step by `show`.
const SHOW_LINES: usize = 6;

/// Read the traces of a run directory.
#[derive(Debug, clap::Subcommand)]
pub enum TracesCommand {
    /// Full-text search over messages, tool calls and outputs, interventions and notes.
    ///
    /// Trace files that cannot be read (garbled or cut-off lines, a broken header) are not
    /// searched: the hits in the other traces are printed, the skipped files are counted and
    /// named on stderr with the reason, and the exit code is 2, so a damaged run never looks
    /// like "no matches". A trace whose last line is incomplete (its writer was killed or is
    /// still running) is searched up to that line and named in a note; it does not change the
    /// exit code.
    Search(SearchArgs),
    /// Print one trial's trace.
    Show(ShowArgs),
    /// Export traces as ATIF trajectories or OpenTelemetry (OTLP/JSON) spans.
    Export(ExportArgs),
    /// Import traces of agents we did not run: a Harbor job folder, or mini-swe-agent
    /// trajectories with an outcome sidecar. Only rewards and outcome classes of the
    /// verifier are kept. Files that cannot be read are named on stderr with the reason and
    /// skipped (exit code 2); the rest imports.
    Import(ImportArgs),
}

/// `harness traces import --from harbor|mini-swe-agent SRC [--outcomes FILE] --out RUN`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The source format.
    #[arg(long, value_enum)]
    from: ImportFrom,
    /// A Harbor job folder, or a folder (or file) of `*.traj.json` trajectories.
    src: PathBuf,
    /// mini-swe-agent outcomes: a folder of SWE-bench logs (`<id>/report.json`), a
    /// `report.json`, a JSON map of instance id to resolved, or a CSV `instance_id,resolved`.
    #[arg(long)]
    outcomes: Option<PathBuf>,
    /// Run directory to import into (created if needed).
    #[arg(long)]
    out: PathBuf,
    /// Run id of the imported trials (default: the source folder's name).
    #[arg(long)]
    run_id: Option<String>,
    /// Split the imported trials go in.
    #[arg(long, default_value = "held_in")]
    split: Split,
}

/// Import formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFrom {
    /// Harbor job folders (ATIF trajectories, result.json).
    Harbor,
    /// mini-swe-agent `*.traj.json` trajectories.
    MiniSweAgent,
}

/// `harness traces search RUN QUERY`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Run directory.
    run: PathBuf,
    /// Words to find (all of them; with --any, any of them).
    query: String,
    /// Most hits to print.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Match steps with any of the words, ranked by how many and how rare.
    #[arg(long)]
    any: bool,
    /// Only trials of this split (repeatable). Default: every split but test; name `test`
    /// here to search the sealed split on purpose.
    #[arg(long)]
    split: Vec<Split>,
    /// Only steps of this kind (model_call, tool_call, intervention, context, finish);
    /// repeatable.
    #[arg(long)]
    kind: Vec<String>,
    /// Print hits as JSON lines.
    #[arg(long)]
    json: bool,
}

/// `harness traces show RUN TRIAL`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Run directory.
    run: PathBuf,
    /// Trial id (`<job>.<task>__<repeat>`), or the trial's folder name (`<task>__<repeat>`).
    trial: String,
    /// Print the trace's JSON lines as stored.
    #[arg(long)]
    json: bool,
}

/// `harness traces export RUN --format atif|otlp --out DIR`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Run directory.
    run: PathBuf,
    /// atif: `DIR/<trial>/trajectory.json` (ATIF v1.7); otlp: `DIR/<trial>/otlp.json`.
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
    /// Only this trial (repeatable; default: every trial of the run).
    #[arg(long)]
    trial: Vec<String>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// ATIF v1.7 trajectories.
    Atif,
    /// OpenTelemetry GenAI spans, OTLP/JSON.
    Otlp,
}

/// Run a `traces` subcommand.
pub fn run(cmd: TracesCommand) -> ExitCode {
    let result = match cmd {
        TracesCommand::Search(args) => search(args),
        TracesCommand::Show(args) => show(args).map(|()| 0),
        TracesCommand::Export(args) => export(args).map(|()| 0),
        TracesCommand::Import(args) => import(args),
    };
    match result {
        Ok(0) => ExitCode::from(OK),
        // Unreadable trace files were left out of a search (named on stderr).
        Ok(_) => ExitCode::from(BAD_INPUT),
        Err(e) => report_error(&e, e.is_bad_input()),
    }
}

/// Search and print; returns how many trace files could not be read (and were left out).
fn search(args: SearchArgs) -> Result<usize, TraceError> {
    let store = RunStore::open_existing(&args.run)?;
    let skipped = store.unreadable_traces()?;
    let listed = store.list_trials(&TrialFilter::new().splits(SplitScope::All))?;
    let torn: Vec<String> = listed
        .iter()
        .filter(|t| t.torn)
        .map(|t| t.trial_id.to_string())
        .collect();
    let sealed = listed.iter().filter(|t| t.split == Split::Test).count();
    if args.split.is_empty() && sealed > 0 {
        eprintln!(
            "note: {sealed} trials of the sealed test split are not searched (name it with \
             --split test to search it on purpose)"
        );
    }
    let mut query = SearchQuery::words(args.query).with_limit(args.limit);
    if args.any {
        query.syntax = QuerySyntax::AnyWords;
    }
    if !args.split.is_empty() {
        query.filter = query.filter.splits(SplitScope::Only(args.split));
    }
    query.kinds = args.kind;
    let hits = store.search_steps(&query)?;
    let mut out = std::io::stdout().lock();
    for hit in &hits {
        let line = if args.json {
            serde_json::to_string(hit).map_err(|e| TraceError::json("search hit", e))?
        } else {
            let what = match &hit.name {
                Some(name) => format!("{} {name}", hit.kind),
                None => hit.kind.clone(),
            };
            format!(
                "{}\t#{}\t{what}\t{}",
                hit.trial_id,
                hit.seq,
                one_line(&hit.snippet)
            )
        };
        write_line(&mut out, &line)?;
    }
    if hits.is_empty() && !args.json {
        if skipped.is_empty() {
            eprintln!("no matches");
        } else {
            eprintln!("no matches in the traces that could be read");
        }
    }
    if !torn.is_empty() {
        eprintln!(
            "note: {} trace{} end{} in an incomplete line (writer killed or still running), \
             searched up to it: {}",
            torn.len(),
            if torn.len() == 1 { "" } else { "s" },
            if torn.len() == 1 { "s" } else { "" },
            torn.join(", ")
        );
    }
    if !skipped.is_empty() {
        let n = skipped.len();
        eprintln!(
            "warning: {n} trace file{} could not be read and {} not searched:",
            if n == 1 { "" } else { "s" },
            if n == 1 { "was" } else { "were" }
        );
        for (trial, reason) in &skipped {
            eprintln!("  {trial}: {reason}");
        }
    }
    Ok(skipped.len())
}

/// Import and print what was imported; returns how many files were skipped.
fn import(args: ImportArgs) -> Result<usize, TraceError> {
    use harness_trace::import::{self, ImportOptions, outcomes::Outcomes};
    if args.outcomes.is_some() && args.from == ImportFrom::Harbor {
        return Err(TraceError::BadQuery {
            query: "--outcomes".to_owned(),
            message: "Harbor trials carry their outcome in result.json".to_owned(),
        });
    }
    let outcomes = match &args.outcomes {
        Some(path) => Outcomes::load(path).map_err(|p| TraceError::BadQuery {
            query: p.path.display().to_string(),
            message: p.reason,
        })?,
        None => Outcomes::none(),
    };
    let run_id = args.run_id.clone().unwrap_or_else(|| {
        args.src
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("imported")
            .to_owned()
    });
    let mut options = ImportOptions::new(run_id);
    options.split = args.split;
    let store = RunStore::open(&args.out)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| TraceError::io("runtime", e))?;
    let report = runtime.block_on(async {
        match args.from {
            ImportFrom::Harbor => import::import_harbor_job(&args.src, &options, &store).await,
            ImportFrom::MiniSweAgent => {
                import::import_mini_swe(&args.src, &outcomes, &options, &store).await
            }
        }
    });
    eprintln!(
        "imported {} trials into {} ({} without an outcome)",
        report.imported.len(),
        args.out.display(),
        report.without_outcome.len()
    );
    for problem in &report.problems {
        eprintln!("skipped {problem}");
    }
    Ok(report.problems.len())
}

/// A trial named by its id (`<job>.<task>__<repeat>`) or, as the job folder names it, by
/// `<task>__<repeat>` when exactly one trace of the run ends that way.
fn resolve_trial(layout: &RunLayout, given: &str) -> Result<TrialId, TraceError> {
    let id = TrialId::new(given)?;
    if layout.trace_path(&id).is_file() {
        return Ok(id);
    }
    let suffix = format!(".{given}");
    let mut matches: Vec<TrialId> = layout
        .trial_ids()?
        .into_iter()
        .filter(|t| t.as_str().ends_with(&suffix))
        .collect();
    match matches.len() {
        1 => Ok(matches.remove(0)),
        0 => Ok(id),
        _ => Err(TraceError::BadQuery {
            query: given.to_owned(),
            message: format!(
                "several trials end in `{given}`: {}",
                matches
                    .iter()
                    .map(TrialId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

fn show(args: ShowArgs) -> Result<(), TraceError> {
    let layout = existing_layout(&args.run)?;
    let trial = resolve_trial(&layout, &args.trial)?;
    let path = trace_path(&layout, &trial)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let bytes = std::fs::read(&path).map_err(|e| TraceError::io(&path, e))?;
        out.write_all(&bytes)
            .map_err(|e| TraceError::io("stdout", e))?;
        return Ok(());
    }
    let read = read_trace(&path)?;
    for line in describe(&read.trace) {
        write_line(&mut out, &line)?;
    }
    if let Some(torn) = read.torn {
        eprintln!(
            "note: {}:{}: incomplete last line ({} bytes) skipped; the writer did not finish it",
            path.display(),
            torn.line,
            torn.bytes
        );
    }
    Ok(())
}

fn export(args: ExportArgs) -> Result<(), TraceError> {
    let layout = existing_layout(&args.run)?;
    let trials = if args.trial.is_empty() {
        layout.trial_ids()?
    } else {
        args.trial
            .iter()
            .map(|t| resolve_trial(&layout, t))
            .collect::<Result<Vec<_>, _>>()?
    };
    let blobs = BlobStore::new(layout.blobs_dir());
    for trial in &trials {
        let path = trace_path(&layout, trial)?;
        let trace = read_trace(&path)?.trace;
        let dir = args.out.join(trial.as_str());
        std::fs::create_dir_all(&dir).map_err(|e| TraceError::io(&dir, e))?;
        let (file, bytes) = match args.format {
            ExportFormat::Atif => {
                let trajectory = atif::to_trajectory(&trace, &blobs)?;
                ("trajectory.json", atif::to_json(&trajectory)?)
            }
            ExportFormat::Otlp => {
                let mut bytes = serde_json::to_vec(&otlp::to_otlp(&trace))
                    .map_err(|e| TraceError::json("OTLP export", e))?;
                bytes.push(b'\n');
                ("otlp.json", bytes)
            }
        };
        let file = dir.join(file);
        std::fs::write(&file, bytes).map_err(|e| TraceError::io(&file, e))?;
    }
    let what = match args.format {
        ExportFormat::Atif => "ATIF trajectories",
        ExportFormat::Otlp => "OTLP span files",
    };
    println!("wrote {} {what} to {}", trials.len(), args.out.display());
    Ok(())
}

fn existing_layout(run: &Path) -> Result<RunLayout, TraceError> {
    let layout = RunLayout::new(run);
    if !layout.traces_dir().is_dir() {
        return Err(TraceError::not_found(format!(
            "run directory {} (no traces/ inside)",
            run.display()
        )));
    }
    Ok(layout)
}

fn trace_path(layout: &RunLayout, trial: &TrialId) -> Result<PathBuf, TraceError> {
    let path = layout.trace_path(trial);
    if !path.is_file() {
        return Err(TraceError::not_found(format!(
            "trial {trial} in {}",
            layout.root().display()
        )));
    }
    Ok(path)
}

fn write_line(out: &mut impl Write, line: &str) -> Result<(), TraceError> {
    writeln!(out, "{line}").map_err(|e| TraceError::io("stdout", e))
}

/// The trace as text: the header, then one line per step with a few indented details.
fn describe(trace: &TrialTrace) -> Vec<String> {
    let h = &trace.header;
    let mut lines = vec![
        format!(
            "trial {}  run {}  task {}  harness {}  split {}  seed {}  repeat {}",
            h.trial_id,
            h.run_id,
            h.task_id,
            h.harness_hash.short(),
            h.split.as_str(),
            h.seed,
            h.repeat
        ),
        format!(
            "agent {} {}  model {}{}  started {}",
            h.agent.name,
            h.agent.version,
            h.model.name,
            h.model
                .provider
                .as_ref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default(),
            atif::iso8601(trace.started_at)
        ),
    ];
    for step in &trace.steps {
        describe_step(step, &mut lines);
    }
    let totals = trace.totals();
    lines.push(format!(
        "totals: {} model calls, {} tool calls ({} failed), tokens in {} out {} cached {}, ${:.4}",
        totals.model_calls,
        totals.tool_calls,
        totals.failed_tool_calls,
        totals.input_tokens,
        totals.output_tokens,
        totals.cached_tokens,
        totals.cost_usd
    ));
    lines
}

fn describe_step(step: &TraceLine, lines: &mut Vec<String>) {
    let at = format!("#{} {}", step.seq, atif::iso8601(step.ts));
    match &step.event {
        Event::Header(_) => {}
        Event::ModelCall(call) => {
            let mut line = format!(
                "{at} model_call turn {}  tokens in {} out {} cached {}  {} ms",
                call.turn,
                call.usage.input_tokens,
                call.usage.output_tokens,
                call.usage.cached_tokens,
                call.latency_ms
            );
            if let Some(model) = &call.model {
                line.push_str(&format!("  model {model}"));
            }
            if let Some(cost) = call.cost_usd {
                line.push_str(&format!("  ${cost:.4}"));
            }
            if let Some(reason) = &call.finish_reason {
                line.push_str(&format!("  finish {reason}"));
            }
            lines.push(line);
            match &call.input {
                Messages::Inline { messages } => {
                    for message in messages {
                        let role = format!("{:?}", message.role).to_lowercase();
                        indent(lines, &format!("{role}> "), &message.content);
                    }
                }
                Messages::Stored { blob, count } => lines.push(format!(
                    "    ({count} input messages stored in blobs/{})",
                    blob.sha256
                )),
            }
            if let Some(response) = &call.response {
                if let Some(reasoning) = &response.reasoning {
                    indent(lines, "reasoning> ", reasoning);
                }
                indent(lines, "assistant> ", &response.content);
                for request in &response.tool_calls {
                    lines.push(format!(
                        "    -> {} {} {}",
                        request.id, request.name, request.arguments
                    ));
                }
            }
            if let Some(error) = &call.error {
                lines.push(format!("    error {}: {}", error.kind, error.message));
            }
        }
        Event::ToolCall(call) => {
            let mut line = format!(
                "{at} tool_call {} {}  {} ms",
                call.call_id, call.name, call.duration_ms
            );
            if let Some(code) = call.exit_code {
                line.push_str(&format!("  exit {code}"));
            }
            if call.output.full.is_some() {
                line.push_str(&format!(
                    "  output {} bytes (excerpt)",
                    call.output.total_bytes
                ));
            }
            lines.push(line);
            lines.push(format!("    args {}", call.arguments));
            indent(lines, "| ", &call.output.excerpt);
            if let Some(error) = &call.error {
                lines.push(format!("    error {error}"));
            }
        }
        Event::Intervention(i) => {
            let action = format!("{:?}", i.action).to_lowercase();
            let rule = i
                .rule
                .as_ref()
                .map(|r| format!(" rule {r}"))
                .unwrap_or_default();
            lines.push(format!(
                "{at} intervention {}{rule} {action} on {}",
                i.kind, i.trigger
            ));
            if let Some(message) = &i.message {
                indent(lines, "note> ", message);
            }
        }
        Event::Context(c) => {
            let kind = format!("{:?}", c.kind).to_lowercase();
            let tokens = match (c.tokens_before, c.tokens_after) {
                (Some(a), Some(b)) => format!("  tokens {a} -> {b}"),
                _ => String::new(),
            };
            lines.push(format!("{at} context {kind}{tokens}"));
            if let Some(note) = &c.note {
                indent(lines, "note> ", note);
            }
        }
        Event::Finish(f) => {
            lines.push(format!(
                "{at} finish {} after {} turns",
                f.status.as_str(),
                f.turns
            ));
            if let Some(message) = &f.message {
                indent(lines, "", message);
            }
        }
        Event::Verifier(v) => {
            let rewards = v
                .rewards
                .iter()
                .map(|(k, r)| format!("{k}={r}"))
                .collect::<Vec<_>>()
                .join(" ");
            lines.push(format!("{at} verifier {}  {rewards}", v.outcome.as_str()));
        }
    }
}

/// Up to [`SHOW_LINES`] lines of `text`, indented and prefixed.
fn indent(lines: &mut Vec<String>, prefix: &str, text: &str) {
    let all: Vec<&str> = text.lines().collect();
    for line in all.iter().take(SHOW_LINES) {
        lines.push(format!("    {prefix}{line}"));
    }
    if all.len() > SHOW_LINES {
        lines.push(format!(
            "    {prefix}... {} more lines",
            all.len() - SHOW_LINES
        ));
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
