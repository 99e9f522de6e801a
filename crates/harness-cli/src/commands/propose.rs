//! `harness propose RUN --harness DIR --out DIR`: proposals for a harness from the weakness
//! report of its trials in a run, by the catalog proposer (default) or, with `--proposer llm
//! --model SPEC [--advisor SPEC]`, the LLM proposer, whose tokens are charged to the run's
//! budget ledger under `proposer` and `advisor`.
//!
//! Mines the run's trials of that harness (held-in by default; the test split is sealed),
//! builds the overfitting guard's vocabulary from the run's suite (or `--suite`), asks the
//! proposer for `-k` proposals, writes each as `<id>.yaml` (the change list, the measured
//! change and its unified diff) and `<id>.diff`, the refused change lists with their reasons
//! in `rejected.yaml`, and the report in `report.json`, and prints a table. Exit codes: 0 ok,
//! 2 bad input (no run, a harness with no trials in it, a bad catalog), 1 internal failure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use harness_core::{Harness, KindRegistry};
use harness_eval::{Budget, BudgetLedger, PriceTable};
use harness_miner::{MinableSplit, MineScope, MinerConfig, StoreMiner};
use harness_model::TrialModelContext;
use harness_proposer::{
    Catalog, CatalogProposer, LlmProposer, LlmProposerConfig, ProposalBatch, ProposalContext,
    Proposer, TaskVocabulary, TraceAccess,
};
use harness_tasks::Suite;
use harness_trace::{RunStore, TraceStore};
use harness_types::Split;

use super::builtin_agent::{ModelOptions, model_registry};
use super::evolve::LedgerSpend;
use super::output::{BAD_INPUT, INTERNAL, OK};

/// `harness propose RUN --harness DIR [--proposer catalog] [-k 3] --out DIR`.
#[derive(Debug, clap::Args)]
pub struct ProposeArgs {
    /// Run directory (a job folder) holding trials of the harness.
    run: PathBuf,
    /// The harness to improve (its trials in the run are mined).
    #[arg(long)]
    harness: PathBuf,
    /// Which proposer.
    #[arg(long, value_enum, default_value = "catalog")]
    proposer: ProposerKind,
    /// The LLM proposer's model (`openai:MODEL`, ...; with `--proposer llm`).
    #[arg(long, value_name = "SPEC")]
    model: Option<String>,
    /// A stronger model the LLM proposer may consult.
    #[arg(long, value_name = "SPEC")]
    advisor: Option<String>,
    /// Base URL of the OpenAI-compatible server of --model and --advisor.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Environment variable holding the API key of --model and --advisor.
    #[arg(long, value_name = "NAME")]
    api_key_env: Option<String>,
    /// Most model turns of the LLM proposer.
    #[arg(long, default_value_t = 16)]
    max_turns: u32,
    /// Most tokens per reply of the LLM proposer.
    #[arg(long, default_value_t = 4096)]
    max_tokens: u32,
    /// Budget of the weakness report, in estimated tokens (a small model needs a short one).
    #[arg(long, default_value_t = harness_miner::DEFAULT_BUDGET_TOKENS)]
    report_tokens: usize,
    /// A catalog file whose remedies extend (and come before) the shipped ones.
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// How many proposals.
    #[arg(short, long, default_value_t = 3)]
    k: usize,
    /// Split to mine (repeatable): held_in (default), validation or unassigned.
    #[arg(long, value_parser = parse_split)]
    split: Vec<MinableSplit>,
    /// The suite whose tasks the overfitting guard knows (default: the run's suite).
    #[arg(long)]
    suite: Option<PathBuf>,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
}

/// The proposers the command offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ProposerKind {
    /// The catalog of remedies (no model needed).
    Catalog,
    /// A tool-using model (`--model`), charged to the run's budget ledger.
    Llm,
}

fn parse_split(text: &str) -> Result<MinableSplit, String> {
    text.parse()
}

/// The overfitting guard's vocabulary: every task of `suite`, its instruction and the paths
/// of its environment files. Held-in tasks may be named in refusals; others never are.
pub fn suite_vocabulary(suite: &Suite) -> TaskVocabulary {
    let mut vocabulary = TaskVocabulary::new([Split::HeldIn, Split::Unassigned]);
    for entry in &suite.tasks {
        let task = &entry.task;
        vocabulary.add_task_dir(
            &task.id,
            entry.split,
            &task.instruction,
            &task.environment_dir(),
        );
    }
    vocabulary
}

/// Run `harness propose`.
pub fn run(args: ProposeArgs) -> ExitCode {
    let runtime = match super::output::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(propose(args)) {
        Ok(()) => ExitCode::from(OK),
        Err((code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

fn suite_dir(args: &ProposeArgs) -> Result<PathBuf, (u8, String)> {
    if let Some(dir) = &args.suite {
        return Ok(dir.clone());
    }
    let path = args.run.join(harness_tasks::layout::CONFIG_JSON);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        (
            BAD_INPUT,
            format!(
                "{}: {e}; pass --suite to name the suite the run used",
                path.display()
            ),
        )
    })?;
    let config: harness_tasks::JobConfig =
        serde_json::from_str(&text).map_err(|e| (BAD_INPUT, format!("{}: {e}", path.display())))?;
    Ok(PathBuf::from(config.suite_dir))
}

async fn propose(args: ProposeArgs) -> Result<(), (u8, String)> {
    let bad = |message: String| (BAD_INPUT, message);
    let registry = KindRegistry::builtin();
    let harness = Harness::load(&args.harness, &registry)
        .map_err(|e| bad(format!("{}: {e}", args.harness.display())))?;
    let store = RunStore::open_existing(&args.run).map_err(|e| {
        (
            if e.is_bad_input() {
                BAD_INPUT
            } else {
                INTERNAL
            },
            e.to_string(),
        )
    })?;
    let store: Arc<dyn TraceStore> = Arc::new(store);
    let scope = MineScope::new(args.split.iter().copied());
    let mut config = MinerConfig::new(scope.clone()).with_budget(args.report_tokens);
    config.harness_hash = Some(harness.content_hash());
    let mined = StoreMiner::new(config)
        .mine_detailed(store.as_ref())
        .await
        .map_err(|e| (INTERNAL, e.to_string()))?;
    let report = mined.report;
    if report.trials == 0 {
        return Err(bad(format!(
            "{} has no trials of this harness ({}) in the mined splits; run it first",
            args.run.display(),
            harness.content_hash().short()
        )));
    }
    let suite_dir = suite_dir(&args)?;
    let suite = Suite::load(&suite_dir).map_err(|e| {
        bad(format!(
            "the overfitting guard needs the suite: {}: {e}",
            suite_dir.display()
        ))
    })?;
    let traces = TraceAccess::new(store, scope).with_harness(harness.content_hash());
    let context = ProposalContext::new(harness, registry, report)
        .with_vocabulary(suite_vocabulary(&suite))
        .with_traces(traces);
    let proposer: Box<dyn Proposer> = match args.proposer {
        ProposerKind::Catalog => {
            let mut catalog = Catalog::builtin().map_err(|e| (INTERNAL, e.to_string()))?;
            if let Some(path) = &args.catalog {
                catalog =
                    catalog.extended_with(Catalog::load(path).map_err(|e| bad(e.to_string()))?);
            }
            Box::new(CatalogProposer::new(catalog))
        }
        ProposerKind::Llm => Box::new(llm_proposer(&args)?),
    };
    let batch = proposer
        .propose(&context, args.k)
        .await
        .map_err(|e| (INTERNAL, e.to_string()))?;
    write_batch(&args.out, &context, &batch).map_err(|e| (INTERNAL, e))?;
    print_table(&batch);
    Ok(())
}

fn llm_proposer(args: &ProposeArgs) -> Result<LlmProposer, (u8, String)> {
    let bad = |message: String| (BAD_INPUT, message);
    let spec = args
        .model
        .as_deref()
        .ok_or_else(|| bad("--proposer llm needs --model SPEC".into()))?;
    let options = ModelOptions {
        base_url: args.base_url.clone(),
        api_key_env: args.api_key_env.clone(),
        ca_certs: Vec::new(),
    };
    let client = |spec: &str, role: &str| {
        model_registry()
            .build_str(spec, &options.backend(&args.run))
            .and_then(|built| {
                built
                    .provider
                    .client_for(&TrialModelContext::new(role, 0, 0))
            })
            .map_err(|e| bad(format!("{role} model {spec}: {e}")))
    };
    let ledger = BudgetLedger::open(&args.run, Budget::unlimited(), PriceTable::new())
        .map_err(|e| (INTERNAL, format!("budget ledger: {e}")))?;
    let mut config = LlmProposerConfig::default();
    config.max_turns = args.max_turns;
    config.max_tokens = args.max_tokens;
    let mut proposer = LlmProposer::new(client(spec, "proposer")?, config)
        .with_meter(Arc::new(LedgerSpend(Arc::new(ledger))));
    if let Some(advisor) = &args.advisor {
        proposer = proposer.with_advisor(client(advisor, "advisor")?);
    }
    Ok(proposer)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_batch(out: &Path, context: &ProposalContext, batch: &ProposalBatch) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    for proposal in &batch.proposals {
        let yaml = serde_yaml::to_string(proposal).map_err(|e| e.to_string())?;
        write(&out.join(format!("{}.yaml", proposal.id)), &yaml)?;
        write(&out.join(format!("{}.diff", proposal.id)), &proposal.diff)?;
    }
    if !batch.rejected.is_empty() {
        let yaml = serde_yaml::to_string(&batch.rejected).map_err(|e| e.to_string())?;
        write(&out.join("rejected.yaml"), &yaml)?;
    }
    let report = serde_json::to_string_pretty(&context.report).map_err(|e| e.to_string())?;
    write(&out.join("report.json"), &(report + "\n"))?;
    Ok(())
}

fn print_table(batch: &ProposalBatch) {
    println!(
        "{:<15} {:<34} {:<11} {:<26} predicted fixes",
        "id", "cluster", "surface", "remedy"
    );
    for p in &batch.proposals {
        let fixes = &p.change.predicted_fixes;
        let shown: Vec<&str> = fixes.iter().take(3).map(String::as_str).collect();
        let more = fixes.len().saturating_sub(shown.len());
        println!(
            "{:<15} {:<34} {:<11} {:<26} {}{}",
            p.id,
            p.change.cluster,
            p.change.surface,
            p.remedy.as_deref().unwrap_or("-"),
            shown.join(", "),
            if more > 0 {
                format!(" (+{more})")
            } else {
                String::new()
            }
        );
    }
    for r in &batch.rejected {
        let reasons: Vec<String> = r.violations.iter().map(ToString::to_string).collect();
        println!(
            "refused {}: {}",
            r.remedy.as_deref().unwrap_or(&r.change.cluster),
            reasons.join("; ")
        );
    }
    if let Some(note) = &batch.note {
        println!("{note}");
    }
}
