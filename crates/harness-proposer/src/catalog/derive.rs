//! Parameters taken from the evidence: `{derive: STATISTIC, ...}` in a remedy's values.
//!
//! A threshold written into a catalog is a guess about every agent and every suite. Taken
//! from the passing trials of the run being improved, it fits what succeeding trials needed,
//! which is also what a real model's passing trials show.

use harness_core::Harness;
use harness_miner::{ClusterReport, Spread, WeaknessReport};
use serde_json::{Map, Value};

/// What a derivation reads.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// The whole report (its passing profile).
    pub report: &'a WeaknessReport,
    /// The clusters the remedy answers, best first.
    pub clusters: &'a [&'a ClusterReport],
    /// The parent harness (tool schemas).
    pub harness: &'a Harness,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Min,
    P50,
    P90,
    Max,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Statistic {
    Calls(Order),
    CleanFirstWrite(Order),
    ErrorPattern,
    ToolUsage,
}

impl Statistic {
    fn parse(name: &str) -> Result<Statistic, String> {
        let order = |o: &str| match o {
            "min" => Ok(Order::Min),
            "p50" => Ok(Order::P50),
            "p90" => Ok(Order::P90),
            "max" => Ok(Order::Max),
            other => Err(format!(
                "unknown order statistic `{other}` (min, p50, p90, max)"
            )),
        };
        match name {
            "cluster.error_pattern" => Ok(Statistic::ErrorPattern),
            "cluster.tool_usage" => Ok(Statistic::ToolUsage),
            _ => match name
                .strip_prefix("passing.")
                .and_then(|r| r.split_once('.'))
            {
                Some(("calls", o)) => Ok(Statistic::Calls(order(o)?)),
                Some(("clean_first_write", o)) => Ok(Statistic::CleanFirstWrite(order(o)?)),
                _ => Err(format!(
                    "unknown statistic `{name}` (passing.calls.*, passing.clean_first_write.*, \
                     cluster.error_pattern, cluster.tool_usage)"
                )),
            },
        }
    }

    fn numeric(self) -> bool {
        matches!(self, Statistic::Calls(_) | Statistic::CleanFirstWrite(_))
    }

    fn value(self, evidence: &Evidence<'_>) -> Option<Value> {
        let pick = |spread: Option<Spread>, order: Order| {
            spread.map(|s| match order {
                Order::Min => s.min,
                Order::P50 => s.p50,
                Order::P90 => s.p90,
                Order::Max => s.max,
            })
        };
        let profile = &evidence.report.passing_profile;
        match self {
            Statistic::Calls(o) => pick(profile.calls, o).map(Value::from),
            Statistic::CleanFirstWrite(o) => pick(profile.clean_first_write, o).map(Value::from),
            Statistic::ErrorPattern => error_pattern(evidence.clusters).map(Value::from),
            Statistic::ToolUsage => tool_usage(evidence).map(Value::from),
        }
    }
}

/// A parsed `{derive: ...}` object.
#[derive(Debug, Clone, PartialEq)]
pub struct Derivation {
    statistic: Statistic,
    fallback: Option<Statistic>,
    margin_ratio: f64,
    margin_min: u64,
    min: Option<u64>,
    max: Option<u64>,
}

const KEYS: [&str; 6] = [
    "derive",
    "fallback",
    "margin_ratio",
    "margin_min",
    "min",
    "max",
];

impl Derivation {
    /// The derivation an object stands for, `Ok(None)` for an ordinary object.
    fn parse(object: &Map<String, Value>) -> Result<Option<Derivation>, (String, String)> {
        let Some(name) = object.get("derive") else {
            return Ok(None);
        };
        let name = name
            .as_str()
            .ok_or_else(|| ("derive".to_owned(), "expected a statistic name".to_owned()))?;
        let statistic = Statistic::parse(name).map_err(|m| ("derive".to_owned(), m))?;
        if let Some(key) = object.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err((
                key.clone(),
                format!("unknown field (known: {})", KEYS.join(", ")),
            ));
        }
        let fallback = match object.get("fallback") {
            None => None,
            Some(v) => Some(
                v.as_str()
                    .ok_or_else(|| {
                        (
                            "fallback".to_owned(),
                            "expected a statistic name".to_owned(),
                        )
                    })
                    .and_then(|n| Statistic::parse(n).map_err(|m| ("fallback".to_owned(), m)))?,
            ),
        };
        let number = |key: &str| -> Result<Option<u64>, (String, String)> {
            match object.get(key) {
                None => Ok(None),
                Some(v) => v
                    .as_u64()
                    .map(Some)
                    .ok_or_else(|| (key.to_owned(), "expected a whole number".to_owned())),
            }
        };
        let margin_ratio = match object.get("margin_ratio") {
            None => 0.0,
            Some(v) => v
                .as_f64()
                .filter(|r| r.is_finite() && *r >= 0.0)
                .ok_or_else(|| {
                    (
                        "margin_ratio".to_owned(),
                        "expected a number >= 0".to_owned(),
                    )
                })?,
        };
        let derivation = Derivation {
            statistic,
            fallback,
            margin_ratio,
            margin_min: number("margin_min")?.unwrap_or(0),
            min: number("min")?,
            max: number("max")?,
        };
        let shaping = derivation.margin_ratio > 0.0
            || derivation.margin_min > 0
            || derivation.min.is_some()
            || derivation.max.is_some();
        if shaping && !statistic.numeric() {
            return Err((
                "derive".to_owned(),
                format!("`{name}` is a text; margins and bounds apply to counts only"),
            ));
        }
        if let Some(f) = fallback
            && f.numeric() != statistic.numeric()
        {
            return Err((
                "fallback".to_owned(),
                "must be of the same kind (count or text) as `derive`".to_owned(),
            ));
        }
        Ok(Some(derivation))
    }

    /// Check every derivation inside `value`; on error, the path inside `value` and why.
    pub fn check_all(value: &Value) -> Result<(), (String, String)> {
        walk_check(value, "")
    }

    fn resolve(&self, evidence: &Evidence<'_>) -> Option<Value> {
        let raw = self
            .statistic
            .value(evidence)
            .or_else(|| self.fallback.and_then(|f| f.value(evidence)))?;
        let Some(n) = raw.as_u64() else {
            return Some(raw);
        };
        let margin = ((n as f64) * self.margin_ratio).ceil() as u64;
        let mut out = n.saturating_add(margin.max(self.margin_min));
        if let Some(min) = self.min {
            out = out.max(min);
        }
        if let Some(max) = self.max {
            out = out.min(max);
        }
        Some(Value::from(out))
    }
}

fn walk_check(value: &Value, path: &str) -> Result<(), (String, String)> {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Object(object) => {
            if Derivation::parse(object)
                .map_err(|(k, m)| (join(&k), m))?
                .is_some()
            {
                return Ok(());
            }
            for (k, v) in object {
                walk_check(v, &join(k))?;
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk_check(v, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `value` with every derivation replaced by its value; `Err` names the first statistic the
/// evidence lacks.
pub fn resolve_all(value: &Value, evidence: &Evidence<'_>) -> Result<Value, String> {
    match value {
        Value::Object(object) => {
            if let Ok(Some(derivation)) = Derivation::parse(object) {
                let name = object
                    .get("derive")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                return derivation
                    .resolve(evidence)
                    .ok_or_else(|| format!("no evidence for `{name}`"));
            }
            let mut out = Map::new();
            for (k, v) in object {
                out.insert(k.clone(), resolve_all(v, evidence)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|v| resolve_all(v, evidence))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// Shortest error text kept as a pattern.
const MIN_PATTERN: usize = 8;

/// The error text the clusters' failing calls share, up to its first `: ` (the part that
/// names what failed, before the details), as an escaped regular expression.
fn error_pattern(clusters: &[&ClusterReport]) -> Option<String> {
    let errors: Vec<&str> = clusters
        .iter()
        .flat_map(|c| c.exemplars.iter())
        .flat_map(|e| e.steps.iter())
        .filter_map(|s| s.error.as_deref())
        .map(|e| e.lines().next().unwrap_or_default())
        .collect();
    let first = *errors.first()?;
    let mut common = first.len();
    for other in &errors[1..] {
        common = common.min(
            first
                .char_indices()
                .zip(other.chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map_or(0, |((i, a), _)| i + a.len_utf8()),
        );
    }
    let shared = &first[..common];
    let head = match shared.find(": ") {
        Some(i) if i >= MIN_PATTERN => &shared[..i],
        _ => shared.trim_end(),
    };
    (head.len() >= MIN_PATTERN).then(|| regex::escape(head))
}

/// How to call the tool the clusters' failing calls named, from its parameter schema.
fn tool_usage(evidence: &Evidence<'_>) -> Option<String> {
    let tool_name = evidence
        .clusters
        .iter()
        .flat_map(|c| c.exemplars.iter())
        .flat_map(|e| e.steps.iter())
        .find(|s| s.error.is_some())
        .map(|s| s.tool.clone())?;
    let tool = evidence.harness.tools().get(&tool_name)?;
    let schema = &tool.spec.parameters;
    let properties = schema.get("properties")?.as_object()?;
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut shape = Vec::new();
    let mut lines = Vec::new();
    for (name, property) in properties {
        let kind = property
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("value");
        let needed = required.contains(&name.as_str());
        if needed {
            shape.push(format!("\"{name}\": <{kind}>"));
        }
        let description = property
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        lines.push(format!(
            "{name} ({kind}, {}){}{description}",
            if needed { "required" } else { "optional" },
            if description.is_empty() { "" } else { ": " }
        ));
    }
    Some(format!(
        "Call `{tool_name}` with one JSON object as its arguments, like {{{}}}. Parameters: {}.",
        shape.join(", "),
        lines.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn checks_name_the_field_of_a_bad_derivation() {
        assert!(Derivation::check_all(&json!({"a": {"derive": "passing.calls.p50"}})).is_ok());
        let err = Derivation::check_all(&json!({"a": [{"b": {"derive": "passing.calls.p42"}}]}))
            .unwrap_err();
        assert_eq!(err.0, "a[0].b.derive");
        assert!(err.1.contains("p42"), "{}", err.1);
        let err = Derivation::check_all(&json!({"x": {"derive": "cluster.tool_usage", "min": 3}}))
            .unwrap_err();
        assert!(err.1.contains("counts only"), "{}", err.1);
        let err = Derivation::check_all(&json!({"x": {"derive": "passing.calls.max", "bogus": 1}}))
            .unwrap_err();
        assert_eq!(err.0, "x.bogus");
    }
}
