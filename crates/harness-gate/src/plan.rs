//! [`EvaluationPlan`]: the cells the loop means to evaluate for both harnesses of a
//! comparison. The gate's decision is the decision on the full plan; while cells are still
//! pending it decides early only when no outcome of the pending cells could change that
//! decision (see [`crate::gate`]).

use std::collections::BTreeMap;

use harness_types::Split;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::GateError;
use crate::matrix::CellKey;

/// The planned cells of a comparison, each with its task's split. Fix the plan before the
/// first look and change it only for reasons that do not depend on outcomes (a cell the
/// infrastructure cannot score may be dropped); the gate's error guarantees rest on that.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EvaluationPlan {
    cells: BTreeMap<CellKey, Split>,
}

impl EvaluationPlan {
    /// An empty plan.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every task of `tasks` (id and split) with repeats `0..repeats`, the seed of each cell
    /// given by `seed(task, repeat)`.
    pub fn grid<'a>(
        tasks: impl IntoIterator<Item = (&'a str, Split)>,
        repeats: u32,
        seed: impl Fn(&str, u32) -> u64,
    ) -> Self {
        let mut plan = Self::new();
        for (task, split) in tasks {
            for repeat in 0..repeats {
                plan.cells
                    .insert(CellKey::new(task, repeat, seed(task, repeat)), split);
            }
        }
        plan
    }

    /// Add a cell; a cell already planned under another split is an error.
    pub fn add(&mut self, key: CellKey, split: Split) -> Result<(), GateError> {
        match self.cells.get(&key) {
            Some(existing) if *existing != split => Err(GateError::InconsistentCell {
                cell: key.to_string(),
                message: format!("planned under {existing} and under {split}"),
            }),
            _ => {
                self.cells.insert(key, split);
                Ok(())
            }
        }
    }

    /// Drop a cell (for a reason that does not depend on its outcome, such as a task the
    /// infrastructure cannot run).
    pub fn remove(&mut self, key: &CellKey) -> bool {
        self.cells.remove(key).is_some()
    }

    /// The planned cells and their splits, in cell order.
    pub fn cells(&self) -> impl Iterator<Item = (&CellKey, Split)> {
        self.cells.iter().map(|(k, s)| (k, *s))
    }

    /// Whether a cell is planned.
    pub fn contains(&self, key: &CellKey) -> bool {
        self.cells.contains_key(key)
    }

    /// How many cells are planned.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether the plan has no cell.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}
