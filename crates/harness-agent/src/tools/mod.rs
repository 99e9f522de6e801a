//! Tools the agent can call: the builtins (`shell`, `read_file`, `write_file`, `edit_file`,
//! `grep`, `find`, `load_skill`, `finish`) and script tools from the harness, all acting
//! inside the trial's sandbox.
//!
//! - [`Tool`]: one callable tool; [`ToolOutput`] is what the model sees.
//! - [`ToolSet`]: the tools of one harness, built through [`BuiltinTools`] (a registry of
//!   [`ToolFactory`]s by builtin name, which applications may extend). It answers unknown
//!   tools, unparsable arguments and arguments that break the tool's schema with errors the
//!   model can act on.
//! - [`ScriptTool`]: a harness script run inside the sandbox, JSON arguments on stdin.
//!
//! Failures a model can act on (missing files, non-zero exits, bad arguments) are outputs
//! with `is_error`; only building a tool set from a harness can fail with an error
//! ([`ToolBuildError`]).

mod args;
pub mod factory;
pub mod files;
pub mod finish;
mod install;
pub mod schema_check;
pub mod script;
pub mod search;
pub mod set;
pub mod shell;
pub mod skill;
mod text;

pub use factory::{BuiltinTools, ToolBuildError, ToolFactory};
pub use files::{EditFileTool, ReadFileTool, WriteFileTool};
pub use finish::FinishTool;
pub use schema_check::{describe_parameters, validate_arguments};
pub use script::ScriptTool;
pub use search::{FindTool, GrepTool};
pub use set::ToolSet;
pub use shell::{ShellOptions, ShellTool};
pub use skill::LoadSkillTool;

use std::time::Duration;

use async_trait::async_trait;
use harness_core::{Harness, ToolSpec};
use harness_sandbox::{Sandbox, ShellSession};

use crate::model::ToolDefinition;

/// What the model is told about the tool `spec` declares: its name, description and
/// argument schema.
pub fn tool_definition(spec: &ToolSpec) -> ToolDefinition {
    ToolDefinition::new(&spec.name, &spec.description, spec.parameters.clone())
}

/// What a tool call produced, as the model will see it (after middleware).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolOutput {
    /// Text returned to the model.
    pub content: String,
    /// Whether the call failed (the model is told so).
    pub is_error: bool,
    /// Exit code, for commands.
    pub exit_code: Option<i32>,
    /// Time the tool took.
    pub duration: Duration,
    /// Size in bytes of the complete output before any truncation.
    pub full_len: usize,
}

impl ToolOutput {
    /// A successful result.
    pub fn ok(content: impl Into<String>) -> Self {
        let content = content.into();
        Self {
            full_len: content.len(),
            content,
            ..Self::default()
        }
    }

    /// A failed result whose text explains the failure to the model.
    pub fn error(content: impl Into<String>) -> Self {
        let content = content.into();
        Self {
            full_len: content.len(),
            content,
            is_error: true,
            ..Self::default()
        }
    }
}

/// Settings of the tool runtime that middleware may change before the run
/// ([`crate::middleware::Middleware::configure`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuntimeConfig {
    /// Run `shell` in a persistent session (cwd and exported variables survive).
    pub persistent_shell: bool,
}

/// What a tool may use while it runs.
pub struct ToolContext<'a> {
    /// The trial's sandbox.
    pub sandbox: &'a dyn Sandbox,
    /// The harness (skills for `load_skill`, scripts for script tools).
    pub harness: &'a Harness,
    /// The persistent shell session, opened on first use when the shell is persistent.
    pub session: &'a tokio::sync::Mutex<Option<Box<dyn ShellSession>>>,
    /// Runtime settings.
    pub config: &'a RuntimeConfig,
}

/// One callable tool.
#[async_trait]
pub trait Tool: Send + Sync {
    /// Name, description and argument schema sent to the model.
    fn definition(&self) -> &ToolDefinition;

    /// Whether calling this tool ends the run (the `finish` builtin).
    fn is_finish(&self) -> bool {
        false
    }

    /// Run with already-parsed arguments. Failures the model should see are `ToolOutput`s
    /// with `is_error`, never panics.
    async fn call(&self, ctx: &ToolContext<'_>, arguments: &serde_json::Value) -> ToolOutput;
}
