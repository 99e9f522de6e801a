//! Which split a task belongs to: what the optimizer may see, what the gate checks, what stays
//! sealed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Which split a trial's task belongs to (the same names as the task suites use).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Seen by the optimizer.
    HeldIn,
    /// Used by the promotion gate.
    Validation,
    /// Sealed; reported only.
    Test,
    /// The suite assigns no splits.
    Unassigned,
}

impl Split {
    /// The three splits a suite assigns, in order.
    pub const ASSIGNED: [Split; 3] = [Split::HeldIn, Split::Validation, Split::Test];

    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Split::HeldIn => "held_in",
            Split::Validation => "validation",
            Split::Test => "test",
            Split::Unassigned => "unassigned",
        }
    }

    /// Parse a snake_case name.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Split::HeldIn,
            Split::Validation,
            Split::Test,
            Split::Unassigned,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lenient parsing for command lines and files: case-insensitive, `-` for `_`, and the short
/// forms `heldin`, `val`, `none`.
impl std::str::FromStr for Split {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "held_in" | "heldin" => Ok(Split::HeldIn),
            "validation" | "val" => Ok(Split::Validation),
            "test" => Ok(Split::Test),
            "unassigned" | "none" => Ok(Split::Unassigned),
            other => Err(format!(
                "unknown split `{other}` (expected held_in, validation, test or unassigned)"
            )),
        }
    }
}
