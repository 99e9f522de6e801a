//! The verifier phase: after the agent, switch the sandbox to its verifier phase, mount
//! `tests/`, run `bash <tests>/test.sh` from WORKDIR under the verifier timeout (offline shims
//! on PATH), then read the reward from the host side.
//!
//! Nothing the agent could write, other than WORKDIR, is an input here:
//! [`Sandbox::enter_verifier_phase`] kills every process of the agent phase and gives the
//! verifier fresh logs, HOME and TMPDIR directories made from the host side; the shims are a
//! read-only mount made after that; the environment is built anew (no variable of the agent
//! phase carries over), with `PYTHONNOUSERSITE=1` (no user site to import from) and
//! `PYTHONDONTWRITEBYTECODE=1` (the verifier leaves no bytecode in WORKDIR or the tests). Any setup
//! step that fails is an infrastructure error, never a pass. See `docs/reward-integrity.md`.
//!
//! [`Sandbox::enter_verifier_phase`]: harness_sandbox::Sandbox::enter_verifier_phase

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use harness_sandbox::{ExecOptions, ExecOutput, ExitStatus, MountKind, Sandbox};

use crate::TaskError;
use crate::checksum::task_checksum;
use crate::reward::{RewardRead, read_rewards};
use crate::shims::OfflineShims;
use crate::task::Task;
use crate::transcript::VerifierTranscript;
use crate::words::shell_quote;

/// Most bytes of test.sh output kept per stream.
pub const VERIFIER_OUTPUT_CAP: usize = 4 << 20;

/// How the verifier ended.
#[derive(Debug)]
pub enum VerifierOutcome {
    /// test.sh finished and the reward files were read (which may find none).
    Finished(RewardRead),
    /// test.sh ran past the verifier timeout.
    TimedOut(Duration),
    /// The verifier was not run because WORKDIR could not be made safe to verify (say, too
    /// large to check for links into the verifier's directories): the agent's outcome, scored
    /// as a failure.
    Refused(String),
}

/// What `execute` did.
enum Executed {
    Ran(ExecOutput),
    Refused(String),
}

/// Everything one verifier run produced.
#[derive(Debug)]
pub struct VerifierRun {
    /// What the run means for scoring; errors name the task and file.
    pub outcome: Result<VerifierOutcome, TaskError>,
    /// test.sh's output, for humans only; `None` when test.sh could not be started.
    pub transcript: Option<VerifierTranscript>,
    /// test.sh's exit code, if it exited.
    pub exit_code: Option<i32>,
    /// Wall-clock time of the phase.
    pub duration: Duration,
    /// What the sandbox changed in WORKDIR before the verifier ran (links into the verifier's
    /// directories it removed), for the trial's record.
    pub notes: Vec<String>,
}

/// The verifier's logs folder inside the sandbox.
pub fn verifier_logs_dir(sandbox: &dyn Sandbox) -> String {
    format!("{}/verifier", sandbox.paths().logs.trim_end_matches('/'))
}

/// Run the task's verifier in the sandbox. `offline` puts the shims on PATH.
pub async fn run_verifier(
    task: &Task,
    sandbox: &dyn Sandbox,
    timeout: Duration,
    offline: bool,
) -> VerifierRun {
    let started = Instant::now();
    let mut notes = Vec::new();
    let (outcome, transcript, exit_code) =
        match execute(task, sandbox, timeout, offline, &mut notes).await {
            Err(e) => (Err(e), None, None),
            Ok(Executed::Refused(why)) => (Ok(VerifierOutcome::Refused(why)), None, None),
            Ok(Executed::Ran(output)) => {
                let exit_code = match output.status {
                    ExitStatus::Code(c) => Some(c),
                    ExitStatus::Signal(_) => None,
                };
                let outcome = if output.timed_out {
                    Ok(VerifierOutcome::TimedOut(timeout))
                } else {
                    read_rewards(sandbox, &verifier_logs_dir(sandbox), &task.id)
                        .await
                        .map(VerifierOutcome::Finished)
                };
                (
                    outcome,
                    Some(VerifierTranscript::from_output(&output)),
                    exit_code,
                )
            }
        };
    VerifierRun {
        outcome,
        transcript,
        exit_code,
        duration: started.elapsed(),
        notes,
    }
}

async fn execute(
    task: &Task,
    sandbox: &dyn Sandbox,
    timeout: Duration,
    offline: bool,
    notes: &mut Vec<String>,
) -> Result<Executed, TaskError> {
    let sandbox_err = |source| TaskError::Sandbox {
        task: task.id.clone(),
        phase: "verifier".into(),
        source,
    };
    let phase = sandbox.enter_verifier_phase().await.map_err(sandbox_err)?;
    notes.extend(phase.removed_links.iter().map(|link| {
        format!("verifier: removed a link from WORKDIR into the verifier's directories: {link}")
    }));
    if phase.links_check_truncated {
        // Fail closed: an unchecked link could let the agent's files stand in for the tests'.
        return Ok(Executed::Refused(
            "WORKDIR could not be checked in full for links into the verifier's directories \
             (too many entries, or unreadable directories)"
                .to_owned(),
        ));
    }
    let tests = sandbox
        .mount(MountKind::Tests, &task.tests_dir())
        .await
        .map_err(sandbox_err)?;
    // The tests the verifier is about to run must be the ones the suite was loaded with: on a
    // backend that does not hide the suite (`local`), an agent could have edited them. The
    // copy is checked where the backend shows it on the host, else the source.
    let copy = sandbox
        .host_paths()
        .map_or_else(|| task.tests_dir(), |p| std::path::PathBuf::from(p.tests));
    let now = tokio::task::spawn_blocking(move || task_checksum(&copy))
        .await
        .map_err(|e| TaskError::io(task.tests_dir(), std::io::Error::other(e.to_string())))??;
    if now != task.tests_checksum {
        return Ok(Executed::Refused(format!(
            "the task's tests/ changed since the suite was loaded (sha256 {} then, {now} now)",
            task.tests_checksum
        )));
    }
    let shims = match offline {
        true => Some(OfflineShims::install(sandbox).await.map_err(sandbox_err)?),
        false => None,
    };
    let mut command = format!(
        "bash {tests}/test.sh",
        tests = shell_quote(tests.trim_end_matches('/')),
    );
    if let Some(s) = &shims {
        command = s.wrap(&command);
    }
    let mut env: BTreeMap<String, String> = task.config.verifier.env.clone();
    env.extend(VERIFIER_PYTHON_ENV.map(|(k, v)| (k.to_owned(), v.to_owned())));
    env.insert("TEST_DIR".into(), tests.clone());
    env.insert("LOGS_DIR".into(), sandbox.paths().logs);
    let options = ExecOptions {
        env,
        timeout,
        output_cap: VERIFIER_OUTPUT_CAP,
        ..ExecOptions::default()
    };
    sandbox
        .exec(&command, options)
        .await
        .map(Executed::Ran)
        .map_err(sandbox_err)
}

/// Python settings of every verifier run: no user site directory (a `usercustomize.py`
/// there would run first) and no bytecode written into WORKDIR or the tests.
pub const VERIFIER_PYTHON_ENV: [(&str, &str); 2] =
    [("PYTHONNOUSERSITE", "1"), ("PYTHONDONTWRITEBYTECODE", "1")];
