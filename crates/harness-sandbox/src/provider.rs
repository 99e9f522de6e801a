//! Making sandboxes for task environments.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::{Sandbox, SandboxError};

/// What a task's environment asks of a sandbox (after the task loader has read its Dockerfile
/// and task.toml). Building the environment (COPY, RUN) is done by the caller through
/// [`Sandbox::exec`] and [`Sandbox::copy_in`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EnvironmentSpec {
    /// WORKDIR as the task sees it, e.g. `/app`.
    pub workdir: String,
    /// Base environment variables (Dockerfile ENV, task env).
    pub env: BTreeMap<String, String>,
    /// Whether the task's files use absolute paths (WORKDIR, /logs, /tests) and so need a
    /// backend that can mount them.
    pub requires_absolute_paths: bool,
    /// Whether network access is wanted. Backends deny it unless they can grant it.
    pub network: bool,
    /// Memory limit in MiB, if any. The built-in backends enforce it as every process's
    /// address-space limit (see [`Limits::for_environment`](crate::Limits::for_environment)).
    pub memory_mb: Option<u64>,
    /// CPU count, if any. Recorded, not enforced by the built-in backends.
    pub cpus: Option<f64>,
}

impl Default for EnvironmentSpec {
    fn default() -> Self {
        Self {
            workdir: "/app".to_owned(),
            env: BTreeMap::new(),
            requires_absolute_paths: false,
            network: false,
            memory_mb: None,
            cpus: None,
        }
    }
}

/// Creates sandboxes. Many may exist at once; each is cleaned up when dropped.
#[async_trait]
pub trait SandboxProvider: Send + Sync {
    /// Backend name (`local`, `bwrap`, ...), recorded in results.
    fn name(&self) -> &str;

    /// A fresh, empty sandbox for the environment.
    async fn create(&self, spec: &EnvironmentSpec) -> Result<Box<dyn Sandbox>, SandboxError>;
}
