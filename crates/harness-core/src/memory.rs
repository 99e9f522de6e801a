//! Long-term memory: markdown notes (`memory/*.md`) and structured hints
//! (`memory/hints.yaml`, `trigger -> advice`).

use serde::{Deserialize, Serialize};

/// Path of the structured hints file.
pub const HINTS_FILE: &str = "memory/hints.yaml";

/// The `memory/hints.yaml` file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HintsFile {
    /// The hints, in order.
    #[serde(default)]
    pub hints: Vec<Hint>,
}

/// One structured hint: when `trigger` holds, the agent is given `advice`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    /// Unique id, used in traces.
    pub id: String,
    /// When the hint applies.
    pub trigger: HintTrigger,
    /// What to do, in words.
    pub advice: String,
    /// A machine-readable form of the advice: use `to` where `from` would be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substitute: Option<Substitution>,
}

/// When a hint applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum HintTrigger {
    /// Always: the hint is part of the starting context.
    Always,
    /// A tool's output after an error matches the pattern.
    ToolError {
        /// Regular expression.
        pattern: String,
    },
    /// A command about to run matches the pattern.
    Command {
        /// Regular expression.
        pattern: String,
    },
    /// The task instruction matches the pattern.
    Task {
        /// Regular expression.
        pattern: String,
    },
}

/// "Use `to` instead of `from`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Substitution {
    /// What not to use (a command word or phrase).
    pub from: String,
    /// What to use instead; empty to drop `from` (e.g. `sudo `).
    pub to: String,
}

/// The memory component: notes by path and the structured hints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memory {
    /// Markdown notes, by path (`memory/*.md`).
    pub notes: std::collections::BTreeMap<crate::HarnessPath, String>,
    /// Structured hints from `memory/hints.yaml` (empty without the file).
    pub hints: Vec<Hint>,
}
