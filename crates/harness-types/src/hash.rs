//! Content hashes (sha256) over canonical bytes: cache keys and version ids; and
//! [`TaskChecksum`], the hash of a task's files.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A sha256 digest, shown and serialized as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContentHash([u8; 32]);

impl ContentHash {
    /// Hash of a sequence of `(path, content)` pairs. Each pair is framed with its lengths, so
    /// no two different sequences hash alike by concatenation.
    pub fn of_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut hasher = Sha256::new();
        for (path, content) in files {
            hasher.update((path.len() as u64).to_le_bytes());
            hasher.update(path.as_bytes());
            hasher.update((content.len() as u64).to_le_bytes());
            hasher.update(content.as_bytes());
        }
        Self(hasher.finalize().into())
    }

    /// Hash of raw bytes.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// The digest as hex.
    pub fn to_hex(&self) -> String {
        crate::hex::encode(&self.0)
    }

    /// The hash with these digest bytes.
    pub fn from_digest(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parse 64 lowercase or uppercase hex digits.
    pub fn parse_hex(text: &str) -> Result<Self, String> {
        let bytes = crate::hex::decode(text).map_err(|e| format!("not a hex digest: {e}"))?;
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "a sha256 digest has 64 hex digits".to_owned())?;
        Ok(Self(array))
    }

    /// The first 12 hex digits, for display.
    pub fn short(&self) -> String {
        self.to_hex()[..12].to_owned()
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({})", self.short())
    }
}

impl TryFrom<String> for ContentHash {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse_hex(&value)
    }
}

impl From<ContentHash> for String {
    fn from(value: ContentHash) -> Self {
        value.to_hex()
    }
}

impl schemars::JsonSchema for ContentHash {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ContentHash".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "pattern": "^[0-9a-f]{64}$"})
    }
}

/// A task's content checksum: sha256 over its files, 64 lowercase hex digits (the framing is
/// defined where it is computed, `harness_tasks::checksum`). Typed so that a task id or a
/// harness hash cannot be passed where a checksum is meant.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaskChecksum(String);

impl TaskChecksum {
    /// Check and wrap a checksum: 64 hex digits (stored lowercase).
    pub fn new(hex: impl Into<String>) -> Result<Self, String> {
        let hex = hex.into().to_ascii_lowercase();
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "`{}` is not a task checksum (64 hex digits)",
                hex.chars().take(80).collect::<String>()
            ));
        }
        Ok(Self(hex))
    }

    /// The checksum of a digest.
    pub fn from_hash(hash: ContentHash) -> Self {
        Self(hash.to_hex())
    }

    /// The hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 12 hex digits, for display.
    pub fn short(&self) -> &str {
        &self.0[..12]
    }
}

impl fmt::Display for TaskChecksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TaskChecksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskChecksum({})", self.short())
    }
}

impl TryFrom<String> for TaskChecksum {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<TaskChecksum> for String {
    fn from(value: TaskChecksum) -> Self {
        value.0
    }
}

impl PartialEq<str> for TaskChecksum {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl schemars::JsonSchema for TaskChecksum {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TaskChecksum".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "pattern": "^[0-9a-f]{64}$"})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_separates_paths_and_contents() {
        let a = ContentHash::of_files([("ab", "c")]);
        let b = ContentHash::of_files([("a", "bc")]);
        assert_ne!(a, b);
        let round: ContentHash = a.to_hex().try_into().unwrap();
        assert_eq!(round, a);
    }

    /// Golden values: every cache key and lineage id is built on these hashes, so a change
    /// to the framing must show up here, not as a silently invalidated cache.
    #[test]
    fn golden_hashes() {
        assert_eq!(
            ContentHash::of_bytes(b"harness").to_hex(),
            "49f756463ad9dcfb9b6ade54d7d6f15476e7214f46a65b4b0c55d46845b12f70"
        );
        assert_eq!(
            ContentHash::of_files([("a.md", "x"), ("b/c.yaml", "y: 1")]).to_hex(),
            "bfe0ef342d2dc83fc5d5ce860536b8f06c8697e2a1b5586f60436133ebc2a5dc"
        );
    }

    #[test]
    fn task_checksums_are_64_hex_digits() {
        let good = "AB".repeat(32);
        assert_eq!(TaskChecksum::new(good).unwrap().as_str(), "ab".repeat(32));
        assert!(TaskChecksum::new("abc").is_err());
        assert!(TaskChecksum::new("g".repeat(64)).is_err());
        assert!(serde_json::from_str::<TaskChecksum>("\"xyz\"").is_err());
    }
}
