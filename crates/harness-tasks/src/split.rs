//! Split labels and the stratified split assignment.
//!
//! Three assigned splits: `held_in` (what the optimizer mines and proposes from), `validation`
//! (what the promotion gate checks), `test` (sealed, reported at the end). Tasks of a suite
//! without a split assignment are `unassigned`.
//!
//! Stratified assignment (deterministic for a given seed, task set and metadata):
//! 1. Group task ids into strata by `(category, difficulty)` from `[metadata]` (`unknown` when
//!    missing); sort strata by key and ids within each stratum.
//! 2. Seed a SplitMix64 generator with `seed`; Fisher-Yates shuffle the list of strata, then
//!    the ids within each stratum, in that order.
//! 3. Walk the concatenated ids; give each the split with the largest deficit
//!    `ratio * (position + 1) - assigned so far` (ties: held_in, validation, test).
//!
//! Step 3 keeps every prefix of the sequence within one task of the target ratios, so the
//! totals are as close to the ratios as whole tasks allow, and since a stratum's tasks are
//! consecutive, each stratum is spread over the splits in proportion too.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Split labels are shared with the traces; see [`harness_types::Split`].
pub use harness_types::Split;

/// Parameters of the stratified assignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StratifiedSpec {
    /// Generator seed.
    #[serde(default)]
    pub seed: u64,
    /// Fraction of tasks for `held_in`.
    #[serde(default = "default_held_in")]
    pub held_in: f64,
    /// Fraction of tasks for `validation`.
    #[serde(default = "default_other")]
    pub validation: f64,
    /// Fraction of tasks for `test`.
    #[serde(default = "default_other")]
    pub test: f64,
}

fn default_held_in() -> f64 {
    0.4
}

fn default_other() -> f64 {
    0.3
}

impl Default for StratifiedSpec {
    fn default() -> Self {
        Self {
            seed: 0,
            held_in: default_held_in(),
            validation: default_other(),
            test: default_other(),
        }
    }
}

impl StratifiedSpec {
    fn ratios(&self) -> Result<[f64; 3], String> {
        let r = [self.held_in, self.validation, self.test];
        if r.iter().any(|x| !x.is_finite() || *x < 0.0) {
            return Err(format!(
                "split ratios must be non-negative numbers, got {r:?}"
            ));
        }
        let sum: f64 = r.iter().sum();
        if (sum - 1.0).abs() > 1e-6 {
            return Err(format!("split ratios must sum to 1, got {sum}"));
        }
        Ok(r)
    }
}

/// One task as the stratifier sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StratumMember {
    /// Task id.
    pub id: String,
    /// `metadata.category`.
    pub category: Option<String>,
    /// `metadata.difficulty`.
    pub difficulty: Option<String>,
}

/// Assign every member to a split (see the module docs for the algorithm).
pub fn stratify(
    members: &[StratumMember],
    spec: &StratifiedSpec,
) -> Result<BTreeMap<String, Split>, String> {
    let ratios = spec.ratios()?;
    let mut strata: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for m in members {
        let key = (
            m.category.clone().unwrap_or_else(|| "unknown".into()),
            m.difficulty.clone().unwrap_or_else(|| "unknown".into()),
        );
        strata.entry(key).or_default().push(m.id.clone());
    }
    let mut rng = SplitMix64(spec.seed);
    let mut groups: Vec<Vec<String>> = strata.into_values().collect();
    rng.shuffle(&mut groups);
    let mut order = Vec::with_capacity(members.len());
    for mut g in groups {
        g.sort();
        rng.shuffle(&mut g);
        order.extend(g);
    }
    let mut counts = [0usize; 3];
    let mut out = BTreeMap::new();
    for (position, id) in order.into_iter().enumerate() {
        let target = (position + 1) as f64;
        let mut best = 0;
        let mut best_deficit = f64::NEG_INFINITY;
        for (i, r) in ratios.iter().enumerate() {
            let deficit = r * target - counts[i] as f64;
            // A zero ratio never receives tasks.
            if *r > 0.0 && deficit > best_deficit + 1e-12 {
                best = i;
                best_deficit = deficit;
            }
        }
        counts[best] += 1;
        out.insert(id, Split::ASSIGNED[best]);
    }
    Ok(out)
}

/// SplitMix64: tiny, well-mixed, and stable across platforms and releases (unlike a library
/// generator whose stream may change), which the split assignment needs.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(n: usize) -> Vec<StratumMember> {
        (0..n)
            .map(|i| StratumMember {
                id: format!("task-{i:02}"),
                category: Some(["files", "python", "shell", "data"][i % 4].to_owned()),
                difficulty: Some(["easy", "medium", "hard"][i % 3].to_owned()),
            })
            .collect()
    }

    #[test]
    fn deterministic_and_complete() {
        let m = members(32);
        let spec = StratifiedSpec {
            seed: 7,
            ..StratifiedSpec::default()
        };
        let a = stratify(&m, &spec).unwrap();
        assert_eq!(a, stratify(&m, &spec).unwrap());
        assert_eq!(a.len(), 32);
        // Input order does not matter.
        let mut reversed = m.clone();
        reversed.reverse();
        assert_eq!(a, stratify(&reversed, &spec).unwrap());
        // Another seed gives another assignment.
        let b = stratify(
            &m,
            &StratifiedSpec {
                seed: 8,
                ..spec.clone()
            },
        )
        .unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn about_the_right_ratios() {
        for n in [10, 32, 33, 100] {
            let a = stratify(&members(n), &StratifiedSpec::default()).unwrap();
            for (split, ratio) in Split::ASSIGNED.iter().zip([0.4, 0.3, 0.3]) {
                let count = a.values().filter(|s| *s == split).count() as f64;
                assert!(
                    (count - ratio * n as f64).abs() <= 1.0,
                    "{n} {split} {count}"
                );
            }
        }
    }

    #[test]
    fn strata_are_spread() {
        let m = members(60);
        let a = stratify(&m, &StratifiedSpec::default()).unwrap();
        // Each category (15 tasks) lands in every split.
        for cat in ["files", "python", "shell", "data"] {
            for split in Split::ASSIGNED {
                assert!(
                    m.iter()
                        .any(|x| x.category.as_deref() == Some(cat) && a[&x.id] == split),
                    "{cat} has no {split}"
                );
            }
        }
    }

    #[test]
    fn zero_ratio_and_bad_ratios() {
        let spec = StratifiedSpec {
            seed: 1,
            held_in: 0.5,
            validation: 0.5,
            test: 0.0,
        };
        let a = stratify(&members(9), &spec).unwrap();
        assert!(a.values().all(|s| *s != Split::Test));
        let bad = StratifiedSpec {
            held_in: 0.5,
            ..StratifiedSpec::default()
        };
        assert!(
            stratify(&members(3), &bad)
                .unwrap_err()
                .contains("sum to 1")
        );
    }

    #[test]
    fn parse_names() {
        assert_eq!("held-in".parse::<Split>().unwrap(), Split::HeldIn);
        assert_eq!("validation".parse::<Split>().unwrap(), Split::Validation);
        assert!("train".parse::<Split>().is_err());
    }
}
