//! [`Comparison`]: two harnesses on the cells they share. Everything the gate computes is
//! computed on shared cells (same task, repeat and seed, same task checksum), never on means
//! over different cells. Cells of the sealed test split are left out and counted.

use std::collections::BTreeMap;

use harness_types::{ContentHash, Split};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::GateError;
use crate::matrix::{Cell, CellKey, HarnessCells, ScoreMatrix};
use crate::plan::EvaluationPlan;

/// One harness's result in one cell, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Side {
    /// Reward in [0, 1].
    pub reward: f64,
    /// Whether the trial passed.
    pub passed: bool,
}

impl Side {
    /// The best a cell can be: reward 1, passed.
    pub const BEST: Side = Side {
        reward: 1.0,
        passed: true,
    };
    /// The worst a cell can be: reward 0, failed.
    pub const WORST: Side = Side {
        reward: 0.0,
        passed: false,
    };

    fn of(cell: &Cell) -> Self {
        Self {
            reward: cell.reward,
            passed: cell.passed(),
        }
    }
}

/// One shared cell: both harnesses' results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Pair {
    /// The cell.
    pub key: CellKey,
    /// The task's split.
    pub split: Split,
    /// The parent's result.
    pub parent: Side,
    /// The candidate's result.
    pub candidate: Side,
}

impl Pair {
    /// Candidate reward minus parent reward.
    pub fn difference(&self) -> f64 {
        self.candidate.reward - self.parent.reward
    }
}

/// A planned cell that is not shared yet, with whichever side is already known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PendingCell {
    /// The cell.
    pub key: CellKey,
    /// The task's split.
    pub split: Split,
    /// The parent's result, if scored.
    pub parent: Option<Side>,
    /// The candidate's result, if scored.
    pub candidate: Option<Side>,
}

/// How pending cells are filled in to bound a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// Every unknown candidate result fails with reward 0, every unknown parent result
    /// passes with reward 1.
    AgainstCandidate,
    /// The opposite.
    ForCandidate,
}

/// What was left out of a comparison, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct LeftOut {
    /// Parent records of trials the infrastructure or the model server decided.
    pub parent_excluded: usize,
    /// Candidate records of trials the infrastructure or the model server decided.
    pub candidate_excluded: usize,
    /// Second scores for a cell (ignored), both harnesses.
    pub duplicates: usize,
    /// Cells only the parent has scored (and that are not pending).
    pub parent_only: usize,
    /// Cells only the candidate has scored (and that are not pending).
    pub candidate_only: usize,
    /// Cells whose task checksum differs between the two harnesses' records.
    pub checksum_mismatch: usize,
    /// Cells of the sealed test split.
    pub sealed: usize,
    /// Scored cells outside the plan.
    pub unplanned: usize,
}

/// Two harnesses on their shared cells, plus the planned cells still pending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Comparison {
    /// The harness in place.
    pub parent: ContentHash,
    /// The harness proposed to replace it.
    pub candidate: ContentHash,
    /// Shared cells, in cell order.
    pub pairs: Vec<Pair>,
    /// Planned cells not shared yet.
    pub pending: Vec<PendingCell>,
    /// What was left out.
    pub left_out: LeftOut,
}

impl Comparison {
    /// Compare `candidate` with `parent` on the cells both have scored. With a plan, only
    /// planned cells count and planned cells not yet shared are pending; without one, a
    /// harness the matrix has never seen is an error.
    pub fn new(
        matrix: &ScoreMatrix,
        parent: ContentHash,
        candidate: ContentHash,
        plan: Option<&EvaluationPlan>,
    ) -> Result<Self, GateError> {
        let empty = HarnessCells::default();
        let side = |hash: &ContentHash, role: &'static str| match matrix.harness(hash) {
            Some(cells) => Ok(cells),
            None if plan.is_some() => Ok(&empty),
            None => Err(GateError::UnknownHarness {
                harness: *hash,
                role,
            }),
        };
        let p = side(&parent, "parent")?;
        let c = side(&candidate, "candidate")?;
        let mut left_out = LeftOut {
            parent_excluded: p.excluded,
            candidate_excluded: c.excluded,
            duplicates: p.duplicates + c.duplicates,
            ..LeftOut::default()
        };
        let mut pairs = Vec::new();
        let mut pending = Vec::new();
        // Every cell either harness has, plus every planned cell, with the split the plan
        // or the records give it.
        let mut keys: BTreeMap<&CellKey, Option<Split>> = BTreeMap::new();
        for key in p.cells.keys().chain(c.cells.keys()) {
            keys.insert(key, None);
        }
        if let Some(plan) = plan {
            for (key, split) in plan.cells() {
                keys.insert(key, Some(split));
            }
        }
        for (key, planned) in keys {
            let (pc, cc) = (p.cells.get(key), c.cells.get(key));
            let split = cell_split(key, planned, pc, cc)?;
            if split == Split::Test {
                left_out.sealed += 1;
                continue;
            }
            if plan.is_some() && planned.is_none() {
                left_out.unplanned += 1;
                continue;
            }
            match (pc, cc) {
                (Some(a), Some(b)) if a.task_checksum != b.task_checksum => {
                    left_out.checksum_mismatch += 1;
                }
                (Some(a), Some(b)) => pairs.push(Pair {
                    key: key.clone(),
                    split,
                    parent: Side::of(a),
                    candidate: Side::of(b),
                }),
                (a, b) if planned.is_some() => pending.push(PendingCell {
                    key: key.clone(),
                    split,
                    parent: a.map(Side::of),
                    candidate: b.map(Side::of),
                }),
                (Some(_), None) => left_out.parent_only += 1,
                (None, _) => left_out.candidate_only += 1,
            }
        }
        Ok(Self {
            parent,
            candidate,
            pairs,
            pending,
            left_out,
        })
    }

    /// The same comparison with every pending cell filled in as `completion` says (known
    /// sides stay as they are) and nothing pending.
    pub fn completed(&self, completion: Completion) -> Self {
        let (parent_fill, candidate_fill) = match completion {
            Completion::AgainstCandidate => (Side::BEST, Side::WORST),
            Completion::ForCandidate => (Side::WORST, Side::BEST),
        };
        let mut pairs = self.pairs.clone();
        pairs.extend(self.pending.iter().map(|cell| Pair {
            key: cell.key.clone(),
            split: cell.split,
            parent: cell.parent.unwrap_or(parent_fill),
            candidate: cell.candidate.unwrap_or(candidate_fill),
        }));
        pairs.sort_by(|a, b| a.key.cmp(&b.key));
        Self {
            parent: self.parent,
            candidate: self.candidate,
            pairs,
            pending: Vec::new(),
            left_out: self.left_out.clone(),
        }
    }

    /// The shared cells of these splits.
    pub fn pairs_in<'a>(&'a self, splits: &'a [Split]) -> impl Iterator<Item = &'a Pair> + 'a {
        self.pairs.iter().filter(move |p| splits.contains(&p.split))
    }
}

fn cell_split(
    key: &CellKey,
    planned: Option<Split>,
    parent: Option<&Cell>,
    candidate: Option<&Cell>,
) -> Result<Split, GateError> {
    let mut split = planned;
    for cell in [parent, candidate].into_iter().flatten() {
        match split {
            Some(s) if s != cell.split => {
                return Err(GateError::InconsistentCell {
                    cell: key.to_string(),
                    message: format!("split {s} in one place and {} in another", cell.split),
                });
            }
            _ => split = Some(cell.split),
        }
    }
    Ok(split.unwrap_or(Split::Unassigned))
}
