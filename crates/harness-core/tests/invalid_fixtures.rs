//! Every folder under `fixtures/invalid/` is a harness (`harness/`), optionally an edit set
//! (`edits.yaml`), and `expected.txt`: the first line of the error as the CLI prints it when run
//! from the case folder. Here the library must refuse each case with that error. A problem in
//! a file an edit wrote is printed at that edit (`edits.yaml:L:C: edits[i].content: ...`),
//! since the harness file does not exist on disk; the library's diagnostic is its tail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use harness_core::{CoreError, EditSet, Harness, KindRegistry};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_invalid_fixture_is_refused_with_its_expected_error() {
    let registry = KindRegistry::builtin();
    let cases = cases();
    assert!(
        cases.len() >= 20,
        "expected the fixture set, found {}",
        cases.len()
    );
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap();
        let expected = expected.trim();
        let edits_file = case.join("edits.yaml");
        let loaded = Harness::load(&case.join("harness"), &registry);
        let error = if edits_file.exists() {
            let harness = loaded.unwrap_or_else(|e| panic!("{name}: base harness invalid: {e}"));
            let edits =
                EditSet::parse("edits.yaml", &std::fs::read_to_string(&edits_file).unwrap())
                    .unwrap();
            let before = harness.clone();
            let error = edits.apply(&harness, &registry).expect_err(&name);
            assert_eq!(harness, before, "{name}: base harness changed");
            error
        } else {
            loaded.expect_err(&name)
        };
        match &error {
            CoreError::Invalid { diagnostics } if edits_file.exists() => {
                let first = diagnostics[0].to_string();
                // `edits.yaml:L:C: edits[i].content: <the library's diagnostic>`
                let tail = expected
                    .strip_prefix("edits.yaml:")
                    .and_then(|rest| rest.split_once(": edits["))
                    .and_then(|(_, rest)| rest.split_once(": "))
                    .map(|(_, tail)| tail)
                    .unwrap_or_else(|| panic!("{name}: expected names no edit: `{expected}`"));
                assert!(
                    first.contains(tail),
                    "{name}: got `{first}`, expected it to contain `{tail}`"
                );
            }
            CoreError::Invalid { diagnostics } => {
                let first = format!("harness/{}", diagnostics[0]);
                assert!(
                    first.contains(expected),
                    "{name}: got `{first}`, expected it to contain `{expected}`"
                );
            }
            CoreError::EditRejected {
                index, rejection, ..
            } => {
                assert!(
                    expected.starts_with("edits.yaml:"),
                    "{name}: unexpected edit rejection"
                );
                assert!(
                    expected.contains(&format!("edits[{index}].path")),
                    "{name}: {error}"
                );
                assert!(expected.contains(&rejection.to_string()), "{name}: {error}");
            }
            other => panic!("{name}: unexpected error kind: {other}"),
        }
    }
}
