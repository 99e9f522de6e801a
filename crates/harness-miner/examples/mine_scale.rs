//! Scale: a synthetic corpus of at least 10M estimated tokens (10,000+ trials) mined in one
//! process, against merely reading and JSON-parsing the same files on as many threads (two
//! rounds of each, alternating; each figure is the faster round).
//! Prints `tokens=<n> seconds=<s> ratio_to_parse=<r> rss_mib=<m>`.
//!
//! `cargo run --release -p harness-miner --example mine_scale [-- TRIALS]`
//!
//! The corpus: `harness_trace::synth` trials (model and tool calls with random failures),
//! every fifth of them given one recurring behaviour (a failed command repeated, a
//! missing program, a long read-only stretch, a large output, state set in a call of its
//! own), all in the held-in split. The corpus is written and indexed first (not timed).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use harness_miner::{MinerConfig, StoreMiner};
use harness_trace::synth::{Rng, synthetic_trial};
use harness_trace::{
    Event, OutcomeClass, RunStore, Split, ToolCall, ToolOutput, TrialTrace, VerifierOutcome,
};
use time::Duration;

const DEFAULT_TRIALS: u64 = 10_000;
const STEPS: usize = 24;

fn shell(id: String, command: &str, exit: i32, output: String) -> Event {
    Event::ToolCall(ToolCall {
        call_id: id,
        name: "shell".to_owned(),
        arguments: serde_json::json!({ "command": command }),
        output: ToolOutput::inline(output),
        exit_code: Some(exit),
        duration_ms: 5,
        error: None,
    })
}

/// One trial of the corpus.
fn trial(i: u64) -> TrialTrace {
    let (mut header, start, mut events) = synthetic_trial("scale", i, STEPS, 11);
    header.split = Split::HeldIn;
    header.task_id = format!("task-{:03}", i % 200);
    let mut rng = Rng::new(i);
    // Keep finish and verifier last; behaviours go before them.
    let tail: Vec<_> = events.drain(events.len().saturating_sub(2)..).collect();
    let mut ts = events.last().map_or(start, |(t, _)| *t);
    let mut push = |event: Event| {
        ts += Duration::seconds(1);
        events.push((ts, event));
    };
    let word = harness_trace::synth::VOCABULARY[(i % 40) as usize];
    let failing = i.is_multiple_of(5);
    match (i / 5) % 6 {
        _ if !failing => {}
        0 => {
            for k in 0..3 {
                push(shell(
                    format!("r{k}"),
                    &format!("python3 build_{word}.py"),
                    1,
                    format!("Traceback (most recent call last):\nKeyError: '{word}'"),
                ));
            }
        }
        1 => push(shell(
            "n".into(),
            &format!("gawk '{{print $1}}' {word}.log > counts.txt"),
            127,
            "bash: line 1: gawk: command not found".into(),
        )),
        2 => {
            for k in 0..14 {
                push(shell(
                    format!("e{k}"),
                    &format!("head -n {k} {word}_{k}.csv"),
                    0,
                    "a,b,c".into(),
                ));
            }
        }
        3 => push(shell(
            "f".into(),
            &format!("cat {word}.log"),
            0,
            format!("{} {word}\n", rng.next_u64()).repeat(700),
        )),
        4 => {
            push(shell("c".into(), "cd build", 0, String::new()));
            push(shell(
                "m".into(),
                "make",
                2,
                "make: *** No targets specified and no makefile found.  Stop.".into(),
            ));
        }
        _ => {}
    }
    let mut trace = TrialTrace::new(header, start);
    for (t, e) in events {
        trace.push(t, e);
    }
    for (t, e) in tail {
        let e = match e {
            Event::Verifier(_) if failing => Event::Verifier(VerifierOutcome {
                outcome: OutcomeClass::Fail,
                rewards: [("reward".to_owned(), 0.0)].into(),
                reward: Some(0.0),
                duration_ms: Some(1000),
            }),
            other => other,
        };
        trace.push(t, e);
    }
    trace
}

/// Read every trace file and parse each line as JSON, on `threads` threads; returns bytes.
fn read_and_parse(dir: &std::path::Path, threads: usize) -> u64 {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let chunks: Vec<Vec<std::path::PathBuf>> = files
        .chunks(files.len().div_ceil(threads).max(1))
        .map(<[_]>::to_vec)
        .collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    let mut bytes = 0u64;
                    for path in chunk {
                        let text = std::fs::read(&path).unwrap();
                        bytes += text.len() as u64;
                        for line in text.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                            let value: serde_json::Value = serde_json::from_slice(line).unwrap();
                            std::hint::black_box(value);
                        }
                    }
                    bytes
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let trials: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(DEFAULT_TRIALS);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    {
        let store = RunStore::open(dir.path()).unwrap();
        for i in 0..trials {
            store.put_trace(&trial(i)).unwrap();
        }
    }
    eprintln!(
        "corpus: {trials} trials written and indexed in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let traces = dir.path().join("traces");
    // Two rounds, alternating, each figure the faster of its two: the machine is shared.
    let mut parse_seconds = f64::MAX;
    let mut seconds = f64::MAX;
    let mut bytes = 0;
    let mut mined = None;
    for _ in 0..2 {
        let started = Instant::now();
        bytes = read_and_parse(&traces, 2);
        parse_seconds = parse_seconds.min(started.elapsed().as_secs_f64());
        let started = Instant::now();
        let result = runtime.block_on(async {
            let store = RunStore::open_existing(dir.path()).unwrap();
            StoreMiner::new(MinerConfig::default())
                .mine_detailed(&store)
                .await
                .unwrap()
        });
        seconds = seconds.min(started.elapsed().as_secs_f64());
        mined = Some(result);
    }
    let tokens = bytes.div_ceil(4);
    let mined = mined.unwrap();
    let report = &mined.report;
    eprintln!(
        "mined {} trials ({} failed) into {} clusters; report {} of {} tokens; parse alone {parse_seconds:.2} s",
        report.trials,
        report.failed,
        report.clusters.len(),
        report.rendered_tokens,
        report.budget_tokens
    );
    assert!(report.rendered_tokens <= report.budget_tokens);
    println!(
        "tokens={tokens} seconds={seconds:.2} ratio_to_parse={:.2} rss_mib={:.0}",
        seconds / parse_seconds,
        peak_rss_mib()
    );
}
