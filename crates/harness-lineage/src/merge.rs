//! Component-wise three-way merge of candidates that share a parent.
//!
//! A harness is cut into *merge units*: one per skill folder (`skills/<name>/...`), one per
//! tool (`tools/<name>.*`, definition and script together), one per other file
//! (`harness.yaml`, `middleware.yaml`, each prompt, each memory file, each sub-agent file).
//! For every unit, the candidates' versions are compared with the parent's:
//!
//! - no candidate changed it: the parent's version;
//! - the candidates that changed it all agree: their version;
//! - two candidates changed it differently, in `middleware.yaml` or `memory/hints.yaml`:
//!   merged entry by entry (middleware instances by kind, rules by name, hints by id) when
//!   they touched different entries, additions in the order of the candidates' ids;
//! - otherwise two candidates changed it differently: a [`Conflict`], reported as data with each
//!   version and the candidates behind it, and the parent's version kept in the merged
//!   files. The loop settles a conflict by evaluating the alternatives
//!   ([`MergeOutcome::choose`]), never by guessing.
//!
//! The result does not depend on the order of the candidates.

use std::collections::{BTreeMap, BTreeSet};

use harness_core::{Diagnostic, Harness, HarnessPath, KindRegistry};
use harness_types::ContentHash;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The merge unit a path belongs to.
pub fn merge_unit(path: &HarnessPath) -> String {
    let p = path.as_str();
    let mut segments = p.split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some("skills"), Some(name), Some(_)) => format!("skills/{name}"),
        (Some("tools"), Some(file), None) => {
            let stem = file.split('.').next().unwrap_or(file);
            format!("tools/{stem}")
        }
        _ => p.to_owned(),
    }
}

/// One version of a conflicting unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ConflictSide {
    /// The candidates with this version, sorted.
    pub candidates: Vec<String>,
    /// Hash of the unit's files in this version (`(path, content)` pairs in path order; the
    /// empty list when the candidates deleted the unit).
    pub hash: ContentHash,
    /// The unit's files in this version.
    pub files: BTreeMap<String, String>,
}

/// Two or more candidates changed one unit in different ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Conflict {
    /// The merge unit (`skills/debug`, `tools/shell`, `middleware.yaml`).
    pub unit: String,
    /// The competing versions, ordered by hash.
    pub sides: Vec<ConflictSide>,
}

/// The result of a merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct MergeOutcome {
    /// The merged files (the parent's version of every conflicting unit).
    pub files: BTreeMap<String, String>,
    /// Units changed differently by different candidates, by unit.
    pub conflicts: Vec<Conflict>,
    /// Which candidates contributed which units (unit -> candidates), for the record.
    pub taken: BTreeMap<String, Vec<String>>,
}

impl MergeOutcome {
    /// Whether no unit conflicts.
    pub fn is_clean(&self) -> bool {
        self.conflicts.is_empty()
    }

    /// Settle the conflict on `unit` with the version of candidate `candidate` (chosen by
    /// evaluation). Returns false when there is no such conflict or side.
    pub fn choose(&mut self, unit: &str, candidate: &str) -> bool {
        let Some(index) = self.conflicts.iter().position(|c| c.unit == unit) else {
            return false;
        };
        let Some(side) = self.conflicts[index]
            .sides
            .iter()
            .find(|s| s.candidates.iter().any(|c| c == candidate))
            .cloned()
        else {
            return false;
        };
        self.files
            .retain(|path, _| HarnessPath::parse(path).map_or(true, |p| merge_unit(&p) != unit));
        self.files.extend(side.files);
        self.taken.insert(unit.to_owned(), side.candidates);
        self.conflicts.remove(index);
        true
    }

    /// The merged harness, validated as a whole. Fails on conflicts (listed) and when the
    /// combination of valid edits is not a valid harness (a tool removed by one candidate
    /// and named by another's middleware, say): both are for the loop to settle.
    pub fn harness(&self, registry: &KindRegistry) -> Result<Harness, Vec<Diagnostic>> {
        if !self.is_clean() {
            return Err(self
                .conflicts
                .iter()
                .map(|c| {
                    let who: Vec<String> = c.sides.iter().map(|s| s.candidates.join("+")).collect();
                    Diagnostic::new(
                        c.unit.as_str(),
                        "",
                        format!("merge conflict between {}", who.join(" and ")),
                    )
                })
                .collect());
        }
        let mut files = BTreeMap::new();
        for (path, content) in &self.files {
            let path = HarnessPath::parse(path)
                .map_err(|reason| vec![Diagnostic::new(path.as_str(), "", reason)])?;
            files.insert(path, content.clone());
        }
        Harness::from_files(files, registry).map_err(|e| match e {
            harness_core::CoreError::Invalid { diagnostics } => diagnostics,
            other => vec![Diagnostic::new("", "", other.to_string())],
        })
    }
}

type Unit = BTreeMap<String, String>;

fn units(harness: &Harness) -> BTreeMap<String, Unit> {
    let mut out: BTreeMap<String, Unit> = BTreeMap::new();
    for (path, content) in harness.files() {
        out.entry(merge_unit(path))
            .or_default()
            .insert(path.as_str().to_owned(), content.clone());
    }
    out
}

fn unit_hash(unit: &Unit) -> ContentHash {
    ContentHash::of_files(unit.iter().map(|(p, c)| (p.as_str(), c.as_str())))
}

/// Merge `candidates` (id, harness), all children of `parent`, unit by unit.
pub fn merge(parent: &Harness, candidates: &[(String, Harness)]) -> MergeOutcome {
    let base = units(parent);
    let theirs: Vec<(&String, BTreeMap<String, Unit>)> =
        candidates.iter().map(|(id, h)| (id, units(h))).collect();
    let all_units: BTreeSet<&String> = base
        .keys()
        .chain(theirs.iter().flat_map(|(_, u)| u.keys()))
        .collect();
    let empty = Unit::new();
    let mut files = BTreeMap::new();
    let mut conflicts = Vec::new();
    let mut taken = BTreeMap::new();
    for unit in all_units {
        let original = base.get(unit).unwrap_or(&empty);
        // Distinct changed versions, keyed by hash, with the candidates behind each.
        let mut changed: BTreeMap<ContentHash, (Unit, BTreeSet<String>)> = BTreeMap::new();
        for (id, their) in &theirs {
            let version = their.get(unit).unwrap_or(&empty);
            if version != original {
                changed
                    .entry(unit_hash(version))
                    .or_insert_with(|| (version.clone(), BTreeSet::new()))
                    .1
                    .insert((*id).clone());
            }
        }
        match changed.len() {
            0 => files.extend(original.clone()),
            1 => {
                let (version, who) = changed.into_values().next().unwrap_or_default();
                files.extend(version);
                taken.insert(unit.clone(), who.into_iter().collect());
            }
            _ if keyed_merge(unit, original, &changed).is_some() => {
                let (merged, who) = keyed_merge(unit, original, &changed).unwrap_or_default();
                files.extend(merged);
                taken.insert(unit.clone(), who);
            }
            _ => {
                files.extend(original.clone());
                conflicts.push(Conflict {
                    unit: unit.clone(),
                    sides: changed
                        .into_iter()
                        .map(|(hash, (files, who))| ConflictSide {
                            candidates: who.into_iter().collect(),
                            hash,
                            files,
                        })
                        .collect(),
                });
            }
        }
    }
    MergeOutcome {
        files,
        conflicts,
        taken,
    }
}

/// The list entries of a structured file that are merged entry by entry, with the field
/// naming an entry: middleware instances by kind, rules by name, memory hints by id.
fn keyed_lists(unit: &str) -> &'static [(&'static str, &'static str)] {
    match unit {
        "middleware.yaml" => &[("middleware", "kind"), ("rules", "name")],
        "memory/hints.yaml" => &[("hints", "id")],
        _ => &[],
    }
}

type Changed = BTreeMap<ContentHash, (Unit, BTreeSet<String>)>;

/// Candidates that changed different entries of a structured file (one adds a middleware
/// instance, another a different one) are combined entry by entry. `None` when they touch
/// the same entry differently, change anything else differently, or a version does not
/// parse: then it stays a conflict.
fn keyed_merge(unit: &str, original: &Unit, changed: &Changed) -> Option<(Unit, Vec<String>)> {
    use serde_json::{Map, Value};
    let lists = keyed_lists(unit);
    if lists.is_empty() {
        return None;
    }
    let parse = |u: &Unit| -> Option<Map<String, Value>> {
        match u.get(unit) {
            None => Some(Map::new()),
            Some(text) if text.trim().is_empty() => Some(Map::new()),
            Some(text) => match serde_yaml::from_str::<Value>(text).ok()? {
                Value::Object(m) => Some(m),
                Value::Null => Some(Map::new()),
                _ => None,
            },
        }
    };
    // Entries of a list by their key, in order; `None` when an entry lacks the key or repeats it.
    let entries = |list: Option<&Value>, key: &str| -> Option<Vec<(String, Value)>> {
        let mut out: Vec<(String, Value)> = Vec::new();
        for item in list
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            let id = item.get(key)?.as_str()?.to_owned();
            if out.iter().any(|(k, _)| *k == id) {
                return None;
            }
            out.push((id, item.clone()));
        }
        Some(out)
    };
    let base = parse(original)?;
    let mut versions: Vec<(Map<String, Value>, &BTreeSet<String>)> = Vec::new();
    for (version, who) in changed.values() {
        if version.keys().any(|p| p != unit) {
            return None;
        }
        versions.push((parse(version)?, who));
    }
    // Additions in the order of the candidates' ids.
    versions.sort_by(|a, b| a.1.iter().next().cmp(&b.1.iter().next()));
    let mut merged = Map::new();
    let keys: BTreeSet<&String> = base
        .keys()
        .chain(versions.iter().flat_map(|(m, _)| m.keys()))
        .collect();
    for key in keys {
        let original_value = base.get(key);
        if let Some((_, id_field)) = lists.iter().find(|(list, _)| list == key) {
            let base_entries = entries(original_value, id_field)?;
            let mut result: Vec<(String, Option<Value>)> = base_entries
                .iter()
                .map(|(k, v)| (k.clone(), Some(v.clone())))
                .collect();
            let mut set_by: BTreeMap<String, Option<Value>> = BTreeMap::new();
            for (version, _) in &versions {
                let theirs = entries(version.get(key), id_field)?;
                let mut touched: Vec<(String, Option<Value>)> = Vec::new();
                for (id, value) in &theirs {
                    if base_entries.iter().find(|(k, _)| k == id).map(|(_, v)| v) != Some(value) {
                        touched.push((id.clone(), Some(value.clone())));
                    }
                }
                for (id, _) in &base_entries {
                    if !theirs.iter().any(|(k, _)| k == id) {
                        touched.push((id.clone(), None));
                    }
                }
                for (id, value) in touched {
                    match set_by.get(&id) {
                        Some(earlier) if *earlier != value => return None,
                        _ => {
                            set_by.insert(id.clone(), value.clone());
                        }
                    }
                    match result.iter_mut().find(|(k, _)| *k == id) {
                        Some(slot) => slot.1 = value,
                        None => result.push((id, value)),
                    }
                }
            }
            let items: Vec<Value> = result.into_iter().filter_map(|(_, v)| v).collect();
            if !items.is_empty() {
                merged.insert(key.clone(), Value::Array(items));
            }
        } else {
            let mut value = original_value.cloned();
            let mut decided = false;
            for (version, _) in &versions {
                let theirs = version.get(key).cloned();
                if theirs != original_value.cloned() {
                    if decided && theirs != value {
                        return None;
                    }
                    value = theirs;
                    decided = true;
                }
            }
            if let Some(v) = value {
                merged.insert(key.clone(), v);
            }
        }
    }
    let mut who: BTreeSet<String> = BTreeSet::new();
    for (_, ids) in &versions {
        who.extend(ids.iter().cloned());
    }
    let mut files = Unit::new();
    if !merged.is_empty() || original.contains_key(unit) {
        files.insert(
            unit.to_owned(),
            serde_yaml::to_string(&Value::Object(merged)).ok()?,
        );
    }
    Some((files, who.into_iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_group_skills_and_tools() {
        let unit = |p: &str| merge_unit(&HarnessPath::parse(p).unwrap());
        assert_eq!(unit("skills/debug/SKILL.md"), "skills/debug");
        assert_eq!(unit("skills/debug/notes/a.md"), "skills/debug");
        assert_eq!(unit("tools/grep.yaml"), "tools/grep");
        assert_eq!(unit("tools/grep.py"), "tools/grep");
        assert_eq!(unit("memory/a.md"), "memory/a.md");
        assert_eq!(unit("harness.yaml"), "harness.yaml");
    }
}
