//! The evaluation engine: where the CLI and the loop decide once which trials run, which are
//! answered from earlier runs, and which are run again.
//!
//! - [`Evaluator`]: evaluate an [`EvalPlan`] (a harness and its trials), streaming
//!   [`ScoreRecord`](harness_types::ScoreRecord)s to a [`RecordSink`].
//! - [`ScoreCache`]: records by [`TrialKey`](harness_types::TrialKey) in a synced journal; a
//!   trial scored under a key is never run again under it, across processes.
//! - [`BudgetLedger`]: rollouts, tokens, dollars (a [`PriceTable`] per model id) and wall time,
//!   charged for every trial in a synced journal; a plan over budget is refused before it
//!   starts, a run that reaches the budget starts no new trial.
//! - [`LocalEvaluator`]: the evaluator over the job runner, with bounded retries of trials
//!   the model server or the infrastructure decided.

/// The budget ledger.
pub mod budget;
/// The score cache.
pub mod cache;
/// Errors.
pub mod error;
/// The evaluator seam.
pub mod evaluator;
mod journal;
/// The local evaluator.
pub mod local;

pub use budget::{Budget, BudgetLedger, LEDGER_FILE, Price, PriceTable, Spent};
pub use cache::{JOURNAL_FILE, ScoreCache};
pub use error::EvalError;
pub use evaluator::{EvalPlan, EvalReport, Evaluator, NoRecords, RecordSink};
pub use local::{DEFAULT_MAX_RETRIES, LocalEvaluator};
