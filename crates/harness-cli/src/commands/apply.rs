//! `harness apply DIR CHANGES --out OUT [--force]`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use harness_core::{Harness, HarnessPath, KindRegistry};

use super::changes::{read_changes, report_apply_error, report_read_error};
use super::output::{BAD_INPUT, OK, report};

/// Apply an edit set or a unified diff to a harness and save the result.
#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// Harness directory.
    dir: PathBuf,
    /// Edit set (YAML/JSON) or unified diff.
    changes: PathBuf,
    /// Where to write the new harness: a new or empty directory, or DIR itself.
    #[arg(long)]
    out: PathBuf,
    /// Replace a non-empty OUT, but only when everything in it belongs to a harness (OUT is
    /// itself a valid harness, or holds only files of the harness being written); any other
    /// file there makes the command refuse.
    #[arg(long)]
    force: bool,
    /// Apply as a maintainer: ignore the declared surfaces (paths must still stay inside).
    #[arg(long)]
    ignore_surfaces: bool,
}

/// Apply and save; exit 2 when the change or the output directory is refused, leaving
/// everything as it was.
pub fn run(args: ApplyArgs) -> ExitCode {
    let registry = KindRegistry::builtin();
    let harness = match Harness::load(&args.dir, &registry) {
        Ok(h) => h,
        Err(e) => return report(&args.dir, None, &e),
    };
    let (edits, text) = match read_changes(&args.changes) {
        Ok(x) => x,
        Err(e) => return report_read_error(&e),
    };
    let applied = if args.ignore_surfaces {
        edits.apply_without_surfaces(&harness, &registry)
    } else {
        edits.apply(&harness, &registry)
    };
    let next = match applied {
        Ok(next) => next,
        Err(e) => return report_apply_error(&args.dir, &args.changes, &text, &edits, &e),
    };
    if let Err(problem) = check_out_dir(&args.dir, &args.out, &next, args.force, &registry) {
        eprintln!("{}: {problem}", args.out.display());
        return ExitCode::from(BAD_INPUT);
    }
    if let Err(e) = next.save(&args.out) {
        return report(&args.out, None, &e);
    }
    println!("ok {}", next.summary());
    ExitCode::from(OK)
}

/// Saving replaces the whole output directory, so it may only hold what a harness owns:
/// nothing (new or empty), the input harness itself, or with `force` a harness or files of
/// the harness being written.
fn check_out_dir(
    dir: &Path,
    out: &Path,
    next: &Harness,
    force: bool,
    registry: &KindRegistry,
) -> Result<(), String> {
    let meta = match std::fs::symlink_metadata(out) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot inspect the output directory: {e}")),
    };
    if meta.file_type().is_symlink() {
        return Err("the output directory is a symbolic link; refusing to write through it".into());
    }
    if !meta.is_dir() {
        return Err("exists and is not a directory; refusing to replace it".into());
    }
    // DIR loaded as a harness, so every file in it belongs to the harness.
    if let (Ok(a), Ok(b)) = (dir.canonicalize(), out.canonicalize())
        && a == b
    {
        return Ok(());
    }
    let entries = list_tree(out).map_err(|e| format!("cannot list the output directory: {e}"))?;
    if entries.is_empty() {
        return Ok(());
    }
    if !force {
        return Err(format!(
            "the output directory is not empty ({} entries); refusing to replace it. Choose a \
             new directory, or pass --force to replace a harness there (files that do not \
             belong to the harness are never deleted)",
            entries.len()
        ));
    }
    if Harness::load(out, registry).is_ok() {
        return Ok(());
    }
    let foreign: Vec<&str> = entries
        .iter()
        .filter(|(rel, kind)| !owned_by(next, rel, *kind))
        .map(|(rel, _)| rel.as_str())
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = foreign.iter().take(5).copied().collect();
    let more = foreign
        .len()
        .checked_sub(shown.len())
        .filter(|n| *n > 0)
        .map(|n| format!(" and {n} more"))
        .unwrap_or_default();
    Err(format!(
        "refusing to replace the output directory even with --force: it is not a valid \
         harness and holds entries that do not belong to the harness being written: {}{more}",
        shown.join(", ")
    ))
}

/// What an entry of the output directory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EntryKind {
    File,
    Dir,
    /// A symbolic link or special file: never part of a harness.
    Other,
}

/// Whether the harness being written has this file, or a file under this directory.
fn owned_by(next: &Harness, rel: &str, kind: EntryKind) -> bool {
    match kind {
        EntryKind::File => HarnessPath::parse(rel).is_ok_and(|p| next.files().contains_key(&p)),
        EntryKind::Dir => {
            let prefix = format!("{rel}/");
            next.files().keys().any(|p| p.as_str().starts_with(&prefix))
        }
        EntryKind::Other => false,
    }
}

/// Every entry under `root` with its relative path, not following symbolic links.
fn list_tree(root: &Path) -> std::io::Result<Vec<(String, EntryKind)>> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push((entry.path(), format!("{rel}/")));
                out.push((rel, EntryKind::Dir));
            } else if kind.is_file() {
                out.push((rel, EntryKind::File));
            } else {
                out.push((rel, EntryKind::Other));
            }
        }
    }
    out.sort();
    Ok(out)
}
