//! `--agent builtin`: the reference agent, shaped by `--harness` and driven by `--model`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use harness_agent::agent::{BuiltinAgent, TraceStoreRecall};
use harness_agent::model::openai::{OpenAiClient, OpenAiConfig};
use harness_agent::{ModelClient, ModelProvider, SharedClientProvider};
use harness_core::{Harness, KindRegistry};
use harness_sim::{Profile, SimProvider};
use harness_tasks::Agent;
use harness_trace::RunStore;

/// Options of the reference agent on the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct BuiltinAgentArgs {
    /// Harness directory (with `--agent builtin`).
    #[arg(long)]
    pub harness: Option<PathBuf>,
    /// Model: `openai:MODEL` (any OpenAI-compatible chat completions server) or
    /// `sim:PROFILE` (the simulated model, offline: a shipped profile name or a profile
    /// YAML file; see `harness sim profiles`).
    #[arg(long)]
    pub model: Option<String>,
    /// Base URL of the chat completions server (with `openai:`). A password in it
    /// (`http://user:PASSWORD@host/v1`) or a key parameter (`?key=`, `?api_key=`, ...) is sent
    /// but never written: files, traces and messages show `[REDACTED]`.
    #[arg(long, default_value = "http://127.0.0.1:8000/v1")]
    pub base_url: String,
    /// Name of the environment variable holding the API key (with `openai:`); none sends no key.
    #[arg(long)]
    pub api_key_env: Option<String>,
    /// Earlier run directory whose traces `similar_failure_recall` consults.
    #[arg(long)]
    pub recall: Option<PathBuf>,
}

/// Folder of a run directory holding the simulated model's ground truth, one file per trial.
pub const SIM_GROUND_TRUTH_DIR: &str = "sim-ground-truth";

/// Why the agent could not be built: bad input (exit 2) with the message to print.
pub struct AgentSetupError(pub String);

/// Build the reference agent; the simulator keeps its ground truth under `run_dir`.
pub fn build(args: &BuiltinAgentArgs, run_dir: &Path) -> Result<Arc<dyn Agent>, AgentSetupError> {
    let dir = args
        .harness
        .as_ref()
        .ok_or_else(|| AgentSetupError("--agent builtin needs --harness DIR".into()))?;
    let harness = Harness::load(dir, &KindRegistry::builtin()).map_err(|e| {
        let mut text = String::new();
        match &e {
            harness_core::CoreError::Invalid { diagnostics } => {
                for d in diagnostics {
                    let mut d = d.clone();
                    d.file = dir.join(&d.file).display().to_string();
                    text.push_str(&format!("{d}\n"));
                }
            }
            other => text.push_str(&other.to_string()),
        }
        AgentSetupError(text.trim_end().to_owned())
    })?;
    let spec = args
        .model
        .as_deref()
        .ok_or_else(|| AgentSetupError("--agent builtin needs --model PROVIDER:MODEL".into()))?;
    let (provider, model) = spec.split_once(':').ok_or_else(|| {
        AgentSetupError(format!(
            "--model `{spec}`: expected PROVIDER:MODEL, e.g. openai:gpt-4o-mini"
        ))
    })?;
    let mut solution_to_model = false;
    let mut redactor = harness_trace::Redactor::new();
    let models: Arc<dyn ModelProvider> = match provider {
        "sim" => {
            let profile = Profile::resolve(model)
                .map_err(|e| AgentSetupError(format!("--model {spec}: {e}")))?;
            // The simulator's competence is the task's solution, handed over out of band;
            // its ground truth stays beside the traces, never in them.
            solution_to_model = true;
            Arc::new(
                SimProvider::new(profile).with_ground_truth(run_dir.join(SIM_GROUND_TRUTH_DIR)),
            )
        }
        "openai" => {
            let mut config = OpenAiConfig::new(args.base_url.clone(), model);
            if let Some(env) = &args.api_key_env {
                config = config.with_api_key_env(env.clone());
            }
            let client = OpenAiClient::new(config)
                .map_err(|e| AgentSetupError(format!("--model {spec}: {e}")))?;
            redactor = client.redactor().clone();
            let client: Arc<dyn ModelClient> = Arc::new(client);
            Arc::new(SharedClientProvider::new(client))
        }
        other => {
            return Err(AgentSetupError(format!(
                "--model `{spec}`: unknown provider `{other}` (known: openai, sim)"
            )));
        }
    };
    let mut agent = BuiltinAgent::new(Arc::new(harness), models, spec);
    agent.solution_to_model = solution_to_model;
    agent.redactor = redactor;
    if let Some(dir) = &args.recall {
        let store = RunStore::open_existing(dir)
            .map_err(|e| AgentSetupError(format!("--recall {}: {e}", dir.display())))?;
        agent.recall = Some(Arc::new(TraceStoreRecall::new(Arc::new(store))));
    }
    Ok(Arc::new(agent))
}
