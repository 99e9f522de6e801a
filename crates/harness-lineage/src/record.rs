//! [`VersionRecord`]: what a lineage commit says about its harness (generation, candidate,
//! summary, change list, gate decision), and how it is written into and read back from the
//! commit message.
//!
//! A message is the summary line, a line with the decision's one-line summary, the whole
//! record as pretty JSON in a ```` ```json ```` fence, and git trailers
//! (`git log --format=%(trailers)` reads them):
//!
//! ```text
//! Harness-Hash: <sha256 of the canonical files>
//! Generation: 3
//! Candidate: c2
//! Gate-Verdict: promote
//! Gate-Decided-By: all_of(self_harness, no_regression, paired(sign_test))
//! Gate-P-Value: 0.0031
//! Gate-Effect: +0.1500 [+0.0600, +0.2400] (90%)
//! ```

use harness_gate::Decision;
use harness_types::ContentHash;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::LineageError;

/// What a lineage commit records about its harness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct VersionRecord {
    /// The loop's generation (0 for the seed).
    pub generation: u32,
    /// The candidate's id within its generation (a ref name component: `A-Z a-z 0-9 . _ -`).
    pub candidate_id: String,
    /// One line: what changed.
    pub summary: String,
    /// The change list as the proposer wrote it (free-form JSON until the proposer's types
    /// exist).
    #[serde(default)]
    pub change_list: serde_json::Value,
    /// The gate's decision, when the candidate has been judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

impl VersionRecord {
    /// A record without change list or decision.
    pub fn new(
        generation: u32,
        candidate_id: impl Into<String>,
        summary: impl Into<String>,
    ) -> Self {
        Self {
            generation,
            candidate_id: candidate_id.into(),
            summary: summary.into(),
            change_list: serde_json::Value::Null,
            decision: None,
        }
    }

    /// The seed harness: generation 0, candidate `seed`.
    pub fn seed(summary: impl Into<String>) -> Self {
        Self::new(0, "seed", summary)
    }

    /// The same record with this change list.
    pub fn with_change_list(mut self, change_list: serde_json::Value) -> Self {
        self.change_list = change_list;
        self
    }

    /// The same record with the gate's decision.
    pub fn with_decision(mut self, decision: Decision) -> Self {
        self.decision = Some(decision);
        self
    }

    /// Check the fields that become parts of ref names and message lines.
    pub fn check(&self) -> Result<(), LineageError> {
        let id = &self.candidate_id;
        let ok = !id.is_empty()
            && id.len() <= 100
            && !id.starts_with('.')
            && !id.ends_with(".lock")
            && !id.contains("..")
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !ok {
            return Err(LineageError::BadRecord {
                field: "candidate_id".into(),
                message: format!(
                    "`{id}` is not a ref name component (1 to 100 of A-Z a-z 0-9 . _ -, no `..`, not starting with `.`)"
                ),
            });
        }
        Ok(())
    }

    /// The commit message for this record and the harness hash.
    pub fn to_message(&self, harness_hash: &ContentHash) -> Result<String, LineageError> {
        let json = serde_json::to_string_pretty(self).map_err(|e| LineageError::BadRecord {
            field: "record".into(),
            message: e.to_string(),
        })?;
        let summary = one_line(&self.summary);
        let mut out = format!(
            "{}\n\n",
            if summary.is_empty() {
                "(no summary)"
            } else {
                &summary
            }
        );
        if let Some(d) = &self.decision {
            out.push_str(&format!("Gate: {}\n\n", one_line(&d.summary())));
        }
        out.push_str(&format!("```json\n{json}\n```\n\n"));
        out.push_str(&format!("Harness-Hash: {harness_hash}\n"));
        out.push_str(&format!("Generation: {}\n", self.generation));
        out.push_str(&format!("Candidate: {}\n", self.candidate_id));
        if let Some(d) = &self.decision {
            out.push_str(&format!("Gate-Verdict: {}\n", d.verdict));
            out.push_str(&format!("Gate-Decided-By: {}\n", one_line(&d.decided_by)));
            if let Some(t) = &d.evidence.test {
                out.push_str(&format!("Gate-P-Value: {:.4}\n", t.p_value));
            }
            let e = &d.evidence.differences.effect;
            out.push_str(&format!(
                "Gate-Effect: {:+.4} [{:+.4}, {:+.4}] ({:.0}%)\n",
                e.estimate,
                e.low,
                e.high,
                e.level * 100.0
            ));
        }
        Ok(out)
    }

    /// Read a record back from a commit message written by [`VersionRecord::to_message`].
    pub fn from_message(message: &str) -> Option<Self> {
        let start = message.find("```json\n")? + "```json\n".len();
        let end = start + message[start..].find("\n```")?;
        serde_json::from_str(&message[start..end]).ok()
    }
}

/// The value of trailer `key` in a commit message (the last paragraph's `Key: value` lines).
pub fn trailer<'a>(message: &'a str, key: &str) -> Option<&'a str> {
    let last = message.trim_end().rsplit("\n\n").next()?;
    last.lines().find_map(|line| {
        let (k, v) = line.split_once(": ")?;
        (k == key).then_some(v.trim())
    })
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_round_trips_and_carries_trailers() {
        let record = VersionRecord::new(3, "c2", "loop breaker\nafter 50 calls")
            .with_change_list(serde_json::json!({"edits": ["middleware.yaml"], "note": "```"}));
        let hash = ContentHash::of_bytes(b"h");
        let message = record.to_message(&hash).unwrap();
        assert!(message.starts_with("loop breaker after 50 calls\n\n"));
        assert_eq!(VersionRecord::from_message(&message).unwrap(), record);
        assert_eq!(trailer(&message, "Generation"), Some("3"));
        assert_eq!(trailer(&message, "Candidate"), Some("c2"));
        assert_eq!(
            trailer(&message, "Harness-Hash"),
            Some(hash.to_hex().as_str())
        );
        assert_eq!(trailer(&message, "Gate-Verdict"), None);
    }

    #[test]
    fn candidate_ids_must_be_ref_components() {
        for bad in ["", "a/b", "..", ".x", "a b", "x.lock", "a..b"] {
            let err = VersionRecord::new(1, bad, "s")
                .check()
                .unwrap_err()
                .to_string();
            assert!(err.contains("candidate_id"), "{bad}: {err}");
        }
        VersionRecord::new(1, "c-2_x.1", "s").check().unwrap();
    }
}
