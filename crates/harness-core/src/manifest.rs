//! `harness.yaml`: identity, model settings, limits and declared surfaces.

use serde::{Deserialize, Serialize};

use crate::path::HarnessPath;
use crate::surface::Surfaces;

/// The only schema version this crate reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// The root file of a harness, `harness.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HarnessManifest {
    /// Format version; must be 1.
    pub schema_version: u32,
    /// Short name of the harness (letters, digits, `-`, `_`, `.`).
    pub name: String,
    /// What this harness is for.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Path of the system prompt template.
    #[serde(default = "default_system_prompt")]
    pub system_prompt: HarnessPath,
    /// Sampling settings passed to the model.
    #[serde(default)]
    pub model: ModelSettings,
    /// Budgets the agent runs under.
    #[serde(default)]
    pub limits: Limits,
    /// What an optimizer may edit and what is read-only.
    #[serde(default)]
    pub surfaces: Surfaces,
}

/// `prompts/system.md`, the default system prompt path.
pub fn default_system_prompt() -> HarnessPath {
    HarnessPath::trusted("prompts/system.md")
}

/// Model sampling settings; defined with the shared vocabulary so that the model layer can
/// use them without this crate.
pub use harness_types::ModelSettings;

/// Budgets for one trial. Every limit must be positive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Most model turns.
    #[serde(default = "default_max_turns")]
    pub max_turns: u32,
    /// Most tool calls over the whole trial.
    #[serde(default = "default_max_tool_calls")]
    pub max_tool_calls: u32,
    /// Wall-clock budget in seconds.
    #[serde(default = "default_wall_time_sec")]
    pub wall_time_sec: u64,
    /// Total tokens (input plus output) over the whole trial.
    #[serde(default = "default_token_budget")]
    pub token_budget: u64,
    /// Context window of the model, in tokens.
    #[serde(default = "default_context_window")]
    pub context_window: u64,
}

fn default_max_turns() -> u32 {
    40
}
fn default_max_tool_calls() -> u32 {
    80
}
fn default_wall_time_sec() -> u64 {
    900
}
fn default_token_budget() -> u64 {
    2_000_000
}
fn default_context_window() -> u64 {
    128_000
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_turns: default_max_turns(),
            max_tool_calls: default_max_tool_calls(),
            wall_time_sec: default_wall_time_sec(),
            token_budget: default_token_budget(),
            context_window: default_context_window(),
        }
    }
}
