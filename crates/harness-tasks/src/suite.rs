//! A suite: a folder of task dirs, optionally with a `suite.yaml` beside them.
//!
//! ```yaml
//! name: terminal-lite
//! description: Small offline terminal tasks.
//! splits:                      # explicit: every task in exactly one list
//!   held_in: [task-a, task-b]
//!   validation: [task-c]
//!   test: [task-d]
//! # or stratified by (category, difficulty) with a fixed seed; see `crate::split`:
//! # splits: {stratified: {seed: 7, held_in: 0.4, validation: 0.3, test: 0.3}}
//! ```
//!
//! A plain folder of task dirs (no suite.yaml), or a suite.yaml without `splits`, is a suite
//! whose tasks are all `unassigned`: splitting is a decision the suite's author makes
//! explicitly, never a silent default. A folder that is itself a task dir is a suite of one.
//! Sub-folders are tasks when they hold a task.toml, instruction.md or tests/; hidden folders
//! and other folders are skipped.
//!
//! A task dir that fails to load does not refuse the suite: it is kept in [`Suite::invalid`]
//! with its error, and [`Suite::select`] refuses only a selection that includes it (listing
//! every invalid task selected), so the good tasks still run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSetBuilder};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::TaskError;
use crate::split::{Split, StratifiedSpec, StratumMember, stratify};
use crate::task::{INSTRUCTION_MD, TASK_TOML, Task};

/// File name of the suite description.
pub const SUITE_YAML: &str = "suite.yaml";

/// `suite.yaml` as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuiteFile {
    /// Suite name (default: folder name).
    #[serde(default)]
    pub name: Option<String>,
    /// One-paragraph description.
    #[serde(default)]
    pub description: Option<String>,
    /// Split assignment; none means every task is `unassigned`.
    #[serde(default)]
    pub splits: Option<SplitsSpec>,
}

/// `splits:` either as explicit lists or as `stratified: {...}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitsSpec {
    /// Stratified assignment parameters.
    #[serde(default)]
    pub stratified: Option<StratifiedSpec>,
    /// Explicit `held_in` task ids.
    #[serde(default)]
    pub held_in: Option<Vec<String>>,
    /// Explicit `validation` task ids.
    #[serde(default)]
    pub validation: Option<Vec<String>>,
    /// Explicit `test` task ids.
    #[serde(default)]
    pub test: Option<Vec<String>>,
}

/// How a suite's splits were assigned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SplitSource {
    /// No assignment: all tasks `unassigned`.
    None,
    /// Lists in suite.yaml.
    Explicit,
    /// Stratified with these parameters.
    Stratified(StratifiedSpec),
}

/// A task with its split label.
#[derive(Debug, Clone)]
pub struct SuiteTask {
    /// The task.
    pub task: Arc<Task>,
    /// Its split.
    pub split: Split,
}

/// A task dir that failed to load, kept so that a selection can leave it out.
#[derive(Debug, Clone)]
pub struct InvalidTask {
    /// Folder name.
    pub id: String,
    /// Its split (from suite.yaml lists, or stratified from its metadata).
    pub split: Split,
    /// Why it failed to load; it names the task, the file and the field.
    pub error: Arc<TaskError>,
}

/// A loaded suite.
#[derive(Debug, Clone)]
pub struct Suite {
    /// Name (suite.yaml `name`, else folder name).
    pub name: String,
    /// Description, if any.
    pub description: Option<String>,
    /// Absolute suite dir.
    pub dir: PathBuf,
    /// How splits were assigned.
    pub split_source: SplitSource,
    /// Tasks sorted by id.
    pub tasks: Vec<SuiteTask>,
    /// Task dirs that failed to load, sorted by id.
    pub invalid: Vec<InvalidTask>,
}

/// Which tasks of a suite to run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskSelection {
    /// Glob patterns over task ids; empty selects all.
    pub patterns: Vec<String>,
    /// Only tasks of this split.
    pub split: Option<Split>,
}

impl TaskSelection {
    /// Patterns from a comma-separated list such as `hello-*,count-words`.
    pub fn from_patterns(list: &str) -> Self {
        Self {
            patterns: list
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
            split: None,
        }
    }
}

impl Suite {
    /// Load a suite folder (or a single task dir).
    pub fn load(dir: &Path) -> Result<Suite, TaskError> {
        let dir = dir.canonicalize().map_err(|e| TaskError::io(dir, e))?;
        let folder = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "suite".into());
        let suite_err = |problem: String| TaskError::Suite {
            suite: folder.clone(),
            file: SUITE_YAML.to_owned(),
            problem,
        };
        if dir.join(TASK_TOML).is_file() {
            let task = Arc::new(Task::load(&dir)?);
            return Ok(Suite {
                name: task.id.clone(),
                description: None,
                dir,
                split_source: SplitSource::None,
                tasks: vec![SuiteTask {
                    task,
                    split: Split::Unassigned,
                }],
                invalid: Vec::new(),
            });
        }
        let file: SuiteFile = match harness_core::read_config(&dir.join(SUITE_YAML)) {
            Ok(text) => {
                harness_core::check_config(SUITE_YAML, &text, harness_core::ConfigFormat::Yaml)
                    .map_err(|d| suite_err(crate::config::bounded_message(&d)))?;
                serde_yaml::from_str(&text).map_err(|e| {
                    suite_err(harness_core::bounded::shorten_message(&e.to_string()))
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => SuiteFile::default(),
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                return Err(suite_err(e.to_string()));
            }
            Err(e) => return Err(TaskError::io(dir.join(SUITE_YAML), e)),
        };
        let mut tasks = Vec::new();
        let mut failed: Vec<(String, TaskError, Option<StratumMember>)> = Vec::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| TaskError::io(&dir, e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        entries.sort();
        for path in entries {
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            let looks_like_task = [TASK_TOML, INSTRUCTION_MD, "tests"]
                .iter()
                .any(|f| path.join(f).exists());
            if !hidden && looks_like_task {
                match Task::load(&path) {
                    Ok(task) => tasks.push(Arc::new(task)),
                    Err(error) => {
                        let id = path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        let stratum = stratum_of_invalid(&path, &id);
                        failed.push((id, error, stratum));
                    }
                }
            }
        }
        let name = file.name.clone().unwrap_or_else(|| folder.clone());
        if tasks.is_empty() && failed.is_empty() {
            return Err(TaskError::Suite {
                suite: folder.clone(),
                file: ".".into(),
                problem: "no task dirs found (sub-folders with task.toml)".into(),
            });
        }
        if tasks.is_empty() {
            return Err(invalid_tasks_error(&name, failed.iter().map(|f| &f.1)));
        }
        // Stratified splits depend on every task's category and difficulty: without them for
        // an invalid task, the good tasks' splits would shift, so nothing may run.
        if file
            .splits
            .as_ref()
            .is_some_and(|spec| spec.stratified.is_some())
            && failed.iter().any(|f| f.2.is_none())
        {
            let unknown: Vec<&str> = failed
                .iter()
                .filter(|f| f.2.is_none())
                .map(|f| f.0.as_str())
                .collect();
            return Err(TaskError::InvalidTasks {
                suite: name,
                count: failed.len(),
                details: format!(
                    "{}\n  stratified splits need the category and difficulty of every task, \
                     and task.toml of {} does not parse; fix or remove them",
                    render_errors(failed.iter().map(|f| &f.1)),
                    unknown.join(", ")
                ),
            });
        }
        let mut members: Vec<StratumMember> = tasks
            .iter()
            .map(|t| StratumMember {
                id: t.id.clone(),
                category: t.category().map(str::to_owned),
                difficulty: t.difficulty().map(str::to_owned),
            })
            .collect();
        members.extend(failed.iter().filter_map(|f| f.2.clone()));
        members.extend(
            failed
                .iter()
                .filter(|f| f.2.is_none())
                .map(|f| StratumMember {
                    id: f.0.clone(),
                    category: None,
                    difficulty: None,
                }),
        );
        members.sort_by(|a, b| a.id.cmp(&b.id));
        let (split_source, labels) =
            assign_splits(&members, file.splits.as_ref()).map_err(suite_err)?;
        let label = |id: &str| labels.get(id).copied().unwrap_or(Split::Unassigned);
        let tasks = tasks
            .into_iter()
            .map(|task| SuiteTask {
                split: label(&task.id),
                task,
            })
            .collect();
        let invalid = failed
            .into_iter()
            .map(|(id, error, _)| InvalidTask {
                split: label(&id),
                id,
                error: Arc::new(error),
            })
            .collect();
        Ok(Suite {
            name,
            description: file.description,
            dir,
            split_source,
            tasks,
            invalid,
        })
    }

    /// The tasks matching `selection`, in id order. Errors on a bad pattern, when nothing
    /// matches, or when the selection includes invalid tasks (the error lists every one).
    /// Invalid tasks the selection leaves out are logged as a warning (`tracing`); see
    /// [`Suite::select_quietly`] to get them instead, and [`Suite::skipped_warning`] for the
    /// text.
    pub fn select(&self, selection: &TaskSelection) -> Result<Vec<SuiteTask>, TaskError> {
        let (chosen, skipped) = self.select_quietly(selection)?;
        if let Some(warning) = self.skipped_warning(&skipped) {
            tracing::warn!("{warning}");
        }
        Ok(chosen)
    }

    /// A warning naming invalid tasks a selection left out, each with its error; `None` when
    /// there are none.
    pub fn skipped_warning(&self, skipped: &[&InvalidTask]) -> Option<String> {
        (!skipped.is_empty()).then(|| {
            format!(
                "suite `{}`: skipping {} invalid task(s) outside the selection:\n{}",
                self.name,
                skipped.len(),
                render_errors(skipped.iter().map(|t| t.error.as_ref()))
            )
        })
    }

    /// [`Suite::select`] without the warning: the chosen tasks, and the invalid tasks the
    /// selection left out.
    pub fn select_quietly(
        &self,
        selection: &TaskSelection,
    ) -> Result<(Vec<SuiteTask>, Vec<&InvalidTask>), TaskError> {
        let err = |problem: String| TaskError::Suite {
            suite: self.name.clone(),
            file: ".".into(),
            problem,
        };
        let mut builder = GlobSetBuilder::new();
        for p in &selection.patterns {
            builder.add(Glob::new(p).map_err(|e| err(format!("bad task pattern `{p}`: {e}")))?);
        }
        let set = builder.build().map_err(|e| err(e.to_string()))?;
        let selected = |id: &str, split: Split| {
            (selection.patterns.is_empty() || set.is_match(id))
                && selection.split.is_none_or(|s| s == split)
        };
        let (bad, skipped): (Vec<&InvalidTask>, Vec<&InvalidTask>) =
            self.invalid.iter().partition(|t| selected(&t.id, t.split));
        if !bad.is_empty() {
            let mut details = render_errors(bad.iter().map(|t| t.error.as_ref()));
            if !skipped.is_empty() {
                let others: Vec<&str> = skipped.iter().map(|t| t.id.as_str()).collect();
                details.push_str(&format!(
                    "\n  (also invalid, not selected: {})",
                    others.join(", ")
                ));
            }
            return Err(TaskError::InvalidTasks {
                suite: self.name.clone(),
                count: bad.len(),
                details,
            });
        }
        let chosen: Vec<SuiteTask> = self
            .tasks
            .iter()
            .filter(|t| selected(&t.task.id, t.split))
            .cloned()
            .collect();
        if chosen.is_empty() {
            let what = match (&selection.patterns[..], selection.split) {
                ([], Some(s)) => format!("no task in split `{s}`"),
                (p, None) => format!("no task matches `{}`", p.join(",")),
                (p, Some(s)) => format!("no task in split `{s}` matches `{}`", p.join(",")),
            };
            return Err(err(what));
        }
        Ok((chosen, skipped))
    }

    /// Task count per split.
    pub fn split_counts(&self) -> BTreeMap<Split, usize> {
        let mut counts = BTreeMap::new();
        for t in &self.tasks {
            *counts.entry(t.split).or_default() += 1;
        }
        counts
    }
}

/// The category and difficulty of a task that failed to load, when its task.toml parses.
fn stratum_of_invalid(dir: &Path, id: &str) -> Option<StratumMember> {
    let text = harness_core::read_config(&dir.join(TASK_TOML)).ok()?;
    let config = crate::config::TaskConfig::parse(&text, id, TASK_TOML).ok()?;
    Some(StratumMember {
        id: id.to_owned(),
        category: config.metadata_str("category").map(str::to_owned),
        difficulty: config.metadata_str("difficulty").map(str::to_owned),
    })
}

/// One indented line per error (each names its task, file and field).
fn render_errors<'a>(errors: impl Iterator<Item = &'a TaskError>) -> String {
    errors
        .map(|e| format!("  {}", e.to_string().replace('\n', "\n    ")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn invalid_tasks_error<'a>(suite: &str, errors: impl Iterator<Item = &'a TaskError>) -> TaskError {
    let errors: Vec<&TaskError> = errors.collect();
    TaskError::InvalidTasks {
        suite: suite.to_owned(),
        count: errors.len(),
        details: render_errors(errors.into_iter()),
    }
}

fn assign_splits(
    members: &[StratumMember],
    spec: Option<&SplitsSpec>,
) -> Result<(SplitSource, BTreeMap<String, Split>), String> {
    let Some(spec) = spec else {
        return Ok((SplitSource::None, BTreeMap::new()));
    };
    let explicit = [&spec.held_in, &spec.validation, &spec.test];
    if let Some(strat) = &spec.stratified {
        if explicit.iter().any(|l| l.is_some()) {
            return Err("splits: use either `stratified` or explicit lists, not both".into());
        }
        let labels = stratify(members, strat).map_err(|e| format!("splits.stratified: {e}"))?;
        return Ok((SplitSource::Stratified(strat.clone()), labels));
    }
    if explicit.iter().all(|l| l.is_none()) {
        return Ok((SplitSource::None, BTreeMap::new()));
    }
    let known: BTreeSet<&str> = members.iter().map(|m| m.id.as_str()).collect();
    let mut labels = BTreeMap::new();
    for (split, list) in Split::ASSIGNED.iter().zip(explicit) {
        for id in list.iter().flatten() {
            if !known.contains(id.as_str()) {
                return Err(format!("splits.{split}: no task dir named `{id}`"));
            }
            if let Some(previous) = labels.insert(id.clone(), *split) {
                return Err(format!(
                    "task `{id}` is listed in both splits.{previous} and splits.{split}"
                ));
            }
        }
    }
    let unlisted: Vec<&str> = known
        .iter()
        .filter(|id| !labels.contains_key(**id))
        .copied()
        .collect();
    if !unlisted.is_empty() {
        return Err(format!(
            "explicit splits must list every task; not listed: {}",
            unlisted.join(", ")
        ));
    }
    Ok((SplitSource::Explicit, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_task(root: &Path, id: &str, category: &str) {
        let d = root.join(id);
        std::fs::create_dir_all(d.join("tests")).unwrap();
        std::fs::write(
            d.join("task.toml"),
            format!(
                "version = \"1.0\"\n[metadata]\ncategory = \"{category}\"\ndifficulty = \"easy\"\n"
            ),
        )
        .unwrap();
        std::fs::write(d.join("instruction.md"), "Do it.\n").unwrap();
        std::fs::write(d.join("tests/test.sh"), "exit 0\n").unwrap();
    }

    fn suite_dir(n: usize, yaml: Option<&str>) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..n {
            write_task(dir.path(), &format!("t{i:02}"), ["a", "b", "c"][i % 3]);
        }
        std::fs::create_dir(dir.path().join("not-a-task")).unwrap();
        if let Some(y) = yaml {
            std::fs::write(dir.path().join(SUITE_YAML), y).unwrap();
        }
        dir
    }

    #[test]
    fn explicit_splits() {
        let dir = suite_dir(
            4,
            Some(
                "name: s\ndescription: d\nsplits:\n  held_in: [t00, t01]\n  validation: [t02]\n  test: [t03]\n",
            ),
        );
        let s = Suite::load(dir.path()).unwrap();
        assert_eq!(s.name, "s");
        assert_eq!(s.split_source, SplitSource::Explicit);
        let labels: Vec<Split> = s.tasks.iter().map(|t| t.split).collect();
        assert_eq!(
            labels,
            [Split::HeldIn, Split::HeldIn, Split::Validation, Split::Test]
        );
        let sel = TaskSelection {
            patterns: vec![],
            split: Some(Split::HeldIn),
        };
        assert_eq!(s.select(&sel).unwrap().len(), 2);
        assert_eq!(
            s.select(&TaskSelection::from_patterns("t0[23],nope"))
                .unwrap()
                .len(),
            2
        );
        assert!(s.select(&TaskSelection::from_patterns("zzz*")).is_err());
    }

    #[test]
    fn explicit_split_errors() {
        let cases = [
            (
                "splits:\n  held_in: [t00, t01]\n  test: [t01, t02]\n",
                "both",
            ),
            ("splits:\n  held_in: [t00, t01]\n  test: [t09]\n", "t09"),
            (
                "splits:\n  held_in: [t00]\n  test: [t01]\n",
                "not listed: t02",
            ),
            ("splits:\n  heldin: [t00]\n", "heldin"),
            (
                "splits:\n  stratified: {seed: 1}\n  test: [t00]\n",
                "either",
            ),
            (
                "splits:\n  stratified: {seed: 1, held_in: 0.9}\n",
                "sum to 1",
            ),
        ];
        for (yaml, expected) in cases {
            let dir = suite_dir(3, Some(yaml));
            let e = Suite::load(dir.path()).unwrap_err().to_string();
            assert!(
                e.contains(expected) && e.contains(SUITE_YAML),
                "{yaml}: {e}"
            );
        }
    }

    #[test]
    fn stratified_every_task_in_exactly_one_split() {
        let dir = suite_dir(
            20,
            Some("splits: {stratified: {seed: 7, held_in: 0.4, validation: 0.3, test: 0.3}}\n"),
        );
        let s = Suite::load(dir.path()).unwrap();
        assert_eq!(s.tasks.len(), 20);
        assert!(s.tasks.iter().all(|t| t.split != Split::Unassigned));
        let counts = s.split_counts();
        assert_eq!(counts[&Split::HeldIn], 8);
        assert_eq!(counts[&Split::Validation], 6);
        assert_eq!(counts[&Split::Test], 6);
        let again = Suite::load(dir.path()).unwrap();
        let a: Vec<Split> = s.tasks.iter().map(|t| t.split).collect();
        let b: Vec<Split> = again.tasks.iter().map(|t| t.split).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn plain_folder_and_single_task() {
        let dir = suite_dir(2, None);
        let s = Suite::load(dir.path()).unwrap();
        assert_eq!(s.split_source, SplitSource::None);
        assert!(s.tasks.iter().all(|t| t.split == Split::Unassigned));
        let one = Suite::load(&dir.path().join("t01")).unwrap();
        assert_eq!(one.tasks.len(), 1);
        assert_eq!(one.name, "t01");
    }
}
