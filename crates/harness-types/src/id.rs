//! [`TrialId`]: a trial's id, usable as a file name.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest accepted trial id, so that `<id>.jsonl` fits any file system's name limit.
const MAX_TRIAL_ID: usize = 200;

/// A trial's id, unique within its run and usable as a file name: 1 to 200 characters of
/// `A-Z a-z 0-9 . _ -`, not starting with `.` (e.g. `3f2a9c1b7d4e__fix-git__2`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TrialId(String);

impl TrialId {
    /// Check and wrap an id.
    pub fn new(id: impl Into<String>) -> Result<Self, IdError> {
        let id = id.into();
        let refuse = |reason: &str| IdError {
            id: id.clone(),
            reason: reason.to_owned(),
        };
        if id.is_empty() {
            return Err(refuse("empty"));
        }
        if id.len() > MAX_TRIAL_ID {
            return Err(refuse("longer than 200 characters"));
        }
        if id.starts_with('.') {
            return Err(refuse("starts with `.`"));
        }
        if let Some(c) = id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(refuse(&format!(
                "`{}` is not one of A-Z a-z 0-9 . _ -",
                c.escape_default()
            )));
        }
        Ok(Self(id))
    }

    /// `t` and `n` in six or more digits (`t000042`): ids for generated trials.
    pub fn numbered(n: u64) -> Self {
        Self(format!("t{n:06}"))
    }

    /// The id of trial `trial` of run `run_id`, unique across runs so that the traces of
    /// several runs (two candidates' evaluations, say) can live in one store:
    /// `<run_id>.<trial>`, both parts cleaned to the id alphabet. When that would pass 200
    /// characters the run part is shortened and suffixed with a hash of the whole, so
    /// distinct pairs stay distinct.
    pub fn scoped(run_id: &str, trial: &str) -> Self {
        let clean = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        let run = clean(run_id.trim_start_matches('.'));
        let trial = clean(trial);
        let run = if run.is_empty() {
            "run".to_owned()
        } else {
            run
        };
        let whole = format!("{run}.{trial}");
        if whole.len() <= MAX_TRIAL_ID {
            return Self(whole);
        }
        let digest = crate::ContentHash::of_bytes(format!("{run_id}\n{trial}").as_bytes());
        let tag = &digest.to_hex()[..16];
        // Keep the trial's own name readable when it fits; the hash keeps the id unique.
        let room = MAX_TRIAL_ID.saturating_sub(tag.len() + 2);
        let trial_part: String = trial
            .chars()
            .rev()
            .take(room / 2)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let run_part: String = run.chars().take(room - trial_part.len()).collect();
        Self(format!("{run_part}-{tag}.{trial_part}"))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TrialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrialId({})", self.0)
    }
}

impl TryFrom<String> for TrialId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value).map_err(|e| e.to_string())
    }
}

impl From<TrialId> for String {
    fn from(value: TrialId) -> Self {
        value.0
    }
}

impl schemars::JsonSchema for TrialId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TrialId".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$"
        })
    }
}

/// Why a text is not an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError {
    /// The refused text (as given).
    pub id: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.id.chars().take(80).collect();
        write!(
            f,
            "invalid trial id `{}`: {}",
            shown.escape_default(),
            self.reason
        )
    }
}

impl std::error::Error for IdError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_file_names() {
        assert!(TrialId::new("abc123__fix-git__0").is_ok());
        assert!(TrialId::new("a.b").is_ok());
        for bad in ["", ".hidden", "a/b", "a b", "..", "é"] {
            assert!(TrialId::new(bad).is_err(), "{bad:?} accepted");
        }
        assert!(TrialId::new("x".repeat(201)).is_err());
        assert!(serde_json::from_str::<TrialId>("\"../x\"").is_err());
    }

    #[test]
    fn scoped_ids_are_unique_across_runs_and_valid() {
        let a = TrialId::scoped("job-1", "fix-git__0");
        let b = TrialId::scoped("job-2", "fix-git__0");
        assert_ne!(a, b);
        assert_eq!(a.as_str(), "job-1.fix-git__0");
        let long_run = "r".repeat(300);
        let x = TrialId::scoped(&long_run, "t__0");
        let y = TrialId::scoped(&format!("{long_run}x"), "t__0");
        assert_ne!(x, y);
        for id in [
            &x,
            &y,
            &TrialId::scoped("", "a b/c"),
            &TrialId::scoped(".x", "t"),
        ] {
            assert!(TrialId::new(id.as_str()).is_ok(), "{id} invalid");
        }
    }
}
