//! The real-model baseline: the reference agent with a real small model (Qwen2.5-Coder-1.5B-
//! Instruct, Q4_K_M, served by llama.cpp's `llama-server`) on the bundled suite, once with
//! the `minimal` harness and once with `rich`, one repeat each, and a table of mean reward
//! per split, tokens, tokens per second and wall time.
//!
//! ```sh
//! cargo run --release --example real_model_baseline -- [--per-split N] [--jobs N] [--out DIR]
//! ```
//!
//! It sets up the model with `scripts/setup-real-model` (cached after the first run), builds
//! the `harness` binary, starts the server on a free loopback port behind the testkit's
//! recording proxy, and runs `harness run` for each harness. Both harnesses run with the
//! same capped limits (`--max-turns`, `--max-output-tokens`, the server's context), written
//! into copies of the harness folders: a 1.5B model on two cores answers at a few tokens
//! per second, and the shipped limits (40 or 60 turns of up to 4096 or 8192 tokens) would
//! take a day. `--per-split N` runs the first N tasks of each split of `suite.yaml` instead
//! of all of them.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use clap::Parser;
use harness_testkit::llama_server::{LlamaOptions, LlamaServer, MODEL_NAME, RealModel};
use serde_json::Value;

/// Options of the baseline.
#[derive(Debug, Parser)]
struct Options {
    /// Only the first N tasks of each split (default: every task of the suite).
    #[arg(long)]
    per_split: Option<usize>,
    /// Model turns per trial.
    #[arg(long, default_value_t = 6)]
    max_turns: u32,
    /// Output tokens per model call.
    #[arg(long, default_value_t = 256)]
    max_output_tokens: u32,
    /// Context of each server slot, in tokens (also each harness's context window).
    #[arg(long, default_value_t = 8192)]
    context: u32,
    /// Trials at once, each with its own server slot (batched decoding makes concurrent
    /// trials nearly free on a CPU).
    #[arg(long, default_value_t = 3)]
    jobs: u32,
    /// Where the job folders go (default: a fresh temporary folder, kept).
    #[arg(long)]
    out: Option<PathBuf>,
}

const SUITE: &str = "examples/suites/terminal-lite";
const HARNESSES: [&str; 2] = ["minimal", "rich"];
const SPLITS: [&str; 3] = ["held_in", "validation", "test"];

type Failure = Box<dyn std::error::Error>;

fn main() -> Result<(), Failure> {
    let options = Options::parse();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()?;
    let out = match &options.out {
        Some(out) => out.clone(),
        None => tempfile::Builder::new()
            .prefix("real-model-baseline-")
            .tempdir()?
            .keep(),
    };
    std::fs::create_dir_all(&out)?;

    let status = Command::new(repo.join("scripts/setup-real-model")).status()?;
    if !status.success() {
        return Err("scripts/setup-real-model failed".into());
    }
    let model = RealModel::locate()?;
    let harness_bin = build_harness_binary(&repo)?;

    let splits = read_splits(&repo.join(SUITE).join("suite.yaml"))?;
    let mut tasks: Vec<String> = Vec::new();
    for split in SPLITS {
        let ids = splits.get(split).cloned().unwrap_or_default();
        let n = options.per_split.unwrap_or(ids.len()).min(ids.len());
        tasks.extend(ids.into_iter().take(n));
    }

    let mut server_options = LlamaOptions::new(out.join("server"));
    server_options.context = options.context;
    server_options.slots = options.jobs;
    let server = LlamaServer::start(&model, &server_options)?;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "llama-server with {} thread(s), {} slot(s) of {} tokens; load average at start: {}",
        server.threads(),
        options.jobs,
        options.context,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("{} tasks, out: {}", tasks.len(), out.display());

    let mut rows = Vec::new();
    for name in HARNESSES {
        let harness_dir = capped_harness(&repo, name, &options, &out)?;
        let before = server.proxy().exchanges().len();
        let started = Instant::now();
        let status = Command::new(&harness_bin)
            .current_dir(&repo)
            .args(["run", "--suite", SUITE, "--tasks", &tasks.join(",")])
            .args(["--agent", "builtin", "--harness"])
            .arg(&harness_dir)
            .args(["--model", &format!("openai:{MODEL_NAME}")])
            .args(["--base-url", server.base_url(), "--job-name", name])
            .args(["--jobs", &options.jobs.to_string(), "--out"])
            .arg(out.join("jobs"))
            .status()?;
        let wall = started.elapsed().as_secs_f64();
        if !status.success() {
            eprintln!("harness run with {name} exited with {status}");
        }
        let exchanges = server.proxy().exchanges();
        let speed = Speed::from_responses(exchanges[before..].iter().map(|e| e.response.as_str()));
        let scores = read_scores(&out.join("jobs").join(name).join("scores.jsonl"))?;
        rows.push(Row {
            harness: name,
            scores,
            speed,
            wall,
        });
    }
    drop(server);

    println!();
    println!(
        "| harness | held_in | validation | test | all | trials (scored) | prompt tokens | completion tokens | prompt tok/s | generation tok/s | wall time |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for row in &rows {
        println!("{}", row.markdown());
    }
    Ok(())
}

/// `cargo build --release -p harness-cli --bin harness`; the binary's path.
fn build_harness_binary(repo: &Path) -> Result<PathBuf, Failure> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .current_dir(repo)
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            "harness-cli",
            "--bin",
            "harness",
        ])
        .status()?;
    if !status.success() {
        return Err("building the harness binary failed".into());
    }
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => repo.join("target"),
    };
    Ok(target.join("release").join("harness"))
}

/// Task ids per split, from `suite.yaml`.
fn read_splits(path: &Path) -> Result<BTreeMap<String, Vec<String>>, Failure> {
    let suite: Value = serde_yaml::from_str(&std::fs::read_to_string(path)?)?;
    let mut splits = BTreeMap::new();
    if let Some(map) = suite["splits"].as_object() {
        for (split, ids) in map {
            let ids = ids
                .as_array()
                .map(|ids| {
                    ids.iter()
                        .filter_map(|id| id.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            splits.insert(split.clone(), ids);
        }
    }
    Ok(splits)
}

/// A copy of `examples/harnesses/NAME` with the baseline's limits in its `harness.yaml`.
fn capped_harness(
    repo: &Path,
    name: &str,
    options: &Options,
    out: &Path,
) -> Result<PathBuf, Failure> {
    let source = repo.join("examples/harnesses").join(name);
    let target = out.join("harnesses").join(name);
    for entry in walkdir::WalkDir::new(&source) {
        let entry = entry?;
        let dest = target.join(entry.path().strip_prefix(&source)?);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest)?;
        } else {
            std::fs::copy(entry.path(), &dest)?;
        }
    }
    let manifest = target.join("harness.yaml");
    let mut value: Value = serde_yaml::from_str(&std::fs::read_to_string(&manifest)?)?;
    value["model"]["max_output_tokens"] = options.max_output_tokens.into();
    value["limits"]["max_turns"] = options.max_turns.into();
    value["limits"]["max_tool_calls"] = (options.max_turns * 2).into();
    value["limits"]["context_window"] = options.context.into();
    std::fs::write(&manifest, serde_yaml::to_string(&value)?)?;
    Ok(target)
}

/// What the baseline reads from one score record.
struct TrialScore {
    split: String,
    /// None when the trial was not scored (a model or infrastructure error).
    reward: Option<f64>,
    prompt_tokens: u64,
    completion_tokens: u64,
}

/// The score records of a job.
fn read_scores(path: &Path) -> Result<Vec<TrialScore>, Failure> {
    let text = std::fs::read_to_string(path)?;
    let mut scores = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let record: Value = serde_json::from_str(line)?;
        scores.push(TrialScore {
            split: record["split"].as_str().unwrap_or("unassigned").to_owned(),
            reward: record["reward"].as_f64(),
            prompt_tokens: record["usage"]["input_tokens"].as_u64().unwrap_or(0),
            completion_tokens: record["usage"]["output_tokens"].as_u64().unwrap_or(0),
        });
    }
    Ok(scores)
}

/// Prompt and generation speed from llama-server's `timings` in its replies.
#[derive(Debug, Default)]
struct Speed {
    prompt_tokens: f64,
    prompt_ms: f64,
    generated_tokens: f64,
    generation_ms: f64,
}

impl Speed {
    fn from_responses<'a>(responses: impl Iterator<Item = &'a str>) -> Self {
        let mut speed = Speed::default();
        for response in responses {
            let Ok(value) = serde_json::from_str::<Value>(response) else {
                continue;
            };
            let timings = &value["timings"];
            speed.prompt_tokens += timings["prompt_n"].as_f64().unwrap_or(0.0);
            speed.prompt_ms += timings["prompt_ms"].as_f64().unwrap_or(0.0);
            speed.generated_tokens += timings["predicted_n"].as_f64().unwrap_or(0.0);
            speed.generation_ms += timings["predicted_ms"].as_f64().unwrap_or(0.0);
        }
        speed
    }

    fn per_second(tokens: f64, ms: f64) -> String {
        if ms > 0.0 {
            format!("{:.1}", tokens / ms * 1000.0)
        } else {
            "-".to_owned()
        }
    }
}

struct Row {
    harness: &'static str,
    scores: Vec<TrialScore>,
    speed: Speed,
    wall: f64,
}

impl Row {
    /// Mean reward of the scored trials of `split` (all splits for `None`), with the count.
    fn mean(&self, split: Option<&str>) -> String {
        let rewards: Vec<f64> = self
            .scores
            .iter()
            .filter(|score| split.is_none_or(|split| score.split == split))
            .filter_map(|score| score.reward)
            .collect();
        if rewards.is_empty() {
            return "-".to_owned();
        }
        let mean = rewards.iter().sum::<f64>() / rewards.len() as f64;
        format!("{mean:.3} (n={})", rewards.len())
    }

    fn markdown(&self) -> String {
        let scored = self.scores.iter().filter(|s| s.reward.is_some()).count();
        let prompt: u64 = self.scores.iter().map(|s| s.prompt_tokens).sum();
        let completion: u64 = self.scores.iter().map(|s| s.completion_tokens).sum();
        format!(
            "| {} | {} | {} | {} | {} | {} ({scored}) | {prompt} | {completion} | {} | {} | {:.0} s |",
            self.harness,
            self.mean(Some("held_in")),
            self.mean(Some("validation")),
            self.mean(Some("test")),
            self.mean(None),
            self.scores.len(),
            Speed::per_second(self.speed.prompt_tokens, self.speed.prompt_ms),
            Speed::per_second(self.speed.generated_tokens, self.speed.generation_ms),
            self.wall,
        )
    }
}
