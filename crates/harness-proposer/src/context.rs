//! What a proposer is given: the parent harness and its surfaces, the weakness report, what
//! to preserve, the history, the overfitting guard's vocabulary and, for tool-using proposers,
//! read access to the traces of the splits it may see.

use std::collections::BTreeSet;
use std::sync::Arc;

use harness_core::{Harness, KindRegistry};
use harness_miner::{MineScope, WeaknessReport};
use harness_trace::{TraceStore, TrialFilter, TrialId, TrialSummary, TrialTrace};
use harness_types::ContentHash;

use crate::error::ProposerError;
use crate::history::History;
use crate::vocabulary::{TaskVocabulary, identifiers};

/// Read access to traces, limited to the splits of a [`MineScope`] (which cannot name the
/// test split): every listing is filtered and every read is checked against the listing, so
/// a store that ignores the filter still cannot hand over a trial outside the scope.
#[derive(Clone)]
pub struct TraceAccess {
    store: Arc<dyn TraceStore>,
    scope: MineScope,
    run_id: Option<String>,
    harness_hash: Option<ContentHash>,
}

impl std::fmt::Debug for TraceAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceAccess")
            .field("scope", &self.scope)
            .field("run_id", &self.run_id)
            .finish_non_exhaustive()
    }
}

impl TraceAccess {
    /// Access to the trials of `store` in `scope`.
    pub fn new(store: Arc<dyn TraceStore>, scope: MineScope) -> Self {
        Self {
            store,
            scope,
            run_id: None,
            harness_hash: None,
        }
    }

    /// Only trials of this run.
    pub fn with_run(mut self, run_id: impl Into<String>) -> Self {
        self.run_id = Some(run_id.into());
        self
    }

    /// Only trials of this harness.
    pub fn with_harness(mut self, hash: ContentHash) -> Self {
        self.harness_hash = Some(hash);
        self
    }

    /// The scope.
    pub fn scope(&self) -> &MineScope {
        &self.scope
    }

    fn filter(&self) -> TrialFilter {
        let mut filter = TrialFilter::new().splits(self.scope.split_scope());
        if let Some(run) = &self.run_id {
            filter = filter.run(run.clone());
        }
        if let Some(hash) = self.harness_hash {
            filter = filter.harness(hash);
        }
        filter
    }

    /// The trials in scope.
    pub async fn list(&self) -> Result<Vec<TrialSummary>, ProposerError> {
        let listed = self.store.list(&self.filter()).await?;
        Ok(listed
            .into_iter()
            .filter(|s| self.scope.admits(s.split))
            .collect())
    }

    /// One trial's trace, if it is in scope (`None` otherwise, as if it did not exist).
    pub async fn get(&self, trial_id: &str) -> Result<Option<TrialTrace>, ProposerError> {
        let listed = self.list().await?;
        let Some(summary) = listed.iter().find(|s| s.trial_id.as_str() == trial_id) else {
            return Ok(None);
        };
        let id: TrialId = summary.trial_id.clone();
        let trace = self.store.get(&id).await?;
        if !self.scope.admits(trace.header.split) {
            return Ok(None);
        }
        Ok(Some(trace))
    }
}

/// Everything a proposer reads.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProposalContext {
    /// The parent harness.
    pub harness: Harness,
    /// Middleware kinds and builtin tools edits may name.
    pub registry: KindRegistry,
    /// The weakness report of the parent on the mined splits.
    pub report: WeaknessReport,
    /// Behaviours to preserve (what passing trials do), besides each cluster's own list.
    pub preserve: Vec<String>,
    /// Earlier proposals and their fate.
    pub history: History,
    /// Identifiers of particular tasks, for the overfitting guard.
    pub vocabulary: TaskVocabulary,
    /// Read access to traces of the mined splits, for tool-using proposers.
    pub traces: Option<TraceAccess>,
    /// The generation being proposed for (from 1).
    pub generation: u32,
}

impl ProposalContext {
    /// A context for the first generation with no history, vocabulary or trace access.
    pub fn new(harness: Harness, registry: KindRegistry, report: WeaknessReport) -> Self {
        Self {
            harness,
            registry,
            report,
            preserve: Vec::new(),
            history: History::new(),
            vocabulary: TaskVocabulary::default(),
            traces: None,
            generation: 1,
        }
    }

    /// The same with a history.
    pub fn with_history(mut self, history: History) -> Self {
        self.history = history;
        self
    }

    /// The same with the overfitting guard's vocabulary.
    pub fn with_vocabulary(mut self, vocabulary: TaskVocabulary) -> Self {
        self.vocabulary = vocabulary;
        self
    }

    /// The same with trace access.
    pub fn with_traces(mut self, traces: TraceAccess) -> Self {
        self.traces = Some(traces);
        self
    }

    /// The same with behaviours to preserve.
    pub fn with_preserve(mut self, preserve: Vec<String>) -> Self {
        self.preserve = preserve;
        self
    }

    /// The same for another generation.
    pub fn with_generation(mut self, generation: u32) -> Self {
        self.generation = generation;
        self
    }

    /// Identifiers already in the parent harness (an edit that repeats them adds nothing
    /// task-specific).
    pub fn known_identifiers(&self) -> BTreeSet<String> {
        self.harness
            .files()
            .values()
            .flat_map(|text| identifiers(text))
            .collect()
    }
}
