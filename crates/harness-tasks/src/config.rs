//! `task.toml` in both generations: Terminal-Bench 2 (`version = "1.0"`, `memory = "2G"`) and
//! Harbor 1.x (`schema_version`, `[task]`, `memory_mb`, `network_mode`, `[verifier] env, user`,
//! `[solution] env`). Unknown keys are ignored, as Harbor does; `[metadata]` is kept as JSON.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::TaskError;

/// Default verifier timeout when task.toml gives none (Harbor's default).
pub const DEFAULT_VERIFIER_TIMEOUT_SEC: f64 = 600.0;
/// Default agent timeout when task.toml gives none.
pub const DEFAULT_AGENT_TIMEOUT_SEC: f64 = 600.0;
/// Default environment build timeout when task.toml gives none (Harbor's default).
pub const DEFAULT_BUILD_TIMEOUT_SEC: f64 = 600.0;

/// The parsed `task.toml`, as written (both generations in one shape).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TaskConfig {
    /// TB2's format version (`"1.0"`).
    #[serde(default)]
    pub version: Option<String>,
    /// Harbor's format version (`"1.3"`).
    #[serde(default)]
    pub schema_version: Option<String>,
    /// Harbor's `[task]` package section.
    #[serde(default)]
    pub task: Option<TaskSection>,
    /// Free-form metadata (difficulty, category, tags, ...), kept as JSON.
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// `[verifier]`.
    #[serde(default)]
    pub verifier: VerifierSection,
    /// `[agent]`.
    #[serde(default)]
    pub agent: AgentSection,
    /// `[environment]`.
    #[serde(default)]
    pub environment: EnvironmentSection,
    /// `[solution]`.
    #[serde(default)]
    pub solution: SolutionSection,
}

/// Harbor's `[task]` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TaskSection {
    /// Package name, `org/name`.
    #[serde(default)]
    pub name: Option<String>,
    /// Human-readable description.
    #[serde(default)]
    pub description: Option<String>,
}

/// `[verifier]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VerifierSection {
    /// Wall-clock limit for `test.sh`, seconds.
    #[serde(default)]
    pub timeout_sec: Option<f64>,
    /// Extra environment for `test.sh`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// User to run as, name or uid (recorded; sandboxes run as the invoking user).
    #[serde(default)]
    pub user: Option<serde_json::Value>,
}

/// `[agent]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AgentSection {
    /// Wall-clock limit for the agent, seconds.
    #[serde(default)]
    pub timeout_sec: Option<f64>,
}

/// `[environment]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EnvironmentSection {
    /// Wall-clock limit for the whole environment build, seconds.
    #[serde(default)]
    pub build_timeout_sec: Option<f64>,
    /// Prebuilt image name (recorded; the host stands in for it).
    #[serde(default)]
    pub docker_image: Option<String>,
    /// CPU count.
    #[serde(default)]
    pub cpus: Option<f64>,
    /// TB2 memory size string such as `"2G"`.
    #[serde(default)]
    pub memory: Option<String>,
    /// TB2 storage size string such as `"10G"`.
    #[serde(default)]
    pub storage: Option<String>,
    /// Harbor memory limit in MiB.
    #[serde(default)]
    pub memory_mb: Option<u64>,
    /// Harbor storage limit in MiB.
    #[serde(default)]
    pub storage_mb: Option<u64>,
    /// Harbor network mode: `public`, `no-network`, `allowlist`.
    #[serde(default)]
    pub network_mode: Option<String>,
    /// Older Harbor network switch.
    #[serde(default)]
    pub allow_internet: Option<bool>,
    /// Variables resolved from the host at run time (`${VAR}`, `${VAR:-default}`).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// `[solution]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SolutionSection {
    /// Extra environment for `solve.sh`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// The numbers a trial needs from task.toml, validated and with defaults applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TaskLimits {
    /// Agent wall-clock limit.
    pub agent_timeout: Duration,
    /// Verifier wall-clock limit.
    pub verifier_timeout: Duration,
    /// Environment build wall-clock limit.
    pub build_timeout: Duration,
    /// Memory limit in MiB (`memory_mb`, else `memory` converted).
    pub memory_mb: Option<u64>,
    /// Storage limit in MiB (`storage_mb`, else `storage` converted).
    pub storage_mb: Option<u64>,
    /// CPU count.
    pub cpus: Option<f64>,
    /// Whether the task asks for network access.
    pub network: bool,
}

/// A limit diagnostic's message with its position, without the file name (the error names
/// the file itself).
pub(crate) fn bounded_message(d: &harness_core::Diagnostic) -> String {
    match (d.line, d.column) {
        (Some(line), Some(column)) => format!("line {line} column {column}: {}", d.message),
        _ => d.message.clone(),
    }
}

impl TaskConfig {
    /// Parse task.toml text. `task` and `file` only name the source in errors.
    /// Oversized or too deeply nested text is refused before the TOML parser sees it.
    pub fn parse(text: &str, task: &str, file: &str) -> Result<Self, TaskError> {
        harness_core::check_config(file, text, harness_core::ConfigFormat::Toml).map_err(|d| {
            TaskError::Parse {
                task: task.to_owned(),
                file: file.to_owned(),
                message: bounded_message(&d),
            }
        })?;
        toml::from_str(text).map_err(|e| TaskError::Parse {
            task: task.to_owned(),
            file: file.to_owned(),
            message: harness_core::bounded::shorten_message(e.to_string().trim_end()),
        })
    }

    /// A metadata string field such as `category` or `difficulty`.
    pub fn metadata_str(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).and_then(|v| v.as_str())
    }

    /// Validate the numeric fields and apply defaults.
    pub fn limits(&self, task: &str, file: &str) -> Result<TaskLimits, TaskError> {
        let invalid = |field: &str, problem: String| TaskError::InvalidField {
            task: task.to_owned(),
            file: file.to_owned(),
            field: field.to_owned(),
            problem,
        };
        let seconds = |field: &str, value: Option<f64>, default: f64| {
            let v = value.unwrap_or(default);
            if v.is_finite() && v > 0.0 {
                Ok(Duration::from_secs_f64(v))
            } else {
                Err(invalid(
                    field,
                    format!("must be a positive number of seconds, got {v}"),
                ))
            }
        };
        let env = &self.environment;
        let memory_mb = match (env.memory_mb, &env.memory) {
            (Some(mb), _) => Some(mb),
            (None, Some(s)) => {
                Some(parse_size_mb(s).map_err(|p| invalid("environment.memory", p))?)
            }
            (None, None) => None,
        };
        let storage_mb = match (env.storage_mb, &env.storage) {
            (Some(mb), _) => Some(mb),
            (None, Some(s)) => {
                Some(parse_size_mb(s).map_err(|p| invalid("environment.storage", p))?)
            }
            (None, None) => None,
        };
        if let Some(cpus) = env.cpus
            && !(cpus.is_finite() && cpus > 0.0)
        {
            return Err(invalid(
                "environment.cpus",
                format!("must be a positive number, got {cpus}"),
            ));
        }
        let network = match env.network_mode.as_deref() {
            Some("public" | "bridge" | "host" | "allowlist") => true,
            Some("no-network" | "none") => false,
            Some(other) => {
                return Err(invalid(
                    "environment.network_mode",
                    format!("unknown mode `{other}` (expected public, no-network or allowlist)"),
                ));
            }
            None => env.allow_internet.unwrap_or(false),
        };
        Ok(TaskLimits {
            agent_timeout: seconds(
                "agent.timeout_sec",
                self.agent.timeout_sec,
                DEFAULT_AGENT_TIMEOUT_SEC,
            )?,
            verifier_timeout: seconds(
                "verifier.timeout_sec",
                self.verifier.timeout_sec,
                DEFAULT_VERIFIER_TIMEOUT_SEC,
            )?,
            build_timeout: seconds(
                "environment.build_timeout_sec",
                env.build_timeout_sec,
                DEFAULT_BUILD_TIMEOUT_SEC,
            )?,
            memory_mb,
            storage_mb,
            cpus: env.cpus,
            network,
        })
    }
}

/// Convert a TB2 size string (`"2G"`, `"512M"`, `"1.5Gi"`, `"4096MB"`) to MiB, as Harbor does.
pub fn parse_size_mb(text: &str) -> Result<u64, String> {
    let upper = text.trim().to_ascii_uppercase();
    let digits_end = upper
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(upper.len());
    let (number, unit) = upper.split_at(digits_end);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size like \"2G\" or \"512M\""))?;
    let factor = match unit.trim() {
        "T" | "TB" | "TI" | "TIB" => 1024.0 * 1024.0,
        "G" | "GB" | "GI" | "GIB" => 1024.0,
        "M" | "MB" | "MI" | "MIB" => 1.0,
        "K" | "KB" | "KI" | "KIB" => 1.0 / 1024.0,
        _ => return Err(format!("`{text}` has no unit K, M, G or T (e.g. \"2G\")")),
    };
    let mb = value * factor;
    if mb.is_finite() && mb >= 0.0 {
        // Sizes are small positive numbers; rounding down matches Harbor's int().
        Ok(mb as u64)
    } else {
        Err(format!("`{text}` is out of range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TB2: &str = r#"
version = "1.0"

[metadata]
author_name = "someone"
difficulty = "medium"
category = "software-engineering"
tags = ["git", "python"]

[verifier]
timeout_sec = 900.0

[agent]
timeout_sec = 1200

[environment]
build_timeout_sec = 600.0
docker_image = "ghcr.io/example/task:latest"
cpus = 1
memory = "2G"
storage = "10G"
"#;

    const HARBOR: &str = r#"
schema_version = "1.3"
future_top_level_key = { anything = 1 }

[task]
name = "org/hello"
description = "Say hello"
keywords = ["x"]

[metadata]
difficulty = "easy"
nested = { a = [1, 2] }

[verifier]
timeout_sec = 120
env = { MODE = "strict" }
user = "tester"
network_mode = "no-network"

[agent]
timeout_sec = 300.0
user = 1000

[environment]
memory_mb = 4096
storage_mb = 20480
network_mode = "no-network"
gpus = 0
healthcheck = { command = "true" }

[solution]
env = { HINT = "1" }
"#;

    #[test]
    fn tb2_generation() {
        let c = TaskConfig::parse(TB2, "t", "task.toml").unwrap();
        assert_eq!(c.version.as_deref(), Some("1.0"));
        assert_eq!(c.metadata_str("difficulty"), Some("medium"));
        assert_eq!(c.metadata["tags"], serde_json::json!(["git", "python"]));
        let l = c.limits("t", "task.toml").unwrap();
        assert_eq!(l.verifier_timeout, Duration::from_secs(900));
        assert_eq!(l.agent_timeout, Duration::from_secs(1200));
        assert_eq!(l.memory_mb, Some(2048));
        assert_eq!(l.storage_mb, Some(10240));
        assert_eq!(l.cpus, Some(1.0));
        assert!(!l.network);
    }

    #[test]
    fn harbor_generation_with_unknown_keys() {
        let c = TaskConfig::parse(HARBOR, "t", "task.toml").unwrap();
        assert_eq!(c.schema_version.as_deref(), Some("1.3"));
        let task = c.task.clone().unwrap();
        assert_eq!(task.name.as_deref(), Some("org/hello"));
        assert_eq!(task.description.as_deref(), Some("Say hello"));
        assert_eq!(c.verifier.env["MODE"], "strict");
        assert_eq!(c.solution.env["HINT"], "1");
        assert_eq!(c.metadata["nested"], serde_json::json!({"a": [1, 2]}));
        let l = c.limits("t", "task.toml").unwrap();
        assert_eq!(l.memory_mb, Some(4096));
        assert_eq!(l.storage_mb, Some(20480));
        assert_eq!(l.verifier_timeout, Duration::from_secs(120));
        assert_eq!(l.build_timeout, Duration::from_secs(600));
    }

    #[test]
    fn empty_file_gets_defaults() {
        let c = TaskConfig::parse("", "t", "task.toml").unwrap();
        let l = c.limits("t", "task.toml").unwrap();
        assert_eq!(l.agent_timeout, Duration::from_secs(600));
        assert_eq!(l.memory_mb, None);
    }

    #[test]
    fn bad_values_name_task_file_and_field() {
        let c = TaskConfig::parse("[environment]\nmemory = \"lots\"\n", "t1", "task.toml").unwrap();
        let e = c.limits("t1", "task.toml").unwrap_err().to_string();
        assert!(e.contains("t1") && e.contains("task.toml") && e.contains("environment.memory"));

        let c = TaskConfig::parse("[agent]\ntimeout_sec = -5\n", "t1", "task.toml").unwrap();
        let e = c.limits("t1", "task.toml").unwrap_err().to_string();
        assert!(e.contains("agent.timeout_sec"), "{e}");

        let e = TaskConfig::parse("[verifier]\ntimeout_sec = \"x\"\n", "t1", "task.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("t1") && e.contains("task.toml") && e.contains("timeout_sec"));

        let e = TaskConfig::parse("version = \n", "t1", "task.toml").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size_mb("2G").unwrap(), 2048);
        assert_eq!(parse_size_mb("512m").unwrap(), 512);
        assert_eq!(parse_size_mb("1.5Gi").unwrap(), 1536);
        assert_eq!(parse_size_mb("4096MB").unwrap(), 4096);
        assert!(parse_size_mb("2").is_err());
        assert!(parse_size_mb("G").is_err());
    }
}
