//! The simulated model's parsers never panic or hang: profiles (YAML) and the solve.sh plan
//! parser get arbitrary text and near-valid text spliced from the shipped profiles and the
//! example suite's solutions. Each case runs on its own thread with a 10 s bound. 256 cases
//! each.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use harness_sim::{Plan, Profile};
use harness_testkit::{arbitrary_text, bounded};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

fn read_all(dir: &Path, name: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if name.is_none_or(|n| p.file_name().is_some_and(|f| f == n))
                && let Ok(text) = std::fs::read_to_string(&p)
            {
                out.push(text);
            }
        }
    }
    assert!(!out.is_empty(), "no seeds under {}", dir.display());
    out
}

fn crate_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn profiles() -> &'static [String] {
    static S: OnceLock<Vec<String>> = OnceLock::new();
    S.get_or_init(|| read_all(&crate_dir().join("profiles"), None))
}

fn solutions() -> &'static [String] {
    static S: OnceLock<Vec<String>> = OnceLock::new();
    S.get_or_init(|| read_all(&crate_dir().join("../../examples/suites"), Some("solve.sh")))
}

fn noise() -> impl Strategy<Value = String> {
    harness_testkit::noise("[a-zA-Z0-9 _=:#'\"\\\\\\-\\[\\]{}|<>;&()!*%@$`,.?/\\t\\r\\né中]{0,60}")
        .unwrap()
}

fn check_profile(text: String) -> Result<(), TestCaseError> {
    bounded(move || {
        let _ = Profile::from_yaml(&text, "p.yaml");
    })
}

fn check_plan(solve: String, instruction: String) -> Result<(), TestCaseError> {
    bounded(move || {
        let plan = Plan::parse(&solve, &instruction);
        // The same text parses the same way (the simulator's determinism rests on it).
        assert_eq!(plan, Plan::parse(&solve, &instruction));
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn profile_never_panics_on_arbitrary_text(text in arbitrary_text()) {
        check_profile(text)?;
    }

    #[test]
    fn profile_never_panics_on_spliced_profiles(text in harness_testkit::spliced(profiles, noise(), 3000)) {
        check_profile(text)?;
    }

    #[test]
    fn plan_never_panics_on_arbitrary_text(solve in arbitrary_text(), instruction in arbitrary_text()) {
        check_plan(solve, instruction)?;
    }

    #[test]
    fn plan_never_panics_on_spliced_solutions(solve in harness_testkit::spliced(solutions, noise(), 3000), instruction in noise()) {
        check_plan(solve, instruction)?;
    }
}
