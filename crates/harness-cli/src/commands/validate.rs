//! `harness validate DIR [--edits FILE]`.

use std::path::PathBuf;
use std::process::ExitCode;

use harness_core::{Harness, KindRegistry};

use super::changes::{read_changes, report_apply_error, report_read_error};
use super::output::{OK, report};

/// Check a harness directory, and optionally an edit set against it.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Harness directory.
    dir: PathBuf,
    /// Also check that this edit set (YAML/JSON) or unified diff applies within the surfaces.
    #[arg(long)]
    edits: Option<PathBuf>,
}

/// Print a one-line summary and exit 0, or the errors and exit 2.
pub fn run(args: ValidateArgs) -> ExitCode {
    let registry = KindRegistry::builtin();
    let harness = match Harness::load(&args.dir, &registry) {
        Ok(h) => h,
        Err(e) => return report(&args.dir, None, &e),
    };
    let Some(edits_file) = args.edits else {
        println!("ok {}", harness.summary());
        return ExitCode::from(OK);
    };
    let (edits, text) = match read_changes(&edits_file) {
        Ok(x) => x,
        Err(e) => return report_read_error(&e),
    };
    match edits.apply(&harness, &registry) {
        Ok(next) => {
            println!(
                "ok {} -> {}",
                harness.summary(),
                next.content_hash().short()
            );
            ExitCode::from(OK)
        }
        Err(e) => report_apply_error(&args.dir, &edits_file, &text, &edits, &e),
    }
}
