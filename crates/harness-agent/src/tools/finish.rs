//! The `finish` builtin: ends the run. Whether a finish is accepted (verification, budgets)
//! is the agent loop's and the middleware's business; the tool only hands back the summary.

use async_trait::async_trait;

use crate::model::ToolDefinition;
use crate::tools::args::optional_str;
use crate::tools::factory::{NoOptions, builtin_options};
use crate::tools::{Tool, ToolBuildError, ToolContext, ToolOutput};

/// `finish`: optional argument `summary`, returned as the content (empty without one).
#[derive(Debug, Clone)]
pub struct FinishTool {
    definition: ToolDefinition,
}

impl FinishTool {
    /// A tool with this definition.
    pub fn new(definition: ToolDefinition) -> Self {
        Self { definition }
    }

    /// The tool a harness defines (no options).
    pub fn from_harness(tool: &harness_core::Tool) -> Result<Self, ToolBuildError> {
        let _: NoOptions = builtin_options(tool)?;
        Ok(Self::new(crate::tools::tool_definition(&tool.spec)))
    }
}

#[async_trait]
impl Tool for FinishTool {
    fn definition(&self) -> &ToolDefinition {
        &self.definition
    }

    fn is_finish(&self) -> bool {
        true
    }

    async fn call(&self, _ctx: &ToolContext<'_>, arguments: &serde_json::Value) -> ToolOutput {
        match optional_str(arguments, "summary") {
            Ok(summary) => ToolOutput::ok(summary.unwrap_or_default().trim()),
            Err(error) => error,
        }
    }
}
