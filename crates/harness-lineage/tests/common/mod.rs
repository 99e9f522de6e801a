//! Harness fixtures for the lineage tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use harness_core::{Edit, EditSet, Harness, KindRegistry};

/// The shipped minimal harness.
pub fn minimal() -> Harness {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/harnesses/minimal");
    Harness::load(&dir, &KindRegistry::builtin()).unwrap()
}

/// The shipped rich harness.
pub fn rich() -> Harness {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/harnesses/rich");
    Harness::load(&dir, &KindRegistry::builtin()).unwrap()
}

/// A change to one merge unit of the minimal harness: unit 0 is the system prompt (a line
/// appended), units 1.. are memory notes `memory/n<k>.md` (created with this text).
pub fn edit(unit: usize, text: &str) -> Edit {
    if unit == 0 {
        let prompt = minimal().system_prompt().to_owned();
        Edit::Replace {
            path: "prompts/system.md".into(),
            content: format!("{prompt}{text}\n"),
        }
    } else {
        Edit::Create {
            path: format!("memory/n{unit}.md"),
            content: format!("{text}\n"),
        }
    }
}

/// `base` with these edits.
pub fn apply(base: &Harness, edits: Vec<Edit>) -> Harness {
    EditSet { edits }
        .apply(base, &KindRegistry::builtin())
        .unwrap()
}
