//! Outcome sidecars: which imported instances the verifier accepted, and nothing else.
//!
//! Accepted forms (the first that matches):
//!
//! - a folder of SWE-bench logs, `<dir>/<instance_id>/report.json`;
//! - a SWE-bench `report.json` of one or many instances: `{"<id>": {"resolved": bool, ...}}`,
//!   or a flat `{"resolved": bool, ...}` (its instance named by its folder);
//! - a JSON map `{"<id>": true | false | number}`;
//! - a CSV file, `instance_id,resolved` per line (a header line is allowed; `true`/`false`,
//!   `1`/`0`, or a number as the reward).
//!
//! Only `resolved` (or the number) is read: the reports' test names and statuses are
//! verifier output, and no type here has a field to hold them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::ImportProblem;

/// Rewards by instance id (1 resolved, 0 not).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcomes {
    rewards: BTreeMap<String, f64>,
}

/// The one field of a SWE-bench report an importer may read.
#[derive(Debug, Deserialize)]
struct Resolved {
    resolved: Option<bool>,
}

impl Outcomes {
    /// No outcomes.
    pub fn none() -> Self {
        Self::default()
    }

    /// The reward of `instance`, if known.
    pub fn reward(&self, instance: &str) -> Option<f64> {
        self.rewards.get(instance).copied()
    }

    /// How many instances have an outcome.
    pub fn len(&self) -> usize {
        self.rewards.len()
    }

    /// Whether no instance has one.
    pub fn is_empty(&self) -> bool {
        self.rewards.is_empty()
    }

    /// Read a sidecar file or a folder of SWE-bench logs.
    pub fn load(path: &Path) -> Result<Self, ImportProblem> {
        let problem = |reason: String| ImportProblem {
            path: path.to_owned(),
            reason,
        };
        if path.is_dir() {
            return Self::load_logs(path);
        }
        let bytes = std::fs::read(path).map_err(|e| problem(e.to_string()))?;
        let is_csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if is_csv {
            return Self::parse_csv(&String::from_utf8_lossy(&bytes)).map_err(problem);
        }
        let folder_name = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        Self::parse_json(&bytes, folder_name).map_err(problem)
    }

    /// Parse a JSON sidecar (`fallback_id` names a flat single-instance report).
    pub fn parse_json(bytes: &[u8], fallback_id: &str) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let serde_json::Value::Object(map) = value else {
            return Err("expected a JSON object of instance ids".to_owned());
        };
        let mut rewards = BTreeMap::new();
        if let Some(resolved) = map.get("resolved") {
            let Some(resolved) = resolved.as_bool() else {
                return Err("field `resolved`: expected true or false".to_owned());
            };
            if fallback_id.is_empty() {
                return Err("a flat report needs its instance's folder name".to_owned());
            }
            rewards.insert(fallback_id.to_owned(), f64::from(u8::from(resolved)));
            return Ok(Self { rewards });
        }
        for (id, entry) in map {
            let reward = match &entry {
                serde_json::Value::Bool(b) => f64::from(u8::from(*b)),
                serde_json::Value::Number(n) => match n.as_f64() {
                    Some(x) if x.is_finite() => x,
                    _ => return Err(format!("field `{id}`: not a finite number")),
                },
                serde_json::Value::Object(_) => {
                    let report: Resolved = serde_json::from_value(entry)
                        .map_err(|e| format!("field `{id}.resolved`: {e}"))?;
                    match report.resolved {
                        Some(r) => f64::from(u8::from(r)),
                        None => return Err(format!("field `{id}.resolved` is missing")),
                    }
                }
                _ => {
                    return Err(format!(
                        "field `{id}`: expected true, false, a number or a report"
                    ));
                }
            };
            rewards.insert(id, reward);
        }
        Ok(Self { rewards })
    }

    /// Parse a CSV sidecar.
    pub fn parse_csv(text: &str) -> Result<Self, String> {
        let mut rewards = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let Some((id, value)) = line.split_once(',') else {
                return Err(format!("line {}: expected `instance_id,resolved`", n + 1));
            };
            let (id, value) = (id.trim().trim_matches('"'), value.trim().trim_matches('"'));
            let reward = match value.to_ascii_lowercase().as_str() {
                "true" | "yes" => 1.0,
                "false" | "no" => 0.0,
                other => match other.parse::<f64>() {
                    Ok(x) if x.is_finite() => x,
                    _ if n == 0 => continue, // a header line
                    _ => {
                        return Err(format!(
                            "line {}: `{value}` is not true, false or a number",
                            n + 1
                        ));
                    }
                },
            };
            rewards.insert(id.to_owned(), reward);
        }
        Ok(Self { rewards })
    }

    fn load_logs(dir: &Path) -> Result<Self, ImportProblem> {
        let problem = |path: &Path, reason: String| ImportProblem {
            path: path.to_owned(),
            reason,
        };
        let mut rewards = BTreeMap::new();
        let entries = std::fs::read_dir(dir).map_err(|e| problem(dir, e.to_string()))?;
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for instance_dir in paths.into_iter().filter(|p| p.is_dir()) {
            let report = instance_dir.join("report.json");
            if !report.is_file() {
                continue;
            }
            let bytes = std::fs::read(&report).map_err(|e| problem(&report, e.to_string()))?;
            let id = instance_dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let parsed = Self::parse_json(&bytes, id).map_err(|e| problem(&report, e))?;
            rewards.extend(parsed.rewards);
        }
        Ok(Self { rewards })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_sidecars() {
        let map = Outcomes::parse_json(br#"{"a": true, "b": false, "c": 0.5}"#, "").unwrap();
        assert_eq!(
            (map.reward("a"), map.reward("b"), map.reward("c")),
            (Some(1.0), Some(0.0), Some(0.5))
        );
        let nested = Outcomes::parse_json(
            br#"{"x__y-1": {"resolved": true, "tests_status": {"FAIL_TO_PASS": {"success": ["test_secret"]}}}}"#,
            "",
        )
        .unwrap();
        assert_eq!(nested.reward("x__y-1"), Some(1.0));
        let flat =
            Outcomes::parse_json(br#"{"resolved": false, "tests_status": {}}"#, "inst").unwrap();
        assert_eq!(flat.reward("inst"), Some(0.0));
        let csv = Outcomes::parse_csv("instance_id,resolved\na,true\nb,0\n").unwrap();
        assert_eq!((csv.reward("a"), csv.reward("b")), (Some(1.0), Some(0.0)));
        assert!(Outcomes::parse_csv("a,true\nb,maybe").is_err());
        assert!(
            Outcomes::parse_json(br#"{"a": "yes"}"#, "")
                .unwrap_err()
                .contains("`a`")
        );
    }
}
