//! Tool schemas as providers accept them: references inlined, no `$schema` key.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// `schema` with every local reference (`#/$defs/..`, `#/definitions/..`) replaced by the
/// definition it names, and the `$schema` key dropped. Several providers reject `$ref` and
/// `$schema` in tool parameters, and schemars emits both.
///
/// Keys next to a `$ref` (such as a field's `description`) override the definition's. A
/// recursive definition cannot be inlined; its inner reference stays, and so does the
/// definitions table it points into.
pub fn inline_subschemas(schema: &Value) -> Value {
    let mut definitions = BTreeMap::new();
    for table in ["$defs", "definitions"] {
        if let Some(Value::Object(entries)) = schema.get(table) {
            for (name, definition) in entries {
                definitions.insert((table, name.as_str()), definition);
            }
        }
    }
    let mut inliner = Inliner {
        definitions,
        stack: Vec::new(),
        kept_reference: false,
    };
    let mut out = inliner.inline(schema);
    if let Value::Object(root) = &mut out {
        root.remove("$schema");
        if !inliner.kept_reference {
            root.remove("$defs");
            root.remove("definitions");
        }
    }
    out
}

struct Inliner<'a> {
    definitions: BTreeMap<(&'static str, &'a str), &'a Value>,
    /// Definitions being expanded, to stop at recursion.
    stack: Vec<(&'static str, String)>,
    kept_reference: bool,
}

impl Inliner<'_> {
    fn inline(&mut self, node: &Value) -> Value {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    if let Some(resolved) = self.resolve(reference, map) {
                        return resolved;
                    }
                    self.kept_reference = true;
                }
                Value::Object(
                    map.iter()
                        .map(|(key, value)| (key.clone(), self.inline(value)))
                        .collect(),
                )
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|item| self.inline(item)).collect())
            }
            other => other.clone(),
        }
    }

    /// The expanded definition `reference` names, with the sibling keys of `map` laid over
    /// it; `None` when it cannot be inlined.
    fn resolve(&mut self, reference: &str, map: &Map<String, Value>) -> Option<Value> {
        let (table, name) = split_reference(reference)?;
        let key = (table, name.clone());
        if self.stack.contains(&key) {
            return None;
        }
        let definition = *self.definitions.get(&(table, name.as_str()))?;
        self.stack.push(key);
        let mut resolved = self.inline(definition);
        self.stack.pop();
        let siblings: Vec<(&String, &Value)> = map.iter().filter(|(k, _)| *k != "$ref").collect();
        if siblings.is_empty() {
            return Some(resolved);
        }
        match &mut resolved {
            Value::Object(target) => {
                for (key, value) in siblings {
                    let value = self.inline(value);
                    target.insert(key.clone(), value);
                }
                Some(resolved)
            }
            // A boolean schema with annotations beside it: keep both through `allOf`.
            _ => {
                let mut wrapper: Map<String, Value> = siblings
                    .into_iter()
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect();
                wrapper.insert("allOf".to_string(), Value::Array(vec![resolved]));
                Some(Value::Object(wrapper))
            }
        }
    }
}

/// `#/$defs/Name` -> `("$defs", "Name")`, with JSON Pointer escapes undone.
fn split_reference(reference: &str) -> Option<(&'static str, String)> {
    let (table, rest) = if let Some(rest) = reference.strip_prefix("#/$defs/") {
        ("$defs", rest)
    } else if let Some(rest) = reference.strip_prefix("#/definitions/") {
        ("definitions", rest)
    } else {
        return None;
    };
    if rest.contains('/') {
        return None;
    }
    Some((table, rest.replace("~1", "/").replace("~0", "~")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_inlined_and_meta_keys_dropped() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Args",
            "type": "object",
            "properties": {
                "mode": {"$ref": "#/$defs/Mode", "description": "How to run."},
                "items": {"type": "array", "items": {"$ref": "#/definitions/Item"}}
            },
            "$defs": {"Mode": {"type": "string", "enum": ["fast", "slow"]}},
            "definitions": {"Item": {"type": "object", "properties": {"m": {"$ref": "#/$defs/Mode"}}}}
        });
        let out = inline_subschemas(&schema);
        assert_eq!(
            out,
            json!({
                "title": "Args",
                "type": "object",
                "properties": {
                    "mode": {"type": "string", "enum": ["fast", "slow"], "description": "How to run."},
                    "items": {"type": "array", "items": {"type": "object", "properties": {
                        "m": {"type": "string", "enum": ["fast", "slow"]}
                    }}}
                }
            })
        );
    }

    #[test]
    fn recursive_definitions_keep_their_table() {
        let schema = json!({
            "type": "object",
            "properties": {"root": {"$ref": "#/$defs/Node"}},
            "$defs": {"Node": {"type": "object", "properties": {
                "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}
            }}}
        });
        let out = inline_subschemas(&schema);
        assert_eq!(
            out["properties"]["root"]["properties"]["children"]["items"],
            json!({"$ref": "#/$defs/Node"})
        );
        assert!(out.get("$defs").is_some());
    }

    #[test]
    fn schemars_output_has_no_references_left() {
        #[derive(schemars::JsonSchema)]
        #[allow(dead_code)]
        struct Args {
            /// The mode.
            mode: Mode,
            limit: Option<u32>,
        }
        #[derive(schemars::JsonSchema)]
        #[allow(dead_code)]
        enum Mode {
            Fast,
            Slow,
        }
        let out = inline_subschemas(&serde_json::Value::from(schemars::schema_for!(Args)));
        let text = out.to_string();
        assert!(!text.contains("$ref"), "{text}");
        assert!(!text.contains("$schema"), "{text}");
        assert!(!text.contains("$defs"), "{text}");
        assert_eq!(out["properties"]["mode"]["description"], "The mode.");
    }
}
