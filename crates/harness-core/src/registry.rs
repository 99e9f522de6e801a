//! The kinds a harness may name: middleware kinds and builtin tools, each with a JSON Schema
//! for its parameters. Later crates register their own kinds by name.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

/// A registered kind: a name, what it does, and the JSON Schema its parameters must satisfy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindSpec {
    /// Name used in harness files.
    pub name: String,
    /// One-line description for docs and proposers.
    pub description: String,
    /// JSON Schema of the parameters (or options) object.
    pub params_schema: serde_json::Value,
}

impl KindSpec {
    /// A kind with the given schema.
    pub fn new(name: &str, description: &str, params_schema: serde_json::Value) -> Self {
        Self {
            name: name.to_owned(),
            description: description.to_owned(),
            params_schema,
        }
    }
}

/// Middleware kinds and builtin tools known to the agent runtime.
#[derive(Debug, Clone, Default)]
pub struct KindRegistry {
    middleware: BTreeMap<String, KindSpec>,
    tools: BTreeMap<String, KindSpec>,
}

impl KindRegistry {
    /// An empty registry (nothing is allowed).
    pub fn empty() -> Self {
        Self::default()
    }

    /// The kinds that ship with the toolkit's reference agent.
    pub fn builtin() -> Self {
        let mut r = Self::empty();
        for spec in builtin_middleware() {
            r.register_middleware(spec);
        }
        for spec in builtin_tools() {
            r.register_tool(spec);
        }
        r
    }

    /// Add or replace a middleware kind.
    pub fn register_middleware(&mut self, spec: KindSpec) -> &mut Self {
        self.middleware.insert(spec.name.clone(), spec);
        self
    }

    /// Add or replace a builtin tool.
    pub fn register_tool(&mut self, spec: KindSpec) -> &mut Self {
        self.tools.insert(spec.name.clone(), spec);
        self
    }

    /// A middleware kind by name.
    pub fn middleware(&self, name: &str) -> Option<&KindSpec> {
        self.middleware.get(name)
    }

    /// A builtin tool by name.
    pub fn tool(&self, name: &str) -> Option<&KindSpec> {
        self.tools.get(name)
    }

    /// All middleware kinds, by name.
    pub fn middleware_kinds(&self) -> impl Iterator<Item = &KindSpec> {
        self.middleware.values()
    }

    /// All builtin tools, by name.
    pub fn builtin_tools(&self) -> impl Iterator<Item = &KindSpec> {
        self.tools.values()
    }
}

fn object(properties: serde_json::Value) -> serde_json::Value {
    json!({"type": "object", "additionalProperties": false, "properties": properties})
}

/// The builtin middleware kinds, their schemas generated from the params structs the agent
/// runtime deserializes into.
fn builtin_middleware() -> Vec<KindSpec> {
    crate::middleware_params::builtin_kinds()
        .into_iter()
        .map(|kind| KindSpec::new(kind.name, kind.description, kind.params_schema))
        .collect()
}

fn builtin_tools() -> Vec<KindSpec> {
    let pos = json!({"type": "integer", "minimum": 1});
    vec![
        KindSpec::new(
            "shell",
            "Runs a shell command in the working directory.",
            object(
                json!({"persistent": {"type": "boolean"}, "timeout_sec": pos, "output_cap_bytes": pos}),
            ),
        ),
        KindSpec::new(
            "read_file",
            "Reads a file, optionally a line range.",
            object(json!({"max_lines": pos})),
        ),
        KindSpec::new("write_file", "Writes a whole file.", object(json!({}))),
        KindSpec::new(
            "edit_file",
            "Replaces one exact text span in a file.",
            object(json!({})),
        ),
        KindSpec::new(
            "grep",
            "Searches files for a pattern, bounded.",
            object(json!({"max_matches": pos})),
        ),
        KindSpec::new(
            "find",
            "Lists files matching a name pattern, bounded.",
            object(json!({"max_results": pos})),
        ),
        KindSpec::new(
            "load_skill",
            "Loads the body of a skill by name.",
            object(json!({})),
        ),
        KindSpec::new(
            "finish",
            "Ends the trial with a final message.",
            object(json!({})),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_schemas_are_valid_json_schemas() {
        let r = KindRegistry::builtin();
        for spec in r.middleware_kinds().chain(r.builtin_tools()) {
            assert!(
                jsonschema::meta::is_valid(&spec.params_schema),
                "{}",
                spec.name
            );
        }
        assert!(r.middleware("loop_breaker").is_some());
        assert!(r.tool("shell").is_some());
        assert!(r.middleware("nope").is_none());
    }
}
