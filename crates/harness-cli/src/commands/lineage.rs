//! `harness lineage log|show|diff|checkout RUN ...`: read the harness versions of a run
//! directory (`<run>/lineage.git`).
//!
//! Exit codes: 0 ok, 2 bad input (no lineage, unknown revision, a version that is not a
//! valid harness), 1 internal failure.

use std::path::PathBuf;
use std::process::ExitCode;

use harness_core::KindRegistry;
use harness_lineage::{Lineage, LineageError, Version};

use super::output::{OK, report_error};

/// Read the harness versions of a run directory.
#[derive(Debug, clap::Subcommand)]
pub enum LineageCommand {
    /// Versions from REV (default: main) back to the seed, newest first.
    Log {
        /// Run directory.
        run: PathBuf,
        /// Revision: main, `candidates/<generation>/<id>`, a ref name or a commit id.
        #[arg(default_value = "main")]
        rev: String,
        /// Print one JSON object per version.
        #[arg(long)]
        json: bool,
    },
    /// One version: its record, its gate decision and its files.
    Show {
        /// Run directory.
        run: PathBuf,
        /// Revision.
        rev: String,
        /// Print the version and its files as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Unified diff from version A to version B.
    Diff {
        /// Run directory.
        run: PathBuf,
        /// Old revision.
        a: String,
        /// New revision.
        b: String,
    },
    /// Write a version's harness to DIR (replacing what is there).
    Checkout {
        /// Run directory.
        run: PathBuf,
        /// Revision.
        rev: String,
        /// Target directory.
        dir: PathBuf,
    },
}

/// Run a `lineage` subcommand.
pub fn run(cmd: LineageCommand) -> ExitCode {
    match execute(cmd) {
        Ok(()) => ExitCode::from(OK),
        Err(e) => report_error(&e, e.is_bad_input()),
    }
}

fn execute(cmd: LineageCommand) -> Result<(), LineageError> {
    let registry = KindRegistry::builtin();
    match cmd {
        LineageCommand::Log { run, rev, json } => {
            let lineage = Lineage::open(&run)?;
            for version in lineage.log(&rev)? {
                if json {
                    println!("{}", to_json(&version));
                } else {
                    println!("{}", log_line(&version));
                }
            }
        }
        LineageCommand::Show { run, rev, json } => {
            let lineage = Lineage::open(&run)?;
            let id = lineage.resolve(&rev)?;
            let version = lineage.version(&id)?;
            let files = lineage.files(&id)?;
            if json {
                let files: serde_json::Map<String, serde_json::Value> = files
                    .iter()
                    .map(|(p, c)| (p.as_str().to_owned(), c.clone().into()))
                    .collect();
                println!(
                    "{}",
                    serde_json::json!({"version": version, "files": files})
                );
            } else {
                println!("version {}", version.id);
                print!("{}", version.message);
                println!("\nfiles:");
                for (path, content) in &files {
                    println!("  {path} ({} bytes)", content.len());
                }
            }
        }
        LineageCommand::Diff { run, a, b } => {
            let lineage = Lineage::open(&run)?;
            let (a, b) = (lineage.resolve(&a)?, lineage.resolve(&b)?);
            print!("{}", lineage.diff(&a, &b, &registry)?);
        }
        LineageCommand::Checkout { run, rev, dir } => {
            let lineage = Lineage::open(&run)?;
            let id = lineage.resolve(&rev)?;
            let harness = lineage.checkout(&id, &dir, &registry)?;
            println!("{} -> {}: {}", id.short(), dir.display(), harness.summary());
        }
    }
    Ok(())
}

fn to_json(version: &Version) -> String {
    serde_json::to_string(version).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// `<short id> g<generation> <candidate> <verdict> <summary>`.
fn log_line(version: &Version) -> String {
    match &version.record {
        Some(r) => format!(
            "{} g{} {} {} {}",
            version.id.short(),
            r.generation,
            r.candidate_id,
            r.decision
                .as_ref()
                .map_or("-".to_owned(), |d| d.verdict.to_string()),
            r.summary
        ),
        None => format!(
            "{} {}",
            version.id.short(),
            version.message.lines().next().unwrap_or_default()
        ),
    }
}
