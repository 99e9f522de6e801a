//! Reading a change file (an edit set in YAML or JSON, or a unified diff) and reporting the
//! errors of applying it in terms of that file.

use std::io::ErrorKind;
use std::path::Path;
use std::process::ExitCode;

use harness_core::bounded::shorten_message;
use harness_core::{
    CoreError, Diagnostic, Edit, EditSet, HarnessPath, diff_to_edits, locate_field,
};

use super::output::{BAD_INPUT, print_diagnostic, report};

/// Whether `file` is read as an edit set (by extension) rather than as a unified diff.
fn is_edit_set(file: &Path) -> bool {
    matches!(
        file.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Read `file` as an edit set (`.yaml`, `.yml`, `.json`) or a unified diff (anything else,
/// typically `.diff` or `.patch`). Returns the edits and the file text (for error positions).
/// Every diagnostic names `file` as given; files over the config size cap are refused unread.
pub fn read_changes(file: &Path) -> Result<(EditSet, String), CoreError> {
    let name = file.display().to_string();
    let text = harness_core::read_config(file).map_err(|e| match e.kind() {
        ErrorKind::FileTooLarge | ErrorKind::InvalidData => {
            CoreError::invalid(Diagnostic::new(&name, "", e.to_string()))
        }
        _ => CoreError::io(file, e),
    })?;
    let edits = if is_edit_set(file) {
        EditSet::parse(&name, &text)?
    } else {
        diff_to_edits(&text).map_err(|e| match e {
            CoreError::BadDiff { message } => CoreError::invalid(Diagnostic::new(
                &name,
                "",
                format!("diff: {}", shorten_message(&message)),
            )),
            other => other,
        })?
    };
    Ok((edits, text))
}

/// Report an error from reading a change file: its diagnostics already name the file.
pub fn report_read_error(error: &CoreError) -> ExitCode {
    report(Path::new(""), None, error)
}

/// Report an error from applying `edits` (read from `file`, whose text is `text`) to the
/// harness at `dir`. A problem in a file that an edit wrote is reported at that edit in the
/// change file (the harness file does not exist on disk); the rest as usual.
pub fn report_apply_error(
    dir: &Path,
    file: &Path,
    text: &str,
    edits: &EditSet,
    error: &CoreError,
) -> ExitCode {
    let CoreError::Invalid { diagnostics } = error else {
        return report(dir, Some((file, text)), error);
    };
    for d in diagnostics {
        let Some((index, edit)) = last_edit_of(edits, &d.file) else {
            print_diagnostic(dir, d);
            continue;
        };
        let out = if is_edit_set(file) {
            let field = match edit {
                Edit::Create { .. } | Edit::Replace { .. } => format!("edits[{index}].content"),
                Edit::Patch { .. } => format!("edits[{index}].diff"),
                Edit::Delete { .. } => format!("edits[{index}].path"),
            };
            let at = locate_field(text, &field);
            let out = Diagnostic::new(file.display().to_string(), field, d.to_string());
            match at {
                Some((line, column)) => out.at(line, column),
                None => out,
            }
        } else {
            Diagnostic::new(file.display().to_string(), "", d.to_string())
        };
        eprintln!("{out}");
    }
    ExitCode::from(BAD_INPUT)
}

/// The last edit that names `file` (a harness-relative path), with its index.
fn last_edit_of<'a>(edits: &'a EditSet, file: &str) -> Option<(usize, &'a Edit)> {
    edits
        .edits
        .iter()
        .enumerate()
        .rev()
        .find(|(_, e)| HarnessPath::parse(e.path()).is_ok_and(|p| p.as_str() == file))
}
