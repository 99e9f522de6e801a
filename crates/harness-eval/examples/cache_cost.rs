//! What the score cache costs: a synced journal line per trial, reopening a cache of N records
//! (what a cached re-run or a resume reads), and a key lookup. Prints its figures.
//!
//! `cargo run --release -p harness-eval --example cache_cost [N]` (default 2000 records).

use std::time::Instant;

use harness_eval::ScoreCache;
use harness_tasks::ScoredTrials;
use harness_types::{
    AgentId, ContentHash, ModelId, OutcomeClass, ScoreRecord, Split, TaskChecksum, TaskRef,
    TrialId, TrialKey, TrialRef, Usage, VerifierId,
};

fn record(i: u32, checksum: &TaskChecksum) -> ScoreRecord {
    let key = TrialKey::new(
        ContentHash::of_bytes(b"harness"),
        TaskRef::new(format!("task-{}", i / 5), checksum.clone()),
        AgentId::new("builtin", "0.1.0"),
        ModelId::new("sim:a-profile"),
        VerifierId::new("harbor", "1"),
        u64::from(i) * 7919,
        i % 5,
    );
    let trial = TrialId::scoped("bench", &format!("task-{}__{}", i / 5, i % 5));
    ScoreRecord::new(
        key,
        Split::HeldIn,
        OutcomeClass::from_reward(f64::from(i % 2)),
        Some(f64::from(i % 2)),
        "2026-01-01T00:00:00Z",
        TrialRef::new("bench", trial),
    )
    .with_usage(Usage::new(12_000, 0, 900, 0.0))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(2000);
    let dir = tempfile::tempdir()?;
    let checksum = TaskChecksum::new("ab".repeat(32))?;
    let records: Vec<ScoreRecord> = (0..n).map(|i| record(i, &checksum)).collect();

    let cache = ScoreCache::open(dir.path())?;
    let started = Instant::now();
    for r in &records {
        cache.insert(r)?;
    }
    let insert = started.elapsed();
    let bytes = std::fs::metadata(cache.path())?.len();
    drop(cache);

    let started = Instant::now();
    let reopened = ScoreCache::open(dir.path())?;
    let open = started.elapsed();
    assert_eq!(reopened.len(), n as usize);

    let started = Instant::now();
    let mut hits = 0;
    for r in &records {
        hits += usize::from(reopened.is_scored(&r.key));
    }
    let lookup = started.elapsed();
    assert_eq!(hits, n as usize);

    println!(
        "records: {n}, journal: {bytes} bytes ({} bytes a record)",
        bytes / u64::from(n)
    );
    println!(
        "insert (one synced line each): {:.3} ms a record, {:.2} s total",
        insert.as_secs_f64() * 1e3 / f64::from(n),
        insert.as_secs_f64()
    );
    println!(
        "reopen (read and index the journal): {:.2} ms total, {:.2} µs a record",
        open.as_secs_f64() * 1e3,
        open.as_secs_f64() * 1e6 / f64::from(n)
    );
    println!(
        "lookup by key (digest + map): {:.2} µs a key",
        lookup.as_secs_f64() * 1e6 / f64::from(n)
    );
    Ok(())
}
