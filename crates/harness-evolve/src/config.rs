//! The evolution config: one YAML file (JSON Schema: `docs/schema/evolve-config.schema.json`).
//! Unknown fields are errors naming the file and the field; relative paths are relative to
//! the config file's folder.

use std::path::{Path, PathBuf};

use harness_gate::RuleSpec;
use harness_proposer::EditBudget;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::EvolveError;

/// Everything a run needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct EvolveConfig {
    /// The suite folder (Harbor tasks with a `suite.yaml` assigning splits).
    pub suite: PathBuf,
    /// The seed harness folder.
    pub seed_harness: PathBuf,
    /// The agent and its model.
    pub agent: AgentConfig,
    /// The proposer.
    #[serde(default)]
    pub proposer: ProposerConfig,
    /// The promotion gate.
    #[serde(default)]
    pub gate: GateConfig,
    /// Repeats per task in the full evaluation of held-in and validation (and of the sealed
    /// test split).
    #[serde(default = "default_repeats")]
    pub repeats: u32,
    /// Proposals per generation.
    #[serde(default = "default_k")]
    pub k: usize,
    /// Most generations.
    #[serde(default = "default_generations")]
    pub generations: u32,
    /// Stop after this many generations in a row without an accepted change.
    #[serde(default = "default_patience")]
    pub patience: u32,
    /// Trials run at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Sandbox backend: `auto`, `local` or `bwrap`.
    #[serde(default)]
    pub sandbox: SandboxKind,
    /// Budgets.
    #[serde(default)]
    pub budget: BudgetConfig,
    /// Seed of every trial seed.
    #[serde(default)]
    pub seed: u64,
    /// Our protocol (cache, cascade, sequential stop) or the plain baseline protocol.
    #[serde(default)]
    pub protocol: Protocol,
    /// The cascade's stages.
    #[serde(default)]
    pub cascade: CascadeConfig,
}

fn default_repeats() -> u32 {
    3
}
fn default_k() -> usize {
    3
}
fn default_generations() -> u32 {
    5
}
fn default_patience() -> u32 {
    2
}
fn default_concurrency() -> usize {
    2
}

/// The agent under evolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AgentConfig {
    /// The agent factory (`builtin`: the reference agent shaped by the harness).
    #[serde(default = "default_agent")]
    pub kind: String,
    /// The model spec (`openai:MODEL`, `sim:PROFILE`, or a scheme the embedding program
    /// registered).
    pub model: String,
    /// Base URL of an OpenAI-compatible server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Environment variable holding the API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
}

fn default_agent() -> String {
    "builtin".to_owned()
}

impl AgentConfig {
    /// The reference agent on `model`.
    pub fn builtin(model: impl Into<String>) -> Self {
        Self {
            kind: default_agent(),
            model: model.into(),
            base_url: None,
            api_key_env: None,
        }
    }
}

/// Which proposer, and its model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ProposerConfig {
    /// `catalog` (default, no model) or `llm`.
    #[serde(default)]
    pub kind: ProposerKind,
    /// A catalog file extending the shipped one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<PathBuf>,
    /// The LLM proposer's model (default: the agent's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// A stronger model the LLM proposer may consult.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisor: Option<String>,
    /// The edit budget of one proposal.
    #[serde(default)]
    pub edit_budget: EditBudget,
}

/// The proposers a config can name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposerKind {
    /// The catalog of remedies.
    #[default]
    Catalog,
    /// The tool-using model proposer.
    Llm,
}

/// The gate's rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct GateConfig {
    /// The rule tree (default: no split worse and one better, at most one task regressed,
    /// one-sided exact sign test at alpha 0.1).
    #[serde(default)]
    pub rules: RuleSpec,
}

/// Sandbox backends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SandboxKind {
    /// bwrap where it works, else local.
    #[default]
    Auto,
    /// Plain processes (hygiene, no isolation).
    Local,
    /// bubblewrap namespaces.
    Bwrap,
}

/// Budgets, charged centrally through the run's ledger.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BudgetConfig {
    /// Most trials (rollouts), the final sealed evaluation included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollouts: Option<u64>,
    /// Most model tokens (agent, proposer and advisor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<u64>,
    /// Most dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd: Option<f64>,
    /// Most seconds of trial time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_sec: Option<f64>,
}

/// How candidates are evaluated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// The evaluation cache, the cascade and the gate's sequential stop.
    #[default]
    Ours,
    /// The plain Self-Harness protocol: every candidate fully evaluated on both splits, the
    /// parent re-evaluated every generation; rollouts counted as if nothing were cached.
    Baseline,
}

/// The cascade's stages before the full evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct CascadeConfig {
    /// Most failed cells of the target cluster re-run in the smoke stage.
    pub smoke_cells: usize,
}

impl Default for CascadeConfig {
    fn default() -> Self {
        Self { smoke_cells: 6 }
    }
}

impl EvolveConfig {
    /// A config with every default: `suite`, `seed_harness` and the agent's model given.
    pub fn new(suite: PathBuf, seed_harness: PathBuf, agent: AgentConfig) -> Self {
        Self {
            suite,
            seed_harness,
            agent,
            proposer: ProposerConfig::default(),
            gate: GateConfig::default(),
            repeats: default_repeats(),
            k: default_k(),
            generations: default_generations(),
            patience: default_patience(),
            concurrency: default_concurrency(),
            sandbox: SandboxKind::default(),
            budget: BudgetConfig::default(),
            seed: 0,
            protocol: Protocol::default(),
            cascade: CascadeConfig::default(),
        }
    }

    /// Read a config file; relative paths become relative to its folder.
    pub fn load(path: &Path) -> Result<Self, EvolveError> {
        let file = path.display().to_string();
        let text = harness_core::read_config(path).map_err(|e| EvolveError::io(path, e))?;
        let mut config = Self::parse(&file, &text)?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.resolve_paths(base);
        Ok(config)
    }

    /// Parse config text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, EvolveError> {
        let config: EvolveConfig = harness_core::parse_config(file, text).map_err(|d| {
            let at = match (d.line, d.column) {
                (Some(line), Some(column)) => format!(" (line {line}, column {column})"),
                _ => String::new(),
            };
            EvolveError::Config {
                file: file.to_owned(),
                field: d.field.clone(),
                message: format!("{}{at}", d.message),
            }
        })?;
        config.validate(file)?;
        Ok(config)
    }

    fn validate(&self, file: &str) -> Result<(), EvolveError> {
        let bad = |field: &str, message: &str| EvolveError::Config {
            file: file.to_owned(),
            field: field.to_owned(),
            message: message.to_owned(),
        };
        if self.repeats == 0 {
            return Err(bad("repeats", "at least 1"));
        }
        if self.k == 0 {
            return Err(bad("k", "at least 1 proposal per generation"));
        }
        if self.concurrency == 0 {
            return Err(bad("concurrency", "at least 1"));
        }
        if self.patience == 0 {
            return Err(bad("patience", "at least 1"));
        }
        if self.agent.model.trim().is_empty() {
            return Err(bad(
                "agent.model",
                "name a model (`openai:MODEL`, `sim:PROFILE`)",
            ));
        }
        if self.agent.kind != "builtin" {
            return Err(bad(
                "agent.kind",
                "only `builtin` can be named in a config; embed the loop to bring your own agent",
            ));
        }
        self.gate.rules.build().map_err(|e| match e {
            harness_gate::GateError::BadConfig { field, message } => EvolveError::Config {
                file: file.to_owned(),
                field: format!("gate.rules.{field}"),
                message,
            },
            other => bad("gate.rules", &other.to_string()),
        })?;
        Ok(())
    }

    /// Make relative paths relative to `base`.
    pub fn resolve_paths(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut self.suite);
        fix(&mut self.seed_harness);
        if let Some(catalog) = &mut self.proposer.catalog {
            fix(catalog);
        }
    }

    /// The JSON Schema of the config.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(EvolveConfig)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_in_and_unknown_fields_are_named() {
        let config = EvolveConfig::parse(
            "evolve.yaml",
            "suite: s\nseed_harness: h\nagent:\n  model: openai:m\n",
        )
        .unwrap();
        assert_eq!((config.repeats, config.k, config.generations), (3, 3, 5));
        assert_eq!(config.protocol, Protocol::Ours);
        assert_eq!(config.proposer.kind, ProposerKind::Catalog);
        let err = EvolveConfig::parse(
            "evolve.yaml",
            "suite: s\nseed_harness: h\nagent:\n  model: m\nbudget:\n  rollout: 5\n",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("evolve.yaml: budget"), "{text}");
        assert!(text.contains("rollout"), "{text}");
        let err = EvolveConfig::parse(
            "evolve.yaml",
            "suite: s\nseed_harness: h\nagent:\n  model: m\nrepeats: 0\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("repeats"), "{err}");
    }

    #[test]
    fn a_gate_may_not_name_the_test_split() {
        let err = EvolveConfig::parse(
            "evolve.yaml",
            "suite: s\nseed_harness: h\nagent:\n  model: m\ngate:\n  rules:\n    rule: self_harness\n    splits: [test]\n",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("gate.rules"), "{text}");
        assert!(text.contains("sealed"), "{text}");
    }

    #[test]
    fn relative_paths_follow_the_config_file() {
        let mut config = EvolveConfig::parse(
            "evolve.yaml",
            "suite: suites/a\nseed_harness: /abs/h\nagent:\n  model: m\nproposer:\n  catalog: c.yaml\n",
        )
        .unwrap();
        config.resolve_paths(Path::new("/base"));
        assert_eq!(config.suite, Path::new("/base/suites/a"));
        assert_eq!(config.seed_harness, Path::new("/abs/h"));
        assert_eq!(
            config.proposer.catalog.as_deref(),
            Some(Path::new("/base/c.yaml"))
        );
    }
}
