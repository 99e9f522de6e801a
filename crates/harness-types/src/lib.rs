//! The shared vocabulary of the harness toolkit, with no heavy dependency: naming a split or
//! reading a score record compiles serde, schemars and sha2, nothing else.
//!
//! - [`Split`] and [`OutcomeClass`]: what the optimizer may see, and how a trial ended.
//! - [`ContentHash`] and [`TaskChecksum`]: the digests every cache and lineage id is built on.
//! - [`TrialId`]: a trial's id, unique across runs and usable as a file name.
//! - [`AgentId`], [`ModelId`], [`VerifierId`]: who ran a trial.
//! - [`TrialKey`]: everything that decides a trial's score; [`ScoreRecord`]: the score under
//!   its key.
//! - [`redact`]: text-level secret redaction shared by the model backends and the traces.
//! - [`ModelSettings`]: the sampling settings a harness passes to the model.
//!
//! Persistent ids are pinned by golden tests beside their definitions.

/// Content hashes and task checksums.
pub mod hash;
mod hex;
/// Trial ids.
pub mod id;
/// Agent, model and verifier identity.
pub mod identity;
/// Trial keys.
pub mod key;
/// Outcome classes.
pub mod outcome;
/// Keeping secrets out of recorded text.
pub mod redact;
/// Score records.
pub mod score;
/// Model sampling settings.
pub mod settings;
/// Split labels.
pub mod split;

pub use hash::{ContentHash, TaskChecksum};
pub use id::{IdError, TrialId};
pub use identity::{AgentId, ModelId, VerifierId};
pub use key::{TaskRef, TrialKey};
pub use outcome::OutcomeClass;
pub use redact::Redactor;
pub use score::{ScoreRecord, Timings, TrialRef, Usage};
pub use settings::ModelSettings;
pub use split::Split;
