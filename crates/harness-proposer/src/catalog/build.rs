//! A remedy applied to a parent harness: the file it touches and the edit set.

use harness_core::{Edit, EditSet, Harness};
use serde_json::{Map, Value};

use crate::catalog::derive::{Evidence, resolve_all};
use crate::catalog::remedy::{Remedy, RemedyChange};

/// A remedy made concrete for one parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltChange {
    /// The file it changes.
    pub path: String,
    /// The edit (a create or a replace of that file).
    pub edits: EditSet,
}

/// Why a remedy produced nothing for this parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The evidence lacks what a derived value needs.
    NoEvidence(String),
    /// The parent already has it.
    AlreadyPresent,
    /// The parent has nothing to apply it to (no such tool, a tool that is not builtin, a
    /// file that does not parse).
    NotApplicable(String),
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::NoEvidence(what) => f.write_str(what),
            Skip::AlreadyPresent => f.write_str("the harness already has it"),
            Skip::NotApplicable(why) => f.write_str(why),
        }
    }
}

/// Apply `remedy` to the parent in `evidence`.
pub fn build(remedy: &Remedy, evidence: &Evidence<'_>) -> Result<BuiltChange, Skip> {
    let harness = evidence.harness;
    match &remedy.change {
        RemedyChange::Middleware { kind, params } => {
            let params = resolve_all(params, evidence).map_err(Skip::NoEvidence)?;
            edit_yaml(harness, harness_core::harness::MIDDLEWARE_FILE, |doc| {
                set_middleware(doc, kind, params)
            })
        }
        RemedyChange::Rule { rule } => {
            let rule = resolve_all(rule, evidence).map_err(Skip::NoEvidence)?;
            edit_yaml(harness, harness_core::harness::MIDDLEWARE_FILE, |doc| {
                add_rule(doc, rule)
            })
        }
        RemedyChange::ToolOptions { tool, options } => {
            let found = harness
                .tools()
                .get(tool)
                .ok_or_else(|| Skip::NotApplicable(format!("the harness has no tool `{tool}`")))?;
            let mut resolved = Map::new();
            for (k, v) in options {
                resolved.insert(
                    k.clone(),
                    resolve_all(v, evidence).map_err(Skip::NoEvidence)?,
                );
            }
            edit_yaml(harness, found.file.as_str(), |doc| {
                set_tool_options(doc, tool, resolved)
            })
        }
        RemedyChange::SubstitutionHints {} => {
            let substitutes: Vec<&harness_core::Substitution> = evidence
                .clusters
                .iter()
                .flat_map(|c| c.substitutes.iter())
                .collect();
            if substitutes.is_empty() {
                return Err(Skip::NoEvidence(
                    "no substitution in the mined clusters".to_owned(),
                ));
            }
            let hints: Vec<Value> = substitutes.iter().map(|s| substitution_hint(s)).collect();
            edit_yaml(harness, harness_core::memory::HINTS_FILE, |doc| {
                add_hints(doc, hints)
            })
        }
        RemedyChange::ToolErrorMemoryHint { pattern, advice } => {
            let pattern = resolve_all(pattern, evidence).map_err(Skip::NoEvidence)?;
            let advice = resolve_all(advice, evidence).map_err(Skip::NoEvidence)?;
            let hint = serde_json::json!({
                "id": format!("tool-error-usage-{}", short_digest(&pattern.to_string())),
                "trigger": {"kind": "tool_error", "pattern": pattern},
                "advice": advice,
            });
            edit_yaml(harness, harness_core::memory::HINTS_FILE, |doc| {
                add_hints(doc, vec![hint])
            })
        }
        RemedyChange::PromptAppend { text } => {
            let path = harness.manifest().system_prompt.as_str().to_owned();
            let current = harness.file(&path).unwrap_or_default();
            let paragraph = text.trim();
            if current.contains(paragraph) {
                return Err(Skip::AlreadyPresent);
            }
            let content = format!("{}\n\n{paragraph}\n", current.trim_end());
            Ok(BuiltChange {
                edits: EditSet {
                    edits: vec![Edit::Replace {
                        path: path.clone(),
                        content,
                    }],
                },
                path,
            })
        }
    }
}

/// A few hex digits identifying a text (hint ids).
fn short_digest(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(text.as_bytes())[..3])
}

/// Change a YAML file of the harness (an empty mapping when absent) through `change`, which
/// returns whether it changed anything.
fn edit_yaml(
    harness: &Harness,
    path: &str,
    change: impl FnOnce(&mut Value) -> Result<bool, Skip>,
) -> Result<BuiltChange, Skip> {
    let current = harness.file(path);
    let mut doc: Value = match current {
        Some(text) if !text.trim().is_empty() => serde_yaml::from_str(text)
            .map_err(|e| Skip::NotApplicable(format!("{path} does not parse: {e}")))?,
        _ => Value::Object(Map::new()),
    };
    if !doc.is_object() {
        return Err(Skip::NotApplicable(format!("{path} is not a mapping")));
    }
    if !change(&mut doc)? {
        return Err(Skip::AlreadyPresent);
    }
    let content =
        serde_yaml::to_string(&doc).map_err(|e| Skip::NotApplicable(format!("{path}: {e}")))?;
    let edit = match current {
        Some(_) => Edit::Replace {
            path: path.to_owned(),
            content,
        },
        None => Edit::Create {
            path: path.to_owned(),
            content,
        },
    };
    Ok(BuiltChange {
        path: path.to_owned(),
        edits: EditSet { edits: vec![edit] },
    })
}

/// The list under `key` of a mapping, created when absent.
fn list_at<'a>(doc: &'a mut Value, key: &str) -> Result<&'a mut Vec<Value>, Skip> {
    let object = doc
        .as_object_mut()
        .ok_or_else(|| Skip::NotApplicable("not a mapping".to_owned()))?;
    let slot = object
        .entry(key.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    if slot.is_null() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut()
        .ok_or_else(|| Skip::NotApplicable(format!("`{key}` is not a list")))
}

fn set_middleware(doc: &mut Value, kind: &str, params: Value) -> Result<bool, Skip> {
    let list = list_at(doc, "middleware")?;
    let existing = list
        .iter_mut()
        .find(|m| m.get("kind").and_then(Value::as_str) == Some(kind));
    match existing {
        Some(instance) => {
            let Some(new) = params.as_object() else {
                return Ok(false);
            };
            let Some(object) = instance.as_object_mut() else {
                return Err(Skip::NotApplicable(format!(
                    "the `{kind}` entry is not a mapping"
                )));
            };
            let slot = object
                .entry("params".to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if slot.is_null() {
                *slot = Value::Object(Map::new());
            }
            let Some(current) = slot.as_object_mut() else {
                return Err(Skip::NotApplicable(format!(
                    "`{kind}` params are not a mapping"
                )));
            };
            let mut changed = false;
            for (k, v) in new {
                if current.get(k) != Some(v) {
                    current.insert(k.clone(), v.clone());
                    changed = true;
                }
            }
            Ok(changed)
        }
        None => {
            let mut instance = Map::new();
            instance.insert("kind".to_owned(), Value::from(kind));
            if params.as_object().is_some_and(|p| !p.is_empty()) {
                instance.insert("params".to_owned(), params);
            }
            list.push(Value::Object(instance));
            Ok(true)
        }
    }
}

fn add_rule(doc: &mut Value, rule: Value) -> Result<bool, Skip> {
    let name = rule.get("name").and_then(Value::as_str).map(str::to_owned);
    let list = list_at(doc, "rules")?;
    if list
        .iter()
        .any(|r| name.is_some() && r.get("name").and_then(Value::as_str) == name.as_deref())
    {
        return Ok(false);
    }
    list.push(rule);
    Ok(true)
}

fn set_tool_options(
    doc: &mut Value,
    tool: &str,
    options: Map<String, Value>,
) -> Result<bool, Skip> {
    let implementation = doc
        .get_mut("implementation")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| Skip::NotApplicable(format!("tool `{tool}` has no implementation")))?;
    if implementation.get("kind").and_then(Value::as_str) != Some("builtin") {
        return Err(Skip::NotApplicable(format!(
            "tool `{tool}` is not builtin; its options are its own"
        )));
    }
    let slot = implementation
        .entry("options".to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    let current = slot
        .as_object_mut()
        .ok_or_else(|| Skip::NotApplicable(format!("tool `{tool}` options are not a mapping")))?;
    let mut changed = false;
    for (k, v) in options {
        if current.get(&k) != Some(&v) {
            current.insert(k, v);
            changed = true;
        }
    }
    Ok(changed)
}

fn substitution_hint(s: &harness_core::Substitution) -> Value {
    let from = s.from.trim();
    let pattern = format!(r"\b{}\b", regex::escape(from));
    if s.to.is_empty() {
        serde_json::json!({
            "id": format!("drop-{}", slug(from)),
            "trigger": {"kind": "command", "pattern": pattern},
            "advice": format!("`{from}` is not installed here and not needed; run the command without it."),
            "substitute": {"from": s.from, "to": ""},
        })
    } else {
        serde_json::json!({
            "id": format!("{}-not-{}", slug(&s.to), slug(from)),
            "trigger": {"kind": "command", "pattern": pattern},
            "advice": format!("`{from}` is not installed here; `{}` does the same job.", s.to),
            "substitute": {"from": s.from, "to": s.to},
        })
    }
}

fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches('-')
        .to_owned()
}

fn add_hints(doc: &mut Value, hints: Vec<Value>) -> Result<bool, Skip> {
    let list = list_at(doc, "hints")?;
    let mut changed = false;
    for hint in hints {
        let id = hint.get("id").cloned();
        let same_substitute = |h: &Value| {
            hint.get("substitute").is_some() && h.get("substitute") == hint.get("substitute")
        };
        if list
            .iter()
            .any(|h| h.get("id") == id.as_ref() || same_substitute(h))
        {
            continue;
        }
        list.push(hint);
        changed = true;
    }
    Ok(changed)
}
