//! Trial traces: what happened in each trial, kept so that it can be searched, mined and
//! exported.
//!
//! A trace is one JSONL file per trial, appended as the trial runs: a header (harness hash,
//! task id and checksum, agent, model, seed, repeat, split), then model calls, tool calls,
//! middleware interventions, context events, finish and the verifier's outcome (rewards and
//! outcome class only; never its output). The JSONL is the record; a SQLite FTS5 index beside
//! it answers queries and can be rebuilt from the JSONL at any time.
//!
//! - [`TraceSink`] appends events as they happen ([`JsonlSink`], [`StoreSink`]).
//! - [`TraceStore`] stores and lists traces; [`TraceSearch`] is its optional search
//!   capability. Both take a [`SplitScope`] that leaves out the test split by default.
//! - [`RunStore`] (feature `sqlite`, on by default) is the embedded default over a run
//!   directory ([`RunLayout`]), with a SQLite FTS5 index; without the feature the crate
//!   builds with no SQLite at all.
//! - [`atif`] and [`otlp`] export a trace as an ATIF trajectory or OpenTelemetry spans;
//!   [`import`] reads mini-swe-agent trajectories and Harbor job folders.

/// Export to ATIF v1.7 trajectories, and their check.
pub mod atif;
/// Content-addressed blobs: stored message lists and full tool outputs.
pub mod blob;
/// The one error type.
pub mod error;
/// The event model of one trial: header, steps, verifier outcome.
pub mod event;
/// Error fingerprints: normalized failure texts, hashed.
pub mod fingerprint;
/// Harbor's ATIF validator, for checking exports against the reference.
#[cfg(any(test, feature = "test-support"))]
pub mod harbor;
/// Importers: mini-swe-agent trajectories and Harbor job folders.
pub mod import;
/// The SQLite FTS5 index, derived from the JSONL.
#[cfg(feature = "sqlite")]
pub mod index;
/// The canonical JSONL record: encoding, tolerant reading.
pub mod jsonl;
/// The run directory: traces, blobs, index.
pub mod layout;
/// Export to OpenTelemetry GenAI spans as OTLP/JSON.
pub mod otlp;
/// Keeping API keys and URL passwords out of what is written.
pub mod redact;
/// `RunStore`: the embedded default store (JSONL + blobs + index).
#[cfg(feature = "sqlite")]
pub mod run;
/// One sink shared by the runner and the agent.
pub mod shared;
/// Appending events as a trial runs.
pub mod sink;
/// The `TraceStore` trait and its query types.
pub mod store;
/// Deterministic synthetic traces for tests, examples and benchmarks.
#[cfg(any(test, feature = "test-support"))]
pub mod synth;
/// A whole trial in memory.
pub mod trace;

pub use blob::{BlobRef, BlobSource, BlobStore};
pub use error::TraceError;
pub use event::{
    AgentInfo, CallError, ContextEvent, ContextKind, Event, Finish, FinishStatus, Intervention,
    InterventionAction, Message, Messages, ModelCall, ModelInfo, OutcomeClass, RetryAttempt, Role,
    Split, TRACE_FORMAT, TokenUsage, ToolCall, ToolCallRequest, ToolOutput, TraceHeader, TraceLine,
    VerifierOutcome, timestamp_now,
};
pub use fingerprint::Fingerprint;
#[cfg(feature = "sqlite")]
pub use index::{Index, IndexReport};
pub use jsonl::{TornTail, TraceRead, TraceReader, read_trace};
pub use layout::{RunLayout, TrialId};
pub use redact::{REDACTED, RedactingSink, Redactor, redact_event, redact_url, url_secrets};
#[cfg(feature = "sqlite")]
pub use run::{RunStore, RunStoreFactory, StoreSink};
pub use shared::SharedSink;
pub use sink::{FsyncPolicy, JsonlSink, SinkOptions, TraceSink};
pub use store::{
    FailureQuery, QuerySyntax, SearchHit, SearchQuery, SimilarBy, SimilarFailure, SplitScope,
    TraceSearch, TraceStore, TraceStoreFactory, TrialFilter, TrialSummary,
};
pub use trace::{TraceTotals, TrialTrace};
