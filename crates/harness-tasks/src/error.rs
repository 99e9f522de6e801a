//! The one error type of this crate. Every message names the task (or suite), the file and the
//! field, line or content problem, so a user can fix a task dir without reading our code.

use std::path::PathBuf;

use harness_sandbox::SandboxError;

/// Everything that can go wrong while loading, building, running or scoring tasks.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// A required file or directory of a task is missing.
    #[error("task `{task}`: missing {file}: {why}")]
    MissingFile {
        /// Task id (folder name).
        task: String,
        /// Path relative to the task dir, e.g. `tests/test.sh`.
        file: String,
        /// What the file is for.
        why: String,
    },
    /// A file could not be parsed (TOML, YAML, JSON).
    #[error("task `{task}`: {file}: {message}")]
    Parse {
        /// Task id, or suite name for suite files.
        task: String,
        /// Path relative to the task or suite dir.
        file: String,
        /// The parser's message (it names the line and the key).
        message: String,
    },
    /// A field parsed but holds a value we cannot use.
    #[error("task `{task}`: {file}: field `{field}`: {problem}")]
    InvalidField {
        /// Task id.
        task: String,
        /// Path relative to the task dir.
        file: String,
        /// Dotted field name, e.g. `environment.memory`.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A Dockerfile line we cannot execute.
    #[error("task `{task}`: {file} line {line}: {instruction}: {problem}")]
    Dockerfile {
        /// Task id.
        task: String,
        /// Path relative to the task dir, usually `environment/Dockerfile`.
        file: String,
        /// 1-based line where the instruction starts.
        line: usize,
        /// The instruction keyword, e.g. `VOLUME`.
        instruction: String,
        /// What is wrong or unsupported.
        problem: String,
    },
    /// The environment build failed (a RUN line exited non-zero, a COPY source is missing, ...).
    #[error("task `{task}`: {file} line {line}: environment build failed: {problem}")]
    Build {
        /// Task id.
        task: String,
        /// Path relative to the task dir.
        file: String,
        /// 1-based line of the failing instruction.
        line: usize,
        /// What happened, with the tail of the command output.
        problem: String,
    },
    /// Packages the Dockerfile installs are not present on this host, and offline builds cannot
    /// install them.
    #[error(
        "task `{task}`: {file}: requirements not present on this host (offline builds cannot \
         install them): {missing}"
    )]
    MissingRequirements {
        /// Task id.
        task: String,
        /// Path relative to the task dir.
        file: String,
        /// Comma-separated `manager:name` list.
        missing: String,
    },
    /// The reward file exists but does not hold a reward.
    #[error("task `{task}`: reward file {file}: {problem}")]
    RewardFile {
        /// Task id.
        task: String,
        /// Path inside the sandbox, e.g. `/logs/verifier/reward.txt`.
        file: String,
        /// What is wrong with its content.
        problem: String,
    },
    /// A suite file (suite.yaml) or the suite folder is malformed.
    #[error("suite `{suite}`: {file}: {problem}")]
    Suite {
        /// Suite name or folder.
        suite: String,
        /// Path relative to the suite dir.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// Task dirs of a suite failed to load; every one is listed with its own error.
    #[error("suite `{suite}`: {count} invalid task(s):\n{details}")]
    InvalidTasks {
        /// Suite name or folder.
        suite: String,
        /// How many tasks are listed.
        count: usize,
        /// One line per task: its error, which names the task, the file and the field.
        details: String,
    },
    /// The sandbox backend refused this task's environment.
    #[error("task `{task}`: backend `{backend}` cannot run it: {reason}")]
    Unsupported {
        /// Task id.
        task: String,
        /// Backend name.
        backend: String,
        /// Why, including which files use absolute paths.
        reason: String,
    },
    /// A sandbox operation failed during a phase of a trial.
    #[error("task `{task}`: {phase}: {source}")]
    Sandbox {
        /// Task id.
        task: String,
        /// `environment`, `agent`, `verifier`, ...
        phase: String,
        /// Underlying error.
        #[source]
        source: SandboxError,
    },
    /// An agent failed (not a timeout).
    #[error("task `{task}`: agent `{agent}`: {message}")]
    Agent {
        /// Task id.
        task: String,
        /// Agent name.
        agent: String,
        /// What went wrong.
        message: String,
    },
    /// The job's trace store could not be opened.
    #[error("trace store in {}: {message}", .path.display())]
    TraceStore {
        /// Where it was to be opened.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A job folder was to be resumed by a job that measures something else.
    #[error("cannot resume {}: {}", .dir.display(), .differences.join("; "))]
    ResumeMismatch {
        /// The job folder.
        dir: PathBuf,
        /// What differs, one entry each (`harness: was 1a2b3c4d, now 5e6f7a8b`).
        differences: Vec<String>,
    },
    /// No agent is registered under this name.
    #[error("unknown agent `{name}` (known: {known})")]
    UnknownAgent {
        /// Requested name.
        name: String,
        /// Comma-separated registered names.
        known: String,
    },
    /// Reading or writing a host file failed.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// Host path involved.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl TaskError {
    /// A short stable name for the kind of error, used as `exception_type` in results.
    pub fn kind(&self) -> &'static str {
        match self {
            TaskError::MissingFile { .. } => "MissingFile",
            TaskError::Parse { .. } => "ParseError",
            TaskError::InvalidField { .. } => "InvalidField",
            TaskError::Dockerfile { .. } => "DockerfileError",
            TaskError::Build { .. } => "EnvironmentBuildError",
            TaskError::MissingRequirements { .. } => "MissingRequirements",
            TaskError::RewardFile { .. } => "RewardFileError",
            TaskError::Suite { .. } => "SuiteError",
            TaskError::InvalidTasks { .. } => "InvalidTasks",
            TaskError::Unsupported { .. } => "UnsupportedEnvironment",
            TaskError::Sandbox { .. } => "SandboxError",
            TaskError::Agent { .. } => "AgentError",
            TaskError::TraceStore { .. } => "TraceStoreError",
            TaskError::ResumeMismatch { .. } => "ResumeMismatch",
            TaskError::UnknownAgent { .. } => "UnknownAgent",
            TaskError::Io { .. } => "IoError",
        }
    }

    /// Wrap a host I/O error with its path.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TaskError::Io {
            path: path.into(),
            source,
        }
    }
}
