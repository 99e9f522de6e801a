//! The overfitting guard's vocabulary: identifiers that belong to particular tasks.
//!
//! AHE's evolve agent wrote task-specific hacks when it saw too few tasks. An edit that names a
//! task, or a file name or literal that occurs only in a few tasks' instructions or files,
//! helps those tasks at best and leaks them at worst. The vocabulary knows every task of the
//! suite (a guard may know the test split; it never tells a proposer which test task an
//! identifier belongs to) and finds such identifiers in a text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::LazyLock;

use harness_types::Split;
use regex::Regex;

/// Identifier-like words: at least one of `.`, `_`, `-`, `/` inside, starting and ending with
/// a letter or digit (`sensors.csv`, `run_checks.py`, `out/summary.txt`).
static IDENTIFIER: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9][A-Za-z0-9_./-]*[A-Za-z0-9]").ok());

/// Shortest identifier considered.
const MIN_LEN: usize = 4;

/// One identifier found in an edit, with the tasks it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSpecific {
    /// The identifier as written.
    pub identifier: String,
    /// How many tasks it occurs in.
    pub tasks: usize,
    /// Those of them the proposer may see (never a test or validation task).
    pub visible_tasks: Vec<String>,
}

/// Task ids and the identifiers of each task's instruction and files.
#[derive(Debug, Clone, Default)]
pub struct TaskVocabulary {
    tasks: BTreeMap<String, Split>,
    identifiers: BTreeMap<String, BTreeSet<String>>,
    visible: BTreeSet<Split>,
}

impl TaskVocabulary {
    /// An empty vocabulary; tasks of `visible` splits may be named in guard messages.
    pub fn new(visible: impl IntoIterator<Item = Split>) -> Self {
        Self {
            visible: visible.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Add a task: its id, split, instruction (and any other texts the agent sees) and the
    /// paths of its files.
    pub fn add_task(&mut self, id: &str, split: Split, texts: &[&str], files: &[&str]) {
        self.tasks.insert(id.to_owned(), split);
        let mut found: BTreeSet<String> = BTreeSet::new();
        for text in texts {
            found.extend(identifiers(text));
        }
        for file in files {
            found.extend(identifiers(file));
            if let Some(name) = file.rsplit('/').next() {
                found.extend(identifiers(name));
            }
        }
        for word in found {
            self.identifiers
                .entry(word)
                .or_default()
                .insert(id.to_owned());
        }
    }

    /// Add a task whose files are in `environment` (a task's environment folder: what the
    /// agent finds in its working directory). Unreadable entries are skipped.
    pub fn add_task_dir(&mut self, id: &str, split: Split, instruction: &str, environment: &Path) {
        let files: Vec<String> = walkdir::WalkDir::new(environment)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| {
                e.path()
                    .strip_prefix(environment)
                    .ok()
                    .map(|p| p.display().to_string())
            })
            .collect();
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        self.add_task(id, split, &[instruction], &files);
    }

    /// Tasks known.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether no task is known (the guard then finds nothing).
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Most tasks an identifier may occur in and still count as specific: a tenth of the
    /// suite, at least 2.
    fn specific_limit(&self) -> usize {
        (self.tasks.len() / 10).max(2)
    }

    /// The task-specific identifiers in `text`: task ids, and identifiers that occur in at
    /// most a tenth of the tasks (at least 2). Identifiers in `known` (already in the parent
    /// harness) are not new and are skipped.
    pub fn find(&self, text: &str, known: &BTreeSet<String>) -> Vec<TaskSpecific> {
        let limit = self.specific_limit();
        let mut out: Vec<TaskSpecific> = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut report = |identifier: &str, tasks: Vec<&String>| {
            if !seen.insert(identifier.to_owned()) {
                return;
            }
            let visible_tasks = tasks
                .iter()
                .filter(|t| {
                    self.tasks
                        .get(**t)
                        .is_some_and(|s| self.visible.contains(s))
                })
                .map(|t| (*t).clone())
                .collect();
            out.push(TaskSpecific {
                identifier: identifier.to_owned(),
                tasks: tasks.len(),
                visible_tasks,
            });
        };
        for word in identifiers(text) {
            if known.contains(&word) {
                continue;
            }
            if let Some((id, _)) = self.tasks.get_key_value(&word) {
                report(&word, vec![id]);
                continue;
            }
            if let Some(tasks) = self.identifiers.get(&word)
                && tasks.len() <= limit
            {
                report(&word, tasks.iter().collect());
            }
        }
        out
    }
}

/// The identifier-like words of a text.
pub fn identifiers(text: &str) -> BTreeSet<String> {
    let Some(re) = IDENTIFIER.as_ref() else {
        return BTreeSet::new();
    };
    re.find_iter(text)
        .map(|m| m.as_str().trim_end_matches('.').to_owned())
        .filter(|w| w.len() >= MIN_LEN && w.contains(['.', '_', '-', '/']))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> TaskVocabulary {
        let mut v = TaskVocabulary::new([Split::HeldIn]);
        v.add_task(
            "sales-region-totals",
            Split::HeldIn,
            &["Write region_totals.csv from sales.csv; see out/summary.txt."],
            &["environment/data/sales.csv"],
        );
        v.add_task(
            "secret-test-task",
            Split::Test,
            &["Parse sensors.csv into report.json."],
            &[],
        );
        for i in 0..20 {
            v.add_task(
                &format!("generic-{i}"),
                Split::HeldIn,
                &["Write report.json; use python3 and e.g. plain text."],
                &[],
            );
        }
        v
    }

    #[test]
    fn finds_task_ids_and_rare_file_names_but_not_common_ones() {
        let v = vocabulary();
        let found = v.find(
            "For sales-region-totals write region_totals.csv; report.json and python3 are fine.",
            &BTreeSet::new(),
        );
        let names: Vec<&str> = found.iter().map(|f| f.identifier.as_str()).collect();
        assert_eq!(names, vec!["region_totals.csv", "sales-region-totals"]);
        assert_eq!(
            found[0].visible_tasks,
            vec!["sales-region-totals".to_owned()]
        );
    }

    #[test]
    fn never_names_a_hidden_task_but_still_flags_its_identifiers() {
        let v = vocabulary();
        let found = v.find("check sensors.csv first", &BTreeSet::new());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].tasks, 1);
        assert!(found[0].visible_tasks.is_empty());
    }

    #[test]
    fn identifiers_already_in_the_harness_are_not_new() {
        let v = vocabulary();
        let known: BTreeSet<String> = ["sales.csv".to_owned()].into();
        assert!(v.find("read sales.csv", &known).is_empty());
    }
}
