//! One Harbor task dir, loaded and validated: `task.toml`, `instruction.md`, `environment/`
//! (Dockerfile and build context), `tests/` (with `test.sh`), `solution/` (optional; the oracle
//! needs `solve.sh`). The task id is the folder name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use harness_sandbox::EnvironmentSpec;

use crate::TaskError;
use crate::abspaths::{self, AbsolutePathUse};
use crate::checksum::task_checksum;
use crate::config::{TaskConfig, TaskLimits};
use crate::dockerfile::{BuildPlan, Dockerfile};
use crate::words::docker_words;
use harness_types::TaskChecksum;

/// Path of the config file inside a task dir.
pub const TASK_TOML: &str = "task.toml";
/// Path of the instruction inside a task dir.
pub const INSTRUCTION_MD: &str = "instruction.md";
/// Path of the Dockerfile inside a task dir.
pub const DOCKERFILE: &str = "environment/Dockerfile";
/// Path of the verifier entry point inside a task dir.
pub const TEST_SH: &str = "tests/test.sh";
/// Path of the oracle's entry point inside a task dir.
pub const SOLVE_SH: &str = "solution/solve.sh";

/// A loaded task.
#[derive(Debug, Clone)]
pub struct Task {
    /// Folder name.
    pub id: String,
    /// Absolute task dir.
    pub dir: PathBuf,
    /// task.toml as written.
    pub config: TaskConfig,
    /// Timeouts and resources with defaults applied.
    pub limits: TaskLimits,
    /// instruction.md.
    pub instruction: String,
    /// The parsed Dockerfile, if the task has one.
    pub dockerfile: Option<Dockerfile>,
    /// The build plan resolved without a sandbox (variables from the base environment are
    /// empty here; [`Task::plan_with_base`] fills them in).
    pub plan: BuildPlan,
    /// sha256 over the task's files; see [`crate::checksum`].
    pub checksum: TaskChecksum,
    /// sha256 over `tests/` alone, taken at load: the verifier refuses tests that changed
    /// since (on a backend that does not hide the suite, an agent could edit them).
    pub tests_checksum: TaskChecksum,
    /// Where the task uses Harbor absolute paths; non-empty means it needs a backend that
    /// mounts them.
    pub absolute_paths: Vec<AbsolutePathUse>,
}

impl Task {
    /// Load and validate a task dir.
    pub fn load(dir: &Path) -> Result<Task, TaskError> {
        let dir = dir.canonicalize().map_err(|e| TaskError::io(dir, e))?;
        let id = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let missing = |file: &str, why: &str| TaskError::MissingFile {
            task: id.clone(),
            file: file.to_owned(),
            why: why.to_owned(),
        };
        // Every file read here is bounded (a task dir may come from anyone).
        let read = |file: &str, why: &str| -> Result<String, TaskError> {
            let path = dir.join(file);
            match harness_core::read_config(&path) {
                Ok(text) => Ok(text),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(missing(file, why)),
                Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => Err(TaskError::Parse {
                    task: id.clone(),
                    file: file.to_owned(),
                    message: e.to_string(),
                }),
                Err(e) => Err(TaskError::io(path, e)),
            }
        };
        let config = TaskConfig::parse(
            &read(TASK_TOML, "every task needs its config (task.toml)")?,
            &id,
            TASK_TOML,
        )?;
        let limits = config.limits(&id, TASK_TOML)?;
        let instruction = read(INSTRUCTION_MD, "the agent's instruction")?;
        if !dir.join(TEST_SH).is_file() {
            return Err(missing(TEST_SH, "the verifier's entry point"));
        }
        let dockerfile = if dir.join(DOCKERFILE).is_file() {
            Some(Dockerfile::parse(&read(DOCKERFILE, "")?, &id, DOCKERFILE)?)
        } else {
            None
        };
        let mut task = Task {
            checksum: task_checksum(&dir)?,
            tests_checksum: task_checksum(&dir.join("tests"))?,
            id,
            dir,
            config,
            limits,
            instruction,
            dockerfile,
            plan: BuildPlan::default(),
            absolute_paths: Vec::new(),
        };
        task.plan = task.plan_with_base(&|_| None)?;
        task.absolute_paths = task.scan_absolute_paths();
        Ok(task)
    }

    /// Resolve the Dockerfile with `base` answering variables it does not define (the
    /// sandbox's base environment).
    pub fn plan_with_base(
        &self,
        base: &dyn Fn(&str) -> Option<String>,
    ) -> Result<BuildPlan, TaskError> {
        match &self.dockerfile {
            Some(d) => d.plan(&self.id, DOCKERFILE, &self.environment_dir(), base),
            None => {
                let mut plan = BuildPlan {
                    workdir: crate::dockerfile::DEFAULT_WORKDIR.to_owned(),
                    base_image: self.config.environment.docker_image.clone(),
                    ..BuildPlan::default()
                };
                plan.notes.push(format!(
                    "no {DOCKERFILE}: nothing to build, WORKDIR {}",
                    plan.workdir
                ));
                Ok(plan)
            }
        }
    }

    fn scan_absolute_paths(&self) -> Vec<AbsolutePathUse> {
        let workdir = &self.plan.workdir;
        let mut found = abspaths::scan_text(INSTRUCTION_MD, &self.instruction, workdir, false);
        for sub in ["environment", "tests", "solution"] {
            found.extend(abspaths::scan_dir(&self.dir, &self.dir.join(sub), workdir));
        }
        found
    }

    /// The build context (`environment/`).
    pub fn environment_dir(&self) -> PathBuf {
        self.dir.join("environment")
    }

    /// `tests/`.
    pub fn tests_dir(&self) -> PathBuf {
        self.dir.join("tests")
    }

    /// `solution/`.
    pub fn solution_dir(&self) -> PathBuf {
        self.dir.join("solution")
    }

    /// `metadata.category`, if set.
    pub fn category(&self) -> Option<&str> {
        self.config.metadata_str("category")
    }

    /// `metadata.difficulty`, if set.
    pub fn difficulty(&self) -> Option<&str> {
        self.config.metadata_str("difficulty")
    }

    /// Whether the task needs a backend that mounts the Harbor absolute paths.
    pub fn requires_absolute_paths(&self) -> bool {
        !self.absolute_paths.is_empty()
    }

    /// A short human list of the first absolute-path uses, for error messages.
    pub fn absolute_path_summary(&self) -> String {
        let mut parts: Vec<String> = self
            .absolute_paths
            .iter()
            .take(3)
            .map(|u| format!("{} line {} uses {}", u.file, u.line, u.literal))
            .collect();
        if self.absolute_paths.len() > 3 {
            parts.push(format!("{} more", self.absolute_paths.len() - 3));
        }
        parts.join("; ")
    }

    /// The host variables that `[environment] env` entries refer to (`${VAR}`,
    /// `${VAR:-default}`), as (entry name, variable name) pairs.
    pub fn host_env_references(&self) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for (key, template) in &self.config.environment.env {
            let mut names = Vec::new();
            let _ = docker_words(template, false, &mut |name| {
                names.push(name.to_owned());
                None
            });
            found.extend(names.into_iter().map(|name| (key.clone(), name)));
        }
        found
    }

    /// Refuse `[environment] env` entries that would copy a host variable not on `allowed`
    /// into the sandbox (from where it reaches commands, traces and logs). The error names the
    /// task, the file, the entry and the variable.
    pub fn check_host_env(&self, allowed: &BTreeSet<String>) -> Result<(), TaskError> {
        let refused: Vec<(String, String)> = self
            .host_env_references()
            .into_iter()
            .filter(|(_, name)| !allowed.contains(name))
            .collect();
        let Some((key, _)) = refused.first() else {
            return Ok(());
        };
        let names: Vec<&str> = refused.iter().map(|(_, n)| n.as_str()).collect();
        Err(TaskError::InvalidField {
            task: self.id.clone(),
            file: "task.toml".to_owned(),
            field: format!("environment.env.{key}"),
            problem: format!(
                "refers to host variable{} {} that {} not allowed into the sandbox; allow each \
                 one explicitly (`harness run --allow-env NAME`) if the task may see it",
                if names.len() > 1 { "s" } else { "" },
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if names.len() > 1 { "are" } else { "is" },
            ),
        })
    }

    /// What the sandbox must provide, from a plan (the static [`Task::plan`] or one resolved
    /// against a sandbox's base environment). `[environment] env` entries are resolved from the
    /// host environment (`${VAR}`, `${VAR:-default}`), as Harbor does, and win over ENV lines;
    /// only variables on `allowed_host_env` may be read (see [`Task::check_host_env`]).
    pub fn environment_spec(
        &self,
        plan: &BuildPlan,
        allowed_host_env: &BTreeSet<String>,
    ) -> Result<EnvironmentSpec, TaskError> {
        self.check_host_env(allowed_host_env)?;
        let mut env: BTreeMap<String, String> = plan.env.clone();
        for (key, template) in &self.config.environment.env {
            let value = docker_words(template, false, &mut |name| {
                if allowed_host_env.contains(name) {
                    std::env::var(name).ok()
                } else {
                    None
                }
            })
            .map(|w| w.concat())
            .unwrap_or_else(|_| template.clone());
            env.insert(key.clone(), value);
        }
        Ok(EnvironmentSpec {
            workdir: plan.workdir.clone(),
            env,
            requires_absolute_paths: self.requires_absolute_paths(),
            network: self.limits.network,
            memory_mb: self.limits.memory_mb,
            cpus: self.limits.cpus,
        })
    }
}
