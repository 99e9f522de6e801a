//! Content hashes (sha256) over canonical bytes: cache keys and version ids. The type lives in
//! the vocabulary crate, `harness_types`, so that naming a hash needs nothing else.

pub use harness_types::ContentHash;
