//! The history a proposer reads: earlier proposals with their fate, including every rejected
//! one (the rejected-edit ledger), so no proposer repeats a change that failed.

use std::collections::{BTreeMap, BTreeSet};

use harness_types::ContentHash;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::guard::GuardViolation;
use crate::proposal::{ChangeList, Proposal};
use crate::verdict::Verdict;

/// What the promotion gate said about a candidate, in the terms a proposer needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct GateSummary {
    /// Promoted.
    pub accepted: bool,
    /// The gate's reason, in a line.
    pub reason: String,
    /// Mean reward difference, candidate minus parent, on the shared cells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<f64>,
    /// Its confidence interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<(f64, f64)>,
    /// The test's p-value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// Tasks that went from fail to pass.
    #[serde(default)]
    pub fixed: Vec<String>,
    /// Tasks that went from pass to fail.
    #[serde(default)]
    pub regressed: Vec<String>,
}

impl GateSummary {
    /// A decision with its reason; the evidence fields start empty.
    pub fn new(accepted: bool, reason: impl Into<String>) -> Self {
        Self {
            accepted,
            reason: reason.into(),
            effect: None,
            interval: None,
            p_value: None,
            fixed: Vec::new(),
            regressed: Vec::new(),
        }
    }
}

/// Where a proposal ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecordStatus {
    /// Proposed, not decided yet.
    Pending,
    /// Promoted by the gate.
    Accepted {
        /// The gate's evidence.
        gate: GateSummary,
    },
    /// Refused by the gate.
    Rejected {
        /// The gate's evidence.
        gate: GateSummary,
    },
    /// Stopped by a guard before any evaluation.
    Refused {
        /// The guards' reasons.
        violations: Vec<GuardViolation>,
    },
}

/// One earlier proposal (or refused change list) and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ProposalRecord {
    /// The generation it was proposed in.
    pub generation: u32,
    /// The proposal, when it passed the guards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<Proposal>,
    /// The change list, when the guards refused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_change: Option<ChangeList>,
    /// Where it ended.
    pub status: RecordStatus,
    /// Its verdict, once graded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
}

impl ProposalRecord {
    /// A proposal awaiting its decision.
    pub fn pending(generation: u32, proposal: Proposal) -> Self {
        Self {
            generation,
            proposal: Some(proposal),
            refused_change: None,
            status: RecordStatus::Pending,
            verdict: None,
        }
    }

    /// A decided proposal.
    pub fn decided(generation: u32, proposal: Proposal, gate: GateSummary) -> Self {
        let verdict = Verdict::grade(
            &proposal.change.predicted_fixes,
            &gate.fixed.iter().cloned().collect(),
            &gate.regressed.iter().cloned().collect(),
        );
        let status = if gate.accepted {
            RecordStatus::Accepted { gate }
        } else {
            RecordStatus::Rejected { gate }
        };
        Self {
            generation,
            proposal: Some(proposal),
            refused_change: None,
            status,
            verdict: Some(verdict),
        }
    }

    /// A change list the guards refused.
    pub fn refused(generation: u32, change: ChangeList, violations: Vec<GuardViolation>) -> Self {
        Self {
            generation,
            proposal: None,
            refused_change: Some(change),
            status: RecordStatus::Refused { violations },
            verdict: None,
        }
    }

    /// Whether the gate refused it.
    pub fn is_rejected(&self) -> bool {
        matches!(self.status, RecordStatus::Rejected { .. })
    }

    /// Whether the gate promoted it.
    pub fn is_accepted(&self) -> bool {
        matches!(self.status, RecordStatus::Accepted { .. })
    }
}

/// Every earlier proposal, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct History {
    /// The records, oldest first.
    pub records: Vec<ProposalRecord>,
}

impl History {
    /// An empty history (the first generation).
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a record.
    pub fn push(&mut self, record: ProposalRecord) {
        self.records.push(record);
    }

    /// Change keys of proposals the gate rejected, with the proposal id: the ledger no
    /// proposer may repeat.
    pub fn rejected_keys(&self) -> BTreeMap<&str, &str> {
        self.records
            .iter()
            .filter(|r| r.is_rejected())
            .filter_map(|r| r.proposal.as_ref())
            .map(|p| (p.change_key.as_str(), p.id.as_str()))
            .collect()
    }

    /// Change keys of proposals already accepted: proposing them again changes nothing.
    pub fn accepted_keys(&self) -> BTreeSet<&str> {
        self.records
            .iter()
            .filter(|r| r.is_accepted())
            .filter_map(|r| r.proposal.as_ref())
            .map(|p| p.change_key.as_str())
            .collect()
    }

    /// Every candidate harness proposed so far, with its proposal id.
    pub fn candidates(&self) -> BTreeMap<ContentHash, &str> {
        self.records
            .iter()
            .filter_map(|r| r.proposal.as_ref())
            .map(|p| (p.candidate, p.id.as_str()))
            .collect()
    }

    /// Records of `generation`.
    pub fn of_generation(&self, generation: u32) -> impl Iterator<Item = &ProposalRecord> {
        self.records
            .iter()
            .filter(move |r| r.generation == generation)
    }
}
