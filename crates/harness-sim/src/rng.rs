//! A small, stable random number generator (SplitMix64) and the seeding scheme.
//!
//! Why our own: the simulator's draws are part of its documented behaviour, so they must not
//! change when a dependency updates its algorithm. Every draw comes from a stream keyed by
//! the trial (profile, task, seed, repeat) and a purpose label, so a draw for one purpose
//! does not shift when another purpose draws more or less often.

/// SplitMix64: fast, well mixed, and fixed forever.
#[derive(Debug, Clone)]
pub struct SimRng {
    state: u64,
}

/// FNV-1a over bytes: a stable hash for seeding.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The base seed of one trial.
pub fn trial_seed(profile: &str, task_id: &str, seed: u64, repeat: u32) -> u64 {
    let mut bytes = Vec::with_capacity(profile.len() + task_id.len() + 14);
    bytes.extend_from_slice(profile.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(task_id.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(&seed.to_le_bytes());
    bytes.extend_from_slice(&repeat.to_le_bytes());
    fnv1a(&bytes)
}

impl SimRng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The stream for `purpose` (and an index, e.g. a step number) of a trial.
    pub fn stream(base: u64, purpose: &str, index: u64) -> Self {
        let mut rng = Self::new(base ^ fnv1a(purpose.as_bytes()));
        rng.state ^= index.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        // Discard one output so nearby seeds decorrelate.
        rng.next_u64();
        rng
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        // 53 random bits fill a double's mantissa exactly.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p` (clamped to `[0, 1]`).
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p.clamp(0.0, 1.0)
    }

    /// A uniform integer in `lo..=hi` (`lo` when `hi < lo`).
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo {
            return lo;
        }
        let span = u64::from(hi - lo) + 1;
        lo + u32::try_from(self.next_u64() % span).unwrap_or(0)
    }

    /// A uniform index below `len` (`None` when `len` is 0).
    pub fn index(&mut self, len: usize) -> Option<usize> {
        if len == 0 {
            return None;
        }
        usize::try_from(self.next_u64() % len as u64).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let base = trial_seed("explorer", "task", 7, 0);
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = SimRng::stream(base, "x", 0);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = SimRng::stream(base, "x", 0);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(
            SimRng::stream(base, "x", 0).next_u64(),
            SimRng::stream(base, "x", 1).next_u64()
        );
        assert_ne!(base, trial_seed("explorer", "task", 7, 1));
    }

    #[test]
    fn chance_tracks_its_probability() {
        let mut rng = SimRng::new(42);
        let hits = (0..10_000).filter(|_| rng.chance(0.3)).count();
        assert!((2_700..3_300).contains(&hits), "{hits}");
        assert!(!SimRng::new(1).chance(0.0));
        assert!(SimRng::new(1).chance(1.0));
    }

    #[test]
    fn ranges_stay_inside() {
        let mut rng = SimRng::new(3);
        for _ in 0..1000 {
            let v = rng.range(5, 9);
            assert!((5..=9).contains(&v));
        }
        assert_eq!(rng.range(4, 2), 4);
        assert_eq!(rng.index(0), None);
    }
}
