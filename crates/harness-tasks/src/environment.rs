//! Building a task's environment inside a fresh sandbox: check the declared requirements, then
//! execute the [`BuildPlan`](crate::dockerfile::BuildPlan)'s steps (mkdir for WORKDIR, COPY from the build context, RUN with
//! the offline shims on PATH) under the build timeout.
//!
//! Paths in the plan are the task's (`/app/...`); [`PathMapper`](crate::environment::PathMapper) maps the Harbor directories to
//! the sandbox's own (identity on bwrap, host temp dirs on local).

use std::time::{Duration, Instant};

use harness_sandbox::{ExecOptions, ExitStatus, Sandbox, SandboxError, SandboxPaths};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::TaskError;
use crate::dockerfile::{BuildPlan, BuildStep};
use crate::requirements::{self, RequirementReport};
use crate::shims::OfflineShims;
use crate::task::{DOCKERFILE, Task};
use crate::words::shell_quote;

/// Most bytes of output kept per RUN line.
const RUN_OUTPUT_CAP: usize = 1 << 20;

/// Maps task paths (`/app/x`, `/logs/x`) to the sandbox's paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathMapper {
    task_workdir: String,
    paths: SandboxPaths,
}

impl PathMapper {
    /// A mapper for a task whose WORKDIR is `task_workdir` in a sandbox with `paths`.
    pub fn new(task_workdir: &str, paths: &SandboxPaths) -> Self {
        Self {
            task_workdir: task_workdir.trim_end_matches('/').to_owned(),
            paths: paths.clone(),
        }
    }

    /// The sandbox path for a task path; paths outside the Harbor directories are unchanged.
    pub fn map(&self, path: &str) -> String {
        let pairs = [
            (self.task_workdir.as_str(), self.paths.workdir.as_str()),
            ("/logs", self.paths.logs.as_str()),
            ("/tests", self.paths.tests.as_str()),
            ("/solution", self.paths.solution.as_str()),
        ];
        for (from, to) in pairs {
            if from.is_empty() {
                continue;
            }
            if path == from {
                return to.to_owned();
            }
            if let Some(rest) = path.strip_prefix(from)
                && rest.starts_with('/')
            {
                return format!("{}{rest}", to.trim_end_matches('/'));
            }
        }
        path.to_owned()
    }
}

/// What a build did, for the trial's records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BuildReport {
    /// Notes from the plan and the requirement check.
    pub notes: Vec<String>,
    /// Requirement check result.
    pub requirements: RequirementReport,
    /// Output of the RUN lines, in order (capped per line).
    pub log: String,
}

/// Build `plan` for `task` in `sandbox`. `offline` puts the shims on PATH for RUN lines.
/// `report` collects notes and output as the build goes, so a failed build keeps its log.
pub async fn build_environment(
    task: &Task,
    plan: &BuildPlan,
    sandbox: &dyn Sandbox,
    offline: bool,
    report: &mut BuildReport,
) -> Result<(), TaskError> {
    let deadline = Instant::now() + task.limits.build_timeout;
    report.notes.extend(plan.notes.iter().cloned());
    let sandbox_err = |source: SandboxError| TaskError::Sandbox {
        task: task.id.clone(),
        phase: "environment".into(),
        source,
    };
    let build_err = |line: usize, problem: String| TaskError::Build {
        task: task.id.clone(),
        file: DOCKERFILE.into(),
        line,
        problem,
    };
    let remaining = |line: usize| {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                build_err(
                    line,
                    format!("build timeout of {:?} exceeded", task.limits.build_timeout),
                )
            })
    };

    if !plan.requirements.is_empty() {
        let options = ExecOptions {
            timeout: remaining(0)?.min(Duration::from_secs(120)),
            ..ExecOptions::default()
        };
        report.requirements = requirements::check(sandbox, &plan.requirements, options)
            .await
            .map_err(sandbox_err)?;
        for r in &report.requirements.present {
            report.notes.push(format!(
                "line {}: requirement {r} is present on this host (any version accepted)",
                r.line
            ));
        }
        if !report.requirements.missing.is_empty() {
            let missing: Vec<String> = report
                .requirements
                .missing
                .iter()
                .map(|r| format!("{r} (line {})", r.line))
                .collect();
            return Err(TaskError::MissingRequirements {
                task: task.id.clone(),
                file: DOCKERFILE.into(),
                missing: missing.join(", "),
            });
        }
    }

    let paths = sandbox.paths();
    let mapper = PathMapper::new(&plan.workdir, &paths);
    let needs_shims = offline
        && plan
            .steps
            .iter()
            .any(|s| matches!(s, BuildStep::Run { .. }));
    let shims = match needs_shims {
        true => Some(OfflineShims::install(sandbox).await.map_err(sandbox_err)?),
        false => None,
    };
    let result = run_steps(
        task,
        plan,
        sandbox,
        &mapper,
        shims.as_ref(),
        report,
        &remaining,
    )
    .await;
    // The shims stay mounted read-only but leave PATH with the build: the agent sees the
    // environment as the task built it.
    result
}

async fn run_steps(
    task: &Task,
    plan: &BuildPlan,
    sandbox: &dyn Sandbox,
    mapper: &PathMapper,
    shims: Option<&OfflineShims>,
    report: &mut BuildReport,
    remaining: &(dyn Fn(usize) -> Result<Duration, TaskError> + Sync),
) -> Result<(), TaskError> {
    let build_err = |line: usize, problem: String| TaskError::Build {
        task: task.id.clone(),
        file: DOCKERFILE.into(),
        line,
        problem,
    };
    let context = task.environment_dir();
    for step in &plan.steps {
        match step {
            BuildStep::MakeDir { line, path } => {
                mkdir(sandbox, &mapper.map(path), remaining(*line)?)
                    .await
                    .map_err(|p| build_err(*line, p))?;
            }
            BuildStep::Copy {
                line,
                keyword,
                sources,
                dest,
                into_dir,
            } => {
                let dest = mapper.map(dest);
                for source in sources {
                    let host = context.join(source);
                    let dir_source = host.is_dir();
                    let parent = if *into_dir || dir_source {
                        dest.clone()
                    } else {
                        parent_of(&dest)
                    };
                    mkdir(sandbox, &parent, remaining(*line)?)
                        .await
                        .map_err(|p| build_err(*line, p))?;
                    let target = if *into_dir && !dir_source {
                        format!("{}/", dest.trim_end_matches('/'))
                    } else {
                        dest.clone()
                    };
                    sandbox.copy_in(&host, &target).await.map_err(|e| {
                        build_err(*line, format!("{keyword} {source} to {dest}: {e}"))
                    })?;
                }
            }
            BuildStep::Run {
                line,
                command,
                env,
                cwd,
            } => {
                // WORKDIR steps already made the directory.
                let cwd = mapper.map(cwd);
                let script = match shims {
                    Some(s) => s.wrap(command),
                    None => command.clone(),
                };
                let options = ExecOptions {
                    cwd: Some(cwd),
                    env: env.clone(),
                    timeout: remaining(*line)?,
                    output_cap: RUN_OUTPUT_CAP,
                    ..ExecOptions::default()
                };
                let out = sandbox
                    .exec(&script, options)
                    .await
                    .map_err(|e| build_err(*line, format!("RUN could not start: {e}")))?;
                let stdout = out.stdout.text_with_marker();
                let stderr = out.stderr.text_with_marker();
                report.log.push_str(&format!(
                    "--- line {line}: RUN {command}\n{stdout}{stderr}\n"
                ));
                if out.timed_out {
                    return Err(build_err(
                        *line,
                        format!(
                            "RUN timed out (build timeout {:?})",
                            task.limits.build_timeout
                        ),
                    ));
                }
                if !out.status.success() {
                    return Err(build_err(
                        *line,
                        format!(
                            "RUN ended with {}; output ends with: {}",
                            describe_status(out.status),
                            tail(&format!("{stdout}{stderr}"), 600)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

async fn mkdir(sandbox: &dyn Sandbox, path: &str, timeout: Duration) -> Result<(), String> {
    if path == sandbox.paths().workdir {
        return Ok(());
    }
    let options = ExecOptions {
        timeout: timeout.min(Duration::from_secs(60)),
        ..ExecOptions::default()
    };
    let out = sandbox
        .exec(&format!("mkdir -p {}", shell_quote(path)), options)
        .await
        .map_err(|e| format!("cannot create {path}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "cannot create {path}: {}",
            out.stderr.text_with_marker().trim()
        ))
    }
}

/// `exit code 3` or `signal 9`.
pub(crate) fn describe_status(status: ExitStatus) -> String {
    match status {
        ExitStatus::Code(c) => format!("exit code {c}"),
        ExitStatus::Signal(s) => format!("signal {s}"),
    }
}

fn parent_of(path: &str) -> String {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) | None => "/".to_owned(),
        Some((parent, _)) => parent.to_owned(),
    }
}

/// The last `max` characters of `text`, trimmed.
fn tail(text: &str, max: usize) -> String {
    let t = text.trim();
    let count = t.chars().count();
    if count <= max {
        return t.to_owned();
    }
    let skip = count - max;
    format!("...{}", t.chars().skip(skip).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_harbor_paths() {
        let paths = SandboxPaths {
            workdir: "/tmp/s/work".into(),
            logs: "/tmp/s/logs".into(),
            tests: "/tmp/s/tests".into(),
            solution: "/tmp/s/solution".into(),
            tools: "/tmp/s/tools".into(),
        };
        let m = PathMapper::new("/app", &paths);
        assert_eq!(m.map("/app"), "/tmp/s/work");
        assert_eq!(m.map("/app/sub/x"), "/tmp/s/work/sub/x");
        assert_eq!(m.map("/application"), "/application");
        assert_eq!(m.map("/logs/verifier"), "/tmp/s/logs/verifier");
        assert_eq!(m.map("/usr/bin"), "/usr/bin");
        let identity = SandboxPaths {
            workdir: "/app".into(),
            logs: "/logs".into(),
            tests: "/tests".into(),
            solution: "/solution".into(),
            tools: "/.harness-tools".into(),
        };
        assert_eq!(PathMapper::new("/app", &identity).map("/app/x"), "/app/x");
    }

    #[test]
    fn helpers() {
        assert_eq!(parent_of("/app/x.txt"), "/app");
        assert_eq!(parent_of("/x"), "/");
        assert_eq!(tail("abcdef", 3), "...def");
    }
}
