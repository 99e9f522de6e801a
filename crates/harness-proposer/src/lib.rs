//! Proposals with change lists: the second stage of the loop.
//!
//! A [`Proposer`] reads a [`ProposalContext`] (the parent harness with its editable
//! surfaces, the weakness report, what to preserve, the history of earlier proposals and
//! their verdicts) and returns a [`ProposalBatch`]: up to k [`Proposal`]s, each a
//! [`ChangeList`] (the claim and the edits) that passed the [`ProposalGuard`], plus the
//! change lists the guards refused, with reasons.
//!
//! - [`proposal`]: `ChangeList` and `Proposal`.
//! - [`verdict`]: AHE's verdicts (EFFECTIVE ... MIXED) and prediction accuracy.
//! - [`history`]: earlier proposals, the rejected-edit ledger, gate summaries.
//! - [`context`]: what a proposer reads, and split-limited [`TraceAccess`].
//! - [`guard`]: surfaces, edit budget, overfitting, duplicates, repeats of rejected changes.
//! - [`vocabulary`]: the identifiers that belong to particular tasks.
//! - [`proposer`]: the trait, the batch, and the [`SpendMeter`] budgets are charged through.
//! - [`catalog`]: [`CatalogProposer`], the model-free proposer over a catalog of remedies
//!   kept as data.
//! - [`llm`]: [`LlmProposer`], a bounded tool-using loop through a model, with an optional
//!   advisor.

/// The model-free proposer and its catalog of remedies.
pub mod catalog;
/// What a proposer reads.
pub mod context;
/// The one error type.
pub mod error;
/// The guards every proposal passes.
pub mod guard;
/// Earlier proposals and their fate.
pub mod history;
/// The tool-using LLM proposer.
pub mod llm;
/// Change lists and proposals.
pub mod proposal;
/// The trait and its result.
pub mod proposer;
/// Verdicts and prediction accuracy.
pub mod verdict;
/// Task-specific identifiers.
pub mod vocabulary;

pub use catalog::{Catalog, CatalogProposer, Remedy, RemedyChange};
pub use context::{ProposalContext, TraceAccess};
pub use error::ProposerError;
pub use guard::{ChangeMeasure, EditBudget, GuardConfig, GuardViolation, ProposalGuard, measure};
pub use history::{GateSummary, History, ProposalRecord, RecordStatus};
pub use llm::{LlmProposer, LlmProposerConfig};
pub use proposal::{ChangeList, Proposal};
pub use proposer::{
    AdvisorCall, ProposalBatch, Proposer, ProposerUsage, RejectedChange, SpendMeter, Unmetered,
};
pub use verdict::{PredictionAccuracy, PredictionCounts, Verdict};
pub use vocabulary::{TaskSpecific, TaskVocabulary};
