//! `harness mine RUN`: the weakness report of a run directory's failed trials.
//!
//! Reads the traces of the splits named with `--split` (held-in by default; `test` is
//! refused), clusters the failures and prints (or writes) the report, markdown or JSON,
//! within `--budget-tokens`. With `--qa-model`, a model answers a question about each of the
//! top clusters; its tokens are charged to the run's budget ledger (`RUN/ledger.jsonl`, the
//! evaluation engine's) as `miner-qa`, within `--qa-max-tokens`. Exit codes: 0 ok, 2 bad
//! input (no run directory, a sealed split, an unknown model), 1 internal failure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use harness_eval::{Budget, BudgetLedger, PriceTable};
use harness_miner::{
    MinableSplit, MineScope, MinerConfig, QaConfig, QuestionAnswerer, ReportFormat, StoreMiner,
    TokenMeter,
};
use harness_model::{BackendOptions, ModelClient, TrialModelContext};
use harness_trace::RunStore;

use super::output::{BAD_INPUT, INTERNAL, OK};

/// `harness mine RUN [--split S]... [--budget-tokens N] [--format md|json] [--out FILE]`.
#[derive(Debug, clap::Args)]
pub struct MineArgs {
    /// Run directory (a job folder or an import target).
    run: PathBuf,
    /// Split to mine (repeatable): held_in (default), validation or unassigned. The test
    /// split is sealed and refused.
    #[arg(long, value_parser = parse_split)]
    split: Vec<MinableSplit>,
    /// Budget of the report in estimated tokens (about 4 bytes each).
    #[arg(long, default_value_t = harness_miner::DEFAULT_BUDGET_TOKENS)]
    budget_tokens: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "md")]
    format: Format,
    /// Write the report here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// A cluster needs at least this many failed trials.
    #[arg(long, default_value_t = 2)]
    min_failures: usize,
    /// A cluster needs failures of at least this many tasks.
    #[arg(long, default_value_t = 2)]
    min_tasks: usize,
    /// Ask this model (`openai:MODEL`, ...) about each of the top clusters. Off by default.
    #[arg(long, value_name = "SPEC")]
    qa_model: Option<String>,
    /// Base URL of the OpenAI-compatible server of --qa-model.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Environment variable holding the API key of --qa-model.
    #[arg(long, value_name = "NAME")]
    api_key_env: Option<String>,
    /// Most tokens the questions may spend (charged to the run's ledger).
    #[arg(long, default_value_t = 50_000)]
    qa_max_tokens: u64,
}

/// The QA layer's meter: a cap of its own, every call charged to the run's budget ledger.
struct LedgerMeter {
    ledger: BudgetLedger,
    cap: u64,
    spent: AtomicU64,
}

impl TokenMeter for LedgerMeter {
    fn allows(&self, tokens: u64) -> bool {
        self.spent.load(Ordering::SeqCst) + tokens <= self.cap && self.ledger.exhausted().is_none()
    }

    fn charge(&self, tokens: u64) -> Result<(), String> {
        self.spent.fetch_add(tokens, Ordering::SeqCst);
        self.ledger
            .charge_tokens("miner-qa", tokens, 0.0)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The question answerer of `--qa-model`, charging the ledger in `run`.
fn question_answerer(args: &MineArgs, spec: &str, run: &Path) -> Result<QuestionAnswerer, String> {
    let mut options = BackendOptions::new();
    if let Some(url) = &args.base_url {
        options = options.with_base_url(url.clone());
    }
    if let Some(env) = &args.api_key_env {
        options = options.with_api_key_env(env.clone());
    }
    let built = super::builtin_agent::model_registry()
        .build_str(spec, &options)
        .map_err(|e| format!("--qa-model: {e}"))?;
    let client: Arc<dyn ModelClient> = built
        .provider
        .client_for(&TrialModelContext::new("miner-qa", 0, 0))
        .map_err(|e| format!("--qa-model: {e}"))?;
    let ledger = BudgetLedger::open(run, Budget::unlimited(), PriceTable::new())
        .map_err(|e| format!("budget ledger: {e}"))?;
    let meter = LedgerMeter {
        ledger,
        cap: args.qa_max_tokens,
        spent: AtomicU64::new(0),
    };
    Ok(QuestionAnswerer::new(
        client,
        Arc::new(meter),
        QaConfig::default(),
    ))
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Markdown.
    Md,
    /// JSON (the structured report).
    Json,
}

fn parse_split(text: &str) -> Result<MinableSplit, String> {
    text.parse()
}

/// Run `harness mine`.
pub fn run(args: MineArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(INTERNAL);
        }
    };
    runtime.block_on(mine(args))
}

async fn mine(args: MineArgs) -> ExitCode {
    let store = match RunStore::open_existing(&args.run) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(if e.is_bad_input() {
                BAD_INPUT
            } else {
                INTERNAL
            });
        }
    };
    let mut cluster = harness_miner::ClusterConfig::default();
    cluster.min_failures = args.min_failures;
    cluster.min_tasks = args.min_tasks;
    let config = MinerConfig::new(MineScope::new(args.split.iter().copied()))
        .with_budget(args.budget_tokens)
        .with_cluster(cluster);
    let qa = match args.qa_model.as_deref() {
        Some(spec) => match question_answerer(&args, spec, &args.run) {
            Ok(qa) => Some(qa),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        },
        None => None,
    };
    let mined = match StoreMiner::new(config).mine_detailed(&store).await {
        Ok(mut mined) => {
            if let Some(qa) = &qa {
                match qa.answer(&mut mined.report).await {
                    Ok(tokens) => {
                        eprintln!(
                            "question answering spent {tokens} tokens (charged to the run's ledger)"
                        );
                        mined.markdown = harness_miner::render_markdown(&mined.report);
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(INTERNAL);
                    }
                }
            }
            mined
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(match e {
                harness_miner::MinerError::Config { .. } => BAD_INPUT,
                _ => INTERNAL,
            });
        }
    };
    let format = match args.format {
        Format::Md => ReportFormat::Md,
        Format::Json => ReportFormat::Json,
    };
    let text = match format {
        ReportFormat::Md => mined.markdown,
        ReportFormat::Json => match serde_json::to_string_pretty(&mined.report) {
            Ok(json) => json + "\n",
            Err(e) => {
                eprintln!("error: cannot write the report: {e}");
                return ExitCode::from(INTERNAL);
            }
        },
    };
    let report = &mined.report;
    eprintln!(
        "mined {} trials ({} failed): {} clusters, {} estimated tokens of {}",
        report.trials,
        report.failed,
        report.clusters.len(),
        report.rendered_tokens,
        report.budget_tokens
    );
    match &args.out {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(INTERNAL);
            }
        }
        None => print!("{text}"),
    }
    ExitCode::from(OK)
}
