//! Mine trajectories of an agent you did not build with the toolkit.
//!
//! The example imports a folder of mini-swe-agent trajectories (`*.traj.json`) with the
//! library importer (`harness_trace::import::import_mini_swe`), their outcomes read from a
//! sidecar (`{instance_id: resolved}` as JSON, or a folder of SWE-bench `report.json` files),
//! into a run directory: the same `RunStore` that `harness run` writes and `harness mine`
//! reads. It then mines the run with `StoreMiner` and prints the weakness report's markdown:
//! the recurring behaviours of the failed trials, clustered, each with the harness components
//! that could address it.
//!
//! By default it reads the sample of twelve real mini-swe-agent runs kept beside the repository
//! (`../shared/fixtures/real-traces/mini-swe-agent` from the repository root; see its
//! README). Give your own folder and sidecar to mine yours:
//!
//! ```sh
//! cargo run -p harness-examples --example mine_my_traces
//! cargo run -p harness-examples --example mine_my_traces -- TRAJECTORIES OUTCOMES [RUN_DIR]
//! ```
//!
//! Without `RUN_DIR` the run directory is a temporary folder, removed at the end. The test
//! (`cargo test -p harness-examples --example mine_my_traces`) checks that the twelve
//! trajectories import, six failed, and that the report clusters the failures, among them the
//! sample's malformed actions (`repeated_tool_argument_errors`).

use std::error::Error;
use std::path::{Path, PathBuf};

use harness_miner::{MineScope, MinerConfig, StoreMiner, WeaknessReport};
use harness_trace::RunStore;
use harness_trace::import::outcomes::Outcomes;
use harness_trace::import::{ImportOptions, import_mini_swe};

/// What the example did.
#[derive(Debug)]
struct Summary {
    /// Trials imported.
    imported: usize,
    /// Imported trials the sidecar gave no outcome for.
    without_outcome: usize,
    /// Files that could not be imported (path and reason).
    problems: Vec<String>,
    /// The weakness report.
    report: WeaknessReport,
    /// Its markdown.
    markdown: String,
}

/// The sample of real mini-swe-agent runs beside the repository.
fn sample_dir() -> PathBuf {
    harness_examples::examples_dir().join("../../shared/fixtures/real-traces/mini-swe-agent")
}

/// Import the trajectories under `trajectories` with the outcomes of `outcomes` into
/// `run_dir`, then mine the run.
async fn import_and_mine(
    trajectories: &Path,
    outcomes: &Path,
    run_dir: &Path,
) -> Result<Summary, Box<dyn Error>> {
    let outcomes = Outcomes::load(outcomes).map_err(|problem| problem.to_string())?;
    // The imported trials go to the held-in split (the default), the split mining reads.
    let options = ImportOptions::new("mini-swe-sample");
    let imported = {
        let store = RunStore::open(run_dir)?;
        import_mini_swe(trajectories, &outcomes, &options, &store).await
    };
    // The run directory persists: open it again as `harness mine RUN` would.
    let store = RunStore::open_existing(run_dir)?;
    let mined = StoreMiner::new(MinerConfig::new(MineScope::default()))
        .mine_detailed(&store)
        .await?;
    Ok(Summary {
        imported: imported.imported.len(),
        without_outcome: imported.without_outcome.len(),
        problems: imported.problems.iter().map(ToString::to_string).collect(),
        report: mined.report,
        markdown: mined.markdown,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let (trajectories, outcomes) = match args.as_slice() {
        [] => (
            sample_dir().join("trajs"),
            sample_dir().join("outcomes.json"),
        ),
        [trajectories, outcomes, ..] => (trajectories.clone(), outcomes.clone()),
        [_] => return Err("give TRAJECTORIES and OUTCOMES, or nothing for the sample".into()),
    };
    let temporary = tempfile::tempdir()?;
    let run_dir = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| temporary.path().join("run"));
    let summary = import_and_mine(&trajectories, &outcomes, &run_dir).await?;
    print!("{}", summary.markdown);
    for problem in &summary.problems {
        eprintln!("skipped {problem}");
    }
    let report = &summary.report;
    eprintln!(
        "imported {} trials ({} without an outcome); mined {} trials: {} passed, {} failed, {} \
         clusters, {} estimated tokens of {}",
        summary.imported,
        summary.without_outcome,
        report.trials,
        report.passed,
        report.failed,
        report.clusters.len(),
        report.rendered_tokens,
        report.budget_tokens
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use harness_miner::BehaviourTag;

    #[tokio::test]
    async fn the_sample_imports_and_its_failures_cluster() {
        let dir = tempfile::tempdir().unwrap();
        let sample = sample_dir();
        let summary = import_and_mine(
            &sample.join("trajs"),
            &sample.join("outcomes.json"),
            &dir.path().join("run"),
        )
        .await
        .unwrap();
        assert_eq!(summary.imported, 12, "{summary:#?}");
        assert_eq!(summary.without_outcome, 0);
        assert!(summary.problems.is_empty(), "{:?}", summary.problems);

        let report = &summary.report;
        assert_eq!((report.trials, report.passed, report.failed), (12, 6, 6));
        assert!(!report.clusters.is_empty(), "{}", summary.markdown);
        let tags: Vec<&str> = report.clusters.iter().map(|c| c.tag.as_str()).collect();
        assert!(
            tags.contains(&BehaviourTag::REPEATED_TOOL_ARGUMENT_ERRORS),
            "{tags:?}"
        );
        // Every reported cluster recurs across tasks, with failed trials to show for it.
        for cluster in &report.clusters {
            assert!(
                cluster.failures >= 2 && cluster.tasks_affected >= 2,
                "{cluster:#?}"
            );
        }
        assert!(summary.markdown.starts_with("# Weakness report"));
        assert!(
            summary
                .markdown
                .contains(BehaviourTag::REPEATED_TOOL_ARGUMENT_ERRORS)
        );
        assert!(report.rendered_tokens <= report.budget_tokens);
    }
}
