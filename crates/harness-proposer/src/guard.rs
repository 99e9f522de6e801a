//! The guards every proposal passes, whoever proposed it, enforced by code: the edits apply
//! and validate inside the declared surfaces, stay within the edit budget, name nothing
//! task-specific, and are neither a duplicate of another candidate nor a repeat of a change
//! the gate already rejected.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use harness_core::{CoreError, EditRejection, Harness, HarnessPath, SurfaceMatcher};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::context::ProposalContext;
use crate::proposal::{ChangeList, Proposal};
use crate::proposer::RejectedChange;

/// How much one proposal may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EditBudget {
    /// Declared surfaces one proposal may touch (default 1).
    pub max_surfaces: usize,
    /// Lines added plus lines removed (default 80).
    pub max_changed_lines: usize,
    /// Characters of those lines (default 4,000).
    pub max_chars: usize,
}

impl Default for EditBudget {
    fn default() -> Self {
        Self {
            max_surfaces: 1,
            max_changed_lines: 80,
            max_chars: 4_000,
        }
    }
}

/// The guards' settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct GuardConfig {
    /// The edit budget.
    pub budget: EditBudget,
    /// Refuse edits that name task-specific identifiers (default on; off, they are only
    /// flagged in [`Proposal::task_specific`]).
    pub reject_task_specific: bool,
}

impl Default for GuardConfig {
    fn default() -> Self {
        Self {
            budget: EditBudget::default(),
            reject_task_specific: true,
        }
    }
}

/// Why a change list was refused before any evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "guard", rename_all = "snake_case")]
#[non_exhaustive]
pub enum GuardViolation {
    /// No edits.
    Empty,
    /// An edit names a path outside the declared editable surfaces (or a read-only one, or
    /// one that escapes the harness).
    OutsideSurface {
        /// The path as given.
        path: String,
        /// Why.
        reason: String,
    },
    /// The edits do not apply, or the result is not a valid harness.
    DoesNotApply {
        /// The harness core's message, naming the file and field.
        reason: String,
    },
    /// The result equals the parent.
    NoChange,
    /// The change list names a surface its edits do not touch.
    SurfaceMismatch {
        /// The surface the change list names.
        claimed: String,
        /// The surfaces its paths fall in.
        actual: Vec<String>,
    },
    /// More surfaces than the budget allows.
    TooManySurfaces {
        /// The surfaces touched.
        surfaces: Vec<String>,
        /// The limit.
        limit: usize,
    },
    /// More changed lines than the budget allows.
    TooManyLines {
        /// Lines added plus removed.
        lines: usize,
        /// The limit.
        limit: usize,
    },
    /// More changed characters than the budget allows.
    TooManyChars {
        /// Characters of the changed lines.
        chars: usize,
        /// The limit.
        limit: usize,
    },
    /// The edit names an identifier that belongs to particular tasks.
    TaskSpecific {
        /// The identifier.
        identifier: String,
        /// How many tasks it occurs in.
        tasks: usize,
        /// Those the proposer may see.
        visible_tasks: Vec<String>,
    },
    /// Another proposal of this batch, or an earlier candidate, produces the same harness.
    Duplicate {
        /// The proposal it duplicates.
        of: String,
    },
    /// The same change was proposed before and the gate rejected it.
    RepeatsRejected {
        /// The rejected proposal.
        of: String,
    },
}

impl fmt::Display for GuardViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuardViolation::Empty => f.write_str("the change list has no edits"),
            GuardViolation::OutsideSurface { path, reason } => {
                write!(f, "`{path}` is outside the editable surfaces: {reason}")
            }
            GuardViolation::DoesNotApply { reason } => {
                write!(f, "the edits do not apply: {reason}")
            }
            GuardViolation::NoChange => f.write_str("the edits leave the harness unchanged"),
            GuardViolation::SurfaceMismatch { claimed, actual } => write!(
                f,
                "`surface` says `{claimed}` but the edits touch {}",
                names(actual)
            ),
            GuardViolation::TooManySurfaces { surfaces, limit } => write!(
                f,
                "the edits touch {} surfaces ({}); at most {limit} per proposal",
                surfaces.len(),
                names(surfaces)
            ),
            GuardViolation::TooManyLines { lines, limit } => {
                write!(f, "{lines} changed lines; at most {limit} per proposal")
            }
            GuardViolation::TooManyChars { chars, limit } => write!(
                f,
                "{chars} changed characters; at most {limit} per proposal"
            ),
            GuardViolation::TaskSpecific {
                identifier,
                tasks,
                visible_tasks,
            } => {
                write!(f, "`{identifier}` is specific to {tasks} task(s)")?;
                if !visible_tasks.is_empty() {
                    write!(f, " ({})", visible_tasks.join(", "))?;
                }
                f.write_str(
                    "; edits must hold for the whole task family, not name particular tasks",
                )
            }
            GuardViolation::Duplicate { of } => {
                write!(f, "produces the same harness as proposal {of}")
            }
            GuardViolation::RepeatsRejected { of } => write!(
                f,
                "repeats the change of proposal {of}, which the gate rejected"
            ),
        }
    }
}

fn names(list: &[String]) -> String {
    if list.is_empty() {
        return "no declared surface".to_owned();
    }
    list.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the guards measured about a change, whatever its fate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeMeasure {
    /// Surfaces touched, in path order.
    pub surfaces: Vec<String>,
    /// Lines added plus removed.
    pub lines: usize,
    /// Characters of those lines.
    pub chars: usize,
    /// The change key (see [`Proposal::change_key`]).
    pub key: String,
    /// The added lines, joined.
    pub added: String,
}

/// Compare two harnesses file by file.
pub fn measure(parent: &Harness, candidate: &Harness, matcher: &SurfaceMatcher) -> ChangeMeasure {
    let paths: BTreeSet<&HarnessPath> = parent
        .files()
        .keys()
        .chain(candidate.files().keys())
        .collect();
    let mut surfaces: Vec<String> = Vec::new();
    let mut lines = 0;
    let mut chars = 0;
    let mut keyed: Vec<String> = Vec::new();
    let mut added = String::new();
    for path in paths {
        let before = parent.files().get(path).map_or("", String::as_str);
        let after = candidate.files().get(path).map_or("", String::as_str);
        if parent.files().get(path) == candidate.files().get(path) {
            continue;
        }
        if let Ok(matched) = matcher.check(path)
            && let Some(first) = matched.into_iter().next()
            && !surfaces.contains(&first)
        {
            surfaces.push(first);
        }
        let diff = similar::TextDiff::from_lines(before, after);
        for change in diff.iter_all_changes() {
            let sign = match change.tag() {
                similar::ChangeTag::Equal => continue,
                similar::ChangeTag::Insert => '+',
                similar::ChangeTag::Delete => '-',
            };
            let text = change.value().trim_end_matches('\n');
            lines += 1;
            chars += text.chars().count();
            keyed.push(format!("{path}\t{sign}{}", text.trim()));
            if sign == '+' {
                added.push_str(text);
                added.push('\n');
            }
        }
    }
    keyed.sort();
    let mut hasher = Sha256::new();
    for line in &keyed {
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
    }
    ChangeMeasure {
        surfaces,
        lines,
        chars,
        key: hex::encode(&hasher.finalize()[..12]),
        added,
    }
}

/// The guards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProposalGuard {
    config: GuardConfig,
}

impl ProposalGuard {
    /// Guards with these settings.
    pub fn new(config: GuardConfig) -> Self {
        Self { config }
    }

    /// The settings.
    pub fn config(&self) -> &GuardConfig {
        &self.config
    }

    /// Check a change list against the parent in `context`, the proposals of this batch so
    /// far (`earlier`) and the history. Returns the proposal, or the change list with every
    /// reason to refuse it.
    pub fn check(
        &self,
        context: &ProposalContext,
        change: ChangeList,
        proposer: &str,
        remedy: Option<&str>,
        earlier: &[Proposal],
    ) -> Result<Proposal, Box<RejectedChange>> {
        let refuse = |change: ChangeList, violations: Vec<GuardViolation>| {
            Box::new(RejectedChange::new(
                remedy.map(str::to_owned),
                change,
                violations,
            ))
        };
        if change.edits.edits.is_empty() {
            return Err(refuse(change, vec![GuardViolation::Empty]));
        }
        let parent = &context.harness;
        let candidate = match change.edits.apply(parent, &context.registry) {
            Ok(candidate) => candidate,
            Err(error) => {
                let violation = match error {
                    CoreError::EditRejected {
                        path,
                        rejection:
                            rejection @ (EditRejection::PathEscapes { .. }
                            | EditRejection::ReadOnly { .. }
                            | EditRejection::OutsideSurfaces { .. }
                            | EditRejection::SurfacesChanged),
                        ..
                    } => GuardViolation::OutsideSurface {
                        path,
                        reason: rejection.to_string(),
                    },
                    other => GuardViolation::DoesNotApply {
                        reason: other.to_string(),
                    },
                };
                return Err(refuse(change, vec![violation]));
            }
        };
        let parent_hash = parent.content_hash();
        let candidate_hash = candidate.content_hash();
        if candidate_hash == parent_hash {
            return Err(refuse(change, vec![GuardViolation::NoChange]));
        }
        let matcher = match SurfaceMatcher::new(&parent.manifest().surfaces) {
            Ok(matcher) => matcher,
            Err(diagnostics) => {
                let reason = diagnostics
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(refuse(
                    change,
                    vec![GuardViolation::DoesNotApply { reason }],
                ));
            }
        };
        let measured = measure(parent, &candidate, &matcher);
        let mut violations = Vec::new();
        if !measured.surfaces.contains(&change.surface) {
            violations.push(GuardViolation::SurfaceMismatch {
                claimed: change.surface.clone(),
                actual: measured.surfaces.clone(),
            });
        }
        let budget = &self.config.budget;
        if measured.surfaces.len() > budget.max_surfaces {
            violations.push(GuardViolation::TooManySurfaces {
                surfaces: measured.surfaces.clone(),
                limit: budget.max_surfaces,
            });
        }
        if measured.lines > budget.max_changed_lines {
            violations.push(GuardViolation::TooManyLines {
                lines: measured.lines,
                limit: budget.max_changed_lines,
            });
        }
        if measured.chars > budget.max_chars {
            violations.push(GuardViolation::TooManyChars {
                chars: measured.chars,
                limit: budget.max_chars,
            });
        }
        let specific = context
            .vocabulary
            .find(&measured.added, &context.known_identifiers());
        if self.config.reject_task_specific {
            violations.extend(specific.iter().map(|s| GuardViolation::TaskSpecific {
                identifier: s.identifier.clone(),
                tasks: s.tasks,
                visible_tasks: s.visible_tasks.clone(),
            }));
        }
        let earlier_candidates: BTreeMap<_, &str> = earlier
            .iter()
            .map(|p| (p.candidate, p.id.as_str()))
            .collect();
        if let Some(of) = earlier_candidates
            .get(&candidate_hash)
            .copied()
            .or_else(|| context.history.candidates().get(&candidate_hash).copied())
        {
            violations.push(GuardViolation::Duplicate { of: of.to_owned() });
        }
        if let Some(of) = context.history.rejected_keys().get(measured.key.as_str()) {
            violations.push(GuardViolation::RepeatsRejected {
                of: (*of).to_owned(),
            });
        }
        if !violations.is_empty() {
            return Err(refuse(change, violations));
        }
        Ok(Proposal {
            id: Proposal::id_for(&candidate_hash),
            proposer: proposer.to_owned(),
            remedy: remedy.map(str::to_owned),
            parent: parent_hash,
            candidate: candidate_hash,
            change_key: measured.key,
            surfaces: measured.surfaces,
            changed_lines: measured.lines,
            changed_chars: measured.chars,
            diff: harness_core::render_diff(parent, &candidate),
            task_specific: specific.into_iter().map(|s| s.identifier).collect(),
            change,
        })
    }
}
