//! The crate stays light: without its default features it depends on no HTTP stack, database,
//! sandbox, task or trace crate, so that implementing a model needs none of them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

/// Crates a model implementation must not have to build.
const FORBIDDEN: &[&str] = &[
    "reqwest",
    "hyper",
    "rustls",
    "rusqlite",
    "harness-sandbox",
    "harness-tasks",
    "harness-trace",
    "harness-agent",
    "harness-core",
];

fn normal_dependencies(extra: &[&str]) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-p", "harness-model", "-e", "normal"])
        .args(["--prefix", "none", "--format", "{p}"])
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn without_default_features_no_heavy_crate_is_a_dependency() {
    let names = normal_dependencies(&["--no-default-features"]);
    assert!(names.iter().any(|n| n == "harness-types"), "{names:?}");
    let found: Vec<&String> = names
        .iter()
        .filter(|n| FORBIDDEN.contains(&n.as_str()))
        .collect();
    assert!(found.is_empty(), "forbidden dependencies: {found:?}");
}

#[test]
fn the_openai_feature_brings_https_on_ring_not_aws_lc() {
    let names = normal_dependencies(&[]);
    for needed in ["reqwest", "rustls", "ring", "webpki-roots"] {
        assert!(names.iter().any(|n| n == needed), "{needed} missing");
    }
    assert!(
        !names.iter().any(|n| n.starts_with("aws-lc")),
        "aws-lc is built: {names:?}"
    );
}
