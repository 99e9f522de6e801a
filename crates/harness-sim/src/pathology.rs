//! The named pathologies, modelled on failures reported for real models.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One named failure behaviour. See `docs/sim.md` for triggers, remedies and bad remedies.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Pathology {
    /// Many exploratory reads before acting; runs out of turns unless redirected.
    OverExplore,
    /// A plausible wrong variant of a step fails and is repeated identically.
    BlindRetry,
    /// `cd`/`export` in one shell call, relied on in the next.
    EnvAmnesia,
    /// Calls finish right after a change, before the last steps.
    PrematureFinish,
    /// Dumps files whole and overflows its context window.
    OutputFlood,
    /// Calls a tool with malformed arguments until told the right usage.
    ToolMisuse,
    /// Uses commands the environment lacks until a memory hint names the replacement.
    EnvFactBlindness,
}

impl Pathology {
    /// Every pathology, in a fixed order (the order of draws).
    pub const ALL: [Pathology; 7] = [
        Pathology::OverExplore,
        Pathology::BlindRetry,
        Pathology::EnvAmnesia,
        Pathology::PrematureFinish,
        Pathology::OutputFlood,
        Pathology::ToolMisuse,
        Pathology::EnvFactBlindness,
    ];

    /// The snake_case name used in profiles and ground truth.
    pub fn name(self) -> &'static str {
        match self {
            Pathology::OverExplore => "over_explore",
            Pathology::BlindRetry => "blind_retry",
            Pathology::EnvAmnesia => "env_amnesia",
            Pathology::PrematureFinish => "premature_finish",
            Pathology::OutputFlood => "output_flood",
            Pathology::ToolMisuse => "tool_misuse",
            Pathology::EnvFactBlindness => "env_fact_blindness",
        }
    }
}

impl std::fmt::Display for Pathology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
