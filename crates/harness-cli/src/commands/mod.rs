//! One module per subcommand.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod ablate;
mod apply;
mod builtin_agent;
mod changes;
mod compare;
mod demo;
mod diff;
mod evolve;
mod evolve_progress;
mod fmt;
mod hybrid;
mod lineage;
mod mine;
mod output;
mod propose;
mod report;
mod run;
mod schema;
mod sim;
mod traces;
mod validate;

/// Command-line interface of the toolkit.
#[derive(Debug, Parser)]
#[command(name = "harness", version, about = "Self-improving agent harnesses")]
pub struct Cli {
    /// Show more log lines on stderr: -v info, -vv debug, -vvv trace (default: warnings).
    /// `RUST_LOG`, when set, decides instead.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// How many times `-v` was given.
    pub fn verbose(&self) -> u8 {
        self.verbose
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a harness directory (and optionally an edit set against it).
    Validate(validate::ValidateArgs),
    /// Unified diff of two harness directories.
    Diff(diff::DiffArgs),
    /// Apply an edit set or unified diff to a harness.
    Apply(apply::ApplyArgs),
    /// Rewrite a harness directory in canonical form.
    Fmt(fmt::FmtArgs),
    /// Write the JSON Schemas of the harness files.
    Schema(schema::SchemaArgs),
    /// Run a suite's tasks with an agent and write a job folder.
    Run(Box<run::RunArgs>),
    /// Search, show and export the traces of a run directory.
    #[command(subcommand)]
    Traces(traces::TracesCommand),
    /// Harness versions of a run directory: log, show, diff, checkout.
    #[command(subcommand)]
    Lineage(lineage::LineageCommand),
    /// The offline demo: evolve the minimal harness against the simulated model.
    Demo(demo::DemoArgs),
    /// Evolve a harness: evaluate, mine, propose, gate, commit, generation after generation.
    Evolve(evolve::EvolveArgs),
    /// Mine a run's failed trials into a ranked, token-budgeted weakness report.
    Mine(mine::MineArgs),
    /// Proposals for a harness from the weakness report of its trials in a run.
    Propose(propose::ProposeArgs),
    /// The run report: one self-contained HTML file and a markdown summary of a run.
    Report(report::ReportArgs),
    /// The simulated model: list its shipped profiles.
    #[command(subcommand)]
    Sim(sim::SimCommand),
    /// A run's final harness with each accepted change (and each component kind) taken away.
    Ablate(ablate::AblateArgs),
    /// Versions of a run on their shared cells; `--budget-matched`: the seed's repeated
    /// sampling at the run's budget beside the evolved harness.
    Compare(compare::CompareArgs),
    /// A three-way merge of two versions of a run against their common ancestor.
    Hybrid(hybrid::HybridArgs),
}

/// Run the parsed command and map its outcome to an exit code.
pub fn dispatch(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Apply(args) => apply::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Run(args) => run::run(*args),
        Command::Traces(cmd) => traces::run(cmd),
        Command::Lineage(cmd) => lineage::run(cmd),
        Command::Demo(args) => demo::run(args),
        Command::Evolve(args) => evolve::run(args),
        Command::Mine(args) => mine::run(args),
        Command::Propose(args) => propose::run(args),
        Command::Report(args) => report::run(args),
        Command::Sim(cmd) => sim::run(cmd),
        Command::Ablate(args) => ablate::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Hybrid(args) => hybrid::run(args),
    }
}
