//! Who ran a trial: the agent, the model and the verifier, as a trial key names them.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An agent implementation: its registered name and version. Two versions of one agent may
/// score differently, so both are part of a trial's key.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[non_exhaustive]
pub struct AgentId {
    /// Name, e.g. `builtin`, `oracle`.
    pub name: String,
    /// Version, e.g. the crate version.
    pub version: String,
}

impl AgentId {
    /// An agent id.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
        }
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}

/// A model as a run names it: the model spec without credentials or endpoints, e.g.
/// `openai:gpt-4o-mini` or `sim:PROFILE`. Endpoints (base URLs, ports) are incidental and
/// stay out, so that moving a server does not invalidate scores.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct ModelId(String);

impl ModelId {
    /// The id of a model spec.
    pub fn new(spec: impl Into<String>) -> Self {
        Self(spec.into())
    }

    /// The id of trials that ran no model (the oracle, scripted agents).
    pub fn none() -> Self {
        Self("none".to_owned())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The code that turns a task's tests into a reward: its name and a version that changes
/// whenever the way a reward is read or classified changes. The tests themselves are part of
/// the task checksum.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[non_exhaustive]
pub struct VerifierId {
    /// Name, e.g. `harbor`.
    pub name: String,
    /// Version of the reward reading and classification rules.
    pub version: String,
}

impl VerifierId {
    /// A verifier id.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
        }
    }
}

impl fmt::Display for VerifierId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}
