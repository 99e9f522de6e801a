//! `harness report RUN [--out DIR]`: the run report, one self-contained HTML file and a
//! markdown summary.
//!
//! Exit codes: 0 ok, 2 bad input (not a run directory, a file that does not parse: the
//! message names it), 1 the report could not be written.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use harness_report::ReportError;

use super::output::{OK, report_error};

/// Write `report.html` and `report.md` for a run directory.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Run directory (written by `harness evolve` or `harness demo --out`).
    run: PathBuf,
    /// Write the report into this directory (default: the run directory).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Write the report and print its paths and headline.
pub fn run(args: ReportArgs) -> ExitCode {
    let out = args.out.clone().unwrap_or_else(|| args.run.clone());
    match harness_report::write_report(&args.run, &out) {
        Ok(written) => {
            // A closed stdout (`| head`) is not a failure: the files are written.
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", written.headline);
            let _ = writeln!(out, "wrote {}", written.html.display());
            let _ = writeln!(out, "wrote {}", written.markdown.display());
            ExitCode::from(OK)
        }
        Err(e) => {
            let bad_input = matches!(
                e,
                ReportError::Missing { .. } | ReportError::Malformed { .. }
            );
            report_error(&e, bad_input)
        }
    }
}
