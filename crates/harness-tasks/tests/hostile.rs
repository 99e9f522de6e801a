//! Reward integrity under attack: each script in `fixtures/hostile/` is run by the oracle
//! agent as the "solution" of a real task (so it runs with the agent's access, in the agent's
//! phase) and must not earn a reward: every trial scores 0 as an ordinary failure, never a
//! pass, and never an infrastructure error the agent could use to have a trial retried or
//! dropped. Scripts in `any/` attack a task that runs on every backend, scripts in `answer/` a
//! task whose test compares the agent's file with an expected file shipped in `tests/`
//! (`base/expected-answer`, every backend); scripts in `home/` a TB2-style task whose WORKDIR
//! is HOME (`base/home-workdir`, bwrap); scripts in `agent-code/` are the agent's code run by
//! the tests (`base/runs-agent-code`, every backend), which must not hang the harness or turn
//! the trial into an outcome left out of scores; scripts in `tb2/` attack a TB2-style task
//! (uvx pytest, `/app`), which needs bwrap.
//!
//! `docs/reward-integrity.md` lists each attack and why it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use harness_sandbox::{LocalOptions, LocalProvider, SandboxProvider};
use harness_tasks::{
    JobOptions, JobOutput, JobRunner, OracleAgent, OutcomeClass, Suite, TaskSelection,
};

/// Copy a task dir, replacing its solution with `script`.
fn hostile_task(base: &Path, script: &Path, dest: &Path) {
    copy_dir(base, dest);
    std::fs::copy(script, dest.join("solution/solve.sh")).unwrap();
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let target = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The attack scripts of one folder, sorted.
fn scripts(kind: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(common::fixtures("hostile").join(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no attacks in hostile/{kind}");
    found
}

/// A suite with one task per attack of `kind`, each built on the task at `base`.
fn hostile_suite(kind: &str, base: &Path, root: &Path) -> PathBuf {
    let suite = root.join(kind);
    for script in scripts(kind) {
        let name = script.file_stem().unwrap().to_string_lossy().into_owned();
        hostile_task(base, &script, &suite.join(name));
    }
    suite
}

/// Run the oracle over a suite. On `local`, one trial at a time: there, concurrent trials
/// share the host as one user, and an agent can write into a neighbour's verifier folder while
/// that neighbour is being verified (`docs/reward-integrity.md` says so); only bwrap keeps
/// concurrent trials apart.
async fn run_oracle(provider: Arc<dyn SandboxProvider>, suite_dir: &Path, job: &str) -> JobOutput {
    let suite = Suite::load(suite_dir).unwrap();
    let tasks = suite.select(&TaskSelection::default()).unwrap();
    // Outside the suite folder, which is scanned for tasks.
    let out = suite_dir.parent().unwrap().join(format!("runs-{job}"));
    let mut options = JobOptions::new(job);
    options.jobs = if provider.name() == "local" { 1 } else { 2 };
    JobRunner::new(provider, Arc::new(OracleAgent))
        .run(&suite, &tasks, &out, &options)
        .await
        .unwrap()
}

/// Every trial failed as a task (reward 0, outcome `fail`).
fn assert_all_failed(output: &JobOutput, backend: &str) {
    common::assert_trials(
        output,
        &format!("fail plainly on {backend} (reward 0, outcome fail)"),
        |t| t.reward == Some(0.0) && t.outcome == OutcomeClass::Fail,
    );
}

/// Every trial scored 0 and counts in the mean: not a pass, and not an outcome that is left
/// out of scores (model or infrastructure error). For attacks by the agent's code while the
/// verifier runs it, whose natural outcome is a verifier error or a missing reward.
fn assert_all_scored_zero(output: &JobOutput, backend: &str) {
    common::assert_trials(output, &format!("score 0 and count on {backend}"), |t| {
        t.reward.unwrap_or(0.0) == 0.0
            && !matches!(
                t.outcome,
                OutcomeClass::Pass
                    | OutcomeClass::Partial
                    | OutcomeClass::InfrastructureError
                    | OutcomeClass::ModelError
            )
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_code_run_by_the_tests_cannot_hang_or_escape_the_score() {
    let root = tempfile::tempdir().unwrap();
    let base = common::fixtures("hostile/base/runs-agent-code");
    let suite = hostile_suite("agent-code", &base, root.path());
    let mut providers = vec![local_in(&root.path().join("sandboxes"))];
    providers.extend(common::bwrap().await);
    for provider in providers {
        let name = provider.name().to_owned();
        // A reader that blocked on the FIFO would hang here; the bound makes that a failure.
        let output = tokio::time::timeout(
            std::time::Duration::from_secs(120),
            run_oracle(provider, &suite, &format!("agent-code-{name}")),
        )
        .await
        .unwrap_or_else(|_| panic!("{name}: the run hung on a reward file"));
        assert_all_scored_zero(&output, &name);
    }
}

/// A local provider whose sandboxes live under `base`: a local agent can write anywhere its
/// user can, including other sandboxes in the shared temp dir, so the attacks on `local` are
/// kept away from the bwrap trials that run beside them in this test binary.
fn local_in(base: &Path) -> Arc<dyn SandboxProvider> {
    Arc::new(LocalProvider::new(LocalOptions {
        base_dir: Some(base.to_path_buf()),
        ..LocalOptions::default()
    }))
}

fn word_frequency_task() -> PathBuf {
    common::bundled_suite_dir().join("word-frequency-report")
}

fn expected_answer_task() -> PathBuf {
    common::fixtures("hostile/base/expected-answer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacks_score_zero_on_local() {
    let root = tempfile::tempdir().unwrap();
    let suite = hostile_suite("any", &word_frequency_task(), root.path());
    let local = local_in(&root.path().join("sandboxes"));
    let output = run_oracle(local.clone(), &suite, "local").await;
    assert_all_failed(&output, "local");
    let suite = hostile_suite("answer", &expected_answer_task(), root.path());
    let output = run_oracle(local, &suite, "local-answer").await;
    assert_all_failed(&output, "local (expected-answer task)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacks_score_zero_on_bwrap() {
    let Some(provider) = common::bwrap().await else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let suite = hostile_suite("any", &word_frequency_task(), root.path());
    let output = run_oracle(provider.clone(), &suite, "bwrap").await;
    assert_all_failed(&output, "bwrap");

    let suite = hostile_suite("answer", &expected_answer_task(), root.path());
    let output = run_oracle(provider.clone(), &suite, "bwrap-answer").await;
    assert_all_failed(&output, "bwrap (expected-answer task)");
    for t in &output.trials {
        if t.task_name.starts_with("link-") {
            assert!(
                t.environment_notes
                    .iter()
                    .any(|n| n.contains("removed a link")),
                "{}: {:?}",
                t.task_name,
                t.environment_notes
            );
        }
    }

    let home = hostile_suite(
        "home",
        &common::fixtures("hostile/base/home-workdir"),
        root.path(),
    );
    let output = run_oracle(provider.clone(), &home, "bwrap-home").await;
    assert_all_failed(&output, "bwrap (WORKDIR is HOME)");

    let tb2 = hostile_suite(
        "tb2",
        &common::fixtures("tb2").join("status-report"),
        root.path(),
    );
    let output = run_oracle(provider, &tb2, "bwrap-tb2").await;
    assert_all_failed(&output, "bwrap (TB2 task)");
}

/// The attacks are real: the same base tasks pass with their own solution, so a zero above
/// is the attack failing, not the task being broken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn base_tasks_pass_with_their_solution() {
    let root = tempfile::tempdir().unwrap();
    let suite_dir = root.path().join("base");
    copy_dir(
        &word_frequency_task(),
        &suite_dir.join("word-frequency-report"),
    );
    copy_dir(&expected_answer_task(), &suite_dir.join("expected-answer"));
    copy_dir(
        &common::fixtures("hostile/base/runs-agent-code"),
        &suite_dir.join("runs-agent-code"),
    );
    let output = run_oracle(common::local(), &suite_dir, "local").await;
    common::assert_all_rewards(&output, 1.0);
    // The trial records how the task's memory request was enforced (`memory = "1G"` here).
    let answer = output
        .trials
        .iter()
        .find(|t| t.task_name == "expected-answer")
        .unwrap();
    let memory = answer
        .resource_limits
        .iter()
        .find(|l| l.resource == "memory")
        .unwrap();
    assert_eq!(memory.enforcement, harness_sandbox::Enforcement::Rlimit);
    assert_eq!(memory.value, Some(1 << 30));
    let on_disk =
        std::fs::read_to_string(output.dir.join("expected-answer__0/result.json")).unwrap();
    assert!(on_disk.contains("\"resource_limits\""), "{on_disk}");
    if let Some(provider) = common::bwrap().await {
        copy_dir(
            &common::fixtures("tb2").join("status-report"),
            &suite_dir.join("status-report"),
        );
        copy_dir(
            &common::fixtures("hostile/base/home-workdir"),
            &suite_dir.join("home-workdir"),
        );
        let output = run_oracle(provider, &suite_dir, "bwrap").await;
        common::assert_all_rewards(&output, 1.0);
    }
}
