//! Printing errors the way editors and scripts expect: `path:line:column: field: message`,
//! with the harness directory (or edits file) in front of the file name.

use std::path::Path;
use std::process::ExitCode;

use harness_core::{CoreError, Diagnostic, locate_field};

/// Exit code for a successful command.
pub const OK: u8 = 0;
/// Exit code for an internal failure.
pub const INTERNAL: u8 = 1;
/// Exit code for bad input.
pub const BAD_INPUT: u8 = 2;

/// Print a diagnostic with its file joined to `root`.
pub fn print_diagnostic(root: &Path, diagnostic: &Diagnostic) {
    let mut d = diagnostic.clone();
    d.file = root.join(&d.file).display().to_string();
    eprintln!("{d}");
}

/// Report a core error about the harness at `root` (and optional edits file) and pick the exit
/// code: bad input for invalid harnesses, refused edits and bad diffs; internal otherwise.
pub fn report(root: &Path, edits: Option<(&Path, &str)>, error: &CoreError) -> ExitCode {
    match error {
        CoreError::Invalid { diagnostics } => {
            for d in diagnostics {
                print_diagnostic(root, d);
            }
            ExitCode::from(BAD_INPUT)
        }
        CoreError::EditRejected {
            index,
            path,
            rejection,
        } => {
            let field = format!("edits[{index}].path");
            match edits {
                Some((file, text)) => {
                    let mut d = Diagnostic::new(
                        file.display().to_string(),
                        field.clone(),
                        harness_core::bounded::shorten_message(&format!("`{path}`: {rejection}")),
                    );
                    if let Some((line, column)) = locate_field(text, &field) {
                        d = d.at(line, column);
                    }
                    eprintln!("{d}");
                }
                None => eprintln!(
                    "{}",
                    harness_core::bounded::shorten_message(&error.to_string())
                ),
            }
            ExitCode::from(BAD_INPUT)
        }
        CoreError::BadDiff { .. } => {
            match edits {
                Some((file, _)) => eprintln!("{}: {error}", file.display()),
                None => eprintln!("{error}"),
            }
            ExitCode::from(BAD_INPUT)
        }
        CoreError::Io { path, source } => {
            eprintln!("{}: {source}", path.display());
            if source.kind() == std::io::ErrorKind::NotFound {
                ExitCode::from(BAD_INPUT)
            } else {
                ExitCode::from(INTERNAL)
            }
        }
    }
}

/// Print `error: <e>` and pick the exit code: bad input or internal failure.
pub fn report_error(error: &dyn std::fmt::Display, bad_input: bool) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(if bad_input { BAD_INPUT } else { INTERNAL })
}

/// The multi-threaded runtime of the async commands (two workers), or the exit code after
/// saying why it could not start.
pub fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the runtime: {e}");
            ExitCode::from(INTERNAL)
        })
}
