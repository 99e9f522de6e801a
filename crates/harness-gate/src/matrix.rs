//! [`ScoreMatrix`]: score records arranged as (harness, cell) -> outcome, where a cell is one
//! (task, repeat, seed). Records of trials decided by the infrastructure or the model server
//! are left out and counted; a second scored record for the same cell is counted and
//! ignored (the first one stays, as the evaluation cache keeps it).

use std::collections::BTreeMap;
use std::fmt;

use harness_types::{ContentHash, OutcomeClass, ScoreRecord, Split, TaskChecksum};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One evaluation cell: the same task, repeat index and seed under two harnesses is one
/// pair of the paired comparison.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub struct CellKey {
    /// Task id within its suite.
    pub task_id: String,
    /// Repeat index, from 0.
    pub repeat: u32,
    /// The trial's seed.
    pub seed: u64,
}

impl CellKey {
    /// A cell.
    pub fn new(task_id: impl Into<String>, repeat: u32, seed: u64) -> Self {
        Self {
            task_id: task_id.into(),
            repeat,
            seed,
        }
    }

    /// The cell of a record.
    pub fn of(record: &ScoreRecord) -> Self {
        Self::new(
            record.key.task_id.clone(),
            record.key.repeat,
            record.key.seed,
        )
    }
}

impl fmt::Display for CellKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}@{}", self.task_id, self.repeat, self.seed)
    }
}

/// What one harness scored in one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Cell {
    /// The task's split.
    pub split: Split,
    /// The task's checksum: cells of two harnesses pair only when it is the same.
    pub task_checksum: TaskChecksum,
    /// How the trial ended (never an excluded class).
    pub outcome: OutcomeClass,
    /// The reward the gate compares: the record's reward (0 when it has none), clamped to
    /// [0, 1].
    pub reward: f64,
    /// Cost in US dollars.
    pub cost_usd: f64,
    /// Prompt plus completion tokens.
    pub tokens: u64,
    /// Wall time of the trial, in seconds.
    pub duration_sec: f64,
}

impl Cell {
    /// The cell of a scored record.
    pub fn of(record: &ScoreRecord) -> Self {
        Self {
            split: record.split,
            task_checksum: record.key.task_checksum.clone(),
            outcome: record.outcome,
            reward: clamp_reward(record.score_value()),
            cost_usd: record.usage.cost_usd,
            tokens: record.usage.total_tokens(),
            duration_sec: record.timings.total_sec,
        }
    }

    /// Whether the trial passed (outcome `pass`, reward >= 1).
    pub fn passed(&self) -> bool {
        self.outcome == OutcomeClass::Pass
    }
}

/// Rewards outside [0, 1] (and NaN, as 0) are clamped: the gate's tests and its curtailment
/// bound every cell's reward by 0 and 1.
pub fn clamp_reward(reward: f64) -> f64 {
    if reward.is_nan() {
        0.0
    } else {
        reward.clamp(0.0, 1.0)
    }
}

/// Every cell one harness has a score for, and what was left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct HarnessCells {
    /// Scored cells.
    pub cells: BTreeMap<CellKey, Cell>,
    /// Records left out because the infrastructure or the model server decided the trial
    /// ([`OutcomeClass::is_excluded_from_score`]).
    pub excluded: usize,
    /// Further scored records for a cell that already had one (ignored).
    pub duplicates: usize,
}

/// Score records arranged by harness and cell.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScoreMatrix {
    harnesses: BTreeMap<ContentHash, HarnessCells>,
}

impl ScoreMatrix {
    /// An empty matrix.
    pub fn new() -> Self {
        Self::default()
    }

    /// A matrix of these records.
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a ScoreRecord>) -> Self {
        let mut matrix = Self::new();
        matrix.extend(records);
        matrix
    }

    /// Add records.
    pub fn extend<'a>(&mut self, records: impl IntoIterator<Item = &'a ScoreRecord>) {
        for record in records {
            self.insert(record);
        }
    }

    /// Add one record: excluded classes are counted, a second score for a cell is counted
    /// and ignored.
    pub fn insert(&mut self, record: &ScoreRecord) {
        let entry = self.harnesses.entry(record.key.harness_hash).or_default();
        if !record.is_scored() {
            entry.excluded += 1;
            return;
        }
        self.insert_cell(
            record.key.harness_hash,
            CellKey::of(record),
            Cell::of(record),
        );
    }

    /// Add one scored cell directly (the calibration's synthetic matrices); a second score
    /// for a cell is counted and ignored.
    pub(crate) fn insert_cell(&mut self, harness: ContentHash, key: CellKey, cell: Cell) {
        let entry = self.harnesses.entry(harness).or_default();
        match entry.cells.entry(key) {
            std::collections::btree_map::Entry::Occupied(_) => entry.duplicates += 1,
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(cell);
            }
        }
    }

    /// What one harness has, if the matrix has any record of it.
    pub fn harness(&self, hash: &ContentHash) -> Option<&HarnessCells> {
        self.harnesses.get(hash)
    }

    /// The harnesses with at least one record, in hash order.
    pub fn harnesses(&self) -> impl Iterator<Item = &ContentHash> {
        self.harnesses.keys()
    }

    /// One harness's score in one cell.
    pub fn cell(&self, hash: &ContentHash, key: &CellKey) -> Option<&Cell> {
        self.harnesses.get(hash).and_then(|h| h.cells.get(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness_types::{AgentId, ModelId, TaskRef, TrialId, TrialKey, TrialRef, VerifierId};

    fn record(harness: &[u8], task: &str, repeat: u32, outcome: OutcomeClass) -> ScoreRecord {
        let key = TrialKey::new(
            ContentHash::of_bytes(harness),
            TaskRef::new(task, TaskChecksum::new("ab".repeat(32)).unwrap()),
            AgentId::new("a", "1"),
            ModelId::new("m"),
            VerifierId::new("v", "1"),
            7,
            repeat,
        );
        let reward = (!outcome.is_error()).then_some(if outcome == OutcomeClass::Pass {
            1.0
        } else {
            0.0
        });
        ScoreRecord::new(
            key,
            Split::Validation,
            outcome,
            reward,
            "2026-01-01T00:00:00Z",
            TrialRef::new(
                "run",
                TrialId::new(format!("run.{task}__{repeat}")).unwrap(),
            ),
        )
    }

    #[test]
    fn excluded_and_duplicate_records_are_counted_not_scored() {
        let records = [
            record(b"h", "t", 0, OutcomeClass::Pass),
            record(b"h", "t", 0, OutcomeClass::Fail),
            record(b"h", "t", 1, OutcomeClass::InfrastructureError),
            record(b"h", "t", 2, OutcomeClass::ModelError),
            record(b"h", "t", 3, OutcomeClass::AgentError),
        ];
        let matrix = ScoreMatrix::from_records(&records);
        let h = matrix.harness(&ContentHash::of_bytes(b"h")).unwrap();
        assert_eq!(h.cells.len(), 2, "pass at 0 and the agent error at 3");
        assert_eq!(h.excluded, 2);
        assert_eq!(h.duplicates, 1);
        assert!(
            h.cells[&CellKey::new("t", 0, 7)].passed(),
            "the first record stays"
        );
        assert_eq!(h.cells[&CellKey::new("t", 3, 7)].reward, 0.0);
    }

    #[test]
    fn rewards_are_clamped() {
        assert_eq!(clamp_reward(1.5), 1.0);
        assert_eq!(clamp_reward(-2.0), 0.0);
        assert_eq!(clamp_reward(f64::NAN), 0.0);
        assert_eq!(clamp_reward(0.25), 0.25);
    }
}
