//! A sandbox provider of your own: a policy layer around another backend.
//!
//! `PolicyProvider` wraps any `SandboxProvider` (here `LocalProvider`). Every sandbox it makes
//! records each command it is asked to run, caps each command's timeout, runs at most a set
//! number of commands before the verifier phase, and refuses commands whose program is
//! `curl`, `wget`, `scp` or `ssh`. A refused command never reaches the backend: the caller
//! gets exit code 126 and a message on stderr saying why, which the reference agent shows the
//! model as the shell tool's result. The verifier phase (`enter_verifier_phase`) is recorded
//! but never limited, since rewards depend on the verifier running untouched. Persistent shell
//! sessions are wrapped the same way.
//!
//! The provider is then plugged in where a backend goes:
//!
//! 1. a run of the reference agent (the `minimal` bundled harness) on the simulated model
//!    (`sim:explorer`, from the model registry that `harness_sim::register` fills) over a small
//!    suite of bundled tasks, through `LocalEvaluator`, as `harness run` does;
//! 2. the evolution loop (`harness_evolve::Evolution` with the catalog proposer, the default
//!    rule gate and `StoreMiner`), one generation, two repeats, its evaluator on this
//!    provider.
//!
//! The simulated model follows each task's reference solution, so the example gives one task
//! of its suite a solution step that tries to download a file with `curl` (the rest of the
//! solution does not need it): the model tries it, the policy refuses it, and the trial goes
//! on without it.
//!
//! The word check reads the shell text (through the toolkit's shell lexer) and is a policy for
//! well-meaning agents, not a security boundary; the `bwrap` backend, which has no network at
//! all, is the boundary.
//!
//! ```sh
//! cargo run -p harness-examples --example custom_sandbox
//! ```
//!
//! The test (`cargo test -p harness-examples --example custom_sandbox`) checks that the
//! wrapper saw and recorded the commands of every trial, refused the downloads (and the agent
//! saw the refusal), held every sandbox to its limit, and that the loop completed.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use harness_agent::agent::{BuiltinAgent, BuiltinAgentFactory};
use harness_core::{Harness, KindRegistry, shell_words};
use harness_eval::{
    Budget, BudgetLedger, EvalPlan, Evaluator, LocalEvaluator, NoRecords, PriceTable, ScoreCache,
};
use harness_evolve::{
    AgentConfig, Evolution, EvolutionParts, EvolveConfig, EvolveSummary, SandboxKind, jobs_dir,
};
use harness_examples::{bundled_harness, small_suite};
use harness_gate::RuleGate;
use harness_miner::{MineScope, MinerConfig, StoreMiner};
use harness_model::{BackendOptions, ModelRegistry};
use harness_proposer::CatalogProposer;
use harness_sandbox::{
    AppliedLimit, DirEntry, EnvironmentSpec, ExecOptions, ExecOutput, ExitStatus, LocalProvider,
    MountKind, Sandbox, SandboxError, SandboxPaths, SandboxProvider, ShellSession, StreamOutput,
    VerifierPhaseReport,
};
use harness_tasks::{JobOptions, Suite, TaskSelection};
use harness_trace::{Event, RunStore, RunStoreFactory, SplitScope, TraceStore, TrialFilter};
use harness_types::OutcomeClass;

/// The simulated model the agent runs on.
const MODEL: &str = "sim:explorer";

/// Exit code of a refused command (the shell's "cannot execute").
const REFUSED_EXIT_CODE: i32 = 126;

/// The start of every refusal message.
const REFUSAL: &str = "refused by the sandbox policy";

/// The task whose solution gets a download step, and the step.
const DOWNLOAD_TASK: &str = "word-frequency-report";
const DOWNLOAD_STEP: &str = "# step: fetch a stop-word list from the project server\n\
     curl -fsS https://example.com/stopwords.txt -o stopwords.txt || true\n";

/// What the sandboxes of a [`PolicyProvider`] allow.
#[derive(Debug, Clone)]
struct Policy {
    /// Programs refused wherever they appear as a command.
    forbidden: Vec<String>,
    /// Most commands a sandbox runs before its verifier phase (environment build and agent).
    max_commands: usize,
    /// Longest timeout a command may ask for; longer ones are cut to it.
    max_timeout: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            forbidden: ["curl", "wget", "scp", "ssh"].map(String::from).to_vec(),
            max_commands: 120,
            max_timeout: Duration::from_secs(120),
        }
    }
}

/// The phase a command ran in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Environment build and agent: the policy applies.
    Work,
    /// The verifier: recorded, never limited.
    Verifier,
}

/// What happened to a command.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// It ran; its exit code (none when killed by a signal).
    Ran {
        /// The exit code.
        exit_code: Option<i32>,
    },
    /// The policy refused it.
    Refused {
        /// Why.
        reason: String,
    },
    /// The backend failed to run it.
    Failed {
        /// The backend's error.
        error: String,
    },
}

/// One command a sandbox was asked to run.
#[derive(Debug, Clone)]
struct CommandRecord {
    /// Which sandbox (numbered from 0 in order of creation).
    sandbox: usize,
    /// The phase.
    phase: Phase,
    /// The command text.
    command: String,
    /// The timeout it ran under, after the cap.
    timeout: Duration,
    /// What happened.
    verdict: Verdict,
}

/// The commands of every sandbox of a provider, in order.
#[derive(Debug, Default)]
struct CommandLog {
    records: Mutex<Vec<CommandRecord>>,
}

impl CommandLog {
    fn push(&self, record: CommandRecord) {
        // A panic elsewhere while the lock was held leaves the list usable.
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records.push(record);
    }

    /// A copy of the records so far.
    fn snapshot(&self) -> Vec<CommandRecord> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// A provider whose sandboxes apply a [`Policy`] around another provider's.
struct PolicyProvider {
    inner: Arc<dyn SandboxProvider>,
    name: String,
    policy: Arc<Policy>,
    log: Arc<CommandLog>,
    next_id: AtomicUsize,
}

impl PolicyProvider {
    fn new(inner: Arc<dyn SandboxProvider>, policy: Policy) -> Self {
        Self {
            name: format!("policy+{}", inner.name()),
            inner,
            policy: Arc::new(policy),
            log: Arc::new(CommandLog::default()),
            next_id: AtomicUsize::new(0),
        }
    }

    /// Every command the provider's sandboxes were asked to run.
    fn log(&self) -> Vec<CommandRecord> {
        self.log.snapshot()
    }
}

#[async_trait]
impl SandboxProvider for PolicyProvider {
    fn name(&self) -> &str {
        &self.name
    }

    async fn create(&self, spec: &EnvironmentSpec) -> Result<Box<dyn Sandbox>, SandboxError> {
        let inner = self.inner.create(spec).await?;
        let guard = Guard {
            id: self.next_id.fetch_add(1, Ordering::SeqCst),
            policy: Arc::clone(&self.policy),
            log: Arc::clone(&self.log),
            admitted: AtomicUsize::new(0),
            verifier: AtomicBool::new(false),
        };
        Ok(Box::new(PolicySandbox {
            inner,
            guard: Arc::new(guard),
        }))
    }
}

/// The policy state of one sandbox, shared with its shell sessions.
struct Guard {
    id: usize,
    policy: Arc<Policy>,
    log: Arc<CommandLog>,
    /// Commands admitted before the verifier phase.
    admitted: AtomicUsize,
    verifier: AtomicBool,
}

impl Guard {
    fn phase(&self) -> Phase {
        if self.verifier.load(Ordering::SeqCst) {
            Phase::Verifier
        } else {
            Phase::Work
        }
    }

    /// Run `command` with `run` (the backend's sandbox or session) if the policy admits it,
    /// its timeout capped, and record what happened; a refused command gets its refusal.
    async fn run<F, R>(
        &self,
        command: &str,
        mut options: ExecOptions,
        run: F,
    ) -> Result<ExecOutput, SandboxError>
    where
        F: FnOnce(ExecOptions) -> R,
        R: Future<Output = Result<ExecOutput, SandboxError>>,
    {
        if let Err(refusal) = self.admit(command, &mut options) {
            return Ok(refusal);
        }
        let result = run(options.clone()).await;
        self.ran(command, &options, &result);
        result
    }

    /// Decide on `command`: `Err` with the refusal to return instead of running it, or `Ok`
    /// with its timeout capped.
    fn admit(&self, command: &str, options: &mut ExecOptions) -> Result<(), ExecOutput> {
        if self.phase() == Phase::Verifier {
            return Ok(());
        }
        options.timeout = options.timeout.min(self.policy.max_timeout);
        let forbidden = programs(command)
            .into_iter()
            .find(|program| self.policy.forbidden.contains(program));
        let reason = if let Some(program) = forbidden {
            Some(format!(
                "`{program}` is not allowed in this sandbox (no network tools); use the files \
                 in the working directory"
            ))
        } else if self.admitted.fetch_add(1, Ordering::SeqCst) >= self.policy.max_commands {
            Some(format!(
                "this sandbox has run its limit of {} commands",
                self.policy.max_commands
            ))
        } else {
            None
        };
        match reason {
            None => Ok(()),
            Some(reason) => {
                self.record(
                    command,
                    options,
                    Verdict::Refused {
                        reason: reason.clone(),
                    },
                );
                Err(refused(&reason))
            }
        }
    }

    /// Record what running `command` gave.
    fn ran(&self, command: &str, options: &ExecOptions, result: &Result<ExecOutput, SandboxError>) {
        let verdict = match result {
            Ok(out) => Verdict::Ran {
                exit_code: match out.status {
                    ExitStatus::Code(code) => Some(code),
                    ExitStatus::Signal(_) => None,
                },
            },
            Err(e) => Verdict::Failed {
                error: e.to_string(),
            },
        };
        self.record(command, options, verdict);
    }

    fn record(&self, command: &str, options: &ExecOptions, verdict: Verdict) {
        self.log.push(CommandRecord {
            sandbox: self.id,
            phase: self.phase(),
            command: command.to_owned(),
            timeout: options.timeout,
            verdict,
        });
    }
}

/// The result a refused command gets: exit code 126, the reason on stderr.
fn refused(reason: &str) -> ExecOutput {
    ExecOutput {
        status: ExitStatus::Code(REFUSED_EXIT_CODE),
        stdout: StreamOutput::default(),
        stderr: StreamOutput {
            bytes: format!("{REFUSAL}: {reason}\n").into_bytes(),
            dropped: 0,
        },
        duration: Duration::ZERO,
        timed_out: false,
    }
}

/// Programs that only wrap the command after them (with their options).
const WRAPPERS: [&str; 9] = [
    "sudo", "env", "nohup", "nice", "time", "timeout", "command", "exec", "xargs",
];

/// Shells whose `-c` text is looked into.
const SHELLS: [&str; 3] = ["sh", "bash", "dash"];

/// The programs `command` runs, as far as its text shows: the first word of each simple
/// command, past variable assignments and wrappers (`sudo`, `env X=1`, `timeout 5`, ...), as a
/// file name without its directory; the text of `sh -c '...'` is read the same way.
fn programs(command: &str) -> Vec<String> {
    let mut found = Vec::new();
    for words in shell_words::simple_commands(command) {
        let mut rest = words.iter().map(String::as_str);
        let mut wrapped = false;
        while let Some(word) = rest.next() {
            let is_option = wrapped && (word.starts_with('-') || word.parse::<f64>().is_ok());
            if is_assignment(word) || is_option {
                continue;
            }
            let program = word.rsplit('/').next().unwrap_or(word);
            if WRAPPERS.contains(&program) {
                wrapped = true;
                continue;
            }
            found.push(program.to_owned());
            if SHELLS.contains(&program) {
                let mut args = rest.by_ref().skip_while(|arg| *arg != "-c");
                if let Some(text) = args.nth(1) {
                    found.extend(programs(text));
                }
            }
            break;
        }
    }
    found
}

/// `NAME=value`.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// A sandbox of another backend, under a policy.
struct PolicySandbox {
    inner: Box<dyn Sandbox>,
    guard: Arc<Guard>,
}

#[async_trait]
impl Sandbox for PolicySandbox {
    fn backend(&self) -> &str {
        self.inner.backend()
    }

    fn paths(&self) -> SandboxPaths {
        self.inner.paths()
    }

    async fn exec(&self, command: &str, options: ExecOptions) -> Result<ExecOutput, SandboxError> {
        let inner = &self.inner;
        self.guard
            .run(command, options, |options| inner.exec(command, options))
            .await
    }

    async fn read_file(&self, path: &str) -> Result<Vec<u8>, SandboxError> {
        self.inner.read_file(path).await
    }

    async fn write_file(&self, path: &str, contents: &[u8]) -> Result<(), SandboxError> {
        self.inner.write_file(path, contents).await
    }

    async fn list_dir(&self, path: &str) -> Result<Vec<DirEntry>, SandboxError> {
        self.inner.list_dir(path).await
    }

    async fn copy_in(&self, host_src: &Path, dest: &str) -> Result<(), SandboxError> {
        self.inner.copy_in(host_src, dest).await
    }

    async fn copy_out(&self, src: &str, host_dest: &Path) -> Result<(), SandboxError> {
        self.inner.copy_out(src, host_dest).await
    }

    async fn mount(&self, kind: MountKind, host_src: &Path) -> Result<String, SandboxError> {
        self.inner.mount(kind, host_src).await
    }

    async fn enter_verifier_phase(&self) -> Result<VerifierPhaseReport, SandboxError> {
        self.guard.verifier.store(true, Ordering::SeqCst);
        self.inner.enter_verifier_phase().await
    }

    fn applied_limits(&self) -> Vec<AppliedLimit> {
        self.inner.applied_limits()
    }

    async fn session(&self) -> Result<Box<dyn ShellSession>, SandboxError> {
        Ok(Box::new(PolicySession {
            inner: self.inner.session().await?,
            guard: Arc::clone(&self.guard),
        }))
    }

    fn host_paths(&self) -> Option<SandboxPaths> {
        self.inner.host_paths()
    }
}

/// A persistent shell session under its sandbox's policy.
struct PolicySession {
    inner: Box<dyn ShellSession>,
    guard: Arc<Guard>,
}

#[async_trait]
impl ShellSession for PolicySession {
    async fn exec(
        &mut self,
        command: &str,
        options: ExecOptions,
    ) -> Result<ExecOutput, SandboxError> {
        let inner = &mut self.inner;
        self.guard
            .run(command, options, |options| inner.exec(command, options))
            .await
    }

    fn cwd(&self) -> Option<String> {
        self.inner.cwd()
    }

    fn exported_env(&self) -> Option<BTreeMap<String, String>> {
        self.inner.exported_env()
    }
}

/// The reference agent shaped by `harness`, on the simulated model `spec` from a registry the
/// simulator registered in (its ground truth goes under `records_dir`).
fn sim_agent(
    harness: Harness,
    spec: &str,
    records_dir: &Path,
) -> Result<BuiltinAgent, Box<dyn Error>> {
    let mut registry = ModelRegistry::new();
    harness_sim::register(&mut registry);
    let built = registry.build_str(spec, &BackendOptions::new().with_records_dir(records_dir))?;
    // Only the simulator, a test double, says yes: it draws its competence from the solution.
    let solution_to_model = built.provider.accepts_task_solution();
    let mut agent = BuiltinAgent::new(Arc::new(harness), built.provider, spec);
    agent.solution_to_model = solution_to_model;
    agent.redactor = built.redactor;
    Ok(agent)
}

/// A suite of five bundled tasks in `dir`, one of whose solutions first tries a download.
fn suite_with_a_download(dir: &Path) -> Result<PathBuf, Box<dyn Error>> {
    let suite = small_suite(
        dir,
        &[DOWNLOAD_TASK, "http-status-summary", "rotated-log-errors"],
        &["lighthouse-lines"],
        &["docs-whitespace-cleanup"],
    )?;
    let solve = suite.join(DOWNLOAD_TASK).join("solution/solve.sh");
    let script = std::fs::read_to_string(&solve)?;
    let at = script
        .find("# step:")
        .ok_or("the solution has no `# step:` marker")?;
    std::fs::write(
        &solve,
        format!("{}{DOWNLOAD_STEP}{}", &script[..at], &script[at..]),
    )?;
    Ok(suite)
}

/// What the run of the reference agent showed.
#[derive(Debug)]
struct RunSummary {
    /// Trials and their outcomes, by trial id.
    outcomes: BTreeMap<String, OutcomeClass>,
    /// Trials whose trace shows the agent a refusal.
    saw_refusal: Vec<String>,
}

/// Run the reference agent on every task of `suite_dir` through `LocalEvaluator`, sandboxes
/// from `provider`; jobs and traces go under `out`.
async fn run_agent(
    suite_dir: &Path,
    out: &Path,
    provider: Arc<dyn SandboxProvider>,
) -> Result<RunSummary, Box<dyn Error>> {
    let harness = Harness::load(&bundled_harness("minimal"), &KindRegistry::builtin())?;
    let agent = sim_agent(harness, MODEL, out)?;
    let suite = Suite::load(suite_dir)?;
    let tasks = suite.select(&TaskSelection::default())?;
    let cache = Arc::new(ScoreCache::open(&out.join("cache"))?);
    let job = "policy-run";
    let mut options = JobOptions::new(job);
    options.jobs = 2;
    let evaluator = LocalEvaluator::with_agent(provider, Arc::new(agent), cache, out, options)
        .with_traces(Arc::new(RunStoreFactory::default()));
    let plan = EvalPlan::repeats(None, suite.clone(), &tasks, 1, 0, job);
    let report = evaluator.evaluate(&plan, Arc::new(NoRecords)).await?;
    let outcomes = report
        .records
        .iter()
        .map(|r| (r.source.trial_id.to_string(), r.outcome))
        .collect();
    // What the agent saw: the shell tool's results in the traces.
    let store = RunStore::open_existing(out.join(job))?;
    let mut saw_refusal = Vec::new();
    for trial in store
        .list(&TrialFilter::new().splits(SplitScope::All))
        .await?
    {
        let trace = store.get(&trial.trial_id).await?;
        let refused = trace.steps.iter().any(|step| match &step.event {
            Event::ToolCall(call) => call.output.excerpt.contains(REFUSAL),
            _ => false,
        });
        if refused {
            saw_refusal.push(trial.trial_id.to_string());
        }
    }
    Ok(RunSummary {
        outcomes,
        saw_refusal,
    })
}

/// One generation of the evolution loop on `suite_dir`, every trial in sandboxes from
/// `provider`; the run directory is `run_dir`.
async fn evolve(
    suite_dir: &Path,
    run_dir: &Path,
    provider: Arc<dyn SandboxProvider>,
) -> Result<EvolveSummary, Box<dyn Error>> {
    let registry = KindRegistry::builtin();
    let seed_dir = bundled_harness("minimal");
    let seed = Harness::load(&seed_dir, &registry)?;
    let mut config = EvolveConfig::new(
        suite_dir.to_path_buf(),
        seed_dir,
        AgentConfig::builtin(MODEL),
    );
    config.generations = 1;
    config.repeats = 2;
    config.k = 2;
    // The config names a built-in backend for the record; the evaluator below is what runs.
    config.sandbox = SandboxKind::Local;
    // The evaluator, as `harness evolve` builds it, with this provider as its sandbox.
    let agent = sim_agent(seed.clone(), MODEL, run_dir)?;
    // The ledger counts the rollouts (and would enforce a budget).
    let ledger = Arc::new(BudgetLedger::open(
        run_dir,
        Budget::unlimited(),
        PriceTable::new(),
    )?);
    let mut options = JobOptions::new("evolve");
    options.jobs = config.concurrency;
    options.seed = config.seed;
    options.resume = true;
    let evaluator = LocalEvaluator::new(
        provider,
        Arc::new(BuiltinAgentFactory::new(agent)),
        Arc::new(ScoreCache::open(run_dir)?),
        jobs_dir(run_dir),
        options,
    )
    .with_traces(Arc::new(RunStoreFactory::default()))
    .with_budget(Arc::clone(&ledger));
    let evolution = Evolution::new(EvolutionParts {
        config,
        run_dir: run_dir.to_path_buf(),
        suite: Suite::load(suite_dir)?,
        seed,
        registry,
        evaluator: Arc::new(evaluator),
        miner: Arc::new(StoreMiner::new(MinerConfig::new(MineScope::default()))),
        proposer: Arc::new(CatalogProposer::builtin()?),
        gate: Arc::new(RuleGate::default_gate()),
    })?
    .with_ledger(ledger);
    Ok(evolution.run().await?)
}

/// Everything the example did.
#[derive(Debug)]
struct Summary {
    /// The run of the reference agent.
    run: RunSummary,
    /// The provider's log after the run.
    run_log: Vec<CommandRecord>,
    /// The loop's summary.
    evolved: EvolveSummary,
    /// The provider's log of the loop.
    evolve_log: Vec<CommandRecord>,
    /// The policy in force.
    policy: Policy,
}

/// Build the suite in `dir`, run the agent and the loop there on two policy providers.
async fn demonstrate(dir: &Path) -> Result<Summary, Box<dyn Error>> {
    let suite = suite_with_a_download(dir)?;
    let policy = Policy::default();
    let local: Arc<dyn SandboxProvider> = Arc::new(LocalProvider::default());

    let provider = Arc::new(PolicyProvider::new(Arc::clone(&local), policy.clone()));
    let run = run_agent(&suite, &dir.join("runs"), provider.clone()).await?;
    let run_log = provider.log();

    let provider = Arc::new(PolicyProvider::new(local, policy.clone()));
    let evolved = evolve(&suite, &dir.join("evolve"), provider.clone()).await?;
    Ok(Summary {
        run,
        run_log,
        evolved,
        evolve_log: provider.log(),
        policy,
    })
}

/// Figures of a provider's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    /// Commands the sandboxes were asked to run.
    commands: usize,
    /// Of those, refused by the policy.
    refused: usize,
    /// Of those, run by verifiers.
    verifier: usize,
    /// Sandboxes that ran anything.
    sandboxes: usize,
    /// The longest timeout a command ran under before the verifier phase.
    longest_timeout: Duration,
}

impl Counts {
    fn of(log: &[CommandRecord]) -> Self {
        let work = || log.iter().filter(|r| r.phase == Phase::Work);
        Self {
            commands: log.len(),
            refused: log
                .iter()
                .filter(|r| matches!(r.verdict, Verdict::Refused { .. }))
                .count(),
            verifier: log.len() - work().count(),
            sandboxes: log
                .iter()
                .map(|r| r.sandbox)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            longest_timeout: work().map(|r| r.timeout).max().unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} commands in {} sandboxes ({} by verifiers), {} refused, longest timeout {} s",
            self.commands,
            self.sandboxes,
            self.verifier,
            self.refused,
            self.longest_timeout.as_secs()
        )
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let summary = demonstrate(dir.path()).await?;
    let policy = &summary.policy;
    println!(
        "policy: refuse {}; at most {} commands per sandbox before the verifier; timeouts cut \
         to {} s",
        policy.forbidden.join(", "),
        policy.max_commands,
        policy.max_timeout.as_secs()
    );
    println!("harness run with the policy sandbox ({MODEL}):");
    for (trial, outcome) in &summary.run.outcomes {
        let refused = summary.run.saw_refusal.contains(trial);
        println!(
            "  {trial:<50} {outcome}{}",
            if refused { "  (saw a refusal)" } else { "" }
        );
    }
    println!("  {}", Counts::of(&summary.run_log));
    for record in &summary.run_log {
        if let Verdict::Refused { reason } = &record.verdict {
            println!(
                "    sandbox {}: `{}`: {reason}",
                record.sandbox, record.command
            );
        }
    }
    let evolved = &summary.evolved;
    println!(
        "harness evolve with the policy sandbox: {} generation(s), {} proposals, {} accepted, \
         {} rollouts, stopped: {}",
        evolved.generations,
        evolved.proposals,
        evolved.accepted_changes,
        evolved.rollouts,
        evolved.stopped
    );
    println!("  {}", Counts::of(&summary.evolve_log));
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn programs_are_found_past_wrappers_and_inside_shells() {
        assert_eq!(programs("ls -l && cat a | wc -l"), ["ls", "cat", "wc"]);
        assert_eq!(programs("FOO=1 sudo -E /usr/bin/curl -s x"), ["curl"]);
        assert_eq!(programs("timeout 5 wget x || true"), ["wget", "true"]);
        assert_eq!(
            programs("bash -c 'cd build; ssh host'"),
            ["bash", "cd", "ssh"]
        );
        assert_eq!(programs("echo $(curl x)"), ["echo", "curl"]);
        // Arguments are not programs.
        assert_eq!(programs("grep -c ssh auth.log"), ["grep"]);
    }

    #[tokio::test]
    async fn a_sandbox_refuses_forbidden_commands_and_commands_over_its_limit() {
        let policy = Policy {
            max_commands: 2,
            max_timeout: Duration::from_secs(5),
            ..Policy::default()
        };
        let provider = PolicyProvider::new(Arc::new(LocalProvider::default()), policy);
        let sandbox = provider.create(&EnvironmentSpec::default()).await.unwrap();
        let wget = sandbox
            .exec("wget -q https://example.com", ExecOptions::default())
            .await
            .unwrap();
        assert_eq!(wget.status, ExitStatus::Code(REFUSED_EXIT_CODE));
        assert!(
            wget.stderr
                .text_with_marker()
                .contains("`wget` is not allowed")
        );
        for _ in 0..2 {
            let ok = sandbox.exec("true", ExecOptions::default()).await.unwrap();
            assert!(ok.status.success());
        }
        let over = sandbox.exec("true", ExecOptions::default()).await.unwrap();
        assert!(
            over.stderr
                .text_with_marker()
                .contains("limit of 2 commands")
        );
        sandbox.enter_verifier_phase().await.unwrap();
        let verifier = sandbox.exec("true", ExecOptions::default()).await.unwrap();
        assert!(verifier.status.success());

        let log = provider.log();
        let verdicts: Vec<bool> = log
            .iter()
            .map(|r| matches!(r.verdict, Verdict::Refused { .. }))
            .collect();
        assert_eq!(verdicts, [true, false, false, true, false]);
        assert_eq!(log[4].phase, Phase::Verifier);
        // The 60 s the caller asked for was cut to the policy's 5 s.
        assert!(log[..4].iter().all(|r| r.timeout == Duration::from_secs(5)));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_agent_and_the_loop_run_under_the_policy() {
        let dir = tempfile::tempdir().unwrap();
        let summary = demonstrate(dir.path()).await.unwrap();

        // The run: five trials, each in its own sandbox, every one verified.
        let run = &summary.run;
        assert_eq!(run.outcomes.len(), 5, "{run:#?}");
        assert!(
            run.outcomes.values().all(|o| !o.is_excluded_from_score()),
            "{run:#?}"
        );
        let log = &summary.run_log;
        let counts = Counts::of(log);
        assert_eq!(counts.sandboxes, 5);
        assert_eq!(counts.refused, 1, "{log:#?}");
        assert!(counts.longest_timeout <= summary.policy.max_timeout);
        for sandbox in 0..counts.sandboxes {
            let of = |phase| {
                log.iter()
                    .filter(|r| r.sandbox == sandbox && r.phase == phase)
                    .count()
            };
            assert!(of(Phase::Work) > 0 && of(Phase::Verifier) > 0, "{log:#?}");
            assert!(of(Phase::Work) <= summary.policy.max_commands + 1);
        }
        // The download was refused, never run, and the agent saw why.
        let downloads: Vec<&CommandRecord> =
            log.iter().filter(|r| r.command.contains("curl ")).collect();
        assert!(!downloads.is_empty(), "{log:#?}");
        assert!(downloads.iter().all(
            |r| matches!(&r.verdict, Verdict::Refused { reason } if reason.contains("`curl`"))
        ));
        assert!(
            log.iter()
                .filter(|r| matches!(r.verdict, Verdict::Refused { .. }))
                .all(|r| r.command.contains("curl ")),
            "only the downloads are refused"
        );
        assert_eq!(run.saw_refusal.len(), 1, "{run:#?}");
        assert!(run.saw_refusal[0].contains(DOWNLOAD_TASK));

        // The loop: one generation completed, its trials in the policy's sandboxes.
        let evolved = &summary.evolved;
        assert_eq!(evolved.generations, 1, "{evolved:#?}");
        assert!(evolved.rollouts > 0);
        assert!(evolved.seed.test.is_some() && evolved.evolved.test.is_some());
        assert!(dir.path().join("evolve/summary.json").is_file());
        let counts = Counts::of(&summary.evolve_log);
        assert!(counts.sandboxes as u64 >= evolved.rollouts, "{evolved:#?}");
        assert!(counts.verifier >= counts.sandboxes && counts.refused > 0);
    }
}
