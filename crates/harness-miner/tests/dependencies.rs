//! The miner stays light and blind to the ground truth: its library depends on no SQLite,
//! HTTP stack, sandbox, task runner, agent or simulator (the simulator is a dev-dependency
//! of the quality test only, so the miner cannot read its ground truth).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

const FORBIDDEN: &[&str] = &[
    "rusqlite",
    "reqwest",
    "hyper",
    "harness-sandbox",
    "harness-tasks",
    "harness-agent",
    "harness-sim",
    "harness-eval",
];

#[test]
fn no_heavy_crate_and_no_simulator_is_a_dependency() {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-p", "harness-miner", "-e", "normal"])
        .args(["--prefix", "none", "--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let names: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    assert!(names.iter().any(|n| n == "harness-trace"), "{names:?}");
    let found: Vec<&String> = names
        .iter()
        .filter(|n| FORBIDDEN.contains(&n.as_str()))
        .collect();
    assert!(found.is_empty(), "forbidden dependencies: {found:?}");
}
