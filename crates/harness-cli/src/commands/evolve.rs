//! `harness evolve --config FILE --out RUN` and `harness evolve --resume RUN`: the evolution
//! loop on a suite, with progress bars per phase, `RUN/events.jsonl`, `RUN/state.json` (a
//! kill at any point resumes with `--resume`), the lineage in `RUN/lineage.git` and the
//! summary in `RUN/summary.json`. Exit codes: 0 done, 2 bad input (config, suite, harness, a
//! run directory of another configuration), 1 internal failure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use harness_agent::agent::BuiltinAgentFactory;
use harness_core::{Harness, KindRegistry};
use harness_eval::{Budget, BudgetLedger, LocalEvaluator, PriceTable, ScoreCache};
use harness_evolve::{
    EventSink, Evolution, EvolutionParts, EvolveConfig, EvolveSummary, JsonlEvents, ProposerKind,
    SandboxKind, jobs_dir,
};
use harness_gate::RuleGate;
use harness_miner::{MineScope, MinerConfig, StoreMiner};
use harness_model::TrialModelContext;
use harness_proposer::{
    Catalog, CatalogProposer, GuardConfig, LlmProposer, LlmProposerConfig, ProposalGuard, Proposer,
    SpendMeter,
};
use harness_sandbox::{
    AutoOptions, AutoProvider, BwrapOptions, BwrapProvider, LocalProvider, SandboxProvider,
};
use harness_tasks::{JobOptions, Suite};
use harness_trace::RunStoreFactory;

use super::builtin_agent::{ModelOptions, model_registry, template};
use super::evolve_progress::EvolveProgress;
use super::output::{BAD_INPUT, INTERNAL, OK};

/// The config as the run keeps it (paths absolute).
pub const RUN_CONFIG: &str = "config.yaml";

/// `harness evolve`.
#[derive(Debug, clap::Args)]
pub struct EvolveArgs {
    /// The evolution config (YAML; see `docs/schema/evolve-config.schema.json`).
    #[arg(long, required_unless_present = "resume")]
    config: Option<PathBuf>,
    /// A new (or empty) run directory.
    #[arg(long, required_unless_present = "resume")]
    out: Option<PathBuf>,
    /// Continue the run in this directory, where it stopped.
    #[arg(long, conflicts_with_all = ["config", "out"])]
    resume: Option<PathBuf>,
}

/// Failure: exit code and message.
pub type Failure = (u8, String);

fn bad(message: impl Into<String>) -> Failure {
    (BAD_INPUT, message.into())
}

/// Run `harness evolve`.
pub fn run(args: EvolveArgs) -> ExitCode {
    let runtime = match super::output::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let outcome = runtime.block_on(async {
        let (config, run_dir) = match (&args.resume, &args.config, &args.out) {
            (Some(run), _, _) => (resume_config(run)?, run.clone()),
            (None, Some(config), Some(out)) => (new_run(config, out)?, out.clone()),
            _ => return Err(bad("give --config and --out, or --resume RUN")),
        };
        let progress = Arc::new(EvolveProgress::new("evolve"));
        evolve(config, &run_dir, progress).await
    });
    match outcome {
        Ok(summary) => {
            print!("{}", summary_text(&summary));
            ExitCode::from(OK)
        }
        Err((code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

/// Read `RUN/config.yaml` of a run (to resume or analyse).
pub fn resume_config(run: &Path) -> Result<EvolveConfig, Failure> {
    let path = run.join(RUN_CONFIG);
    if !path.is_file() {
        return Err(bad(format!(
            "{}: not a run directory of `harness evolve` (no {RUN_CONFIG})",
            run.display()
        )));
    }
    EvolveConfig::load(&path).map_err(|e| bad(e.to_string()))
}

/// Load a config for a new run in `out` and keep it there.
fn new_run(config: &Path, out: &Path) -> Result<EvolveConfig, Failure> {
    let mut loaded = EvolveConfig::load(config).map_err(|e| bad(e.to_string()))?;
    let absolute = |p: &mut PathBuf| {
        if let Ok(abs) = std::fs::canonicalize(&*p) {
            *p = abs;
        }
    };
    absolute(&mut loaded.suite);
    absolute(&mut loaded.seed_harness);
    if let Some(catalog) = &mut loaded.proposer.catalog {
        absolute(catalog);
    }
    start_run_dir(out, &loaded)?;
    Ok(loaded)
}

/// Claim a new run directory (absent or empty) and write its config.
pub fn start_run_dir(out: &Path, config: &EvolveConfig) -> Result<(), Failure> {
    if out.exists()
        && std::fs::read_dir(out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(bad(format!(
            "{}: exists and is not empty; continue a run with --resume, or choose a new --out",
            out.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(|e| (INTERNAL, format!("{}: {e}", out.display())))?;
    let text = serde_yaml::to_string(config).map_err(|e| (INTERNAL, e.to_string()))?;
    let path = out.join(RUN_CONFIG);
    std::fs::write(&path, text).map_err(|e| (INTERNAL, format!("{}: {e}", path.display())))
}

/// Charges the proposer's and the advisor's tokens to the run's ledger, by heading.
pub(crate) struct LedgerSpend(pub(crate) Arc<BudgetLedger>);

impl SpendMeter for LedgerSpend {
    fn allows(&self, _heading: &str, _tokens: u64) -> bool {
        self.0.exhausted().is_none()
    }

    fn charge(&self, heading: &str, tokens: u64) -> Result<(), String> {
        self.0
            .charge_tokens(heading, tokens, 0.0)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

async fn sandbox(kind: SandboxKind) -> Result<Arc<dyn SandboxProvider>, Failure> {
    Ok(match kind {
        SandboxKind::Local => Arc::new(LocalProvider::default()),
        SandboxKind::Bwrap => Arc::new(
            BwrapProvider::new(BwrapOptions::default())
                .await
                .map_err(|e| bad(format!("sandbox bwrap: {e}")))?,
        ),
        SandboxKind::Auto => {
            let auto = AutoProvider::new(AutoOptions::default()).await;
            if let Some(note) = auto.note() {
                eprintln!("{note}");
            }
            Arc::new(auto)
        }
    })
}

fn proposer(
    config: &EvolveConfig,
    run_dir: &Path,
    ledger: &Arc<BudgetLedger>,
) -> Result<Arc<dyn Proposer>, Failure> {
    let guard = ProposalGuard::new(GuardConfig {
        budget: config.proposer.edit_budget,
        ..GuardConfig::default()
    });
    match config.proposer.kind {
        ProposerKind::Catalog => {
            let mut catalog = Catalog::builtin().map_err(|e| (INTERNAL, e.to_string()))?;
            if let Some(path) = &config.proposer.catalog {
                catalog =
                    catalog.extended_with(Catalog::load(path).map_err(|e| bad(e.to_string()))?);
            }
            Ok(Arc::new(CatalogProposer::new(catalog).with_guard(guard)))
        }
        ProposerKind::Llm => {
            let options = ModelOptions {
                base_url: config.agent.base_url.clone(),
                api_key_env: config.agent.api_key_env.clone(),
                ca_certs: Vec::new(),
            };
            let client = |spec: &str, role: &str| {
                let built = model_registry()
                    .build_str(spec, &options.backend(run_dir))
                    .map_err(|e| bad(format!("proposer.model: {e}")))?;
                built
                    .provider
                    .client_for(&TrialModelContext::new(role, 0, 0))
                    .map_err(|e| bad(format!("proposer.model: {e}")))
            };
            let spec = config
                .proposer
                .model
                .clone()
                .unwrap_or_else(|| config.agent.model.clone());
            let mut proposer =
                LlmProposer::new(client(&spec, "proposer")?, LlmProposerConfig::default())
                    .with_guard(guard)
                    .with_meter(Arc::new(LedgerSpend(Arc::clone(ledger))));
            if let Some(advisor) = &config.proposer.advisor {
                proposer = proposer.with_advisor(client(advisor, "advisor")?);
            }
            Ok(Arc::new(proposer))
        }
    }
}

/// The evaluator of a run: the reference agent on the config's model (its factory builds
/// the agent for any candidate harness), the config's sandbox, the run's evaluation cache and
/// budget ledger, job folders under `jobs`, every trial traced there.
pub async fn evaluator(
    config: &EvolveConfig,
    seed: &Harness,
    run_dir: &Path,
    jobs: &Path,
) -> Result<(Arc<LocalEvaluator>, Arc<BudgetLedger>), Failure> {
    let provider = sandbox(config.sandbox).await?;
    let agent = template(
        seed.clone(),
        &config.agent.model,
        &ModelOptions {
            base_url: config.agent.base_url.clone(),
            api_key_env: config.agent.api_key_env.clone(),
            ca_certs: Vec::new(),
        },
        run_dir,
    )
    .map_err(|e| bad(e.0))?;
    let factory = Arc::new(BuiltinAgentFactory::new(agent));
    let cache = Arc::new(ScoreCache::open(run_dir).map_err(|e| (INTERNAL, e.to_string()))?);
    let mut budget = Budget::unlimited();
    if let Some(n) = config.budget.rollouts {
        budget = budget.with_rollouts(n);
    }
    if let Some(n) = config.budget.tokens {
        budget = budget.with_tokens(n);
    }
    if let Some(usd) = config.budget.usd {
        budget = budget.with_usd(usd);
    }
    if let Some(sec) = config.budget.wall_sec {
        budget = budget.with_wall_sec(sec);
    }
    let ledger = Arc::new(
        BudgetLedger::open(run_dir, budget, PriceTable::new())
            .map_err(|e| (INTERNAL, e.to_string()))?,
    );
    let mut options = JobOptions::new("evolve");
    options.jobs = config.concurrency;
    options.seed = config.seed;
    // A stage's job folder from a killed process is continued, not refused.
    options.resume = true;
    let evaluator = LocalEvaluator::new(provider, factory, cache, jobs, options)
        .with_traces(Arc::new(RunStoreFactory::default()))
        .with_budget(Arc::clone(&ledger));
    Ok((Arc::new(evaluator), ledger))
}

/// Build the loop from a config and run it in `run_dir` (new or to resume).
pub async fn evolve(
    config: EvolveConfig,
    run_dir: &Path,
    progress: Arc<dyn EventSink>,
) -> Result<EvolveSummary, Failure> {
    let evolution = build(config, run_dir, progress).await?;
    evolution.run().await.map_err(|e| fail(&e))
}

/// The loop of an existing run, for its analyses (`harness ablate`, `harness compare`),
/// reporting progress under `label`. A directory without a run is bad input.
pub async fn open_run(run: &Path, label: &str) -> Result<Evolution, Failure> {
    let config = resume_config(run)?;
    if !run.join(harness_evolve::STATE_FILE).is_file() {
        return Err(bad(format!(
            "{}: the run has not started (no {})",
            run.display(),
            harness_evolve::STATE_FILE
        )));
    }
    build(config, run, Arc::new(EvolveProgress::new(label))).await
}

/// The loop of a config in `run_dir`: for a run, or for the analyses of one.
pub async fn build(
    config: EvolveConfig,
    run_dir: &Path,
    progress: Arc<dyn EventSink>,
) -> Result<Evolution, Failure> {
    let registry = KindRegistry::builtin();
    let suite = Suite::load(&config.suite)
        .map_err(|e| bad(format!("suite {}: {e}", config.suite.display())))?;
    let seed = Harness::load(&config.seed_harness, &registry).map_err(|e| {
        bad(format!(
            "seed harness {}: {e}",
            config.seed_harness.display()
        ))
    })?;
    let (evaluator, ledger) = evaluator(&config, &seed, run_dir, &jobs_dir(run_dir)).await?;
    let miner = StoreMiner::new(MinerConfig::new(MineScope::default()));
    let proposer = proposer(&config, run_dir, &ledger)?;
    let gate =
        RuleGate::from_spec(&config.gate.rules).map_err(|e| bad(format!("gate.rules: {e}")))?;
    let vocabulary = super::propose::suite_vocabulary(&suite);
    let events = JsonlEvents::open(run_dir)
        .map_err(|e| (INTERNAL, format!("{}: {e}", run_dir.display())))?;
    let evolution = Evolution::new(EvolutionParts {
        config,
        run_dir: run_dir.to_path_buf(),
        suite,
        seed,
        registry,
        evaluator,
        miner: Arc::new(miner),
        proposer,
        gate: Arc::new(gate),
    })
    .map_err(|e| fail(&e))?
    .with_ledger(ledger)
    .with_vocabulary(vocabulary)
    .with_events(Arc::new(events))
    .with_events(progress);
    Ok(evolution)
}

/// An error of the loop as a failure: bad input or internal.
pub fn fail(e: &harness_evolve::EvolveError) -> Failure {
    (
        if e.is_bad_input() {
            BAD_INPUT
        } else {
            INTERNAL
        },
        e.to_string(),
    )
}

pub(crate) fn score(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"))
}

/// The summary as a few lines.
pub fn summary_text(s: &EvolveSummary) -> String {
    format!(
        "split        seed    evolved\n\
         held_in      {}   {}\n\
         validation   {}   {}\n\
         test         {}   {}\n\
         accepted changes: {} ({})\n\
         generations: {}, proposals: {}, rejected by the gate: {}\n\
         rollouts: {} (the baseline protocol: {} for the same generations)\n\
         wall time: {:.0} s; stopped: {}\n\
         final harness: {} (lineage {})\n",
        score(s.seed.held_in),
        score(s.evolved.held_in),
        score(s.seed.validation),
        score(s.evolved.validation),
        score(s.seed.test),
        score(s.evolved.test),
        s.accepted_changes,
        s.accepted.join(", "),
        s.generations,
        s.proposals,
        s.rejected,
        s.rollouts,
        s.baseline_rollouts,
        s.wall_seconds,
        s.stopped,
        &s.final_harness[..s.final_harness.len().min(12)],
        &s.final_version[..s.final_version.len().min(12)],
    )
}
