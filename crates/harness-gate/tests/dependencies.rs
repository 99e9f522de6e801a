//! The gate stays light: its normal dependencies hold no SQLite, HTTP, sandbox, task, trace,
//! async runtime or git crate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

#[test]
fn the_dependency_tree_has_no_sqlite_http_sandbox_or_tasks() {
    let names = harness_testkit::normal_dependencies(
        env!("CARGO"),
        Path::new(env!("CARGO_MANIFEST_DIR")),
        env!("CARGO_PKG_NAME"),
        &[],
    );
    assert!(names.iter().any(|n| n == "harness-types"), "{names:?}");
    assert!(names.iter().any(|n| n == "statrs"), "{names:?}");
    let forbidden = [
        "rusqlite",
        "libsqlite3-sys",
        "reqwest",
        "hyper",
        "rustls",
        "harness-sandbox",
        "harness-tasks",
        "harness-trace",
        "tokio",
        "gix",
    ];
    let found: Vec<&String> = names
        .iter()
        .filter(|n| forbidden.contains(&n.as_str()))
        .collect();
    assert!(found.is_empty(), "heavy crates in the tree: {found:?}");
}
