//! Edit sets and unified diffs never panic or hang: arbitrary text, and near-valid text spliced
//! from real edit sets and diffs, is parsed and applied to the example harnesses with an Ok or
//! a clean error. The input bounds and the error-message shortener are total too. Each case
//! runs on its own thread with a 10 s bound. 256 cases each.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use harness_core::bounded::shorten_message;
use harness_core::{
    ConfigFormat, Edit, EditSet, Harness, KindRegistry, check_config, diff_to_edits, render_diff,
};
use harness_testkit::{arbitrary_text, bounded};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/harnesses")
}

fn harnesses() -> &'static (Harness, Harness) {
    static H: OnceLock<(Harness, Harness)> = OnceLock::new();
    H.get_or_init(|| {
        let r = KindRegistry::builtin();
        (
            Harness::load(&examples().join("minimal"), &r).unwrap(),
            Harness::load(&examples().join("rich"), &r).unwrap(),
        )
    })
}

/// The fixtures' edit sets and both directions of the examples' diff.
fn seeds() -> &'static [String] {
    static S: OnceLock<Vec<String>> = OnceLock::new();
    S.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
        let mut out: Vec<String> = std::fs::read_dir(root)
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path().join("edits.yaml")).ok())
            .collect();
        let (minimal, rich) = harnesses();
        out.push(render_diff(minimal, rich));
        out.push(render_diff(rich, minimal));
        out.push(
            "{\"edits\": [{\"op\": \"delete\", \"path\": \"memory/a.md\"}, {\"op\": \"patch\", \
             \"path\": \"prompts/system.md\", \"diff\": \"@@ -1 +1 @@\\n-a\\n+b\\n\"}]}"
                .into(),
        );
        out
    })
}

fn noise() -> impl Strategy<Value = String> {
    harness_testkit::noise("[a-zA-Z0-9 _:#'\"\\\\\\-+@\\[\\]{}|>!&*%`,./?\\t\\r\\né中]{0,60}")
        .unwrap()
}

/// Parse `text` as an edit set and as a diff, apply whatever parses to both examples.
fn check(text: String) -> Result<(), TestCaseError> {
    bounded(move || {
        let r = KindRegistry::builtin();
        let (minimal, rich) = harnesses();
        let mut sets = Vec::new();
        if let Ok(set) = EditSet::parse("e.yaml", &text) {
            sets.push(set);
        }
        if let Ok(set) = diff_to_edits(&text) {
            sets.push(set);
        }
        // An empty set validates the whole base for nothing; each apply costs milliseconds.
        for set in sets.into_iter().filter(|s| !s.edits.is_empty()) {
            let _ = set.apply(minimal, &r);
            let _ = set.apply_without_surfaces(rich, &r);
        }
        let _ = check_config("f", &text, ConfigFormat::Yaml);
        let _ = check_config("f", &text, ConfigFormat::Toml);
        let short = shorten_message(&text);
        assert!(short.lines().count() <= 13, "{short}");
    })
}

/// Apply `diff` as a patch to one file of the rich example (each apply validates the whole
/// harness, so one file per case keeps the test fast).
fn check_patch(diff: String, file: proptest::sample::Index) -> Result<(), TestCaseError> {
    bounded(move || {
        let r = KindRegistry::builtin();
        let (_, rich) = harnesses();
        let paths: Vec<_> = rich.files().keys().collect();
        let set = EditSet {
            edits: vec![Edit::Patch {
                path: paths[file.index(paths.len())].to_string(),
                diff,
            }],
        };
        let _ = set.apply_without_surfaces(rich, &r);
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn edit_sets_and_diffs_never_panic_on_arbitrary_text(text in arbitrary_text()) {
        check(text)?;
    }

    #[test]
    fn edit_sets_and_diffs_never_panic_on_spliced_examples(text in harness_testkit::spliced(seeds, noise(), 5000)) {
        check(text)?;
    }

    #[test]
    fn patches_never_panic(
        text in arbitrary_text(),
        header in "@@ -[0-9]{1,2}(,[0-9]{1,2})? \\+[0-9]{1,2}(,[0-9]{1,2})? @@\n",
        lines in proptest::collection::vec("[ +\\-\\\\][a-z ]{0,10}\n", 0..8),
        file in any::<proptest::sample::Index>(),
    ) {
        check_patch(text, file)?;
        check_patch(format!("{header}{}", lines.concat()), file)?;
    }
}
