//! `harness demo`: the offline demonstration on the embedded defaults. It evolves the bundled
//! `minimal` harness with the catalog proposer against the simulated model (a documented test
//! double, see docs/sim.md) on the bundled suite, and prints a table shaped like the paper's,
//! with the strong generic baseline beside it: the shipped `rich` harness, a checklist written
//! without looking at any trace, on the same sealed test split.
//!
//! The figures say how harnesses treat the simulator's pathologies; they are not a claim
//! about any real model.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use harness_core::{Harness, KindRegistry};
use harness_eval::{EvalPlan, Evaluator, NoRecords};
use harness_evolve::{AgentConfig, EvolveConfig, EvolveSummary, SandboxKind};
use harness_tasks::Suite;
use harness_types::Split;
use serde::Serialize;

use super::evolve::{Failure, build, evaluator, fail, score, start_run_dir};
use super::evolve_progress::EvolveProgress;
use super::output::{BAD_INPUT, INTERNAL, OK};

/// The repository's bundled examples, found from the crate's source folder.
fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// `harness demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Simulator profile: a shipped name (`harness sim profiles`) or a profile YAML file
    /// (default: the first shipped profile).
    #[arg(long, conflicts_with = "all_profiles")]
    profile: Option<String>,
    /// Every shipped profile, one after another.
    #[arg(long)]
    all_profiles: bool,
    /// Keep the run directories here and write `summary.json` (default: a temporary folder,
    /// removed at the end).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Most generations per profile.
    #[arg(long, default_value_t = 3)]
    generations: u32,
    /// Repeats per task.
    #[arg(long, default_value_t = 3)]
    repeats: u32,
    /// Trials at once.
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Sandbox backend: auto, local or bwrap.
    #[arg(long, default_value = "auto", value_parser = ["auto", "local", "bwrap"])]
    sandbox: String,
}

/// One profile's row of `summary.json`.
#[derive(Debug, Serialize)]
struct ProfileRow {
    profile: String,
    seed: Scores,
    generic: Generic,
    evolved: Scores,
    /// The seed at the run's budget on the test split (`harness compare --budget-matched`).
    budget_matched: Option<Matched>,
    accepted_changes: usize,
    rollouts: u64,
    baseline_rollouts: u64,
    baseline_rollouts_method: &'static str,
    wall_seconds: f64,
    loop_overhead_seconds: f64,
    generations: u32,
    stopped: String,
    run_dir: String,
}

#[derive(Debug, Serialize)]
struct Scores {
    held_in: Option<f64>,
    validation: Option<f64>,
    test: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Matched {
    samples_per_task: u32,
    seed_pass_at_1: f64,
    seed_best_of_k: f64,
}

#[derive(Debug, Serialize)]
struct Generic {
    test: Option<f64>,
}

#[derive(Debug, Serialize)]
struct DemoSummary {
    note: &'static str,
    profiles: Vec<ProfileRow>,
}

/// Run `harness demo`.
pub fn run(args: DemoArgs) -> ExitCode {
    let runtime = match super::output::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let profiles: Vec<String> = if args.all_profiles {
        harness_sim::shipped_names()
            .into_iter()
            .map(str::to_owned)
            .collect()
    } else {
        match args.profile.clone().or_else(|| {
            harness_sim::shipped_names()
                .first()
                .map(|s| (*s).to_owned())
        }) {
            Some(profile) => vec![profile],
            None => {
                eprintln!("error: the simulator ships no profile; give --profile FILE");
                return ExitCode::from(BAD_INPUT);
            }
        }
    };
    let (root, temporary) = match &args.out {
        Some(out) => (out.clone(), None),
        None => match tempfile::tempdir() {
            Ok(dir) => (dir.path().to_path_buf(), Some(dir)),
            Err(e) => {
                eprintln!("error: cannot make a temporary folder: {e}");
                return ExitCode::from(INTERNAL);
            }
        },
    };
    let outcome = runtime.block_on(async {
        let mut rows = Vec::new();
        for profile in &profiles {
            rows.push(demo_profile(&args, profile, &root).await?);
        }
        Ok::<_, Failure>(rows)
    });
    let rows = match outcome {
        Ok(rows) => rows,
        Err((code, message)) => {
            eprintln!("error: {message}");
            return ExitCode::from(code);
        }
    };
    print!("{}", table(&rows));
    println!(
        "The simulated model is a test double: these figures show how each harness treats its \
         documented pathologies, not how a real model would score (docs/sim.md)."
    );
    let summary = DemoSummary {
        note: "simulated model (a documented test double); not a claim about real models",
        profiles: rows,
    };
    if temporary.is_none() {
        let path = root.join("summary.json");
        let text = serde_json::to_string_pretty(&summary).unwrap_or_default() + "\n";
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(INTERNAL);
        }
        println!("run directories and summary.json: {}", root.display());
    }
    drop(temporary);
    ExitCode::from(OK)
}

/// The label of a profile: its name, or a file's stem.
fn label(profile: &str) -> String {
    let path = Path::new(profile);
    if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| profile.to_owned())
    } else {
        profile.to_owned()
    }
}

async fn demo_profile(args: &DemoArgs, profile: &str, root: &Path) -> Result<ProfileRow, Failure> {
    let clock = Instant::now();
    let name = label(profile);
    let spec = if Path::new(profile).is_file() {
        let abs =
            std::fs::canonicalize(profile).map_err(|e| (BAD_INPUT, format!("{profile}: {e}")))?;
        format!("sim:{}", abs.display())
    } else {
        format!("sim:{profile}")
    };
    let examples = examples();
    let mut config = EvolveConfig::new(
        examples.join("suites/terminal-lite"),
        examples.join("harnesses/minimal"),
        AgentConfig::builtin(spec),
    );
    config.generations = args.generations;
    config.repeats = args.repeats;
    config.concurrency = args.jobs.max(1);
    config.sandbox = match args.sandbox.as_str() {
        "local" => SandboxKind::Local,
        "bwrap" => SandboxKind::Bwrap,
        _ => SandboxKind::Auto,
    };
    let run_dir = root.join(&name);
    start_run_dir(&run_dir, &config)?;
    let evolution = build(
        config.clone(),
        &run_dir,
        Arc::new(EvolveProgress::new(name.clone())),
    )
    .await?;
    let summary = evolution.run().await.map_err(|e| fail(&e))?;
    // The arm every such result should report: the seed sampled repeatedly at the run's
    // budget, on the same sealed test split.
    let matched = evolution.budget_matched().await.map_err(|e| fail(&e))?;
    let generic = generic_test(&config, &run_dir).await?;
    let mut row = row(&name, &summary, generic, clock, &run_dir);
    row.budget_matched = Some(Matched {
        samples_per_task: matched.samples_per_task,
        seed_pass_at_1: round3(matched.seed_pass_at_1.mean),
        seed_best_of_k: round3(matched.seed_best_of_k.mean),
    });
    Ok(row)
}

/// The shipped `rich` harness on the sealed test split: the generic checklist.
async fn generic_test(config: &EvolveConfig, run_dir: &Path) -> Result<Option<f64>, Failure> {
    let registry = KindRegistry::builtin();
    let rich = Harness::load(&examples().join("harnesses/rich"), &registry)
        .map_err(|e| (INTERNAL, format!("harnesses/rich: {e}")))?;
    let suite = Suite::load(&config.suite).map_err(|e| (INTERNAL, e.to_string()))?;
    let tasks: Vec<_> = suite
        .tasks
        .iter()
        .filter(|t| t.split == Split::Test)
        .cloned()
        .collect();
    let (evaluator, _) = evaluator(config, &rich, run_dir, &run_dir.join("generic")).await?;
    let plan = EvalPlan::repeats(
        Some(Arc::new(rich)),
        suite.clone(),
        &tasks,
        config.repeats,
        config.seed,
        "generic-checklist-test",
    );
    let report = evaluator
        .evaluate(&plan, Arc::new(NoRecords))
        .await
        .map_err(|e| (INTERNAL, e.to_string()))?;
    let rewards: Vec<f64> = report.records.iter().filter_map(|r| r.reward).collect();
    Ok((!rewards.is_empty()).then(|| round3(rewards.iter().sum::<f64>() / rewards.len() as f64)))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn row(
    name: &str,
    s: &EvolveSummary,
    generic: Option<f64>,
    clock: Instant,
    run_dir: &Path,
) -> ProfileRow {
    ProfileRow {
        profile: name.to_owned(),
        seed: Scores {
            held_in: s.seed.held_in,
            validation: s.seed.validation,
            test: s.seed.test,
        },
        generic: Generic { test: generic },
        evolved: Scores {
            held_in: s.evolved.held_in,
            validation: s.evolved.validation,
            test: s.evolved.test,
        },
        budget_matched: None,
        accepted_changes: s.accepted_changes,
        rollouts: s.rollouts,
        baseline_rollouts: s.baseline_rollouts,
        baseline_rollouts_method: "computed exactly from the run's plan: per generation, the \
             parent and every candidate on held-in and validation with every repeat",
        wall_seconds: round3(clock.elapsed().as_secs_f64()),
        loop_overhead_seconds: s.overhead_seconds,
        generations: s.generations,
        stopped: s.stopped.clone(),
        run_dir: run_dir.display().to_string(),
    }
}

fn table(rows: &[ProfileRow]) -> String {
    let mut out = String::from(
        "profile    | seed val / test | generic test | evolved val / test | seed at matched budget: pass@1 / best-of-K | accepted | rollouts (ours) | rollouts (baseline) | wall\n\
         -----------|-----------------|--------------|--------------------|--------------------------------------------|----------|-----------------|---------------------|------\n",
    );
    for r in rows {
        let matched = r.budget_matched.as_ref().map_or_else(
            || "-".to_owned(),
            |m| {
                format!(
                    "{:.3} / {:.3} (K = {})",
                    m.seed_pass_at_1, m.seed_best_of_k, m.samples_per_task
                )
            },
        );
        out.push_str(&format!(
            "{:<10} | {} / {}   | {}        | {} / {}      | {:<42} | {:>8} | {:>15} | {:>19} | {:.0} s\n",
            r.profile,
            score(r.seed.validation),
            score(r.seed.test),
            score(r.generic.test),
            score(r.evolved.validation),
            score(r.evolved.test),
            matched,
            r.accepted_changes,
            r.rollouts,
            r.baseline_rollouts,
            r.wall_seconds
        ));
    }
    out
}
