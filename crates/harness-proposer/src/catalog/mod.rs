//! The catalog proposer: remedies kept as data (a YAML file users can extend), mapping the
//! miner's behaviour tags to parameterized edits on declared surfaces, with parameters
//! derived from the evidence where a fixed number would be a guess.
//!
//! - [`remedy`](crate::catalog::remedy): the catalog format ([`Catalog`], [`Remedy`],
//!   [`RemedyChange`](crate::catalog::RemedyChange)) and loading.
//! - [`derive`](crate::catalog::derive): values taken from the report (passing-trial
//!   statistics, a cluster's shared error, a tool's usage).
//! - [`build`](crate::catalog::build): a remedy applied to a parent harness as an edit set.
//! - [`proposer`](crate::catalog::proposer): [`CatalogProposer`], which picks diverse remedies
//!   for the top clusters.

/// Remedies applied to a harness as edits.
pub mod build;
/// Parameters derived from the evidence.
pub mod derive;
/// The catalog proposer.
pub mod proposer;
/// The catalog format.
pub mod remedy;

pub use proposer::CatalogProposer;
pub use remedy::{Catalog, DEFAULT_CATALOG, Remedy, RemedyChange};
