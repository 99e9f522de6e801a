//! `--agent builtin`: the reference agent, shaped by `--harness` and driven by `--model`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use harness_agent::agent::{BuiltinAgent, TraceStoreRecall};
use harness_core::{Harness, KindRegistry};
use harness_model::openai::DEFAULT_BASE_URL;
use harness_model::{BackendOptions, ModelRegistry, RetryBudget};
use harness_tasks::Agent;
use harness_trace::RunStore;

/// Options of the reference agent on the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct BuiltinAgentArgs {
    /// Harness (with `--agent builtin`): a directory, or a version of a run's lineage as
    /// `RUN@REV` or `lineage:RUN:REV` (REV: `main`, `candidates/<generation>/<id>`, or a
    /// commit id), for running an evolved harness on another suite or model.
    #[arg(long)]
    pub harness: Option<PathBuf>,
    /// Model: `openai:MODEL` (any OpenAI-compatible chat completions server) or
    /// `sim:PROFILE` (the simulated model, offline: a shipped profile name or a profile
    /// YAML file; see `harness sim profiles`).
    #[arg(long)]
    pub model: Option<String>,
    /// Base URL of the chat completions server (with `openai:`). A password in it
    /// (`http://user:PASSWORD@host/v1`) or a key parameter (`?key=`, `?api_key=`, ...) is sent
    /// but never written: files, traces and messages show `[REDACTED]`. https servers are
    /// verified against Mozilla's root certificates and any `--ca-cert`.
    #[arg(long, default_value = DEFAULT_BASE_URL)]
    pub base_url: String,
    /// Name of the environment variable holding the API key (with `openai:`); none sends no key.
    #[arg(long)]
    pub api_key_env: Option<String>,
    /// PEM file of a further root certificate to trust for https (a private certificate
    /// authority, a local server's self-signed certificate); repeatable.
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_certs: Vec<PathBuf>,
    /// Earlier run directory whose traces `similar_failure_recall` consults.
    #[arg(long)]
    pub recall: Option<PathBuf>,
}

/// Why the agent could not be built: bad input (exit 2) with the message to print.
pub struct AgentSetupError(pub String);

/// The model backends the command line knows: the shipped ones and the simulator.
pub fn model_registry() -> ModelRegistry {
    let mut registry = ModelRegistry::new();
    harness_sim::register(&mut registry);
    registry
}

/// How to reach a model server.
#[derive(Debug, Clone, Default)]
pub struct ModelOptions {
    /// Base URL of an OpenAI-compatible server.
    pub base_url: Option<String>,
    /// Environment variable holding the API key.
    pub api_key_env: Option<String>,
    /// Further root certificates.
    pub ca_certs: Vec<PathBuf>,
}

impl ModelOptions {
    /// Backend options for these settings; records (the simulator's ground truth) go under
    /// `run_dir`.
    pub fn backend(&self, run_dir: &Path) -> BackendOptions {
        let mut options = BackendOptions::new()
            .with_base_url(
                self.base_url
                    .clone()
                    .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
            )
            // The run directory: backend records (the simulator's ground truth) stay beside
            // the traces, never in them.
            .with_records_dir(run_dir)
            // One budget for the job: its concurrent trials share one pool of retries.
            .with_retry_budget(Arc::new(RetryBudget::default()));
        if let Some(env) = &self.api_key_env {
            options = options.with_api_key_env(env.clone());
        }
        for cert in &self.ca_certs {
            options = options.with_extra_root_certificate(cert.clone());
        }
        options
    }
}

/// The reference agent for `harness` on model `spec`: the template the loop's agent factory
/// copies for every candidate harness.
pub fn template(
    harness: Harness,
    spec: &str,
    model: &ModelOptions,
    run_dir: &Path,
) -> Result<BuiltinAgent, AgentSetupError> {
    let built = model_registry()
        .build_str(spec, &model.backend(run_dir))
        .map_err(|e| AgentSetupError(format!("--model: {e}")))?;
    // Only a provider that declares it (the simulator, a test double) is handed the task's
    // solution as knowledge.
    let solution_to_model = built.provider.accepts_task_solution();
    let mut agent = BuiltinAgent::new(Arc::new(harness), built.provider, spec);
    agent.solution_to_model = solution_to_model;
    agent.redactor = built.redactor;
    Ok(agent)
}

/// Load `--harness`: a directory, or `RUN@REV` / `lineage:RUN:REV`, a version of a run's
/// lineage. An existing directory wins, so a folder whose name holds `@` still loads.
pub fn load_harness(arg: &Path) -> Result<Harness, AgentSetupError> {
    let registry = KindRegistry::builtin();
    let text = arg.to_string_lossy();
    let lineage_ref =
        if arg.is_dir() {
            None
        } else if let Some(rest) = text.strip_prefix("lineage:") {
            Some(rest.rsplit_once(':').ok_or_else(|| {
                AgentSetupError(format!("--harness {text}: give lineage:RUN:REV"))
            })?)
        } else {
            text.rsplit_once('@')
        };
    let Some((run, rev)) = lineage_ref else {
        return Harness::load(arg, &registry).map_err(|e| {
            let mut text = String::new();
            match &e {
                harness_core::CoreError::Invalid { diagnostics } => {
                    for d in diagnostics {
                        let mut d = d.clone();
                        d.file = arg.join(&d.file).display().to_string();
                        text.push_str(&format!("{d}\n"));
                    }
                }
                other => text.push_str(&other.to_string()),
            }
            AgentSetupError(text.trim_end().to_owned())
        });
    };
    let run = Path::new(run);
    let lineage = harness_lineage::Lineage::open(run)
        .map_err(|e| AgentSetupError(format!("--harness {text}: {e}")))?;
    let version = lineage
        .resolve(rev)
        .map_err(|e| AgentSetupError(format!("--harness {text}: {e}")))?;
    lineage
        .harness(&version, &registry)
        .map_err(|e| AgentSetupError(format!("--harness {text}: {e}")))
}

/// Build the reference agent; backend records (the simulator's ground truth) go under
/// `run_dir`.
pub fn build(args: &BuiltinAgentArgs, run_dir: &Path) -> Result<Arc<dyn Agent>, AgentSetupError> {
    let dir = args
        .harness
        .as_ref()
        .ok_or_else(|| AgentSetupError("--agent builtin needs --harness DIR".into()))?;
    let harness = load_harness(dir)?;
    let spec = args
        .model
        .as_deref()
        .ok_or_else(|| AgentSetupError("--agent builtin needs --model PROVIDER:MODEL".into()))?;
    let mut agent = template(
        harness,
        spec,
        &ModelOptions {
            base_url: Some(args.base_url.clone()),
            api_key_env: args.api_key_env.clone(),
            ca_certs: args.ca_certs.clone(),
        },
        run_dir,
    )?;
    if let Some(dir) = &args.recall {
        let store = RunStore::open_existing(dir)
            .map_err(|e| AgentSetupError(format!("--recall {}: {e}", dir.display())))?;
        agent.recall = Some(Arc::new(TraceStoreRecall::new(Arc::new(store))));
    }
    Ok(Arc::new(agent))
}
