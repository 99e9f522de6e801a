//! What the model is told about a tool: name, description, JSON Schema of the arguments.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A tool as offered to a model: a harness's tool spec maps onto one field by field, and any
/// Rust type with a schemars schema gives one ([`ToolDefinition::for_type`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolDefinition {
    /// Name the model calls the tool by.
    pub name: String,
    /// What the tool does and when to use it.
    pub description: String,
    /// JSON Schema of the arguments object. Backends adapt it to their provider (see
    /// [`crate::inline_subschemas`]).
    pub parameters: serde_json::Value,
}

impl ToolDefinition {
    /// A definition from its parts.
    pub fn new(
        name: impl Into<String>,
        description: impl Into<String>,
        parameters: serde_json::Value,
    ) -> Self {
        Self {
            name: name.into(),
            description: description.into(),
            parameters,
        }
    }

    /// A definition whose arguments are the JSON form of `T`.
    pub fn for_type<T: JsonSchema>(
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self::new(
            name,
            description,
            serde_json::Value::from(schemars::schema_for!(T)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_arguments_give_a_schema() {
        #[derive(JsonSchema)]
        #[allow(dead_code)]
        struct ReadFile {
            /// File to read.
            path: String,
        }
        let definition = ToolDefinition::for_type::<ReadFile>("read_file", "Read a file.");
        assert_eq!(definition.parameters["type"], "object");
        assert_eq!(
            definition.parameters["properties"]["path"]["description"],
            "File to read."
        );
    }
}
