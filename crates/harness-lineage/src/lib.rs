//! Harness versions as commits of a git repository in the run directory.
//!
//! - [`Lineage`]: `<run>/lineage.git`, a bare repository any git can read. Accepted versions
//!   on `refs/heads/main`, every candidate under `refs/candidates/<generation>/<id>`; the
//!   tree is the harness's canonical files and commits are deterministic, so the commit id
//!   follows from content. `log`, `version`, `files`, `harness`, `checkout`, `diff`.
//! - [`VersionRecord`]: generation, candidate, summary, change list and gate decision, in the
//!   commit message as JSON and as git trailers.
//! - [`merge()`]: component-wise three-way merge of candidates of one parent; conflicts are
//!   data ([`Conflict`]) for the loop to settle by evaluation.
//!
//! gix is synchronous: async callers go through [`Lineage::blocking`].

pub mod error;
pub mod merge;
pub mod record;
pub mod repo;

pub use error::LineageError;
pub use merge::{Conflict, ConflictSide, MergeOutcome, merge, merge_unit};
pub use record::{VersionRecord, trailer};
pub use repo::{
    CANDIDATES_PREFIX, IDENTITY_EMAIL, IDENTITY_NAME, LINEAGE_DIR, LINEAGE_EPOCH, Lineage,
    MAIN_REF, Version, VersionId,
};
