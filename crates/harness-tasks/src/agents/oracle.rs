//! The `oracle` agent: runs the task's reference solution, as Harbor's oracle does. Its score
//! shows that a task is solvable in this environment (expected: 1.0 everywhere).

use async_trait::async_trait;
use harness_sandbox::{ExecOptions, MountKind};

use crate::TaskError;
use crate::agent::{Agent, AgentContext, AgentError, AgentOutcome, AgentStatus};
use crate::environment::describe_status;
use crate::shims::OfflineShims;
use crate::task::SOLVE_SH;
use crate::words::shell_quote;

/// Name of the oracle's log in the trial's `agent/` folder.
pub const ORACLE_LOG: &str = "oracle.txt";

/// Mounts `solution/` (MountKind::Solution) and runs `bash <solution>/solve.sh` from WORKDIR,
/// with `[solution] env` and the offline shims on PATH.
#[derive(Debug, Clone, Copy, Default)]
pub struct OracleAgent;

#[async_trait]
impl Agent for OracleAgent {
    fn name(&self) -> &str {
        "oracle"
    }

    fn version(&self) -> &str {
        env!("CARGO_PKG_VERSION")
    }

    fn needs_solution(&self) -> bool {
        true
    }

    async fn run(&self, ctx: AgentContext<'_>) -> Result<AgentOutcome, AgentError> {
        let task = &ctx.task.id;
        let Some(solution) = ctx.solution else {
            return Err(AgentError::failed(
                "the runner did not hand over the task's solution",
            ));
        };
        if !solution.dir.join("solve.sh").is_file() {
            return Err(AgentError::failed(
                TaskError::MissingFile {
                    task: task.clone(),
                    file: SOLVE_SH.into(),
                    why: "the oracle agent runs it".into(),
                }
                .to_string(),
            ));
        }
        let sandbox_err = AgentError::Sandbox;
        let inside = ctx
            .sandbox
            .mount(MountKind::Solution, &solution.dir)
            .await
            .map_err(sandbox_err)?;
        let shims = match solution.offline_shims {
            true => Some(
                OfflineShims::install(ctx.sandbox)
                    .await
                    .map_err(sandbox_err)?,
            ),
            false => None,
        };
        let mut command = format!(
            "bash {}/solve.sh",
            shell_quote(inside.trim_end_matches('/'))
        );
        if let Some(s) = &shims {
            command = s.wrap(&command);
        }
        let options = ExecOptions {
            env: solution.env.clone(),
            timeout: ctx.timeout,
            output_cap: 1 << 20,
            ..ExecOptions::default()
        };
        let out = ctx
            .sandbox
            .exec(&command, options)
            .await
            .map_err(sandbox_err)?;
        let log = format!(
            "$ bash solve.sh\n[{}, {:.1}s]\n--- stdout\n{}\n--- stderr\n{}\n",
            describe_status(out.status),
            out.duration.as_secs_f64(),
            out.stdout.text_with_marker(),
            out.stderr.text_with_marker()
        );
        let log_path = ctx.agent_dir.join(ORACLE_LOG);
        std::fs::write(&log_path, log).map_err(|e| AgentError::Io {
            path: log_path,
            source: e,
        })?;
        let status = if out.timed_out {
            AgentStatus::Timeout
        } else if out.status.success() {
            AgentStatus::Finished
        } else {
            AgentStatus::Error {
                message: format!("solve.sh ended with {}", describe_status(out.status)),
            }
        };
        Ok(AgentOutcome::with_status(status))
    }
}
