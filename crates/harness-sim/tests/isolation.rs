//! Honest evidence: no crate but harness-sim knows the simulator's profiles or pathologies.
//! The loop, miner, proposer and gate must work the same against a real model, so their
//! code and shipped data (everything under another crate's `src/`, `catalog/` and
//! `templates/`, and the example agent's code) never names one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use harness_sim::{Pathology, shipped_names};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "rs" || e == "yaml" || e == "md")
        {
            out.push(path);
        }
    }
}

/// Whether `word` stands in `text` as a word of its own (letters, digits, `_`, `-` around it
/// end it).
fn names(text: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

#[test]
fn no_other_crate_names_a_profile_or_a_pathology() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root.join("crates")).unwrap().flatten() {
        if entry.file_name() == "harness-sim" {
            continue;
        }
        // Code, and the data a crate ships with it (the proposer's catalog and templates).
        for part in ["src", "catalog", "templates"] {
            if entry.path().join(part).is_dir() {
                sources(&entry.path().join(part), &mut files);
            }
        }
    }
    sources(&root.join("examples/custom-agent/src"), &mut files);
    assert!(files.len() > 50, "found only {} source files", files.len());
    let mut words: Vec<String> = shipped_names().iter().map(|s| s.to_string()).collect();
    words.extend(Pathology::ALL.iter().map(|p| p.name().to_owned()));
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for word in &words {
            if names(&text, word) {
                found.push(format!("{} names `{word}`", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_word_matcher_finds_words_only() {
    assert!(names("model sim:explorer here", "explorer"));
    assert!(!names("an explorers guide", "explorer"));
    assert!(!names("sub_explorer", "explorer"));
}
