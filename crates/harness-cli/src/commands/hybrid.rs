//! `harness hybrid RUN A B --out DIR`: a three-way merge of two versions of a run against
//! their nearest common ancestor in the lineage (the loop's component-wise merge: units only
//! one side changed are taken from it; `middleware.yaml` and `memory/hints.yaml` entry by
//! entry), written as a harness directory that `harness run --harness DIR` (or a loop seeded
//! with it) can evaluate. Units both sides changed differently conflict: the command lists
//! them and writes nothing unless `--prefer A|B` settles every one for that side.

use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;
use std::process::ExitCode;

use harness_core::KindRegistry;
use harness_lineage::{Lineage, VersionId, merge};

use super::evolve::Failure;
use super::output::{BAD_INPUT, INTERNAL, OK};

/// `harness hybrid`.
#[derive(Debug, clap::Args)]
pub struct HybridArgs {
    /// The run directory.
    run: PathBuf,
    /// One version (`main`, `candidates/<generation>/<id>`, a commit id).
    a: String,
    /// The other version.
    b: String,
    /// Where to write the merged harness (absent or empty).
    #[arg(long)]
    out: PathBuf,
    /// Settle conflicting units with this side's version: `a` or `b`.
    #[arg(long, value_parser = ["a", "b"])]
    prefer: Option<String>,
}

/// Run `harness hybrid`.
pub fn run(args: HybridArgs) -> ExitCode {
    match hybrid(&args) {
        Ok(text) => {
            print!("{text}");
            ExitCode::from(OK)
        }
        Err((code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

/// Every ancestor of `id` (itself included), nearest first (breadth-first over parents).
fn ancestors(lineage: &Lineage, id: &VersionId) -> Result<Vec<VersionId>, Failure> {
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    let mut queue = VecDeque::from([id.clone()]);
    while let Some(next) = queue.pop_front() {
        if !seen.insert(next.clone()) {
            continue;
        }
        let version = lineage
            .version(&next)
            .map_err(|e| (INTERNAL, e.to_string()))?;
        queue.extend(version.parents);
        order.push(next);
    }
    Ok(order)
}

fn hybrid(args: &HybridArgs) -> Result<String, Failure> {
    let lineage = Lineage::open(&args.run).map_err(|e| (BAD_INPUT, e.to_string()))?;
    let registry = KindRegistry::builtin();
    let resolve = |rev: &str| {
        lineage
            .resolve(rev)
            .map_err(|e| (BAD_INPUT, format!("{rev}: {e}")))
    };
    let (a, b) = (resolve(&args.a)?, resolve(&args.b)?);
    let of_a: BTreeSet<VersionId> = ancestors(&lineage, &a)?.into_iter().collect();
    let base = ancestors(&lineage, &b)?
        .into_iter()
        .find(|v| of_a.contains(v))
        .ok_or_else(|| {
            (
                BAD_INPUT,
                format!("{} and {} share no ancestor in the lineage", args.a, args.b),
            )
        })?;
    let load = |id: &VersionId| {
        lineage
            .harness(id, &registry)
            .map_err(|e| (INTERNAL, format!("{id}: {e}")))
    };
    let (ha, hb, hbase) = (load(&a)?, load(&b)?, load(&base)?);
    let mut outcome = merge(&hbase, &[("a".to_owned(), ha), ("b".to_owned(), hb)]);
    let mut settled = Vec::new();
    if !outcome.is_clean() {
        let units: Vec<String> = outcome.conflicts.iter().map(|c| c.unit.clone()).collect();
        let Some(side) = &args.prefer else {
            return Err((
                BAD_INPUT,
                format!(
                    "{} and {} change the same parts differently: {}; give --prefer a or \
                     --prefer b to take one side's version of those",
                    args.a,
                    args.b,
                    units.join(", ")
                ),
            ));
        };
        for unit in units {
            if outcome.choose(&unit, side) {
                settled.push(unit);
            }
        }
    }
    let harness = outcome.harness(&registry).map_err(|diagnostics| {
        let lines: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        (
            BAD_INPUT,
            format!("the merged harness is invalid:\n{}", lines.join("\n")),
        )
    })?;
    if args.out.exists()
        && std::fs::read_dir(&args.out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err((
            BAD_INPUT,
            format!("{}: exists and is not empty", args.out.display()),
        ));
    }
    harness
        .save(&args.out)
        .map_err(|e| (INTERNAL, format!("{}: {e}", args.out.display())))?;
    let mut text = format!(
        "hybrid of {} ({}) and {} ({}) against their common ancestor {}\n",
        args.a,
        a.short(),
        args.b,
        b.short(),
        base.short()
    );
    for (unit, from) in &outcome.taken {
        text.push_str(&format!("  {unit:<32} from {}\n", from.join("+")));
    }
    if !settled.is_empty() {
        text.push_str(&format!(
            "  conflicts settled for {}: {}\n",
            args.prefer.as_deref().unwrap_or(""),
            settled.join(", ")
        ));
    }
    text.push_str(&format!(
        "written to {} (harness {}); evaluate it with `harness run --harness {}`\n",
        args.out.display(),
        harness.content_hash().short(),
        args.out.display()
    ));
    Ok(text)
}
