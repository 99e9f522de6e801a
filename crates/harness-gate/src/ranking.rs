//! Ranking several harnesses against each other on the cells they share (Judgment's
//! lesson: a raw leaderboard over different cells crowns the harness that drew the easy
//! tasks). Every mean here is over cells all ranked harnesses have scored.

use std::collections::BTreeSet;

use harness_types::{ContentHash, Split};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::comparison::Comparison;
use crate::error::GateError;
use crate::matrix::{CellKey, ScoreMatrix};

/// One harness's place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct RankEntry {
    /// The harness.
    pub harness: ContentHash,
    /// Mean reward over the cells every ranked harness shares: the ranking key.
    pub shared_mean: f64,
    /// Passes over those cells.
    pub shared_passes: usize,
    /// All its scored cells of the splits (for contrast; not used to rank).
    pub all_cells: usize,
    /// Mean reward over all of them (the raw leaderboard figure).
    pub all_mean: f64,
}

/// Two harnesses on the cells the two of them share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct PairwiseResult {
    /// First harness.
    pub a: ContentHash,
    /// Second harness.
    pub b: ContentHash,
    /// Cells both have scored.
    pub cells: usize,
    /// Mean of a's reward minus b's.
    pub mean_difference: f64,
    /// Cells where a's reward is higher.
    pub a_wins: usize,
    /// Cells where b's reward is higher.
    pub b_wins: usize,
}

/// Harnesses ranked on shared cells, best first, with every pairwise comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Ranking {
    /// The splits ranked on.
    pub splits: Vec<Split>,
    /// Cells every harness shares.
    pub shared_cells: usize,
    /// Best first (ties in hash order).
    pub entries: Vec<RankEntry>,
    /// Each pair on its own shared cells, in the order the harnesses were given.
    pub pairwise: Vec<PairwiseResult>,
}

/// Rank `harnesses` on the cells of `splits` they all share.
pub fn rank_on_shared_cells(
    matrix: &ScoreMatrix,
    harnesses: &[ContentHash],
    splits: &[Split],
) -> Result<Ranking, GateError> {
    let mut per_harness = Vec::with_capacity(harnesses.len());
    for (i, hash) in harnesses.iter().enumerate() {
        let cells = matrix
            .harness(hash)
            .ok_or(GateError::UnknownHarness {
                harness: *hash,
                role: if i == 0 { "first ranked" } else { "ranked" },
            })?
            .cells
            .iter()
            .filter(|(_, c)| splits.contains(&c.split))
            .collect::<Vec<_>>();
        per_harness.push(cells);
    }
    // A cell is shared when every harness has it with the same task checksum.
    let mut shared: Option<BTreeSet<&CellKey>> = None;
    for cells in &per_harness {
        let keys: BTreeSet<&CellKey> = cells.iter().map(|(k, _)| *k).collect();
        shared = Some(match shared {
            None => keys,
            Some(s) => s.intersection(&keys).copied().collect(),
        });
    }
    let mut shared = shared.unwrap_or_default();
    if let Some(first) = harnesses.first() {
        shared.retain(|key| {
            let checksum = matrix.cell(first, key).map(|c| &c.task_checksum);
            harnesses
                .iter()
                .all(|h| matrix.cell(h, key).map(|c| &c.task_checksum) == checksum)
        });
    }
    let mut entries: Vec<RankEntry> = harnesses
        .iter()
        .zip(&per_harness)
        .map(|(hash, cells)| {
            let on_shared: Vec<_> = shared.iter().filter_map(|k| matrix.cell(hash, k)).collect();
            let mean = |xs: &mut dyn Iterator<Item = f64>, n: usize| {
                if n == 0 {
                    0.0
                } else {
                    xs.sum::<f64>() / n as f64
                }
            };
            RankEntry {
                harness: *hash,
                shared_mean: mean(&mut on_shared.iter().map(|c| c.reward), on_shared.len()),
                shared_passes: on_shared.iter().filter(|c| c.passed()).count(),
                all_cells: cells.len(),
                all_mean: mean(&mut cells.iter().map(|(_, c)| c.reward), cells.len()),
            }
        })
        .collect();
    entries.sort_by(|a, b| {
        b.shared_mean
            .total_cmp(&a.shared_mean)
            .then(a.harness.cmp(&b.harness))
    });
    let mut pairwise = Vec::new();
    for (i, a) in harnesses.iter().enumerate() {
        for b in &harnesses[i + 1..] {
            let comparison = Comparison::new(matrix, *b, *a, None)?;
            let pairs: Vec<_> = comparison.pairs_in(splits).collect();
            let sum: f64 = pairs.iter().map(|p| p.difference()).sum();
            pairwise.push(PairwiseResult {
                a: *a,
                b: *b,
                cells: pairs.len(),
                mean_difference: if pairs.is_empty() {
                    0.0
                } else {
                    sum / pairs.len() as f64
                },
                a_wins: pairs.iter().filter(|p| p.difference() > 0.0).count(),
                b_wins: pairs.iter().filter(|p| p.difference() < 0.0).count(),
            });
        }
    }
    Ok(Ranking {
        splits: splits.to_vec(),
        shared_cells: shared.len(),
        entries,
        pairwise,
    })
}
