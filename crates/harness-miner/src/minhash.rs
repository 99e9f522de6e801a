//! MinHash signatures of token sets: the Jaccard similarity of two sets, estimated from
//! [`HASHES`](crate::minhash::HASHES) minimums, so near-identical error texts can be found among thousands without
//! comparing every pair of texts word by word. Banding (`BANDS` of `ROWS`) gives the
//! candidate pairs.

use std::collections::{BTreeMap, BTreeSet};

/// Hash functions per signature.
pub const HASHES: usize = 32;
/// Bands for candidate pairs; `BANDS * ROWS == HASHES`.
const BANDS: usize = 8;
/// Rows per band.
const ROWS: usize = HASHES / BANDS;

/// A MinHash signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MinHash([u64; HASHES]);

impl MinHash {
    /// The signature of a set of tokens (an empty set has all maximums).
    pub fn of<'a>(tokens: impl IntoIterator<Item = &'a str>) -> Self {
        let mut mins = [u64::MAX; HASHES];
        for token in tokens {
            let base = fnv(token.as_bytes());
            for (k, min) in mins.iter_mut().enumerate() {
                let h = mix(base ^ SEEDS[k]);
                if h < *min {
                    *min = h;
                }
            }
        }
        Self(mins)
    }

    /// Estimated Jaccard similarity: the share of equal minimums.
    pub fn similarity(&self, other: &Self) -> f64 {
        let equal = self
            .0
            .iter()
            .zip(other.0.iter())
            .filter(|(a, b)| a == b)
            .count();
        equal as f64 / HASHES as f64
    }

    fn band(&self, band: usize) -> u64 {
        self.0[band * ROWS..(band + 1) * ROWS]
            .iter()
            .fold(0xcbf2_9ce4_8422_2325, |acc, h| mix(acc ^ h))
    }
}

/// Exact Jaccard similarity of two token sets (1 for two empty sets).
pub fn jaccard(a: &BTreeSet<&str>, b: &BTreeSet<&str>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let shared = a.intersection(b).count();
    shared as f64 / (a.len() + b.len() - shared) as f64
}

/// Groups of the items whose signatures are at least `threshold` similar, transitively
/// (single linkage), each group sorted, groups ordered by their first item. Candidate
/// pairs come from banding; each is confirmed on the full signature.
pub fn group_similar(signatures: &[MinHash], threshold: f64) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..signatures.len()).collect();
    for band in 0..BANDS {
        let mut buckets: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
        for (i, signature) in signatures.iter().enumerate() {
            buckets.entry(signature.band(band)).or_default().push(i);
        }
        for bucket in buckets.values() {
            let Some((&first, rest)) = bucket.split_first() else {
                continue;
            };
            for &other in rest {
                if find(&mut parent, first) != find(&mut parent, other)
                    && signatures[first].similarity(&signatures[other]) >= threshold
                {
                    union(&mut parent, first, other);
                } else {
                    // Not linked through `first`: try the earlier members of the bucket.
                    for &earlier in bucket.iter().take_while(|&&e| e != other) {
                        if find(&mut parent, earlier) != find(&mut parent, other)
                            && signatures[earlier].similarity(&signatures[other]) >= threshold
                        {
                            union(&mut parent, earlier, other);
                            break;
                        }
                    }
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..signatures.len() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    groups.sort_by_key(|g| g[0]);
    groups
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        // The smaller index is the root, so groups do not depend on merge order.
        let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[high] = low;
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Fixed seeds of the hash functions (SplitMix64 from 0), so signatures never change.
const SEEDS: [u64; HASHES] = {
    let mut seeds = [0u64; HASHES];
    let mut state: u64 = 0;
    let mut k = 0;
    while k < HASHES {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        seeds[k] = z ^ (z >> 31);
        k += 1;
    }
    seeds
};

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(text: &str) -> MinHash {
        MinHash::of(text.split_whitespace())
    }

    #[test]
    fn similar_texts_are_similar() {
        let a = sig("modulenotfounderror: no module named 'numpy' in <path> line #");
        let b = sig("modulenotfounderror: no module named 'pandas' in <path> line #");
        let c = sig("fatal: not a git repository (or any of the parent directories)");
        assert!(a.similarity(&b) > 0.5, "{}", a.similarity(&b));
        assert!(a.similarity(&c) < 0.3, "{}", a.similarity(&c));
        assert_eq!(a.similarity(&a), 1.0);
    }

    #[test]
    fn groups_are_transitive_and_ordered() {
        let sigs = [
            sig("a b c d e f g h"),
            sig("x y z w"),
            sig("a b c d e f g i"),
            sig("x y z w"),
        ];
        assert_eq!(group_similar(&sigs, 0.6), vec![vec![0, 2], vec![1, 3]]);
    }

    #[test]
    fn exact_jaccard() {
        let a: BTreeSet<&str> = ["a", "b", "c"].into();
        let b: BTreeSet<&str> = ["b", "c", "d"].into();
        assert!((jaccard(&a, &b) - 0.5).abs() < 1e-9);
    }
}
