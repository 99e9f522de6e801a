//! Monte Carlo calibration of a gate on synthetic score matrices: how often it promotes
//! under the null hypothesis (false promotions) and under a true improvement (power), with
//! the candidate evaluated in stages and the gate asked after each.
//!
//! The synthetic model: each task has a parent success probability drawn uniformly from a
//! range; the candidate's is the parent's plus `improvement` (0 under the null); every cell
//! of either harness is an independent Bernoulli draw (reward 1 on a pass, 0 otherwise). The
//! parent is fully evaluated (its scores come from earlier generations); the candidate is
//! evaluated one repeat of every task per stage, cheapest first.

use harness_types::{
    AgentId, ContentHash, ModelId, OutcomeClass, ScoreRecord, Split, TaskChecksum, TaskRef,
    TrialId, TrialKey, TrialRef, VerifierId,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::decision::Verdict;
use crate::error::GateError;
use crate::gate::{GateRequest, PromotionGate};
use crate::matrix::{Cell, CellKey, ScoreMatrix};
use crate::plan::EvaluationPlan;
use crate::stats::random::{SplitMix64, mix};

/// The synthetic population of evaluations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Scenario {
    /// Tasks in the held-in split.
    pub held_in_tasks: usize,
    /// Tasks in the validation split.
    pub validation_tasks: usize,
    /// Repeats per task (each is one stage of the candidate's evaluation).
    pub repeats: u32,
    /// Lowest parent success probability of a task.
    pub parent_low: f64,
    /// Highest parent success probability of a task.
    pub parent_high: f64,
    /// Added to every task's success probability for the candidate (clamped to [0, 1]).
    pub improvement: f64,
}

impl Scenario {
    /// Two 25-task splits, 3 repeats, parent success probabilities uniform in [0.1, 0.7],
    /// and the candidate better by `improvement` on every task.
    pub fn two_splits_of_25(improvement: f64) -> Self {
        Self {
            held_in_tasks: 25,
            validation_tasks: 25,
            repeats: 3,
            parent_low: 0.1,
            parent_high: 0.7,
            improvement,
        }
    }

    /// The same scenario with parent success probabilities uniform in [low, high].
    pub fn with_parent_range(mut self, low: f64, high: f64) -> Self {
        self.parent_low = low;
        self.parent_high = high;
        self
    }

    /// The same scenario with this many repeats.
    pub fn with_repeats(mut self, repeats: u32) -> Self {
        self.repeats = repeats;
        self
    }
}

/// What the gate did over many synthetic evaluations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Calibration {
    /// Evaluations simulated.
    pub evaluations: usize,
    /// Promotions.
    pub promoted: usize,
    /// Rejections.
    pub rejected: usize,
    /// Evaluations still undecided after the last stage (a gate that never decides).
    pub undecided: usize,
    /// Evaluations the gate decided before the last stage.
    pub stopped_early: usize,
    /// Candidate cells planned per evaluation.
    pub planned_cells: usize,
    /// Mean candidate cells evaluated before the decision.
    pub mean_cells: f64,
}

impl Calibration {
    /// Promotions per evaluation.
    pub fn promotion_rate(&self) -> f64 {
        self.promoted as f64 / self.evaluations.max(1) as f64
    }
}

/// Simulate `evaluations` evaluations of `scenario` (seeded; the same seed gives the same
/// figures) and ask `gate` after every stage.
pub fn calibrate(
    gate: &dyn PromotionGate,
    scenario: &Scenario,
    evaluations: usize,
    seed: u64,
) -> Result<Calibration, GateError> {
    let parent = ContentHash::of_bytes(b"calibration parent");
    let candidate = ContentHash::of_bytes(b"calibration candidate");
    let tasks: Vec<(String, Split)> = (0..scenario.held_in_tasks)
        .map(|i| (format!("held-in-{i:03}"), Split::HeldIn))
        .chain(
            (0..scenario.validation_tasks)
                .map(|i| (format!("validation-{i:03}"), Split::Validation)),
        )
        .collect();
    let plan = EvaluationPlan::grid(
        tasks.iter().map(|(t, s)| (t.as_str(), *s)),
        scenario.repeats,
        cell_seed,
    );
    let request = GateRequest::new(parent, candidate).with_plan(plan.clone());
    let mut result = Calibration {
        evaluations,
        promoted: 0,
        rejected: 0,
        undecided: 0,
        stopped_early: 0,
        planned_cells: plan.len(),
        mean_cells: 0.0,
    };
    // One template cell per (task, repeat); each draw only sets the outcome.
    let templates: Vec<Vec<(CellKey, Cell)>> = tasks
        .iter()
        .map(|(task, split)| {
            (0..scenario.repeats)
                .map(|repeat| {
                    let record = synthetic_record(parent, task, *split, repeat, false);
                    (CellKey::of(&record), Cell::of(&record))
                })
                .collect()
        })
        .collect();
    let draw = |template: &(CellKey, Cell), passed: bool| {
        let mut cell = template.1.clone();
        if passed {
            cell.outcome = OutcomeClass::Pass;
            cell.reward = 1.0;
        }
        (template.0.clone(), cell)
    };
    let mut cells_spent = 0usize;
    for evaluation in 0..evaluations {
        let mut rng = SplitMix64::new(mix(seed ^ mix(evaluation as u64)));
        let rates: Vec<(f64, f64)> = tasks
            .iter()
            .map(|_| {
                let p = scenario.parent_low
                    + (scenario.parent_high - scenario.parent_low) * rng.next_f64();
                (p, (p + scenario.improvement).clamp(0.0, 1.0))
            })
            .collect();
        let mut matrix = ScoreMatrix::new();
        for (cells, (p, _)) in templates.iter().zip(&rates) {
            for template in cells {
                let (key, cell) = draw(template, rng.bernoulli(*p));
                matrix.insert_cell(parent, key, cell);
            }
        }
        let mut verdict = Verdict::NeedMoreEvidence;
        for repeat in 0..scenario.repeats {
            for (cells, (_, q)) in templates.iter().zip(&rates) {
                let (key, cell) = draw(&cells[repeat as usize], rng.bernoulli(*q));
                matrix.insert_cell(candidate, key, cell);
                cells_spent += 1;
            }
            verdict = gate.decide(&matrix, &request)?.verdict;
            if verdict.is_final() {
                if repeat + 1 < scenario.repeats {
                    result.stopped_early += 1;
                }
                break;
            }
        }
        match verdict {
            Verdict::Promote => result.promoted += 1,
            Verdict::Reject => result.rejected += 1,
            Verdict::NeedMoreEvidence => result.undecided += 1,
        }
    }
    result.mean_cells = cells_spent as f64 / evaluations.max(1) as f64;
    Ok(result)
}

fn cell_seed(task: &str, repeat: u32) -> u64 {
    crate::stats::random::hash_bytes(task.as_bytes()) ^ u64::from(repeat)
}

/// A synthetic record: reward 1 and `pass`, or reward 0 and `fail`.
pub fn synthetic_record(
    harness: ContentHash,
    task: &str,
    split: Split,
    repeat: u32,
    passed: bool,
) -> ScoreRecord {
    let checksum = TaskChecksum::from_hash(ContentHash::of_bytes(task.as_bytes()));
    let key = TrialKey::new(
        harness,
        TaskRef::new(task, checksum),
        AgentId::new("synthetic", "1"),
        ModelId::new("synthetic"),
        VerifierId::new("synthetic", "1"),
        cell_seed(task, repeat),
        repeat,
    );
    let (outcome, reward) = if passed {
        (OutcomeClass::Pass, 1.0)
    } else {
        (OutcomeClass::Fail, 0.0)
    };
    ScoreRecord::new(
        key,
        split,
        outcome,
        Some(reward),
        "2026-01-01T00:00:00Z",
        TrialRef::new(
            "synthetic",
            TrialId::scoped("synthetic", &format!("{task}__{repeat}")),
        ),
    )
}
