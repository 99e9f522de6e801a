//! Reading the verifier's reward: `reward.json` (a flat `{name: number}` object) first, then
//! `reward.txt` (one number). A missing or empty reward file is its own outcome, not a zero;
//! garbage is an error naming the task, the file and the content problem.

use std::collections::BTreeMap;

use harness_sandbox::Sandbox;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::TaskError;

/// Named rewards; `reward.txt` yields `{"reward": x}`.
pub type Rewards = BTreeMap<String, f64>;

/// The key a single-number reward is stored under.
pub const REWARD_KEY: &str = "reward";

/// What the verifier left behind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RewardRead {
    /// Rewards from one of the files.
    Rewards {
        /// Which file: `reward.json` or `reward.txt`.
        file: String,
        /// The values.
        rewards: Rewards,
    },
    /// Neither file exists.
    Missing,
    /// A reward file exists but holds nothing.
    Empty {
        /// Which file.
        file: String,
    },
}

/// The trial's scalar reward: the `reward` entry if present, else the mean of all entries.
pub fn scalar_reward(rewards: &Rewards) -> Option<f64> {
    if let Some(v) = rewards.get(REWARD_KEY) {
        return Some(*v);
    }
    if rewards.is_empty() {
        return None;
    }
    Some(rewards.values().sum::<f64>() / rewards.len() as f64)
}

fn excerpt(text: &str) -> String {
    let t = text.trim();
    let mut out: String = t.chars().take(60).collect();
    if t.chars().count() > 60 {
        out.push_str("...");
    }
    out
}

/// Parse `reward.json` text; `Ok(None)` when it is empty (whitespace or `{}`).
pub fn parse_reward_json(text: &str, task: &str, file: &str) -> Result<Option<Rewards>, TaskError> {
    let err = |problem: String| TaskError::RewardFile {
        task: task.to_owned(),
        file: file.to_owned(),
        problem,
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| err(format!("not valid JSON ({e}): `{}`", excerpt(text))))?;
    let serde_json::Value::Object(map) = value else {
        return Err(err(format!(
            "expected a flat object {{name: number}}, found `{}`",
            excerpt(text)
        )));
    };
    let mut rewards = Rewards::new();
    for (k, v) in map {
        let n = v
            .as_f64()
            .ok_or_else(|| err(format!("value of `{k}` is not a number: `{v}`")))?;
        rewards.insert(k, n);
    }
    Ok((!rewards.is_empty()).then_some(rewards))
}

/// Parse `reward.txt` text; `Ok(None)` when it is empty.
pub fn parse_reward_txt(text: &str, task: &str, file: &str) -> Result<Option<f64>, TaskError> {
    let err = |problem: String| TaskError::RewardFile {
        task: task.to_owned(),
        file: file.to_owned(),
        problem,
    };
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.lines().count() > 1 || t.split_whitespace().count() > 1 {
        return Err(err(format!("expected one number, found `{}`", excerpt(t))));
    }
    let v: f64 = t
        .parse()
        .map_err(|_| err(format!("`{}` is not a number", excerpt(t))))?;
    if !v.is_finite() {
        return Err(err(format!("`{t}` is not a finite number")));
    }
    Ok(Some(v))
}

/// Decide from the two files' contents (`None`: the file does not exist): `reward.json` first,
/// then `reward.txt`; an empty file falls through to the next one. `dir` names the files in
/// errors.
pub fn choose_rewards(
    json: Option<&str>,
    txt: Option<&str>,
    task: &str,
    dir: &str,
) -> Result<RewardRead, TaskError> {
    let dir = dir.trim_end_matches('/');
    let mut empty_file = None;
    if let Some(text) = json {
        match parse_reward_json(text, task, &format!("{dir}/reward.json"))? {
            Some(rewards) => {
                return Ok(RewardRead::Rewards {
                    file: "reward.json".into(),
                    rewards,
                });
            }
            None => empty_file = Some("reward.json"),
        }
    }
    if let Some(text) = txt {
        match parse_reward_txt(text, task, &format!("{dir}/reward.txt"))? {
            Some(v) => {
                return Ok(RewardRead::Rewards {
                    file: "reward.txt".into(),
                    rewards: Rewards::from([(REWARD_KEY.to_owned(), v)]),
                });
            }
            None => empty_file = empty_file.or(Some("reward.txt")),
        }
    }
    Ok(match empty_file {
        Some(file) => RewardRead::Empty { file: file.into() },
        None => RewardRead::Missing,
    })
}

/// Read the rewards from `<verifier_dir>/reward.json`, then `reward.txt`, in the sandbox.
pub async fn read_rewards(
    sandbox: &dyn Sandbox,
    verifier_dir: &str,
    task: &str,
) -> Result<RewardRead, TaskError> {
    let dir = verifier_dir.trim_end_matches('/');
    let names: Vec<String> = match sandbox.list_dir(dir).await {
        Ok(entries) => entries
            .into_iter()
            .filter(|e| !e.is_dir)
            .map(|e| e.name)
            .collect(),
        // No verifier dir at all: nothing was written.
        Err(_) => return Ok(RewardRead::Missing),
    };
    let mut texts = [None, None];
    for (slot, name) in texts.iter_mut().zip(["reward.json", "reward.txt"]) {
        if !names.iter().any(|n| n == name) {
            continue;
        }
        let path = format!("{dir}/{name}");
        // The file is whatever test.sh (and agent code it ran) left: a link out of the
        // sandbox, a FIFO, an unreadable or huge file is the task's outcome (a verifier error,
        // scored 0), never an infrastructure error that would leave the trial out of the score.
        let bytes = sandbox
            .read_file(&path)
            .await
            .map_err(|source| TaskError::RewardFile {
                task: task.to_owned(),
                file: path.clone(),
                problem: format!("cannot be read: {source}"),
            })?;
        *slot = Some(String::from_utf8(bytes).map_err(|_| TaskError::RewardFile {
            task: task.to_owned(),
            file: path.clone(),
            problem: "not UTF-8 text".into(),
        })?);
    }
    let [json, txt] = texts;
    choose_rewards(json.as_deref(), txt.as_deref(), task, dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_forms() {
        let r = parse_reward_json(r#"{"reward": 1, "partial": 0.5}"#, "t", "f")
            .unwrap()
            .unwrap();
        assert_eq!(r["reward"], 1.0);
        assert_eq!(scalar_reward(&r), Some(1.0));
        let r = parse_reward_json(r#"{"a": 1, "b": 0}"#, "t", "f")
            .unwrap()
            .unwrap();
        assert_eq!(scalar_reward(&r), Some(0.5));
        assert_eq!(parse_reward_json("  \n", "t", "f").unwrap(), None);
        assert_eq!(parse_reward_json("{}", "t", "f").unwrap(), None);
    }

    #[test]
    fn json_garbage_names_task_file_and_problem() {
        for (text, problem) in [
            ("not json", "not valid JSON"),
            ("[1, 2]", "flat object"),
            (r#"{"reward": "high"}"#, "`reward` is not a number"),
            (r#"{"reward": {"x": 1}}"#, "not a number"),
        ] {
            let e = parse_reward_json(text, "task-x", "/logs/verifier/reward.json")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("task-x") && e.contains("reward.json") && e.contains(problem),
                "{e}"
            );
        }
    }

    #[test]
    fn json_first_then_txt_missing_and_empty() {
        let pick = |json, txt| choose_rewards(json, txt, "t", "/logs/verifier");
        let r = pick(Some(r#"{"reward": 0.5}"#), Some("1")).unwrap();
        assert!(matches!(&r, RewardRead::Rewards { file, rewards }
            if file == "reward.json" && rewards["reward"] == 0.5));
        let r = pick(None, Some("1")).unwrap();
        assert!(matches!(&r, RewardRead::Rewards { file, .. } if file == "reward.txt"));
        // An empty reward.json does not hide reward.txt.
        let r = pick(Some(""), Some("0")).unwrap();
        assert!(matches!(&r, RewardRead::Rewards { file, .. } if file == "reward.txt"));
        assert_eq!(pick(None, None).unwrap(), RewardRead::Missing);
        assert_eq!(
            pick(None, Some(" \n")).unwrap(),
            RewardRead::Empty {
                file: "reward.txt".into()
            }
        );
        assert_eq!(
            pick(Some("{}"), Some("")).unwrap(),
            RewardRead::Empty {
                file: "reward.json".into()
            }
        );
        // Garbage in reward.json is an error even when reward.txt is fine.
        let e = pick(Some("oops"), Some("1")).unwrap_err().to_string();
        assert!(
            e.contains("/logs/verifier/reward.json") && e.contains("not valid JSON"),
            "{e}"
        );
    }

    #[test]
    fn txt_forms() {
        assert_eq!(parse_reward_txt("1\n", "t", "f").unwrap(), Some(1.0));
        assert_eq!(parse_reward_txt(" 0.25 ", "t", "f").unwrap(), Some(0.25));
        assert_eq!(parse_reward_txt("", "t", "f").unwrap(), None);
        assert_eq!(parse_reward_txt("\n\n", "t", "f").unwrap(), None);
        for (text, problem) in [
            ("PASS", "`PASS` is not a number"),
            ("1\n0\n", "expected one number"),
            ("1 2", "expected one number"),
            ("NaN", "finite"),
        ] {
            let e = parse_reward_txt(text, "task-y", "reward.txt")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("task-y") && e.contains("reward.txt") && e.contains(problem),
                "{e}"
            );
        }
    }
}
