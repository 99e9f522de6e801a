//! Golden values for the ids that key caches and name lineage entries: a change to
//! canonicalization or hashing must show up here, not as every cache silently missing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use harness_core::{Harness, KindRegistry};

#[test]
fn the_fixture_harness_keeps_its_hash() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden-harness");
    let harness = Harness::load(&dir, &KindRegistry::builtin()).unwrap();
    assert_eq!(
        harness.content_hash().to_hex(),
        "924df54d087a196a1200c16541935152f7dc5fd0c305a691bb18af4143698cec"
    );
}
