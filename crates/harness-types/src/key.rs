//! [`TrialKey`]: everything that decides a trial's score, and nothing incidental. The
//! evaluation cache and the score records are keyed by it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::hash::{ContentHash, TaskChecksum};
use crate::identity::{AgentId, ModelId, VerifierId};

/// The identity of one trial's evaluation: the same key means the same experiment, so a
/// score recorded under it may be reused. Ports, temporary paths, job names and concurrency
/// are not part of it.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[non_exhaustive]
pub struct TrialKey {
    /// Content hash of the harness the agent ran (for agents without a harness,
    /// [`TrialKey::no_harness`]).
    pub harness_hash: ContentHash,
    /// Task id within its suite.
    pub task_id: String,
    /// Checksum of the task's files (instruction, environment, tests).
    pub task_checksum: TaskChecksum,
    /// The agent implementation.
    pub agent: AgentId,
    /// The model.
    pub model: ModelId,
    /// The verifier rules.
    pub verifier: VerifierId,
    /// The trial's seed.
    pub seed: u64,
    /// Repeat index, from 0.
    pub repeat: u32,
}

/// The task side of a key: id and checksum.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskRef {
    /// Task id.
    pub id: String,
    /// Task checksum.
    pub checksum: TaskChecksum,
}

impl TaskRef {
    /// A task reference.
    pub fn new(id: impl Into<String>, checksum: TaskChecksum) -> Self {
        Self {
            id: id.into(),
            checksum,
        }
    }
}

impl TrialKey {
    /// A key.
    pub fn new(
        harness_hash: ContentHash,
        task: TaskRef,
        agent: AgentId,
        model: ModelId,
        verifier: VerifierId,
        seed: u64,
        repeat: u32,
    ) -> Self {
        Self {
            harness_hash,
            task_id: task.id,
            task_checksum: task.checksum,
            agent,
            model,
            verifier,
            seed,
            repeat,
        }
    }

    /// What [`TrialKey::harness_hash`] holds for agents that run no harness (the oracle, a
    /// scripted agent): the hash of an empty file list.
    pub fn no_harness() -> ContentHash {
        ContentHash::of_files([])
    }

    /// The key as one digest: sha256 over its fields, each framed with its length, in
    /// declaration order. Stable across releases (pinned by a golden test); use it as the
    /// cache's primary key.
    pub fn digest(&self) -> ContentHash {
        let mut hasher = Sha256::new();
        let mut field = |bytes: &[u8]| {
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        };
        field(b"trial-key/1");
        field(self.harness_hash.as_bytes());
        field(self.task_id.as_bytes());
        field(self.task_checksum.as_str().as_bytes());
        field(self.agent.name.as_bytes());
        field(self.agent.version.as_bytes());
        field(self.model.as_str().as_bytes());
        field(self.verifier.name.as_bytes());
        field(self.verifier.version.as_bytes());
        field(&self.seed.to_le_bytes());
        field(&self.repeat.to_le_bytes());
        ContentHash::from_digest(hasher.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> TrialKey {
        TrialKey::new(
            ContentHash::of_bytes(b"harness"),
            TaskRef::new("fix-git", TaskChecksum::new("ab".repeat(32)).unwrap()),
            AgentId::new("builtin", "0.1.0"),
            ModelId::new("openai:gpt-4o-mini"),
            VerifierId::new("harbor", "1"),
            42,
            0,
        )
    }

    /// Golden value: a change to the digest's framing invalidates every cache; it must be
    /// deliberate.
    #[test]
    fn golden_digest() {
        assert_eq!(
            key().digest().to_hex(),
            "363fca4952436ac7f9c7d8c3a2980a45bcf6e0e7f8b842f97ca9fa46a165d0af"
        );
    }

    #[test]
    fn every_field_changes_the_digest() {
        let base = key().digest();
        let mut k = key();
        k.repeat = 1;
        assert_ne!(k.digest(), base);
        let mut k = key();
        k.seed = 43;
        assert_ne!(k.digest(), base);
        let mut k = key();
        k.task_id = "fix-gi".into();
        assert_ne!(k.digest(), base);
        let mut k = key();
        k.agent.version = "0.1.1".into();
        assert_ne!(k.digest(), base);
        let mut k = key();
        k.model = ModelId::new("sim:careful");
        assert_ne!(k.digest(), base);
        let mut k = key();
        k.verifier.version = "2".into();
        assert_ne!(k.digest(), base);
        // Framing: moving a character between adjacent fields changes the digest.
        let mut k = key();
        k.agent = AgentId::new("builtin0", ".1.0");
        assert_ne!(k.digest(), base);
    }

    #[test]
    fn serde_round_trip() {
        let k = key();
        let text = serde_json::to_string(&k).unwrap();
        assert_eq!(serde_json::from_str::<TrialKey>(&text).unwrap(), k);
    }
}
