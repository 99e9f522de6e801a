//! `harness ablate RUN [--split validation]`: the run's final harness with each accepted
//! change removed and each component kind reverted to the seed's, one at a time, evaluated
//! through the run's evaluation cache and compared with the final harness on shared cells.
//! Writes `RUN/analysis/ablation.json` (which `harness report` shows) and the ablated
//! harnesses under `RUN/analysis/ablated/`, and prints a table.

use std::path::PathBuf;
use std::process::ExitCode;

use harness_evolve::Ablation;
use harness_types::Split;

use super::evolve::{fail, open_run};
use super::output::{BAD_INPUT, OK};

/// `harness ablate`.
#[derive(Debug, clap::Args)]
pub struct AblateArgs {
    /// The run directory of `harness evolve` or `harness demo --out`.
    run: PathBuf,
    /// The split to evaluate on: held_in or validation (the test split is sealed).
    #[arg(long, default_value = "validation")]
    split: String,
}

/// Run `harness ablate`.
pub fn run(args: AblateArgs) -> ExitCode {
    let split = match args.split.as_str() {
        "held_in" | "held-in" => Split::HeldIn,
        "validation" => Split::Validation,
        other => {
            eprintln!("error: --split: `{other}` is not held_in or validation");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let runtime = match super::output::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let outcome = runtime.block_on(async {
        let evolution = open_run(&args.run, "ablate").await?;
        evolution.ablate(split).await.map_err(|e| fail(&e))
    });
    match outcome {
        Ok(ablation) => {
            print!("{}", ablation_table(&ablation));
            ExitCode::from(OK)
        }
        Err((code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

/// The ablation as a plain-text table.
pub fn ablation_table(a: &Ablation) -> String {
    let mut out = format!(
        "ablation on {} ({} repeats; {} trials run, the rest from the cache)\n\
         final harness {}: {:.3} [{:.3}, {:.3}] over {} cells\n\n\
         {:<44} {:>7} {:>8} {:>18} {:>8}  regressed / fixed\n",
        a.split,
        a.repeats,
        a.rollouts,
        a.reference.harness,
        a.reference.mean,
        a.reference.interval.0,
        a.reference.interval.1,
        a.reference.cells,
        "ablated",
        "mean",
        "effect",
        "95% interval",
        "p",
    );
    for row in &a.rows {
        let label = row.ablated.label();
        match (&row.score, row.effect, row.interval, row.p_value) {
            (Some(score), Some(effect), Some((lo, hi)), Some(p)) => {
                out.push_str(&format!(
                    "{label:<44} {:>7.3} {effect:>+8.3} {:>18} {p:>8.4}  {} / {}\n",
                    score.mean,
                    format!("[{lo:+.3}, {hi:+.3}]"),
                    list(&row.regressed),
                    list(&row.fixed),
                ));
            }
            _ => out.push_str(&format!(
                "{label:<44} {:>7} {:>8} {:>18} {:>8}  {}\n",
                "-",
                "-",
                "-",
                "-",
                row.note.as_deref().unwrap_or("")
            )),
        }
    }
    out.push_str(
        "\neffect = ablated minus final on shared cells: negative when what was removed helped\n",
    );
    out
}

fn list(tasks: &[String]) -> String {
    if tasks.is_empty() {
        "-".to_owned()
    } else {
        tasks.join(",")
    }
}
