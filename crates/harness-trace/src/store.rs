//! [`TraceStore`]: where trials' traces go and how they are found again.
//!
//! The trait is async (`async_trait`, object-safe) because stores are used from the async
//! runner and loop, and searches may take a while; implementations backed by blocking I/O run
//! it on a blocking thread. The embedded default is [`crate::RunStore`] (JSONL files plus a
//! SQLite FTS5 index in a run directory).

use std::sync::Arc;

use async_trait::async_trait;
use harness_core::ContentHash;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::TraceError;
use crate::blob::BlobRef;
use crate::event::{CallError, FinishStatus, OutcomeClass, Split, ToolCall, TraceHeader};
use crate::fingerprint::{Fingerprint, MODEL_ERROR_SCOPE};
use crate::layout::TrialId;
use crate::sink::TraceSink;
use crate::trace::{TraceTotals, TrialTrace};

/// Default number of results of a search or similar-failure lookup.
pub const DEFAULT_LIMIT: usize = 20;

/// Storage of trial traces: sinks, whole traces, blobs and listings. Search is a separate,
/// optional capability ([`TraceSearch`], reached through [`TraceStore::search`]), so a store
/// over plain files or a remote service need not embed a search engine.
#[async_trait]
pub trait TraceStore: Send + Sync {
    /// Start the trace of a new trial; events are readable as soon as they are appended.
    async fn open_sink(&self, header: TraceHeader) -> Result<Box<dyn TraceSink>, TraceError>;

    /// Store a complete trace (its blobs must be stored already). Refuses to replace an
    /// existing trial.
    async fn put(&self, trace: &TrialTrace) -> Result<(), TraceError>;

    /// Store a blob (a message list or a full tool output).
    async fn put_blob(&self, bytes: Vec<u8>) -> Result<BlobRef, TraceError>;

    /// The trace of `trial`, including a trial still being written (complete events only).
    async fn get(&self, trial: &TrialId) -> Result<TrialTrace, TraceError>;

    /// A stored blob.
    async fn get_blob(&self, blob: &BlobRef) -> Result<Vec<u8>, TraceError>;

    /// Trials matching `filter`, ordered by trial id. The default filter leaves out the
    /// test split.
    async fn list(&self, filter: &TrialFilter) -> Result<Vec<TrialSummary>, TraceError>;

    /// Move the trace of `trial`, if the store holds one, out of the way of a new attempt
    /// under the same id (a trial killed mid-run, or one run again after an error): it is no
    /// longer listed or searched, and [`TraceStore::open_sink`] may start the trial afresh.
    /// Stores that keep nothing by trial id need not implement it.
    async fn set_aside(&self, _trial: &TrialId) -> Result<(), TraceError> {
        Ok(())
    }

    /// The store's search capability, if it has one.
    fn search(&self) -> Option<&dyn TraceSearch> {
        None
    }
}

/// Searching stored traces: full text and similar failures. Every query carries a split
/// scope that leaves out the test split unless asked otherwise.
#[async_trait]
pub trait TraceSearch: Send + Sync {
    /// Full-text search over messages, tool arguments and outputs, interventions and notes.
    async fn search_steps(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, TraceError>;

    /// Earlier failures like this one: steps with the same fingerprint first, then failed
    /// steps sharing the failure's last words, then its other distinctive words.
    async fn similar_failures(
        &self,
        query: &FailureQuery,
    ) -> Result<Vec<SimilarFailure>, TraceError>;
}

/// Opens a trace store in a given folder: for stores that live beside the results of the
/// job that fills them (the job folder exists only once the job has claimed it).
pub trait TraceStoreFactory: Send + Sync {
    /// The store in `dir` (created if needed).
    fn open_in(&self, dir: &std::path::Path) -> Result<Arc<dyn TraceStore>, TraceError>;
}

/// Which splits a query may see. The default, [`SplitScope::NotTest`], keeps the sealed test
/// split out of everything an optimizer reads; reports that need it ask for it by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", content = "splits", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SplitScope {
    /// Every split but `test`.
    #[default]
    NotTest,
    /// Only these splits (`test` included only if listed).
    Only(Vec<Split>),
    /// Every split, `test` included: for final reports, never for an optimizer.
    All,
}

impl SplitScope {
    /// Only `split`.
    pub fn only(split: Split) -> Self {
        SplitScope::Only(vec![split])
    }

    /// Whether a trial of `split` is in scope.
    pub fn admits(&self, split: Split) -> bool {
        match self {
            SplitScope::NotTest => split != Split::Test,
            SplitScope::Only(splits) => splits.contains(&split),
            SplitScope::All => true,
        }
    }

    /// The splits in scope, in [`Split`] order.
    pub fn splits(&self) -> Vec<Split> {
        [
            Split::HeldIn,
            Split::Validation,
            Split::Test,
            Split::Unassigned,
        ]
        .into_iter()
        .filter(|s| self.admits(*s))
        .collect()
    }
}

/// Which trials to consider; unset fields match everything, and the split scope leaves out
/// the test split unless it says otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrialFilter {
    /// Only this run.
    pub run_id: Option<String>,
    /// Only this task.
    pub task_id: Option<String>,
    /// Only this harness.
    pub harness_hash: Option<ContentHash>,
    /// Which splits (default: all but test).
    #[serde(default)]
    pub splits: SplitScope,
    /// Only trials with this outcome.
    pub outcome: Option<OutcomeClass>,
    /// At most this many trials (all when unset).
    pub limit: Option<usize>,
}

impl TrialFilter {
    /// Every trial outside the test split.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only run `run_id`.
    pub fn run(mut self, run_id: impl Into<String>) -> Self {
        self.run_id = Some(run_id.into());
        self
    }

    /// Only task `task_id`.
    pub fn task(mut self, task_id: impl Into<String>) -> Self {
        self.task_id = Some(task_id.into());
        self
    }

    /// Only harness `hash`.
    pub fn harness(mut self, hash: ContentHash) -> Self {
        self.harness_hash = Some(hash);
        self
    }

    /// Only `split` (which may be `test`: the caller asked for it by name).
    pub fn split(mut self, split: Split) -> Self {
        self.splits = SplitScope::only(split);
        self
    }

    /// These splits.
    pub fn splits(mut self, scope: SplitScope) -> Self {
        self.splits = scope;
        self
    }

    /// Only trials with this outcome.
    pub fn outcome(mut self, outcome: OutcomeClass) -> Self {
        self.outcome = Some(outcome);
        self
    }

    /// At most `limit` trials.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }
}

/// One trial as listed: its identity, how it ended and its totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialSummary {
    /// Trial id.
    pub trial_id: TrialId,
    /// Run id.
    pub run_id: String,
    /// Harness hash.
    pub harness_hash: ContentHash,
    /// Task id.
    pub task_id: String,
    /// Task checksum.
    pub task_checksum: String,
    /// Agent name.
    pub agent: String,
    /// Model name.
    pub model: String,
    /// Seed.
    pub seed: u64,
    /// Repeat index.
    pub repeat: u32,
    /// Split.
    pub split: Split,
    /// When the trial started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When its last event was written.
    #[serde(with = "time::serde::rfc3339")]
    pub ended_at: OffsetDateTime,
    /// Number of steps (header excluded).
    pub steps: u64,
    /// How the agent loop ended, if it did.
    pub finish: Option<FinishStatus>,
    /// Verifier outcome class, if scored.
    pub outcome: Option<OutcomeClass>,
    /// Scalar reward, if any.
    pub reward: Option<f64>,
    /// Call totals.
    pub totals: TraceTotals,
    /// The trace file ends in an incomplete line (the writer was killed).
    pub torn: bool,
}

/// How a query's text is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuerySyntax {
    /// Whitespace-separated words, all required; each is matched as a phrase of its tokens,
    /// punctuation ignored (so `ModuleNotFoundError: 'numpy'` just works).
    #[default]
    Words,
    /// Whitespace-separated words, any of them, ranked by how many and how rare.
    AnyWords,
}

/// A full-text search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// The query.
    pub text: String,
    /// How to read it.
    pub syntax: QuerySyntax,
    /// Only steps of these kinds (`model_call`, `tool_call`, ...); all when empty.
    pub kinds: Vec<String>,
    /// Only steps of trials matching this filter (its `limit` is ignored).
    pub filter: TrialFilter,
    /// At most this many hits.
    pub limit: usize,
}

impl SearchQuery {
    /// A words query over everything, [`DEFAULT_LIMIT`] hits.
    pub fn words(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            syntax: QuerySyntax::Words,
            kinds: Vec::new(),
            filter: TrialFilter::default(),
            limit: DEFAULT_LIMIT,
        }
    }

    /// The same query with another limit.
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }
}

/// One step matching a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// Trial.
    pub trial_id: TrialId,
    /// Step sequence number.
    pub seq: u64,
    /// Step kind (`model_call`, `tool_call`, ...).
    pub kind: String,
    /// Tool name for tool calls.
    pub name: Option<String>,
    /// Text around the match, matched terms in `[brackets]`.
    pub snippet: String,
    /// Relevance, higher is better (negated bm25).
    pub score: f64,
}

/// A failure to find relatives of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureQuery {
    /// Tool name, or [`MODEL_ERROR_SCOPE`] for model errors.
    pub tool: String,
    /// The failure text (error and output).
    pub text: String,
    /// Leave out this trial (usually the one asking).
    pub exclude_trial: Option<TrialId>,
    /// Which splits to look in (default: all but test).
    #[serde(default)]
    pub splits: SplitScope,
    /// At most this many results.
    pub limit: usize,
}

impl FailureQuery {
    /// The query for a failed tool call; none if it did not fail.
    pub fn for_tool_call(call: &ToolCall) -> Option<Self> {
        Some(Self {
            tool: call.name.clone(),
            text: call.failure_text()?,
            exclude_trial: None,
            splits: SplitScope::default(),
            limit: DEFAULT_LIMIT,
        })
    }

    /// The query for a model error.
    pub fn for_model_error(error: &CallError) -> Self {
        Self {
            tool: MODEL_ERROR_SCOPE.to_owned(),
            text: format!("{}: {}", error.kind, error.message),
            exclude_trial: None,
            splits: SplitScope::default(),
            limit: DEFAULT_LIMIT,
        }
    }

    /// The fingerprint of the failure.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.tool, &self.text)
    }
}

/// How a similar failure was found.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum SimilarBy {
    /// Same fingerprint.
    Fingerprint,
    /// Shared words of the normalized failure text.
    Text {
        /// Relevance, higher is better.
        score: f64,
    },
}

/// A failed step resembling the query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarFailure {
    /// Trial.
    pub trial_id: TrialId,
    /// Step sequence number.
    pub seq: u64,
    /// Tool name (or [`MODEL_ERROR_SCOPE`]).
    pub tool: Option<String>,
    /// The step's fingerprint.
    pub fingerprint: Option<Fingerprint>,
    /// How it was found.
    pub by: SimilarBy,
}
