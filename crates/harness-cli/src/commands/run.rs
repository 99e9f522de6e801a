//! `harness run --suite DIR --agent NAME --out DIR`: run a suite's tasks with an agent and
//! write a Harbor-like job folder, through the evaluation engine: every finished trial is in
//! the job's `scores.jsonl` the moment it ends, trials the model server or the infrastructure
//! decided run again (a bounded number of times), every trial is charged to the job's
//! `ledger.jsonl`, and `--resume DIR` continues a killed or finished job, running only the
//! trials without a score.
//!
//! Exit codes: 0 when the job ran (whatever the rewards, and when it stopped at its budget), 2
//! on bad input (malformed suite or task, unknown agent or split, no task selected, bwrap
//! requested but unavailable, job name taken, a task reading a host variable not allowed with
//! `--allow-env`, a resume of a job that measured something else, a plan over budget), 1 on
//! infrastructure
//! failure or an aborted job (too many model or infrastructure errors in a row), 130 when
//! interrupted (SIGINT) and 143 when terminated (SIGTERM); on either signal running trials are
//! stopped, their sandboxes removed and their processes killed, and finished trials stay on
//! disk.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use harness_eval::{
    Budget, BudgetLedger, DEFAULT_MAX_RETRIES, EvalError, EvalPlan, EvalReport, Evaluator,
    LocalEvaluator, Price, PriceTable, RecordSink, ScoreCache,
};
use harness_sandbox::{
    AutoOptions, AutoProvider, BwrapOptions, BwrapProvider, LocalProvider, SandboxProvider,
};
use harness_tasks::{
    AgentRegistry, JobOptions, JobResult, Progress, ProgressEvent, Split, Suite, TaskError,
    TaskSelection, default_job_name,
};
use harness_trace::RunStoreFactory;
use harness_types::ScoreRecord;

use indicatif::{ProgressBar, ProgressStyle};
use tokio::signal::unix::SignalKind;

use super::output::{BAD_INPUT, INTERNAL, OK};

/// Exit code when the run is interrupted (128 + SIGINT).
const INTERRUPTED: u8 = 130;

/// Exit code when the run is terminated (128 + SIGTERM).
const TERMINATED: u8 = 143;

/// What `--sandbox local` does not protect against, printed when it is chosen.
const LOCAL_WARNING: &str = "warning: --sandbox local is not isolation: commands run as you, \
    with your files (including the task's tests and solution), your network and your \
    processes visible, and concurrent trials can reach each other; use it only for agents you \
    trust, and bwrap to score any other";

/// Run tasks of a suite with an agent.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Suite folder (task dirs with an optional suite.yaml), or a single task dir.
    #[arg(long)]
    suite: PathBuf,
    /// Comma-separated glob patterns over task ids, e.g. `fix-*,git-*`.
    #[arg(long)]
    tasks: Option<String>,
    /// Only tasks of this split: held_in, validation, test or unassigned.
    #[arg(long)]
    split: Option<String>,
    /// Agent: oracle, noop, or builtin (the reference agent; needs --harness and --model).
    #[arg(long)]
    agent: String,
    #[command(flatten)]
    builtin: super::builtin_agent::BuiltinAgentArgs,
    /// Sandbox backend: auto (bwrap when it works here, else local, with a note), local or
    /// bwrap.
    ///
    /// bwrap runs every command in its own namespaces: no network, a read-only toolchain, a
    /// minimal /etc, and none of the host's other files (not the suite, the run folder or your
    /// home). local is not isolation: commands run as you with your file system, network and
    /// process table, can read the task's tests and solution and the harness's environment
    /// through /proc, and as root can change the system. It keeps hygiene only (a fresh
    /// folder, a cleared environment, processes killed when their command ends). Choosing it
    /// prints a warning.
    #[arg(long, default_value = "auto", value_parser = ["auto", "local", "bwrap"])]
    sandbox: String,
    /// Host environment variable that tasks' `[environment] env` entries may copy into the
    /// sandbox (repeat, or separate with commas). A task that refers to any other is refused.
    #[arg(long = "allow-env", value_name = "NAME", value_delimiter = ',')]
    allow_env: Vec<String>,
    /// Trials running at once.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Trials per task.
    #[arg(long, default_value_t = 1)]
    repeats: u32,
    /// Job folder name (default: the current UTC time).
    #[arg(long, conflicts_with = "resume")]
    job_name: Option<String>,
    /// Output folder; the job goes to OUT/JOB_NAME.
    #[arg(long, required_unless_present = "resume", conflicts_with = "resume")]
    out: Option<PathBuf>,
    /// Continue the job in DIR, a job folder an earlier `harness run` made (killed or
    /// finished): only trials without a score run, and the job result is rebuilt. Give the
    /// same suite, tasks, agent, harness, model, seed and repeats as before; a job that would
    /// measure something else is refused, naming what differs. Concurrency, sandbox and
    /// paths may change.
    #[arg(long, value_name = "DIR")]
    resume: Option<PathBuf>,
    /// Run a trial that ended in a model or infrastructure error at most this many more times
    /// (such trials are never scored as task failures).
    #[arg(long, default_value_t = DEFAULT_MAX_RETRIES)]
    max_retries: u32,
    /// Budget: at most N trials run in this job, attempts and resumes included.
    #[arg(long, value_name = "N")]
    max_rollouts: Option<u64>,
    /// Budget: at most N model tokens (prompt plus completion).
    #[arg(long, value_name = "N")]
    max_tokens: Option<u64>,
    /// Budget: at most USD dollars (what the backend reports, else tokens at --price).
    #[arg(long, value_name = "USD")]
    max_usd: Option<f64>,
    /// Budget: at most SECONDS of trial wall time, summed over trials.
    #[arg(long, value_name = "SECONDS")]
    max_wall_sec: Option<f64>,
    /// Price of a model whose backend reports no cost, in dollars per million prompt and
    /// completion tokens: `openai:gpt-4o-mini=0.15,0.6` (repeatable).
    #[arg(long = "price", value_name = "MODEL=IN,OUT")]
    prices: Vec<String>,
    /// Job seed (trial seeds derive from it).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Replace every task's agent timeout (seconds).
    #[arg(long)]
    agent_timeout: Option<f64>,
    /// Do not put the offline shims (apt-get, curl, uvx, ...) on PATH for builds and verifiers.
    #[arg(long)]
    no_offline_shims: bool,
}

/// Run the job and print the per-task table.
pub fn run(args: RunArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(INTERNAL);
        }
    };
    let code = runtime.block_on(run_async(args));
    // Dropped trials clean up as the runtime shuts down; a blocking file operation that does
    // not return must not keep the process alive after a signal.
    runtime.shutdown_timeout(Duration::from_secs(10));
    code
}

fn bad_input(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(BAD_INPUT)
}

async fn run_async(args: RunArgs) -> ExitCode {
    let suite = match Suite::load(&args.suite) {
        Ok(s) => s,
        Err(e) => return bad_input(e),
    };
    let split = match args.split.as_deref().map(str::parse::<Split>).transpose() {
        Ok(s) => s,
        Err(e) => return bad_input(e),
    };
    let mut selection = args
        .tasks
        .as_deref()
        .map(TaskSelection::from_patterns)
        .unwrap_or_default();
    selection.split = split;
    let tasks = match suite.select_quietly(&selection) {
        Ok((tasks, skipped)) => {
            if let Some(warning) = suite.skipped_warning(&skipped) {
                eprintln!("warning: {warning}");
            }
            tasks
        }
        Err(e) => return bad_input(e),
    };
    let (out, job_name) = match job_location(&args) {
        Ok(l) => l,
        Err(e) => return bad_input(e),
    };
    let run_dir = out.join(&job_name);
    let budget = match budget(&args) {
        Ok(b) => b,
        Err(e) => return bad_input(e),
    };
    let builtin = args.agent == harness_agent::agent::BUILTIN_AGENT_NAME;
    let agent = if builtin {
        match super::builtin_agent::build(&args.builtin, &run_dir) {
            Ok(a) => a,
            Err(e) => return bad_input(e.0),
        }
    } else {
        match AgentRegistry::with_builtins().create(&args.agent) {
            Ok(a) => a,
            Err(e) => return bad_input(e),
        }
    };
    let agent_timeout = match args.agent_timeout {
        None => None,
        Some(s) if s.is_finite() && s > 0.0 => Some(Duration::from_secs_f64(s)),
        Some(s) => return bad_input(format!("--agent-timeout must be positive, got {s}")),
    };
    let provider: Arc<dyn SandboxProvider> = match args.sandbox.as_str() {
        "local" => {
            eprintln!("{LOCAL_WARNING}");
            Arc::new(LocalProvider::default())
        }
        "bwrap" => match BwrapProvider::new(BwrapOptions::default()).await {
            Ok(p) => Arc::new(p),
            Err(e) => return bad_input(format!("--sandbox bwrap: {e}")),
        },
        _ => {
            let auto = AutoProvider::new(AutoOptions::default()).await;
            if let Some(note) = auto.note() {
                eprintln!("{note}");
            }
            Arc::new(auto)
        }
    };

    let mut options = JobOptions::new(job_name.clone());
    options.jobs = args.jobs.max(1);
    options.repeats = args.repeats.max(1);
    options.seed = args.seed;
    options.trial.offline_shims = !args.no_offline_shims;
    options.trial.agent_timeout = agent_timeout;
    options.trial.allowed_host_env = args.allow_env.iter().cloned().collect();
    // The job folder is new (checked above) or the one to resume.
    options.resume = true;
    for t in &tasks {
        if let Err(e) = t.task.check_host_env(&options.trial.allowed_host_env) {
            return bad_input(e);
        }
    }
    let mut terminate = match tokio::signal::unix::signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot listen for SIGTERM: {e}");
            return ExitCode::from(INTERNAL);
        }
    };
    // A new job claims its folder once the job is known to be valid, before anything is written there: of several runs racing
    // for one name, exactly one gets it (the `.lock` it leaves keeps the others out), and the
    // evaluator then continues the folder as its own.
    if args.resume.is_none() {
        match harness_tasks::layout::JobDir::create(&out, &job_name) {
            Ok(claim) => drop(claim),
            Err(TaskError::Io { path, source }) => {
                return bad_input(format!("{}: {source}", path.display()));
            }
            Err(e) => return bad_input(e),
        }
    }
    // The job's own journal is its cache: a resume skips what it scored.
    let cache = match ScoreCache::over_job(&run_dir) {
        Ok(c) => Arc::new(c),
        Err(e) => return internal(e),
    };
    let ledger = match BudgetLedger::open(&run_dir, budget.limits, budget.prices) {
        Ok(l) => Arc::new(l),
        Err(e) => return internal(e),
    };
    let n_planned = tasks.len() * options.repeats as usize;
    let bar = progress_bar(n_planned);
    let show = Arc::new(ShowProgress { bar: bar.clone() });
    tracing::info!(
        job = %options.job_name,
        tasks = tasks.len(),
        repeats = options.repeats,
        jobs = options.jobs,
        agent = %args.agent,
        sandbox = %args.sandbox,
        resume = args.resume.is_some(),
        "job starting"
    );
    let plan = EvalPlan::repeats(
        None,
        suite.clone(),
        &tasks,
        options.repeats,
        options.seed,
        job_name,
    );
    // Every trial is traced in the job folder; the runner appends each verdict.
    let evaluator = LocalEvaluator::with_agent(provider.clone(), agent, cache, &out, options)
        .with_traces(Arc::new(RunStoreFactory::default()))
        .with_budget(Arc::clone(&ledger))
        .with_max_retries(args.max_retries)
        .with_progress(show.clone());
    let job_dir = run_dir;
    // On a signal the evaluation is dropped here, which aborts the running trials; their
    // sandboxes kill what they started and remove their folders as they are dropped.
    let outcome = tokio::select! {
        out = evaluator.evaluate(&plan, show) => out,
        _ = tokio::signal::ctrl_c() => {
            bar.abandon();
            eprintln!("interrupted; finished trials are in {}; continue with --resume", job_dir.display());
            return ExitCode::from(INTERRUPTED);
        }
        _ = terminate.recv() => {
            bar.abandon();
            eprintln!("terminated; finished trials are in {}; continue with --resume", job_dir.display());
            return ExitCode::from(TERMINATED);
        }
    };
    bar.finish_and_clear();
    match outcome {
        Ok(report) => {
            let Some(result) = &report.job else {
                eprintln!("error: no job ran in {}", job_dir.display());
                return ExitCode::from(INTERNAL);
            };
            print_out(&table(result));
            print_out(&summary(&report, &ledger, n_planned));
            print_out(&format!(
                "sandbox: {}  agent: {}  job: {}\n",
                provider.name(),
                args.agent,
                job_dir.display()
            ));
            match (&result.aborted, ledger.exhausted()) {
                // Stopping at the budget is what the budget is for.
                (Some(_), Some(_)) => ExitCode::from(OK),
                (Some(reason), None) => {
                    eprintln!("error: {reason}");
                    ExitCode::from(INTERNAL)
                }
                (None, _) => ExitCode::from(OK),
            }
        }
        Err(e @ EvalError::OverBudget { .. }) => {
            if args.resume.is_none() {
                discard_unstarted(&job_dir);
            }
            bad_input(e)
        }
        Err(EvalError::Job(e @ TaskError::ResumeMismatch { .. })) => bad_input(e),
        Err(EvalError::Job(TaskError::Io { path, source }))
            if matches!(
                source.kind(),
                std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::InvalidInput
            ) =>
        {
            bad_input(format!("{}: {source}", path.display()))
        }
        Err(e) => internal(e),
    }
}

/// Remove a new job folder that nothing ran in (a plan refused before it started): it holds at
/// most its claim (`.lock`) and an empty ledger, and leaving it would take the job name.
fn discard_unstarted(dir: &std::path::Path) {
    if dir.join(harness_tasks::layout::CONFIG_JSON).exists() {
        return;
    }
    let ledger = dir.join(harness_eval::LEDGER_FILE);
    if std::fs::metadata(&ledger).is_ok_and(|m| m.len() == 0) {
        let _ = std::fs::remove_file(&ledger);
    }
    let _ = std::fs::remove_file(dir.join(harness_tasks::layout::LOCK_FILE));
    // Only an empty folder goes.
    let _ = std::fs::remove_dir(dir);
}

fn internal(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(INTERNAL)
}

/// Where the job goes: `--resume DIR` names an existing job folder; otherwise `OUT/JOB_NAME`
/// must be new (or an empty folder).
fn job_location(args: &RunArgs) -> Result<(PathBuf, String), String> {
    if let Some(dir) = &args.resume {
        let config = dir.join(harness_tasks::layout::CONFIG_JSON);
        if !config.is_file() {
            return Err(format!(
                "--resume {}: not a job folder (no {})",
                dir.display(),
                harness_tasks::layout::CONFIG_JSON
            ));
        }
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("--resume {}: not a job folder name", dir.display()))?;
        let out = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        return Ok((out, name.to_owned()));
    }
    let out = args
        .out
        .clone()
        .ok_or_else(|| "--out DIR is needed (or --resume DIR)".to_owned())?;
    let name = args.job_name.clone().unwrap_or_else(default_job_name);
    let dir = out.join(&name);
    let taken = std::fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_some());
    if taken {
        return Err(format!(
            "{}: job folder exists; choose another job name or output folder, or continue it \
             with --resume {}",
            dir.display(),
            dir.display()
        ));
    }
    Ok((out, name))
}

/// The budget flags.
struct BudgetArgs {
    limits: Budget,
    prices: PriceTable,
}

fn budget(args: &RunArgs) -> Result<BudgetArgs, String> {
    let mut limits = Budget::unlimited();
    if let Some(n) = args.max_rollouts {
        limits = limits.with_rollouts(n);
    }
    if let Some(n) = args.max_tokens {
        limits = limits.with_tokens(n);
    }
    if let Some(usd) = args.max_usd {
        if !(usd.is_finite() && usd >= 0.0) {
            return Err(format!(
                "--max-usd must be a non-negative number, got {usd}"
            ));
        }
        limits = limits.with_usd(usd);
    }
    if let Some(sec) = args.max_wall_sec {
        if !(sec.is_finite() && sec > 0.0) {
            return Err(format!("--max-wall-sec must be positive, got {sec}"));
        }
        limits = limits.with_wall_sec(sec);
    }
    let mut prices = PriceTable::new();
    for text in &args.prices {
        let (model, price) = parse_price(text)?;
        prices = prices.with(model, price);
    }
    Ok(BudgetArgs { limits, prices })
}

/// `MODEL=IN,OUT`, dollars per million prompt and completion tokens.
fn parse_price(text: &str) -> Result<(String, Price), String> {
    let bad = |why: &str| {
        format!("--price {text}: {why} (expected MODEL=IN,OUT, dollars per million tokens)")
    };
    let (model, rates) = text.rsplit_once('=').ok_or_else(|| bad("no `=`"))?;
    if model.trim().is_empty() {
        return Err(bad("no model"));
    }
    let (input, output) = rates.split_once(',').ok_or_else(|| bad("no `,`"))?;
    let rate = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| bad(&format!("`{s}` is not a non-negative number")))
    };
    Ok((
        model.trim().to_owned(),
        Price {
            input_per_mtok: rate(input)?,
            output_per_mtok: rate(output)?,
        },
    ))
}

/// The progress bar, fed by the evaluator: a record (cached or new) that counts as a score
/// moves it; starts and errors show in its message.
struct ShowProgress {
    bar: ProgressBar,
}

impl RecordSink for ShowProgress {
    fn record(&self, record: &ScoreRecord) {
        if record.is_scored() {
            self.bar.inc(1);
        } else {
            self.bar.set_message(format!(
                "{} {} (runs again)",
                record.source.trial_id, record.outcome
            ));
        }
    }
}

impl Progress for ShowProgress {
    fn on_event(&self, event: ProgressEvent<'_>) {
        match event {
            ProgressEvent::TrialStarted { trial } => self.bar.set_message(trial.trial_name.clone()),
            ProgressEvent::TrialFinished { result, .. }
                if !result.outcome.is_excluded_from_score() =>
            {
                self.bar
                    .set_message(format!("{} {}", result.trial_name, result.outcome));
            }
            _ => {}
        }
    }
}

/// What the engine did besides the table: trials answered by an earlier run of the job,
/// attempts run again after errors, trials left without a score, and what was spent.
fn summary(report: &EvalReport, ledger: &BudgetLedger, n_planned: usize) -> String {
    let mut out = String::new();
    if report.n_cached > 0 {
        out.push_str(&format!(
            "from an earlier run of this job: {} of {n_planned} trials (not run again)\n",
            report.n_cached
        ));
    }
    if report.n_retried > 0 {
        out.push_str(&format!(
            "run again after model or infrastructure errors: {} attempts\n",
            report.n_retried
        ));
    }
    if report.n_unscored > 0 {
        out.push_str(&format!(
            "without a score: {} trials; continue with --resume\n",
            report.n_unscored
        ));
    }
    if let Some(reason) = &report.stopped {
        out.push_str(&format!("stopped: {reason}\n"));
    }
    let spent = ledger.spent();
    out.push_str(&format!(
        "spent (this job, all runs): {} trials, {} tokens, ${:.4}, {:.0} s of trial time\n",
        spent.rollouts, spent.tokens, spent.usd, spent.wall_sec
    ));
    out
}

fn progress_bar(n: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(n as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} trials  {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn outcome_list(counts: &std::collections::BTreeMap<harness_tasks::OutcomeClass, usize>) -> String {
    counts
        .iter()
        .map(|(class, n)| format!("{class} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The counts of the classes that are (`excluded`) or are not left out of the mean.
fn scored_counts(
    counts: &std::collections::BTreeMap<harness_tasks::OutcomeClass, usize>,
    excluded: bool,
) -> std::collections::BTreeMap<harness_tasks::OutcomeClass, usize> {
    counts
        .iter()
        .filter(|(class, _)| class.is_excluded_from_score() == excluded)
        .map(|(class, n)| (*class, *n))
        .collect()
}

/// The per-task table and the mean reward, as text.
fn table(result: &JobResult) -> String {
    let width = result
        .tasks
        .keys()
        .map(String::len)
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!(
        "{:<width$}  {:<10}  {:>6}  {:>6}  outcomes\n",
        "task", "split", "reward", "trials"
    );
    for (id, stats) in &result.tasks {
        // A task whose every trial was excluded has no reward to show.
        let reward = if stats.n_excluded >= stats.n_trials {
            "-".to_owned()
        } else {
            format!("{:.3}", stats.mean_reward)
        };
        out.push_str(&format!(
            "{:<width$}  {:<10}  {:>6}  {:>6}  {}\n",
            id,
            stats.split.as_str(),
            reward,
            stats.n_trials,
            outcome_list(&stats.outcome_counts)
        ));
    }
    let scored = result.n_finished - result.n_excluded.min(result.n_finished);
    match result.mean_reward {
        Some(mean) => out.push_str(&format!(
            "mean reward: {mean:.3} over {scored} trials ({})\n",
            outcome_list(&scored_counts(&result.outcome_counts, false))
        )),
        None if result.n_finished > 0 => {
            out.push_str("mean reward: none (no finished trial counts)\n");
        }
        None => out.push_str("mean reward: none (no trial finished)\n"),
    }
    if result.n_excluded > 0 {
        out.push_str(&format!(
            "excluded from the mean: {} trials ({}); run them again\n",
            result.n_excluded,
            outcome_list(&scored_counts(&result.outcome_counts, true))
        ));
    }
    let not_run = result.n_trials.saturating_sub(result.n_finished);
    if result.aborted.is_some() && not_run > 0 {
        out.push_str(&format!("not run: {not_run} trials (the job aborted)\n"));
    }
    out
}

/// Write to stdout, ignoring a closed pipe (`harness run ... | head`).
fn print_out(text: &str) {
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_cached_retried_and_unscored_trials_and_what_was_spent() {
        let dir = tempfile::tempdir().unwrap();
        let ledger =
            BudgetLedger::open(dir.path(), Budget::unlimited(), PriceTable::new()).unwrap();
        let mut report = EvalReport::default();
        report.n_cached = 4;
        report.n_retried = 3;
        report.n_unscored = 1;
        report.stopped = Some("rollout budget spent (9 of 9)".into());
        let text = summary(&report, &ledger, 12);
        for line in [
            "from an earlier run of this job: 4 of 12 trials",
            "run again after model or infrastructure errors: 3 attempts",
            "without a score: 1 trials; continue with --resume",
            "stopped: rollout budget spent (9 of 9)",
            "spent (this job, all runs): 0 trials, 0 tokens, $0.0000, 0 s of trial time",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        assert_eq!(
            summary(&EvalReport::default(), &ledger, 12).lines().count(),
            1
        );
    }

    #[test]
    fn prices_parse_and_bad_ones_are_named() {
        let (model, price) = parse_price("openai:gpt-4o-mini=0.15,0.6").unwrap();
        assert_eq!(model, "openai:gpt-4o-mini");
        assert_eq!((price.input_per_mtok, price.output_per_mtok), (0.15, 0.6));
        for bad in ["x", "=1,2", "m=1", "m=a,2", "m=-1,2"] {
            assert!(parse_price(bad).unwrap_err().contains(bad), "{bad}");
        }
    }
}
