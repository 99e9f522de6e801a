//! [`Lineage`]: the git repository of harness versions in a run directory
//! (`<run>/lineage.git`, bare).
//!
//! - Every candidate is a commit whose tree is the harness's canonical files and whose first
//!   parent is the version it was derived from; it stays reachable under
//!   `refs/candidates/<generation>/<id>`.
//! - Accepted versions are on `refs/heads/main` (`HEAD` points there), so `git log` in the
//!   repository shows the accepted history.
//! - Commits are deterministic: author and committer are [`IDENTITY_NAME`] <[`IDENTITY_EMAIL`]>,
//!   both dated [`LINEAGE_EPOCH`] + generation seconds, UTC. The same harness, parent and
//!   record give the same commit id on any machine, at any time.
//!
//! Every method blocks on file I/O (gix is synchronous): from async code, call them through
//! [`Lineage::blocking`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::refs::transaction::PreviousValue;
use harness_core::{Harness, HarnessPath, KindRegistry, render_diff};
use harness_types::ContentHash;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::LineageError;
use crate::merge::{MergeOutcome, merge};
use crate::record::{VersionRecord, trailer};

/// The repository's folder inside a run directory.
pub const LINEAGE_DIR: &str = "lineage.git";
/// The branch of accepted versions.
pub const MAIN_REF: &str = "refs/heads/main";
/// Where candidates are kept: `refs/candidates/<generation>/<id>`.
pub const CANDIDATES_PREFIX: &str = "refs/candidates/";
/// Author and committer name of every lineage commit.
pub const IDENTITY_NAME: &str = "harness-evolve";
/// Author and committer email of every lineage commit.
pub const IDENTITY_EMAIL: &str = "lineage@harness-evolve.invalid";
/// Commit time of generation 0 (2026-01-01T00:00:00Z); generation `g` is dated `g` seconds
/// later, so commit dates order the generations without reading the clock.
pub const LINEAGE_EPOCH: i64 = 1_767_225_600;

/// A lineage commit id (40 hex digits).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct VersionId(String);

impl VersionId {
    /// The hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 12 hex digits.
    pub fn short(&self) -> &str {
        &self.0[..self.0.len().min(12)]
    }

    fn of(id: ObjectId) -> Self {
        Self(id.to_string())
    }

    fn object_id(&self) -> Result<ObjectId, LineageError> {
        ObjectId::from_hex(self.0.as_bytes()).map_err(|_| LineageError::UnknownRevision {
            rev: self.0.clone(),
        })
    }
}

impl std::fmt::Display for VersionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One version as the lineage shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Version {
    /// The commit id.
    pub id: VersionId,
    /// Parent commits (the first is the version it was derived from).
    pub parents: Vec<VersionId>,
    /// The harness hash from the `Harness-Hash` trailer.
    pub harness_hash: Option<ContentHash>,
    /// The record in the message, when it was written by this crate.
    pub record: Option<VersionRecord>,
    /// The whole commit message.
    pub message: String,
}

/// The lineage repository of a run directory.
#[derive(Debug, Clone)]
pub struct Lineage {
    repo: gix::ThreadSafeRepository,
    git_dir: PathBuf,
}

impl Lineage {
    /// Open `<run>/lineage.git`, creating the bare repository when it does not exist.
    pub fn open_or_init(run_dir: &Path) -> Result<Self, LineageError> {
        let git_dir = run_dir.join(LINEAGE_DIR);
        if git_dir.join("HEAD").exists() {
            return Self::open(run_dir);
        }
        std::fs::create_dir_all(run_dir).map_err(|e| git_error(&git_dir, "create", e))?;
        let repo = gix::init_bare(&git_dir).map_err(|e| git_error(&git_dir, "init", e))?;
        // HEAD names main, so plain `git log` in the repository shows accepted versions.
        std::fs::write(git_dir.join("HEAD"), format!("ref: {MAIN_REF}\n"))
            .map_err(|e| git_error(&git_dir, "write HEAD", e))?;
        Ok(Self {
            repo: repo.into_sync(),
            git_dir,
        })
    }

    /// Open the lineage of a run directory.
    pub fn open(run_dir: &Path) -> Result<Self, LineageError> {
        let git_dir = run_dir.join(LINEAGE_DIR);
        if !git_dir.join("HEAD").exists() {
            return Err(LineageError::NoLineage { path: git_dir });
        }
        let repo = gix::open(&git_dir).map_err(|e| git_error(&git_dir, "open", e))?;
        Ok(Self {
            repo: repo.into_sync(),
            git_dir,
        })
    }

    /// The repository's folder (for `git --git-dir`).
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// Run `f` on a blocking thread: the way async code calls the lineage.
    pub async fn blocking<T, F>(self: &Arc<Self>, f: F) -> Result<T, LineageError>
    where
        T: Send + 'static,
        F: FnOnce(&Lineage) -> Result<T, LineageError> + Send + 'static,
    {
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || f(&this))
            .await
            .map_err(|e| LineageError::Join(e.to_string()))?
    }

    fn err(&self, action: &str, e: impl std::fmt::Display) -> LineageError {
        git_error(&self.git_dir, action, e)
    }

    /// Write `harness` as a commit on top of `parent` with `record` in its message, and
    /// keep it under `refs/candidates/<generation>/<id>`. The id follows from the content
    /// (files, parent, record).
    pub fn record_candidate(
        &self,
        harness: &Harness,
        parent: Option<&VersionId>,
        record: &VersionRecord,
    ) -> Result<VersionId, LineageError> {
        record.check()?;
        let repo = self.repo.to_thread_local();
        let mut editor = repo
            .edit_tree(ObjectId::empty_tree(repo.object_hash()))
            .map_err(|e| self.err("start a tree", e))?;
        for (path, content) in harness.files() {
            let blob = repo
                .write_blob(content.as_bytes())
                .map_err(|e| self.err("write a blob", e))?;
            editor
                .upsert(
                    path.as_str(),
                    gix::object::tree::EntryKind::Blob,
                    blob.detach(),
                )
                .map_err(|e| self.err(&format!("add {path} to the tree"), e))?;
        }
        let tree = editor.write().map_err(|e| self.err("write the tree", e))?;
        let signature = gix::actor::Signature {
            name: IDENTITY_NAME.into(),
            email: IDENTITY_EMAIL.into(),
            time: gix::date::Time {
                seconds: LINEAGE_EPOCH + i64::from(record.generation),
                offset: 0,
            },
        };
        let parents = match parent {
            Some(p) => vec![self.resolve_id(p)?],
            None => Vec::new(),
        };
        let commit = gix::objs::Commit {
            tree: tree.detach(),
            parents: parents.into(),
            author: signature.clone(),
            committer: signature,
            encoding: None,
            message: record.to_message(&harness.content_hash())?.into(),
            extra_headers: Vec::new(),
        };
        let id = repo
            .write_object(&commit)
            .map_err(|e| self.err("write the commit", e))?
            .detach();
        let name = format!(
            "{CANDIDATES_PREFIX}{}/{}",
            record.generation, record.candidate_id
        );
        repo.reference(name.as_str(), id, PreviousValue::Any, "candidate")
            .map_err(|e| self.err(&format!("set {name}"), e))?;
        Ok(VersionId::of(id))
    }

    /// Make `version` the accepted head (`refs/heads/main`).
    pub fn accept(&self, version: &VersionId) -> Result<(), LineageError> {
        let id = self.resolve_id(version)?;
        let repo = self.repo.to_thread_local();
        repo.reference(MAIN_REF, id, PreviousValue::Any, "accept")
            .map_err(|e| self.err("set main", e))?;
        Ok(())
    }

    /// The accepted head, if any version was accepted.
    pub fn main(&self) -> Result<Option<VersionId>, LineageError> {
        self.ref_target(MAIN_REF)
    }

    fn ref_target(&self, name: &str) -> Result<Option<VersionId>, LineageError> {
        let repo = self.repo.to_thread_local();
        let reference = repo
            .try_find_reference(name)
            .map_err(|e| self.err(&format!("read {name}"), e))?;
        Ok(reference.and_then(|r| r.try_id().map(|id| VersionId::of(id.detach()))))
    }

    /// Every candidate ref (`refs/candidates/<generation>/<id>`) and its version, in ref
    /// order; only one generation's when `generation` is given.
    pub fn candidates(
        &self,
        generation: Option<u32>,
    ) -> Result<Vec<(String, VersionId)>, LineageError> {
        let repo = self.repo.to_thread_local();
        let platform = repo
            .references()
            .map_err(|e| self.err("list references", e))?;
        let iter = platform
            .prefixed(CANDIDATES_PREFIX.trim_end_matches('/'))
            .map_err(|e| self.err("list candidates", e))?;
        let wanted = generation.map(|g| format!("{CANDIDATES_PREFIX}{g}/"));
        let mut out = Vec::new();
        for reference in iter {
            let reference = reference.map_err(|e| self.err("read a candidate ref", e))?;
            let name = reference.name().as_bstr().to_str_lossy().into_owned();
            if wanted
                .as_ref()
                .is_some_and(|w| !name.starts_with(w.as_str()))
            {
                continue;
            }
            if let Some(id) = reference.try_id() {
                out.push((name, VersionId::of(id.detach())));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Resolve a revision: `main`, `candidates/<generation>/<id>`, a full ref name, or a
    /// commit id (40 hex digits, or 7 or more naming one version reachable from a ref).
    pub fn resolve(&self, rev: &str) -> Result<VersionId, LineageError> {
        let unknown = || LineageError::UnknownRevision {
            rev: rev.to_owned(),
        };
        for name in [
            rev.to_owned(),
            format!("refs/heads/{rev}"),
            format!("refs/{rev}"),
        ] {
            if name.starts_with("refs/")
                && let Some(id) = self.ref_target(&name)?
            {
                return Ok(id);
            }
        }
        if rev.len() < 7 || !rev.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(unknown());
        }
        let rev = rev.to_ascii_lowercase();
        if rev.len() == 40 {
            let id = VersionId(rev);
            self.version(&id).map_err(|_| unknown())?;
            return Ok(id);
        }
        let matches: BTreeSet<VersionId> = self
            .reachable()?
            .into_iter()
            .filter(|id| id.as_str().starts_with(&rev))
            .collect();
        match matches.len() {
            1 => matches.into_iter().next().ok_or_else(unknown),
            _ => Err(unknown()),
        }
    }

    fn resolve_id(&self, version: &VersionId) -> Result<ObjectId, LineageError> {
        version.object_id()
    }

    /// Every version reachable from main and the candidate refs.
    fn reachable(&self) -> Result<BTreeSet<VersionId>, LineageError> {
        let mut tips: Vec<VersionId> = self.main()?.into_iter().collect();
        tips.extend(self.candidates(None)?.into_iter().map(|(_, id)| id));
        let mut seen = BTreeSet::new();
        while let Some(id) = tips.pop() {
            if seen.insert(id.clone()) {
                tips.extend(self.version(&id)?.parents);
            }
        }
        Ok(seen)
    }

    /// One version: parents, message, record.
    pub fn version(&self, id: &VersionId) -> Result<Version, LineageError> {
        let repo = self.repo.to_thread_local();
        let commit = repo
            .find_commit(id.object_id()?)
            .map_err(|e| self.err(&format!("read commit {id}"), e))?;
        let message = commit
            .message_raw()
            .map_err(|e| self.err(&format!("read the message of {id}"), e))?
            .to_str_lossy()
            .into_owned();
        let parents = commit
            .parent_ids()
            .map(|p| VersionId::of(p.detach()))
            .collect();
        Ok(Version {
            id: id.clone(),
            parents,
            harness_hash: trailer(&message, "Harness-Hash")
                .and_then(|h| ContentHash::parse_hex(h).ok()),
            record: VersionRecord::from_message(&message),
            message,
        })
    }

    /// `rev` and its first-parent ancestors, newest first.
    pub fn log(&self, rev: &str) -> Result<Vec<Version>, LineageError> {
        let mut next = Some(self.resolve(rev)?);
        let mut out = Vec::new();
        while let Some(id) = next {
            let version = self.version(&id)?;
            next = version.parents.first().cloned();
            out.push(version);
        }
        Ok(out)
    }

    /// The files of a version's tree, by path.
    pub fn files(&self, id: &VersionId) -> Result<BTreeMap<HarnessPath, String>, LineageError> {
        let repo = self.repo.to_thread_local();
        let commit = repo
            .find_commit(id.object_id()?)
            .map_err(|e| self.err(&format!("read commit {id}"), e))?;
        let tree = commit
            .tree_id()
            .map_err(|e| self.err(&format!("read the tree of {id}"), e))?
            .detach();
        let mut files = BTreeMap::new();
        let mut stack = vec![(String::new(), tree)];
        while let Some((prefix, tree_id)) = stack.pop() {
            let tree = repo
                .find_tree(tree_id)
                .map_err(|e| self.err("read a tree", e))?;
            let decoded = tree.decode().map_err(|e| self.err("decode a tree", e))?;
            for entry in &decoded.entries {
                let name = entry.filename.to_str_lossy();
                let path = format!("{prefix}{name}");
                if entry.mode.is_tree() {
                    stack.push((format!("{path}/"), entry.oid.to_owned()));
                } else if entry.mode.is_blob() {
                    let blob = repo
                        .find_blob(entry.oid)
                        .map_err(|e| self.err(&format!("read {path}"), e))?;
                    let text = String::from_utf8(blob.data.clone()).map_err(|_| {
                        LineageError::NotAHarness {
                            commit: id.to_string(),
                            message: format!("{path} is not UTF-8"),
                        }
                    })?;
                    let harness_path =
                        HarnessPath::parse(&path).map_err(|reason| LineageError::NotAHarness {
                            commit: id.to_string(),
                            message: format!("{path}: {reason}"),
                        })?;
                    files.insert(harness_path, text);
                } else {
                    return Err(LineageError::NotAHarness {
                        commit: id.to_string(),
                        message: format!("{path} is neither a file nor a folder"),
                    });
                }
            }
        }
        Ok(files)
    }

    /// The harness of a version, validated.
    pub fn harness(
        &self,
        id: &VersionId,
        registry: &KindRegistry,
    ) -> Result<Harness, LineageError> {
        Ok(Harness::from_files(self.files(id)?, registry)?)
    }

    /// Write the harness of `id` to `dir` (replacing what is there) and return it.
    pub fn checkout(
        &self,
        id: &VersionId,
        dir: &Path,
        registry: &KindRegistry,
    ) -> Result<Harness, LineageError> {
        let harness = self.harness(id, registry)?;
        harness.save(dir)?;
        Ok(harness)
    }

    /// Unified diff from `a` to `b` over their canonical files.
    pub fn diff(
        &self,
        a: &VersionId,
        b: &VersionId,
        registry: &KindRegistry,
    ) -> Result<String, LineageError> {
        Ok(render_diff(
            &self.harness(a, registry)?,
            &self.harness(b, registry)?,
        ))
    }

    /// Merge candidates that share their first parent, unit by unit (see [`crate::merge()`]).
    /// Candidates are named by their record's id (or their commit id without a record).
    pub fn merge(
        &self,
        candidates: &[VersionId],
        registry: &KindRegistry,
    ) -> Result<MergeOutcome, LineageError> {
        let mut parent: Option<VersionId> = None;
        let mut inputs = Vec::new();
        for id in candidates {
            let version = self.version(id)?;
            let first = version.parents.first().cloned();
            match (&parent, &first) {
                (_, None) => {
                    return Err(LineageError::BadRecord {
                        field: "candidates".into(),
                        message: format!("{id} has no parent to merge against"),
                    });
                }
                (Some(p), Some(f)) if p != f => {
                    return Err(LineageError::BadRecord {
                        field: "candidates".into(),
                        message: format!("{id} has parent {f}, the others {p}"),
                    });
                }
                _ => parent = first,
            }
            let name = version
                .record
                .map_or_else(|| id.to_string(), |r| r.candidate_id);
            inputs.push((name, self.harness(id, registry)?));
        }
        let Some(parent) = parent else {
            return Err(LineageError::BadRecord {
                field: "candidates".into(),
                message: "nothing to merge".into(),
            });
        };
        Ok(merge(&self.harness(&parent, registry)?, &inputs))
    }
}

fn git_error(path: &Path, action: &str, e: impl std::fmt::Display) -> LineageError {
    LineageError::Git {
        path: path.to_owned(),
        action: action.to_owned(),
        message: e.to_string(),
    }
}
