//! Edits to a harness: create, replace or delete a file, or patch one with a unified diff.
//! Applying an [`EditSet`] yields a new validated [`Harness`] or an error, never a
//! half-applied harness: edits work on a copy, and the copy is validated as a whole.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Diagnostic, EditRejection};
use crate::harness::Harness;
use crate::path::HarnessPath;
use crate::registry::KindRegistry;
use crate::surface::SurfaceMatcher;

/// One change to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Edit {
    /// Create a file that does not exist yet.
    Create {
        /// Path inside the harness.
        path: String,
        /// Full content.
        content: String,
    },
    /// Replace the whole content of an existing file.
    Replace {
        /// Path inside the harness.
        path: String,
        /// New full content.
        content: String,
    },
    /// Delete an existing file.
    Delete {
        /// Path inside the harness.
        path: String,
    },
    /// Apply a unified diff (one file's hunks) to an existing file.
    Patch {
        /// Path inside the harness.
        path: String,
        /// Unified diff; `---`/`+++` headers are optional.
        diff: String,
    },
}

impl Edit {
    /// The path the edit names, as given.
    pub fn path(&self) -> &str {
        match self {
            Edit::Create { path, .. }
            | Edit::Replace { path, .. }
            | Edit::Delete { path }
            | Edit::Patch { path, .. } => path,
        }
    }
}

/// An ordered list of edits, applied all or nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditSet {
    /// The edits, applied in order.
    pub edits: Vec<Edit>,
}

impl EditSet {
    /// Parse an edit set written as YAML or JSON. `file` names the edit file in diagnostics,
    /// which carry the field (`edits[2].op`) and position when the parser knows them and quote
    /// at most a short excerpt of the input. Oversized or too deeply nested text is refused
    /// before parsing.
    pub fn parse(file: &str, text: &str) -> Result<EditSet, CoreError> {
        crate::bounded::check_config(file, text, crate::bounded::ConfigFormat::Yaml)
            .map_err(CoreError::invalid)?;
        if text.trim().is_empty() {
            return Err(CoreError::invalid(Diagnostic::new(
                file,
                "",
                "empty edit file: expected `edits:` with a list of edits",
            )));
        }
        crate::parse::parse_yaml(file, text, 0).map_err(CoreError::invalid)
    }

    /// Apply to `base` as an optimizer may: every path must be a plain relative path inside
    /// a declared editable surface, outside every read-only glob, and the `surfaces` section may
    /// not change.
    pub fn apply(&self, base: &Harness, registry: &KindRegistry) -> Result<Harness, CoreError> {
        let matcher = SurfaceMatcher::new(&base.manifest().surfaces)
            .map_err(|diagnostics| CoreError::Invalid { diagnostics })?;
        self.apply_with(base, registry, Some(&matcher))
    }

    /// Apply as a human maintainer: paths must still stay inside the harness, but surfaces are
    /// not consulted. Never hand this to an optimizer.
    pub fn apply_without_surfaces(
        &self,
        base: &Harness,
        registry: &KindRegistry,
    ) -> Result<Harness, CoreError> {
        self.apply_with(base, registry, None)
    }

    fn apply_with(
        &self,
        base: &Harness,
        registry: &KindRegistry,
        surfaces: Option<&SurfaceMatcher>,
    ) -> Result<Harness, CoreError> {
        let mut files = base.files().clone();
        let mut manifest_edit = None;
        for (index, edit) in self.edits.iter().enumerate() {
            let reject = |rejection| CoreError::EditRejected {
                index,
                path: edit.path().to_owned(),
                rejection,
            };
            let path = HarnessPath::parse(edit.path())
                .map_err(|reason| reject(EditRejection::PathEscapes { reason }))?;
            if let Some(matcher) = surfaces {
                matcher.check(&path).map_err(reject)?;
            }
            if path.as_str() == crate::harness::MANIFEST_FILE {
                manifest_edit = Some(index);
            }
            let conflict = |reason: String| reject(EditRejection::Conflict { reason });
            match edit {
                Edit::Create { content, .. } => {
                    if files.contains_key(&path) {
                        return Err(conflict("create: the file already exists".into()));
                    }
                    files.insert(path, content.clone());
                }
                Edit::Replace { content, .. } => {
                    let slot = files
                        .get_mut(&path)
                        .ok_or_else(|| conflict("replace: no such file".into()))?;
                    *slot = content.clone();
                }
                Edit::Delete { .. } => {
                    files
                        .remove(&path)
                        .ok_or_else(|| conflict("delete: no such file".into()))?;
                }
                Edit::Patch { diff, .. } => {
                    let current = files
                        .get(&path)
                        .ok_or_else(|| conflict("patch: no such file".into()))?;
                    let patched = apply_patch(current, diff).map_err(conflict)?;
                    files.insert(path, patched);
                }
            }
        }
        let next = Harness::from_files(files, registry)?;
        if surfaces.is_some() && next.manifest().surfaces != base.manifest().surfaces {
            let index = manifest_edit.unwrap_or_default();
            return Err(CoreError::EditRejected {
                index,
                path: crate::harness::MANIFEST_FILE.to_owned(),
                rejection: EditRejection::SurfacesChanged,
            });
        }
        Ok(next)
    }

    /// Paths named by the edits, in order, without duplicates.
    pub fn paths(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for edit in &self.edits {
            if !out.contains(&edit.path()) {
                out.push(edit.path());
            }
        }
        out
    }
}

/// Apply one file's unified diff with diffy.
pub(crate) fn apply_patch(current: &str, diff: &str) -> Result<String, String> {
    let patch = diffy::Patch::from_str(diff).map_err(|e| format!("patch does not parse: {e}"))?;
    diffy::apply(current, &patch).map_err(|e| format!("patch does not apply: {e}"))
}
