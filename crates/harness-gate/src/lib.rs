//! The promotion gate: does a candidate harness replace its parent?
//!
//! - [`ScoreMatrix`]: score records as (harness, cell) -> outcome; a cell is one (task,
//!   repeat, seed). Infrastructure and model-server errors are left out and counted.
//! - [`Comparison`]: two harnesses on the cells they share, plus the planned cells still
//!   pending ([`EvaluationPlan`]).
//! - [`Rule`]s: [`SelfHarness`], [`NoRegression`], [`Paired`], composed with [`all_of`] and
//!   [`any_of`]; [`RuleSpec`] is the same tree as data.
//! - [`PromotionGate`] and [`RuleGate`]: a [`Decision`] (promote, reject, need more evidence)
//!   with its [`Evidence`]; early decisions only by curtailment, so looking after every
//!   stage never raises the false-promotion rate ([`gate`]).
//! - [`stats`]: the exact sign test (McNemar), the sign-flip permutation test, a clustered
//!   interval for the mean paired difference.
//! - [`rank_on_shared_cells`]: several candidates against each other on shared cells.
//! - [`calibration`]: Monte Carlo false-promotion rate and power on synthetic matrices.
//!
//! No SQLite, HTTP, sandbox or task crate: the gate reads score records and nothing else.

pub mod calibration;
pub mod comparison;
pub mod decision;
pub mod error;
pub mod evidence;
pub mod gate;
pub mod matrix;
pub mod plan;
pub mod ranking;
pub mod rule;
pub mod rules;
pub mod spec;
pub mod stats;
pub mod tasks;

pub use calibration::{Calibration, Scenario, calibrate};
pub use comparison::{Comparison, Completion, LeftOut, Pair, PendingCell, Side};
pub use decision::{Decision, Verdict};
pub use error::GateError;
pub use evidence::{Differences, Evidence, SplitSummary, TaskFlip};
pub use gate::{GateRequest, PromotionGate, RuleGate};
pub use matrix::{Cell, CellKey, HarnessCells, ScoreMatrix};
pub use plan::EvaluationPlan;
pub use ranking::{PairwiseResult, RankEntry, Ranking, rank_on_shared_cells};
pub use rule::{AllOf, AnyOf, Rule, RuleOutcome, all_of, any_of};
pub use rules::{NoRegression, Paired, PairedTest, SelfHarness, TestResult};
pub use spec::RuleSpec;
pub use stats::Interval;
pub use tasks::{Flip, TaskSummary};
