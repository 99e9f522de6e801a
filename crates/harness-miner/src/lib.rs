//! Weakness mining: from many failed trials to a few verifier-grounded weakness clusters,
//! each tied to the harness components that could fix it, in a report an optimizer (or a
//! person) can read within a token budget.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`scope`]: which splits may be mined ([`MineScope`] has no way to name the test split).
//! 2. [`trial`] and [`clean`]: a trace becomes a [`TrialView`], a source-agnostic list of
//!    actions (commands and outputs), cleaned of ANSI codes and repetition, with excerpts
//!    bounded and references to the full outputs kept.
//! 3. [`detect`]: [`Detector`]s (built-in or the user's) find behaviours in a trial from its
//!    commands and outputs alone, so imported traces of other agents work too.
//! 4. [`signature`]: per failed trial, a [`FailureSignature`]: outcome class, terminal
//!    condition, behaviour tags and a normalized error fingerprint.
//! 5. [`cluster`] (with [`minhash`]): failures grouped by behaviour, near-identical error
//!    fingerprints merged, small groups dropped, the rest ranked.
//! 6. [`attribution`]: the harness component kinds that could address each cluster, and what
//!    passing trials of the same tasks share (what an edit must preserve).
//! 7. [`report`] and [`render`]: the structured [`WeaknessReport`] (serde + JSON Schema) and
//!    its markdown, both within a token budget ([`tokens`]).
//! 8. [`miner`]: the [`WeaknessMiner`] trait and [`StoreMiner`], the default stage over any
//!    `TraceStore`; [`qa`]: the optional per-cluster question answering through a model.

/// The harness component kinds a cluster is attributed to, and what passing trials share.
pub mod attribution;
/// Stripping, collapsing and bounding trace text.
pub mod clean;
/// Grouping failures into ranked clusters.
pub mod cluster;
/// What a shell command does: reads, writes, checks, sets state.
pub mod command;
/// Behaviour detectors: the trait and the built-in set.
pub mod detect;
/// The one error type.
pub mod error;
/// The `WeaknessMiner` trait and the default miner over a trace store.
pub mod miner;
/// MinHash signatures and Jaccard similarity of token sets.
pub mod minhash;
/// The optional question-answering layer per cluster.
pub mod qa;
/// Markdown rendering of a report.
pub mod render;
/// The structured weakness report.
pub mod report;
/// Which splits may be mined.
pub mod scope;
/// Failure signatures of failed trials.
pub mod signature;
/// Token estimates and budgets.
pub mod tokens;
/// A trial as the miner sees it: actions, outputs, ending.
pub mod trial;

pub use attribution::{Attribution, ComponentKind, attribution_for};
pub use clean::{Cleaner, strip_ansi};
pub use cluster::{Cluster, ClusterConfig, cluster_failures};
pub use detect::{BehaviourTag, Detector, DetectorConfig, Finding, builtin_detectors};
pub use error::MinerError;
pub use miner::{Mined, MinerConfig, StoreMiner, WeaknessMiner};
pub use qa::{QaConfig, QuestionAnswerer, TokenMeter};
pub use render::render_markdown;
pub use report::{
    ClusterReport, Exemplar, PassingProfile, ReportFormat, Spread, StepExcerpt, TraceRef,
    WeaknessReport,
};
pub use scope::{MinableSplit, MineScope};
pub use signature::{FailureSignature, TerminalCondition};
pub use tokens::{DEFAULT_BUDGET_TOKENS, estimate_tokens};
pub use trial::{Action, TrialView};
