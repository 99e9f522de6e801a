//! The simulated model's parsers never panic or hang: profiles (YAML) and the solve.sh plan
//! parser get arbitrary text and near-valid text spliced from the shipped profiles and the
//! example suite's solutions. Each case runs on its own thread with a 10 s bound. 256 cases
//! each.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use harness_sim::{Plan, Profile};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Run `f` on its own thread: a panic or more than 10 s (a hang) fails the case.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, TestCaseError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(v) => Ok(v),
        Err(RecvTimeoutError::Timeout) => Err(TestCaseError::fail("no answer within 10 s")),
        Err(RecvTimeoutError::Disconnected) => Err(TestCaseError::fail("the parser panicked")),
    }
}

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
    proptest::string::string_regex(
        "[a-zA-Z0-9 _=:#'\"\\\\\\-\\[\\]{}|<>;&()!*%@$`,.?/\\t\\r\\né中]{0,60}",
    )
    .unwrap()
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        any::<String>(),
    ]
}

fn splice(a: &str, b: &str, i: usize, j: usize, noise: &str) -> String {
    let cut = |s: &str, k: usize| {
        s.char_indices()
            .map(|(i, _)| i)
            .nth(k % (s.chars().count() + 1))
            .unwrap_or(s.len())
    };
    format!("{}{noise}{}", &a[..cut(a, i)], &b[cut(b, j)..])
}

fn spliced(seeds: fn() -> &'static [String]) -> impl Strategy<Value = String> {
    (
        any::<proptest::sample::Index>(),
        any::<proptest::sample::Index>(),
        0usize..3000,
        0usize..3000,
        noise(),
    )
        .prop_map(move |(a, b, i, j, n)| {
            let s = seeds();
            splice(&s[a.index(s.len())], &s[b.index(s.len())], i, j, &n)
        })
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
    fn profile_never_panics_on_spliced_profiles(text in spliced(profiles)) {
        check_profile(text)?;
    }

    #[test]
    fn plan_never_panics_on_arbitrary_text(solve in arbitrary_text(), instruction in arbitrary_text()) {
        check_plan(solve, instruction)?;
    }

    #[test]
    fn plan_never_panics_on_spliced_solutions(solve in spliced(solutions), instruction in noise()) {
        check_plan(solve, instruction)?;
    }
}
