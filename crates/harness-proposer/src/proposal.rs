//! A proposal and its change list: what a proposer claims and the edits that carry the claim.

use harness_core::EditSet;
use harness_miner::TraceRef;
use harness_types::ContentHash;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a proposer submits: the claim (which weakness, why, what it will fix and risk) and
/// the edits. AHE's change manifest: every edit comes with a falsifiable prediction, which
/// the loop later grades into a [`Verdict`](crate::Verdict).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeList {
    /// The weakness cluster it targets (a report cluster id).
    pub cluster: String,
    /// Failed trials that show the weakness.
    #[serde(default)]
    pub evidence: Vec<TraceRef>,
    /// The root cause, in a sentence or two.
    pub root_cause: String,
    /// The declared editable surface it edits (a surface name from `harness.yaml`).
    pub surface: String,
    /// Why this component and not another.
    pub why_this_component: String,
    /// The edits, applied all or nothing inside the declared surfaces.
    pub edits: EditSet,
    /// Tasks it is expected to fix (task ids of the splits the proposer may see).
    #[serde(default)]
    pub predicted_fixes: Vec<String>,
    /// Tasks it might break.
    #[serde(default)]
    pub at_risk: Vec<String>,
    /// The reasoning, for the reader of the run.
    pub rationale: String,
}

impl ChangeList {
    /// The JSON Schema of a change list (what `submit_proposals` validates against).
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(ChangeList)).unwrap_or_default()
    }
}

/// A change list that passed every guard, with what the guards computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Proposal {
    /// Stable id: `p-` and the first 12 hex digits of the candidate's content hash.
    pub id: String,
    /// Who proposed it (`catalog`, `llm`, or a user proposer's name).
    pub proposer: String,
    /// The catalog remedy it came from, for catalog proposals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
    /// The harness it edits.
    pub parent: ContentHash,
    /// The harness it produces.
    pub candidate: ContentHash,
    /// The change itself, independent of the parent: equal for the same lines added and
    /// removed in the same files (the rejected-edit ledger's key).
    pub change_key: String,
    /// The surfaces its paths fall in.
    pub surfaces: Vec<String>,
    /// Lines added plus lines removed.
    pub changed_lines: usize,
    /// Characters of those lines.
    pub changed_chars: usize,
    /// Unified diff from the parent.
    pub diff: String,
    /// Task-specific identifiers the edits name (only when the guard is set to flag them
    /// instead of refusing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_specific: Vec<String>,
    /// The claim and the edits.
    pub change: ChangeList,
}

impl Proposal {
    /// The id of a proposal producing `candidate`.
    pub fn id_for(candidate: &ContentHash) -> String {
        let hex = candidate.to_hex();
        format!("p-{}", &hex[..hex.len().min(12)])
    }

    /// The JSON Schema of a proposal.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Proposal)).unwrap_or_default()
    }
}
