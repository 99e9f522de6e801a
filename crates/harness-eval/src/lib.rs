//! The evaluation engine: where the CLI and the loop decide once which trials run, which are
//! answered from earlier runs, and which are run again.
//!
//! - [`Evaluator`]: evaluate an [`EvalPlan`] (a harness and its trials), streaming
//!   [`ScoreRecord`](harness_types::ScoreRecord)s to a [`RecordSink`].
//! - [`ScoreCache`]: records by [`TrialKey`](harness_types::TrialKey) in a synced journal; a
//!   trial scored under a key is never run again under it, across processes.
//! - [`LocalEvaluator`]: the evaluator over the job runner, with bounded retries of trials
//!   the model server or the infrastructure decided.

/// The score cache.
pub mod cache;
/// Errors.
pub mod error;
/// The evaluator seam.
pub mod evaluator;
/// The local evaluator.
pub mod local;

pub use cache::{JOURNAL_FILE, ScoreCache};
pub use error::EvalError;
pub use evaluator::{EvalPlan, EvalReport, Evaluator, NoRecords, RecordSink};
pub use local::{DEFAULT_MAX_RETRIES, LocalEvaluator};
