//! `harness run --suite DIR --agent NAME --out DIR`: run a suite's tasks with an agent and
//! write a Harbor-like job folder.
//!
//! Exit codes: 0 when the job ran (whatever the rewards), 2 on bad input (malformed suite or
//! task, unknown agent or split, no task selected, bwrap requested but unavailable, job name
//! taken, a task reading a host variable not allowed with `--allow-env`), 1 on infrastructure
//! failure or an aborted job (too many model or infrastructure errors in a row), 130 when
//! interrupted (SIGINT) and 143 when terminated (SIGTERM); on either signal running trials are
//! stopped, their sandboxes removed and their processes killed, and finished trials stay on
//! disk.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use harness_sandbox::{
    AutoOptions, AutoProvider, BwrapOptions, BwrapProvider, LocalProvider, SandboxProvider,
};
use harness_tasks::{
    AgentRegistry, JobOptions, JobResult, JobRunner, Progress, ProgressEvent, Split, Suite,
    TaskError, TaskSelection, default_job_name,
};
use harness_trace::RunStoreFactory;
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
    #[arg(long)]
    job_name: Option<String>,
    /// Output folder; the job goes to OUT/JOB_NAME.
    #[arg(long)]
    out: PathBuf,
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
    let job_name = args.job_name.clone().unwrap_or_else(default_job_name);
    let run_dir = args.out.join(&job_name);
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

    let mut options = JobOptions::new(job_name);
    options.jobs = args.jobs.max(1);
    options.repeats = args.repeats.max(1);
    options.seed = args.seed;
    options.trial.offline_shims = !args.no_offline_shims;
    options.trial.agent_timeout = agent_timeout;
    options.trial.allowed_host_env = args.allow_env.iter().cloned().collect();
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
    let bar = progress_bar(tasks.len() * options.repeats as usize);
    let progress_bar = bar.clone();
    let show: Arc<dyn Progress> = Arc::new(move |event: ProgressEvent<'_>| match event {
        ProgressEvent::TrialStarted { trial } => progress_bar.set_message(trial.trial_name.clone()),
        ProgressEvent::TrialFinished { result, .. } => {
            progress_bar.inc(1);
            progress_bar.set_message(format!("{} {}", result.trial_name, result.outcome));
        }
        _ => {}
    });
    tracing::info!(
        job = %options.job_name,
        tasks = tasks.len(),
        repeats = options.repeats,
        jobs = options.jobs,
        agent = %args.agent,
        sandbox = %args.sandbox,
        "job starting"
    );
    // Every trial is traced in the job folder; the runner appends each verdict.
    let runner = JobRunner::new(provider.clone(), agent)
        .with_progress(show)
        .with_traces_in_job_folder(Arc::new(RunStoreFactory::default()));
    let job_dir = run_dir;
    // On a signal the runner's future is dropped here, which aborts the running trials; their
    // sandboxes kill what they started and remove their folders as they are dropped.
    let outcome = tokio::select! {
        out = runner.run(&suite, &tasks, &args.out, &options) => out,
        _ = tokio::signal::ctrl_c() => {
            bar.abandon();
            eprintln!("interrupted; finished trials are in {}", job_dir.display());
            return ExitCode::from(INTERRUPTED);
        }
        _ = terminate.recv() => {
            bar.abandon();
            eprintln!("terminated; finished trials are in {}", job_dir.display());
            return ExitCode::from(TERMINATED);
        }
    };
    bar.finish_and_clear();
    match outcome {
        Ok(output) => {
            print_out(&table(&output.result));
            print_out(&format!(
                "sandbox: {}  agent: {}  job: {}\n",
                provider.name(),
                args.agent,
                output.dir.display()
            ));
            if let Some(reason) = output.aborted() {
                eprintln!("error: {reason}");
                return ExitCode::from(INTERNAL);
            }
            ExitCode::from(OK)
        }
        Err(TaskError::Io { path, source })
            if matches!(
                source.kind(),
                std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::InvalidInput
            ) =>
        {
            bad_input(format!("{}: {source}", path.display()))
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(INTERNAL)
        }
    }
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
