//! The `Proposer` trait and what a proposer returns.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::context::ProposalContext;
use crate::error::ProposerError;
use crate::guard::GuardViolation;
use crate::proposal::{ChangeList, Proposal};

/// A change list the guards refused, with every reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct RejectedChange {
    /// The catalog remedy it came from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
    /// The change list.
    pub change: ChangeList,
    /// Why it was refused.
    pub violations: Vec<GuardViolation>,
}

impl RejectedChange {
    /// A refused change list.
    pub fn new(
        remedy: Option<String>,
        change: ChangeList,
        violations: Vec<GuardViolation>,
    ) -> Self {
        Self {
            remedy,
            change,
            violations,
        }
    }
}

/// One call of a second model, recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct AdvisorCall {
    /// The question as sent (with whatever context the proposer chose to share).
    pub question: String,
    /// The answer, or the error.
    pub answer: String,
    /// Prompt plus completion tokens.
    pub tokens: u64,
}

impl AdvisorCall {
    /// A recorded call.
    pub fn new(question: String, answer: String, tokens: u64) -> Self {
        Self {
            question,
            answer,
            tokens,
        }
    }
}

/// What proposing cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ProposerUsage {
    /// Model turns of the proposer.
    pub turns: u32,
    /// Tokens of the proposer's own model calls (failed calls included when reported).
    pub proposer_tokens: u64,
    /// Tokens of the advisor's calls.
    pub advisor_tokens: u64,
    /// Every advisor call.
    pub advisor_calls: Vec<AdvisorCall>,
}

/// What a proposer returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ProposalBatch {
    /// The proposer's name.
    pub proposer: String,
    /// Proposals that passed the guards, best first, at most k.
    pub proposals: Vec<Proposal>,
    /// Change lists the guards refused.
    pub rejected: Vec<RejectedChange>,
    /// Why fewer than k were returned (nothing left to propose, out of turns, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What it cost.
    pub usage: ProposerUsage,
}

impl ProposalBatch {
    /// An empty batch of `proposer`.
    pub fn new(proposer: impl Into<String>) -> Self {
        Self {
            proposer: proposer.into(),
            proposals: Vec::new(),
            rejected: Vec::new(),
            note: None,
            usage: ProposerUsage::default(),
        }
    }
}

/// Proposes changes to a harness. Object-safe: the loop holds `Arc<dyn Proposer>`.
#[async_trait]
pub trait Proposer: Send + Sync {
    /// A short name for records (`catalog`, `llm`).
    fn name(&self) -> &str;

    /// Up to `k` proposals for the parent in `context`, each passed through the guards.
    async fn propose(
        &self,
        context: &ProposalContext,
        k: usize,
    ) -> Result<ProposalBatch, ProposerError>;
}

/// Where proposers charge the tokens they spend, by heading (`proposer`, `advisor`). The
/// caller connects it to the run's budget ledger; a refused charge stops the proposer.
pub trait SpendMeter: Send + Sync {
    /// Whether `tokens` more may be spent under `heading` (an estimate before a call).
    fn allows(&self, heading: &str, tokens: u64) -> bool;

    /// Charge `tokens` spent by one call under `heading`; an error when the budget refuses.
    fn charge(&self, heading: &str, tokens: u64) -> Result<(), String>;
}

/// A meter that allows everything and keeps nothing (for tests and unbudgeted use).
#[derive(Debug, Clone, Copy, Default)]
pub struct Unmetered;

impl SpendMeter for Unmetered {
    fn allows(&self, _heading: &str, _tokens: u64) -> bool {
        true
    }

    fn charge(&self, _heading: &str, _tokens: u64) -> Result<(), String> {
        Ok(())
    }
}
