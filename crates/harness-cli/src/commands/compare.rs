//! `harness compare RUN A B [C ...]`: versions or candidates of a run compared on the cells
//! they all share (the gate's shared-task ranking), with each pair's paired difference and
//! per-task flips; `--budget-matched`: the seed harness evaluated on the test split with as
//! many rollouts as the run spent, as mean pass@1 and as best-of-K with the verifier as
//! selector, beside the evolved harness's pass@1 (kept in `RUN/analysis/budget-matched.json`
//! for `harness report`).

use std::path::PathBuf;
use std::process::ExitCode;

use harness_core::KindRegistry;
use harness_eval::ScoreCache;
use harness_evolve::BudgetMatched;
use harness_gate::{Comparison, Evidence, Flip, ScoreMatrix, rank_on_shared_cells};
use harness_lineage::Lineage;
use harness_types::{ContentHash, Split};

use super::evolve::{Failure, fail, open_run};
use super::output::{BAD_INPUT, INTERNAL, OK};

/// `harness compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The run directory.
    run: PathBuf,
    /// Versions to compare (`main`, `candidates/<generation>/<id>`, a commit id; the first
    /// is the reference of the pairwise lines). Two or more, unless `--budget-matched`.
    revs: Vec<String>,
    /// Also (or only) the budget-matched baseline arm: the seed on the test split with the
    /// rollouts the run spent (runs trials; a finished run only).
    #[arg(long)]
    budget_matched: bool,
}

/// Run `harness compare`.
pub fn run(args: CompareArgs) -> ExitCode {
    if args.revs.len() == 1 || (args.revs.is_empty() && !args.budget_matched) {
        eprintln!("error: give two or more versions to compare, or --budget-matched");
        return ExitCode::from(BAD_INPUT);
    }
    let mut out = String::new();
    if !args.revs.is_empty() {
        match shared_comparison(&args) {
            Ok(text) => out.push_str(&text),
            Err((code, message)) => {
                eprintln!("error: {message}");
                return ExitCode::from(code);
            }
        }
    }
    if args.budget_matched {
        let runtime = match super::output::runtime() {
            Ok(runtime) => runtime,
            Err(code) => return code,
        };
        let outcome = runtime.block_on(async {
            let evolution = open_run(&args.run, "budget-matched").await?;
            evolution.budget_matched().await.map_err(|e| fail(&e))
        });
        match outcome {
            Ok(arm) => {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&budget_matched_text(&arm));
            }
            Err((code, message)) => {
                print!("{out}");
                eprintln!("error: {message}");
                return ExitCode::from(code);
            }
        }
    }
    print!("{out}");
    ExitCode::from(OK)
}

/// The ranking of the revisions on their shared held-in and validation cells, and each one
/// against the first.
fn shared_comparison(args: &CompareArgs) -> Result<String, Failure> {
    let lineage = Lineage::open(&args.run).map_err(|e| (BAD_INPUT, e.to_string()))?;
    let registry = KindRegistry::builtin();
    let mut hashes: Vec<(String, ContentHash)> = Vec::new();
    for rev in &args.revs {
        let id = lineage
            .resolve(rev)
            .map_err(|e| (BAD_INPUT, format!("{rev}: {e}")))?;
        let hash = match lineage.version(&id).ok().and_then(|v| v.harness_hash) {
            Some(hash) => hash,
            None => lineage
                .harness(&id, &registry)
                .map_err(|e| (BAD_INPUT, format!("{rev}: {e}")))?
                .content_hash(),
        };
        hashes.push((rev.clone(), hash));
    }
    let cache = ScoreCache::open(&args.run).map_err(|e| (INTERNAL, e.to_string()))?;
    let records = cache.records();
    let matrix = ScoreMatrix::from_records(records.iter().filter(|r| r.split != Split::Test));
    for (rev, hash) in &hashes {
        if matrix.harness(hash).is_none() {
            return Err((
                BAD_INPUT,
                format!(
                    "{rev} ({}) has no scored trial in {}: nothing to compare",
                    hash.short(),
                    cache.path().display()
                ),
            ));
        }
    }
    let splits = [Split::HeldIn, Split::Validation];
    let order: Vec<ContentHash> = hashes.iter().map(|(_, h)| *h).collect();
    let ranking =
        rank_on_shared_cells(&matrix, &order, &splits).map_err(|e| (INTERNAL, e.to_string()))?;
    let name = |hash: &ContentHash| {
        hashes
            .iter()
            .find(|(_, h)| h == hash)
            .map_or_else(|| hash.short(), |(rev, _)| rev.clone())
    };
    let mut out = format!(
        "shared cells (held_in and validation): {}\n{:<4} {:<40} {:<13} {:>11} {:>7} {:>10} {:>9}\n",
        ranking.shared_cells,
        "rank",
        "version",
        "harness",
        "shared mean",
        "passes",
        "all cells",
        "all mean"
    );
    for (i, e) in ranking.entries.iter().enumerate() {
        out.push_str(&format!(
            "{:<4} {:<40} {:<13} {:>11.3} {:>7} {:>10} {:>9.3}\n",
            i + 1,
            name(&e.harness),
            e.harness.short(),
            e.shared_mean,
            e.shared_passes,
            e.all_cells,
            e.all_mean
        ));
    }
    let (first_rev, first) = &hashes[0];
    for (rev, hash) in &hashes[1..] {
        let comparison =
            Comparison::new(&matrix, *first, *hash, None).map_err(|e| (INTERNAL, e.to_string()))?;
        let evidence = Evidence::of(&comparison, 0.95);
        let d = &evidence.differences;
        let flips = |flip: Flip| -> String {
            let tasks: Vec<&str> = evidence
                .flips
                .iter()
                .filter(|f| f.flip == flip)
                .map(|f| f.task_id.as_str())
                .collect();
            if tasks.is_empty() {
                "-".to_owned()
            } else {
                tasks.join(", ")
            }
        };
        out.push_str(&format!(
            "\n{rev} vs {first_rev}: {} shared cells, effect {:+.3} [{:+.3}, {:+.3}], {} better, {} worse, {} tied\n  \
             fixed (fail -> pass): {}\n  regressed (pass -> fail): {}\n",
            d.cells,
            d.effect.estimate,
            d.effect.low,
            d.effect.high,
            d.wins,
            d.losses,
            d.ties,
            flips(Flip::Fixed),
            flips(Flip::Regressed),
        ));
    }
    Ok(out)
}

/// The budget-matched arm beside the evolved harness.
pub fn budget_matched_text(a: &BudgetMatched) -> String {
    let line = |label: &str, s: &harness_evolve::ArmScore| {
        format!(
            "  {label:<36} {:.3} [{:.3}, {:.3}] over {} {}\n",
            s.mean,
            s.interval.0,
            s.interval.1,
            s.cells,
            if label.contains("best-of") {
                "tasks"
            } else {
                "trials"
            }
        )
    };
    format!(
        "budget-matched baseline on the test split ({} tasks): the run spent {} rollouts, so \
         the seed gets {} samples per task ({} trials run now, the rest from the cache)\n{}{}{}",
        a.tasks,
        a.budget,
        a.samples_per_task,
        a.rollouts,
        line("seed, mean pass@1", &a.seed_pass_at_1),
        line(
            &format!("seed, best-of-{} (verifier selects)", a.samples_per_task),
            &a.seed_best_of_k
        ),
        line("evolved, mean pass@1", &a.evolved_pass_at_1),
    )
}
