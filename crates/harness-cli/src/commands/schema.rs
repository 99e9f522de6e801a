//! `harness schema [--out DIR] [--check]`: the harness files' schemas and the weakness
//! report's.

use std::path::PathBuf;
use std::process::ExitCode;

use harness_core::schema::{all_schemas, schema_text};

use super::output::{BAD_INPUT, INTERNAL, OK};

/// Write the JSON Schemas of the harness files.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Output directory.
    #[arg(long, default_value = "docs/schema")]
    out: PathBuf,
    /// Only check that the files there are up to date; exit 2 if not.
    #[arg(long)]
    check: bool,
}

/// Write (or check) every schema file.
pub fn run(args: SchemaArgs) -> ExitCode {
    let mut stale = 0;
    let report = (
        "weakness-report.schema.json",
        harness_miner::WeaknessReport::json_schema(),
    );
    for (name, schema) in all_schemas().into_iter().chain([report]) {
        let path = args.out.join(name);
        let text = schema_text(&schema);
        if args.check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                eprintln!("{}: stale; run `harness schema`", path.display());
                stale += 1;
            }
            continue;
        }
        if let Err(e) =
            std::fs::create_dir_all(&args.out).and_then(|()| std::fs::write(&path, text))
        {
            eprintln!("{}: {e}", path.display());
            return ExitCode::from(INTERNAL);
        }
        println!("wrote {}", path.display());
    }
    ExitCode::from(if stale == 0 { OK } else { BAD_INPUT })
}
