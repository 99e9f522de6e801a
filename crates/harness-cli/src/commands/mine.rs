//! `harness mine RUN`: the weakness report of a run directory's failed trials.
//!
//! Reads the traces of the splits named with `--split` (held-in by default; `test` is
//! refused), clusters the failures and prints (or writes) the report, markdown or JSON,
//! within `--budget-tokens`. Exit codes: 0 ok, 2 bad input (no run directory, a sealed
//! split), 1 internal failure.

use std::path::PathBuf;
use std::process::ExitCode;

use harness_miner::{MinableSplit, MineScope, MinerConfig, ReportFormat, StoreMiner};
use harness_trace::RunStore;

use super::output::{BAD_INPUT, INTERNAL, OK};

/// `harness mine RUN [--split S]... [--budget-tokens N] [--format md|json] [--out FILE]`.
#[derive(Debug, clap::Args)]
pub struct MineArgs {
    /// Run directory (a job folder or an import target).
    run: PathBuf,
    /// Split to mine (repeatable): held_in (default), validation or unassigned. The test
    /// split is sealed and refused.
    #[arg(long, value_parser = parse_split)]
    split: Vec<MinableSplit>,
    /// Budget of the report in estimated tokens (about 4 bytes each).
    #[arg(long, default_value_t = harness_miner::DEFAULT_BUDGET_TOKENS)]
    budget_tokens: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "md")]
    format: Format,
    /// Write the report here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// A cluster needs at least this many failed trials.
    #[arg(long, default_value_t = 2)]
    min_failures: usize,
    /// A cluster needs failures of at least this many tasks.
    #[arg(long, default_value_t = 2)]
    min_tasks: usize,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Markdown.
    Md,
    /// JSON (the structured report).
    Json,
}

fn parse_split(text: &str) -> Result<MinableSplit, String> {
    text.parse()
}

/// Run `harness mine`.
pub fn run(args: MineArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(INTERNAL);
        }
    };
    runtime.block_on(mine(args))
}

async fn mine(args: MineArgs) -> ExitCode {
    let store = match RunStore::open_existing(&args.run) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(if e.is_bad_input() {
                BAD_INPUT
            } else {
                INTERNAL
            });
        }
    };
    let mut cluster = harness_miner::ClusterConfig::default();
    cluster.min_failures = args.min_failures;
    cluster.min_tasks = args.min_tasks;
    let config = MinerConfig::new(MineScope::new(args.split))
        .with_budget(args.budget_tokens)
        .with_cluster(cluster);
    let mined = match StoreMiner::new(config).mine_detailed(&store).await {
        Ok(mined) => mined,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(match e {
                harness_miner::MinerError::Config { .. } => BAD_INPUT,
                _ => INTERNAL,
            });
        }
    };
    let format = match args.format {
        Format::Md => ReportFormat::Md,
        Format::Json => ReportFormat::Json,
    };
    let text = match format {
        ReportFormat::Md => mined.markdown,
        ReportFormat::Json => match serde_json::to_string_pretty(&mined.report) {
            Ok(json) => json + "\n",
            Err(e) => {
                eprintln!("error: cannot write the report: {e}");
                return ExitCode::from(INTERNAL);
            }
        },
    };
    let report = &mined.report;
    eprintln!(
        "mined {} trials ({} failed): {} clusters, {} estimated tokens of {}",
        report.trials,
        report.failed,
        report.clusters.len(),
        report.rendered_tokens,
        report.budget_tokens
    );
    match &args.out {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(INTERNAL);
            }
        }
        None => print!("{text}"),
    }
    ExitCode::from(OK)
}
