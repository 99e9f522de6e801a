//! Test support shared by the workspace.
//!
//! For the parsers' property tests, so that every crate's fuzzing means the same thing (a
//! parser must answer, Ok or a clean error, on any text, within a bound):
//!
//! - [`bounded`]: run one case on its own thread; a panic or a hang fails the case.
//! - [`arbitrary_text`]: arbitrary bytes read as text, or an arbitrary string.
//! - [`spliced`] / [`splice`]: near-valid text, the head of one valid seed, noise, the tail of
//!   another, which reaches deeper into a parser than random bytes do.
//!
//! For model backends: [`fake_openai`], one configurable fake OpenAI-compatible server;
//! [`llama_server`], a real small model served by llama.cpp for the real-model tests; and
//! [`recording_proxy`], which logs every request a client sends to a real server.
//!
//! For crates that must stay light: [`normal_dependencies`], what `cargo tree` says a package
//! compiles.

pub mod dependency_tree;
pub mod fake_openai;
pub mod llama_server;
pub mod recording_proxy;

pub use dependency_tree::normal_dependencies;
pub use fake_openai::FakeOpenAi;
pub use llama_server::LlamaServer;
pub use recording_proxy::RecordingProxy;

use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

/// How long one case may take before it counts as a hang.
pub const CASE_BOUND: Duration = Duration::from_secs(10);

/// Run `f` on its own thread: a panic or more than [`CASE_BOUND`] (a hang) fails the case.
pub fn bounded<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TestCaseError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(CASE_BOUND) {
        Ok(v) => Ok(v),
        Err(RecvTimeoutError::Timeout) => Err(TestCaseError::fail(format!(
            "no answer within {} s",
            CASE_BOUND.as_secs()
        ))),
        Err(RecvTimeoutError::Disconnected) => Err(TestCaseError::fail("the parser panicked")),
    }
}

/// Arbitrary bytes (up to 600) read as text, or an arbitrary string.
pub fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        any::<String>(),
    ]
}

/// Short text from a regular expression (a character class that stresses a format's
/// punctuation, say); an invalid expression is an error for the caller's test to fail on.
pub fn noise(regex: &str) -> Result<BoxedStrategy<String>, String> {
    proptest::string::string_regex(regex)
        .map(Strategy::boxed)
        .map_err(|e| format!("noise regex `{regex}`: {e}"))
}

/// `a`'s head up to character `i`, `noise`, then `b`'s tail from character `j` (both taken
/// modulo the text's length, so any indices are valid).
pub fn splice(a: &str, b: &str, i: usize, j: usize, noise: &str) -> String {
    let cut = |s: &str, k: usize| {
        s.char_indices()
            .map(|(i, _)| i)
            .nth(k % (s.chars().count() + 1))
            .unwrap_or(s.len())
    };
    format!("{}{noise}{}", &a[..cut(a, i)], &b[cut(b, j)..])
}

/// Near-valid text: two of `seeds()` spliced around `noise`, cut anywhere below `max_cut`
/// characters. `seeds` is called per case, so it can read lazily initialised files.
pub fn spliced<S>(
    seeds: S,
    noise: impl Strategy<Value = String>,
    max_cut: usize,
) -> impl Strategy<Value = String>
where
    S: Fn() -> &'static [String] + Clone + 'static,
{
    (
        any::<Index>(),
        any::<Index>(),
        0..max_cut.max(1),
        0..max_cut.max(1),
        noise,
    )
        .prop_map(move |(a, b, i, j, n)| {
            let s = seeds();
            if s.is_empty() {
                return n;
            }
            splice(&s[a.index(s.len())], &s[b.index(s.len())], i, j, &n)
        })
}

/// Write a Harbor task `id` under `root`: "Write done.txt.", scored 1 when `done.txt` exists in
/// the working directory and 0 otherwise, with `solve` as `solution/solve.sh` when given.
pub fn write_done_task(
    root: &std::path::Path,
    id: &str,
    solve: Option<&str>,
) -> std::io::Result<()> {
    let d = root.join(id);
    std::fs::create_dir_all(d.join("tests"))?;
    std::fs::write(d.join("task.toml"), "version = \"1.0\"\n")?;
    std::fs::write(d.join("instruction.md"), "Write done.txt.\n")?;
    std::fs::write(
        d.join("tests/test.sh"),
        "OUT=\"${LOGS_DIR:-/logs}/verifier\"\n[ -f done.txt ] && echo 1 > \"$OUT/reward.txt\" || echo 0 > \"$OUT/reward.txt\"\n",
    )?;
    if let Some(solve) = solve {
        std::fs::create_dir_all(d.join("solution"))?;
        std::fs::write(d.join("solution/solve.sh"), solve)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_cuts_at_character_boundaries() {
        assert_eq!(splice("héllo", "wörld", 2, 3, "|"), "hé|ld");
        assert_eq!(splice("ab", "cd", 7, 0, ""), "acd");
    }

    #[test]
    fn bounded_reports_panics_and_values() {
        assert_eq!(bounded(|| 7).unwrap(), 7);
        #[allow(clippy::panic)]
        let failed = bounded(|| -> u8 { panic!("boom") });
        assert!(failed.is_err());
    }
}
