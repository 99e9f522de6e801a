//! The catalog format: a list of remedies, each answering behaviour tags with one change.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::derive::Derivation;
use crate::error::ProposerError;

/// The catalog shipped with the crate (`catalog/default.yaml`).
pub const DEFAULT_CATALOG: &str = include_str!("../../catalog/default.yaml");

/// Largest catalog file read, bytes.
const MAX_CATALOG_BYTES: usize = 1 << 20;

/// A list of remedies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// The remedies; for each tag, earlier ones are preferred.
    pub remedies: Vec<Remedy>,
}

/// One remedy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Remedy {
    /// Unique name.
    pub id: String,
    /// Behaviour tags it answers.
    pub addresses: Vec<String>,
    /// The cause it assumes.
    pub root_cause: String,
    /// Why this component and not another.
    pub why: String,
    /// What the edit does.
    pub rationale: String,
    /// What it might break.
    #[serde(default)]
    pub risk: String,
    /// The change, a mapping with one key (`middleware: {...}`).
    #[serde(with = "serde_yaml::with::singleton_map")]
    #[schemars(with = "RemedyChange")]
    pub change: RemedyChange,
}

/// What a remedy changes. Values may be derivations (`{derive: ...}`, see [`Derivation`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RemedyChange {
    /// Add a middleware instance, or set these params on the existing instance of the kind.
    Middleware {
        /// The middleware kind.
        kind: String,
        /// Its params.
        #[serde(default)]
        params: Value,
    },
    /// Add a declarative rule (nothing when a rule of the same name exists).
    Rule {
        /// The rule, as in `middleware.yaml`.
        rule: Value,
    },
    /// Set options of a builtin tool.
    ToolOptions {
        /// The tool name (`tools/<tool>.yaml`).
        tool: String,
        /// Options to set.
        options: BTreeMap<String, Value>,
    },
    /// One memory hint per substitution the clusters of the addressed tags carry.
    SubstitutionHints {},
    /// A memory hint shown after a tool error that matches `pattern`.
    ToolErrorMemoryHint {
        /// Regular expression over the tool's error output.
        pattern: Value,
        /// The advice.
        advice: Value,
    },
    /// Append a paragraph to the system prompt.
    PromptAppend {
        /// The paragraph.
        text: String,
    },
}

impl RemedyChange {
    /// The values a derivation may stand in, with their field paths.
    fn values(&self) -> Vec<(String, &Value)> {
        match self {
            RemedyChange::Middleware { params, .. } => vec![("middleware.params".into(), params)],
            RemedyChange::Rule { rule } => vec![("rule.rule".into(), rule)],
            RemedyChange::ToolOptions { options, .. } => options
                .iter()
                .map(|(k, v)| (format!("tool_options.options.{k}"), v))
                .collect(),
            RemedyChange::ToolErrorMemoryHint { pattern, advice } => vec![
                ("tool_error_memory_hint.pattern".into(), pattern),
                ("tool_error_memory_hint.advice".into(), advice),
            ],
            RemedyChange::SubstitutionHints {} | RemedyChange::PromptAppend { .. } => Vec::new(),
        }
    }
}

impl Catalog {
    /// The shipped catalog.
    pub fn builtin() -> Result<Catalog, ProposerError> {
        Catalog::parse("catalog/default.yaml", DEFAULT_CATALOG)
    }

    /// Read a catalog file.
    pub fn load(path: &Path) -> Result<Catalog, ProposerError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ProposerError::Io {
            path: file.clone(),
            source,
        })?;
        if bytes.len() > MAX_CATALOG_BYTES {
            return Err(catalog_error(
                &file,
                "",
                format!(
                    "{} bytes; a catalog may hold at most {MAX_CATALOG_BYTES}",
                    bytes.len()
                ),
            ));
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| catalog_error(&file, "", "not UTF-8 text".to_owned()))?;
        Catalog::parse(&file, &text)
    }

    /// Parse catalog text; `file` names it in errors, which also name the field.
    pub fn parse(file: &str, text: &str) -> Result<Catalog, ProposerError> {
        let catalog: Catalog = harness_core::parse_config(file, text).map_err(|d| {
            let at = match (d.line, d.column) {
                (Some(line), Some(column)) => format!(" (line {line}, column {column})"),
                _ => String::new(),
            };
            catalog_error(file, &d.field, format!("{}{at}", d.message))
        })?;
        catalog.validate(file)?;
        Ok(catalog)
    }

    fn validate(&self, file: &str) -> Result<(), ProposerError> {
        let mut ids: BTreeSet<&str> = BTreeSet::new();
        for (i, remedy) in self.remedies.iter().enumerate() {
            let at = |field: &str| format!("remedies[{i}].{field}");
            if remedy.id.trim().is_empty() {
                return Err(catalog_error(file, &at("id"), "empty id".into()));
            }
            if !ids.insert(&remedy.id) {
                return Err(catalog_error(
                    file,
                    &at("id"),
                    format!("`{}` is used by an earlier remedy", remedy.id),
                ));
            }
            if remedy.addresses.is_empty() {
                return Err(catalog_error(
                    file,
                    &at("addresses"),
                    "names no behaviour tag".into(),
                ));
            }
            for (field, value) in remedy.change.values() {
                Derivation::check_all(value).map_err(|(path, message)| {
                    let path = if path.is_empty() {
                        at(&format!("change.{field}"))
                    } else {
                        at(&format!("change.{field}.{path}"))
                    };
                    catalog_error(file, &path, message)
                })?;
            }
        }
        Ok(())
    }

    /// The remedies answering `tag`, in order of preference.
    pub fn for_tag<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a Remedy> + 'a {
        self.remedies
            .iter()
            .filter(move |r| r.addresses.iter().any(|a| a == tag))
    }

    /// The catalog with `other`'s remedies added: a remedy with an id already present
    /// replaces it in place, new ones go first (a user's remedies are preferred).
    pub fn extended_with(mut self, other: Catalog) -> Catalog {
        let mut added = Vec::new();
        for remedy in other.remedies {
            match self.remedies.iter_mut().find(|r| r.id == remedy.id) {
                Some(slot) => *slot = remedy,
                None => added.push(remedy),
            }
        }
        added.extend(self.remedies);
        Catalog { remedies: added }
    }

    /// The JSON Schema of the format.
    pub fn json_schema() -> Value {
        serde_json::to_value(schemars::schema_for!(Catalog)).unwrap_or_default()
    }
}

fn catalog_error(file: &str, field: &str, message: String) -> ProposerError {
    ProposerError::Catalog {
        file: file.to_owned(),
        field: field.to_owned(),
        message,
    }
}
