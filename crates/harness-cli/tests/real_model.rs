//! `harness run --agent builtin` with a real model: Qwen2.5-Coder-1.5B-Instruct served by
//! llama.cpp's `llama-server` (set up by `scripts/setup-real-model`), the minimal harness
//! with short limits, three quick bundled tasks, in the sandbox. Each trial must make a real
//! tool call that runs, end within its limits, record usage and export a trajectory that
//! Harbor's validator accepts. Rewards are printed, not asserted: a 1.5B model is weak.
//!
//! Skipped (with `skipped: ...` printed) when the model is not set up, unless
//! `HARNESS_REQUIRE_REAL_MODEL=1`, which the test command sets, makes that a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use assert_cmd::Command;
use harness_testkit::llama_server::{LlamaOptions, LlamaServer, MODEL_NAME, RealModel};
use harness_trace::harbor::HarborValidator;
use serde_json::Value;

/// Quick held-in tasks whose first step is a natural shell command.
const TASKS: [&str; 3] = [
    "misnamed-bundle",
    "docs-whitespace-cleanup",
    "git-untrack-artifacts",
];

/// The limits the minimal harness runs with here: few turns, short answers, a context the
/// server's fits.
const MAX_TURNS: u64 = 4;
const MAX_OUTPUT_TOKENS: u64 = 160;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn harness() -> Command {
    Command::cargo_bin("harness").unwrap()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The minimal harness with the limits above, in `dir`.
fn short_minimal_harness(dir: &Path) -> PathBuf {
    let source = repo().join("examples/harnesses/minimal");
    let target = dir.join("minimal");
    for entry in walk(&source) {
        let relative = entry.strip_prefix(&source).unwrap();
        let dest = target.join(relative);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &dest).unwrap();
    }
    let manifest = target.join("harness.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut changed = text.clone();
    for (from, to) in [
        (
            "max_output_tokens: 4096",
            format!("max_output_tokens: {MAX_OUTPUT_TOKENS}"),
        ),
        ("max_turns: 40", format!("max_turns: {MAX_TURNS}")),
        ("max_tool_calls: 80", "max_tool_calls: 8".to_owned()),
        ("wall_time_sec: 900", "wall_time_sec: 240".to_owned()),
        ("context_window: 128000", "context_window: 8192".to_owned()),
    ] {
        assert!(
            changed.contains(from),
            "the minimal harness no longer has `{from}`"
        );
        changed = changed.replace(from, &to);
    }
    std::fs::write(&manifest, changed).unwrap();
    target
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn the_reference_agent_runs_bundled_tasks_with_a_real_model() {
    let model = match RealModel::for_test() {
        Ok(Some(model)) => model,
        Ok(None) => return,
        Err(why) => panic!("{why}"),
    };
    let work = tempfile::tempdir().unwrap();
    // One slot per trial, the three trials at once: batched decoding on a CPU costs little
    // more than one sequence.
    let mut options = LlamaOptions::new(work.path().join("logs"));
    options.slots = TASKS.len() as u32;
    let server = LlamaServer::start(&model, &options).unwrap();
    let harness_dir = short_minimal_harness(work.path());
    let out = work.path().join("runs");
    let started = Instant::now();
    let run = harness()
        .current_dir(repo())
        .args(["run", "--suite", "examples/suites/terminal-lite", "--tasks"])
        .arg(TASKS.join(","))
        .args(["--agent", "builtin", "--harness"])
        .arg(&harness_dir)
        .args(["--model", &format!("openai:{MODEL_NAME}")])
        .args(["--base-url", server.base_url()])
        .args(["--jobs", &TASKS.len().to_string()])
        .args(["--job-name", "j", "--max-retries", "0", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let wall = started.elapsed();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!(
        "harness run ({:.0} s, {} thread(s)):\n{stdout}",
        wall.as_secs_f64(),
        server.threads()
    );
    assert_eq!(
        run.status.code(),
        Some(0),
        "{stderr}\n{}",
        server.log_tail()
    );

    let job = out.join("j");
    let atif = work.path().join("atif");
    harness()
        .args(["traces", "export"])
        .arg(&job)
        .args(["--format", "atif", "--out"])
        .arg(&atif)
        .assert()
        .code(0);

    let mut trajectories = Vec::new();
    for task in TASKS {
        let trial = job.join(format!("{task}__0"));
        let result = read_json(&trial.join("result.json"));
        // Ended by the agent or by a limit, never by a model or infrastructure error.
        let outcome = result["outcome"].as_str().unwrap_or_default().to_owned();
        assert!(
            !["model_error", "infra_error", "infrastructure_error"].contains(&outcome.as_str()),
            "{task}: {result}"
        );
        let agent = &result["agent_result"];
        assert!(
            agent["n_input_tokens"].as_u64().unwrap() > 0,
            "{task}: {result}"
        );
        assert!(
            agent["n_output_tokens"].as_u64().unwrap() > 0,
            "{task}: {result}"
        );

        let file = find_trajectory(&atif, task);
        let trajectory = read_json(&file);
        let steps = trajectory["steps"].as_array().unwrap();
        // Model calls, not the copies of earlier turns a later request carried.
        let agent_steps: Vec<&Value> = steps
            .iter()
            .filter(|s| s["source"] == "agent" && s["llm_call_count"] == 1)
            .collect();
        assert!(
            agent_steps.len() as u64 <= MAX_TURNS,
            "{task}: {} model turns",
            agent_steps.len()
        );
        // At least one real tool call that ran in the sandbox and has its observation.
        let ran = agent_steps.iter().any(|step| {
            step["tool_calls"]
                .as_array()
                .is_some_and(|calls| calls.iter().any(|c| c["function_name"] == "shell"))
                && step["observation"]["results"]
                    .as_array()
                    .is_some_and(|results| !results.is_empty())
        });
        assert!(ran, "{task}: no shell call ran: {trajectory}");
        for step in &agent_steps {
            let completion = step["metrics"]["completion_tokens"].as_u64().unwrap_or(0);
            assert!(completion <= MAX_OUTPUT_TOKENS, "{task}: {step}");
        }
        assert!(
            trajectory["final_metrics"]["total_prompt_tokens"]
                .as_u64()
                .unwrap()
                > 0
        );
        println!(
            "{task}: reward {}, outcome {outcome}, {} turns, {} prompt + {} completion tokens",
            result["verifier_result"]["rewards"]["reward"],
            agent_steps.len(),
            agent["n_input_tokens"],
            agent["n_output_tokens"],
        );
        trajectories.push(file);
    }

    // Harbor's own validator accepts every trajectory.
    if let Some(validator) =
        HarborValidator::for_test(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap()
    {
        for file in &trajectories {
            validator
                .validate(file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        }
    }

    // Every request bounded its output and went to the real server.
    let exchanges = server.proxy().exchanges();
    assert!(exchanges.len() >= TASKS.len());
    for exchange in &exchanges {
        assert_eq!(exchange.request.body["max_tokens"], MAX_OUTPUT_TOKENS);
        assert_eq!(exchange.status, 200, "{}", exchange.response);
    }

    // The LLM proposer on the weakness report of that run, with canaries planted where it
    // must never look: a test-split trial in the run's trace store and the verifiers' output.
    let canary_test = "CANARY-SEALED-7d1e";
    let canary_verifier = "CANARY-VERIFIER-52ab";
    plant_test_split_canary(&job, canary_test);
    for task in TASKS {
        let verifier = job.join(format!("{task}__0")).join("verifier");
        std::fs::create_dir_all(&verifier).unwrap();
        std::fs::write(verifier.join("canary.txt"), canary_verifier).unwrap();
    }
    let before = exchanges.len();
    let proposals = work.path().join("proposals");
    let started = Instant::now();
    let propose = harness()
        .arg("propose")
        .arg(&job)
        .arg("--harness")
        .arg(&harness_dir)
        .args([
            "--proposer",
            "llm",
            "--model",
            &format!("openai:{MODEL_NAME}"),
        ])
        .args(["--base-url", server.base_url()])
        .args(["-k", "1", "--max-turns", &PROPOSER_TURNS.to_string()])
        .args(["--max-tokens", "384", "--report-tokens", "1200", "--out"])
        .arg(&proposals)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&propose.stdout);
    println!(
        "harness propose --proposer llm ({:.0} s):\n{stdout}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        propose.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&propose.stderr),
        server.log_tail()
    );
    // Proposals that passed the guards, or refusals with reasons, or a note saying why none.
    let written: Vec<PathBuf> = std::fs::read_dir(&proposals)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    for file in &written {
        let text = std::fs::read_to_string(file).unwrap();
        if file.file_name().is_some_and(|n| n == "rejected.yaml") {
            assert!(text.contains("violations"), "{text}");
        } else {
            let proposal: harness_proposer::Proposal = serde_yaml::from_str(&text).unwrap();
            assert_eq!(proposal.proposer, "llm");
        }
    }
    assert!(
        !written.is_empty() || stdout.contains("turn") || stdout.contains("submission"),
        "neither proposals nor a note: {stdout}"
    );
    let proposer_requests = &server.proxy().exchanges()[before..];
    assert!(!proposer_requests.is_empty());
    assert!(proposer_requests.len() <= PROPOSER_TURNS as usize + 1);
    for exchange in proposer_requests {
        let body = exchange.request.body.to_string();
        assert!(
            !body.contains(canary_test),
            "the sealed split reached the proposer"
        );
        assert!(
            !body.contains(canary_verifier),
            "verifier output reached the proposer"
        );
        assert_eq!(exchange.request.body["max_tokens"], 384);
    }
    // Its tokens went to the run's ledger under their own heading.
    let ledger = std::fs::read_to_string(job.join("ledger.jsonl")).unwrap();
    assert!(ledger.contains("\"proposer\""), "{ledger}");
}

/// Turns the proposer may take with the real model.
const PROPOSER_TURNS: u32 = 3;

/// A copy of one of the run's traces, moved to the test split with `canary` as the output of
/// its tool calls: a proposer that read the test split would carry it.
fn plant_test_split_canary(job: &Path, canary: &str) {
    use harness_trace::{Event, RunStore, TraceStore, TrialFilter, TrialId};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = RunStore::open_existing(job).unwrap();
        let listed = store.list(&TrialFilter::new()).await.unwrap();
        let mut trace = store.get(&listed[0].trial_id).await.unwrap();
        trace.header.trial_id = TrialId::scoped(&trace.header.run_id, "word-frequency-report__0");
        trace.header.task_id = "word-frequency-report".into();
        trace.header.split = harness_types::Split::Test;
        for line in &mut trace.steps {
            if let Event::ToolCall(call) = &mut line.event {
                call.output = harness_trace::ToolOutput::inline(canary);
            }
        }
        store.put(&trace).await.unwrap();
    });
}

/// The exported trajectory of `task`'s first trial.
fn find_trajectory(atif: &Path, task: &str) -> PathBuf {
    walk(atif)
        .into_iter()
        .find(|path| {
            path.file_name().is_some_and(|n| n == "trajectory.json")
                && path.to_string_lossy().contains(&format!("{task}__0"))
        })
        .unwrap_or_else(|| panic!("no trajectory for {task} under {}", atif.display()))
}
