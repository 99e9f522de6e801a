//! The evolution loop, composed only from the toolkit's traits: an `Evaluator` (which owns
//! the agent factory, the sandbox and the evaluation cache), a `WeaknessMiner`, a
//! `Proposer`, a `PromotionGate`, the git `Lineage` and the budget ledger.
//!
//! - [`config`]: [`EvolveConfig`], the YAML file with its JSON Schema.
//! - [`splits`]: [`GatedSplits`] (held-in, validation) and [`SealedTest`], the test split no
//!   stage but the final one can reach.
//! - [`evolution`]: [`Evolution`], one generation after another, the cascade, merging,
//!   verdicts, the final sealed evaluation.
//! - [`state`]: [`RunState`], written atomically after every decision (crash-safe resume).
//! - [`events`]: [`EvolveEvent`]s for subscribers ([`EventSink`]) and `events.jsonl`.
//! - [`store`]: [`JobTraces`], the run's job folders as one trace store per harness.
//! - [`summary`]: [`EvolveSummary`], what the run produced and what it cost.
//! - [`analyze`]: [`Evolution::ablate`] and [`Evolution::budget_matched`].
//! - [`analysis`]: what the analysis commands keep in a run directory ([`Ablation`],
//!   [`BudgetMatched`]) for the run report.

/// Analyses kept beside a run.
pub mod analysis;
/// Analyses of a run through its evaluator: ablation and the budget-matched arm.
pub mod analyze;
/// The configuration file.
pub mod config;
/// The one error type.
pub mod error;
/// The event stream.
pub mod events;
/// The loop.
pub mod evolution;
/// Gated splits and the sealed test split.
pub mod splits;
/// The run's saved state.
pub mod state;
/// The run's traces as one store.
pub mod store;
/// The run's summary.
pub mod summary;

pub use analysis::{
    ABLATION_FILE, ANALYSIS_DIR, Ablated, Ablation, AblationRow, ArmScore, BUDGET_MATCHED_FILE,
    BudgetMatched, analysis_path, read_analysis, write_analysis,
};
pub use config::{
    AgentConfig, BudgetConfig, CascadeConfig, EvolveConfig, GateConfig, ProposerConfig,
    ProposerKind, Protocol, SandboxKind,
};
pub use error::EvolveError;
pub use events::{EVENTS_FILE, EventSink, EvolveEvent, JsonlEvents, Phase};
pub use evolution::{Evolution, EvolutionParts, JOBS_DIR, REPORTS_DIR, jobs_dir};
pub use splits::{GatedSplits, SealedTest, split_suite};
pub use state::{
    CandidateOutcome, GenerationRecord, PendingGeneration, RunState, STATE_FILE, SplitScores,
};
pub use store::JobTraces;
pub use summary::{EvolveSummary, SUMMARY_FILE};
