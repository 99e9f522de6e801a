//! Monte Carlo calibration of the default gate (see `docs/gate.md`).
//!
//! `cargo run --release -p harness-gate --example gate_calibration` prints, for the default
//! gate on two 25-task splits with 3 repeats, the false-promotion rate under the null
//! hypothesis and the power against an improvement of +0.15 in mean reward, with the
//! candidate evaluated one repeat per stage and the gate asked after each stage:
//!
//! ```text
//! false_promotion_rate=<x> power=<y> mean_cells=<n>
//! ```
//!
//! then the same figures for other gates and scenarios, one line each. `--evaluations N`
//! sets the number of simulated evaluations per figure (default 10,000); `--explain` prints
//! one decision's evidence as JSON instead.

use std::process::ExitCode;

use harness_gate::calibration::synthetic_record;
use harness_gate::{
    Calibration, GateError, GateRequest, NoRegression, Paired, PromotionGate, RuleGate, RuleSpec,
    Scenario, ScoreMatrix, SelfHarness, calibrate,
};
use harness_types::{ContentHash, Split};

const SEED_NULL: u64 = 1;
const SEED_POWER: u64 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let explain = args.iter().any(|a| a == "--explain");
    let evaluations = match args.iter().position(|a| a == "--evaluations") {
        Some(i) => match args.get(i + 1).and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => {
                eprintln!("--evaluations takes a number");
                return ExitCode::from(2);
            }
        },
        None => 10_000,
    };
    let result = if explain {
        print_explained()
    } else {
        print_figures(evaluations)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn pair(
    gate: &dyn PromotionGate,
    scenario: &Scenario,
    evaluations: usize,
) -> Result<(Calibration, Calibration), GateError> {
    let mut null = scenario.clone();
    null.improvement = 0.0;
    Ok((
        calibrate(gate, &null, evaluations, SEED_NULL)?,
        calibrate(gate, scenario, evaluations, SEED_POWER)?,
    ))
}

fn print_figures(evaluations: usize) -> Result<(), GateError> {
    let default_gate = RuleGate::default_gate();
    let scenario = Scenario::two_splits_of_25(0.15);
    let (null, power) = pair(&default_gate, &scenario, evaluations)?;
    println!(
        "false_promotion_rate={:.4} power={:.4} mean_cells={:.1}",
        null.promotion_rate(),
        power.promotion_rate(),
        power.mean_cells
    );
    println!(
        "# default gate, {evaluations} evaluations per figure, {} planned candidate cells; \
         null: mean_cells={:.1}, stopped early {}; improvement: stopped early {}",
        null.planned_cells, null.mean_cells, null.stopped_early, power.stopped_early
    );
    let strict = RuleGate::from_spec(&RuleSpec::AllOf {
        rules: vec![
            RuleSpec::SelfHarness(SelfHarness::default()),
            RuleSpec::NoRegression(NoRegression::strict()),
            RuleSpec::Paired(Paired::default()),
        ],
    })?;
    let paired_only = RuleGate::from_spec(&RuleSpec::Paired(Paired::default()))?;
    let mut validation_only = Paired::default();
    validation_only.splits = vec![Split::Validation];
    let validation_only = RuleGate::from_spec(&RuleSpec::AllOf {
        rules: vec![
            RuleSpec::SelfHarness(SelfHarness::default()),
            RuleSpec::NoRegression(NoRegression::default()),
            RuleSpec::Paired(validation_only),
        ],
    })?;
    let rows: [(&str, &dyn PromotionGate, Scenario); 5] = [
        (
            "default gate, parent rates uniform in [0, 0.85]",
            &default_gate,
            scenario.clone().with_parent_range(0.0, 0.85),
        ),
        (
            "strict no_regression (0 tolerated)",
            &strict,
            scenario.clone(),
        ),
        ("paired test alone", &paired_only, scenario.clone()),
        (
            "paired test on validation only",
            &validation_only,
            scenario.clone(),
        ),
        (
            "default gate, 5 repeats",
            &default_gate,
            scenario.clone().with_repeats(5),
        ),
    ];
    for (name, gate, scenario) in rows {
        let (null, power) = pair(gate, &scenario, evaluations)?;
        println!(
            "# {name}: false_promotion_rate={:.4} power={:.4} mean_cells={:.1} (of {})",
            null.promotion_rate(),
            power.promotion_rate(),
            power.mean_cells,
            power.planned_cells
        );
    }
    Ok(())
}

/// One small comparison, decided by the default gate, printed as JSON.
fn print_explained() -> Result<(), GateError> {
    let parent = ContentHash::of_bytes(b"parent harness");
    let candidate = ContentHash::of_bytes(b"candidate harness");
    // (task, split, parent passes per repeat, candidate passes per repeat)
    let table: [(&str, Split, [bool; 3], [bool; 3]); 8] = [
        (
            "build-cache",
            Split::HeldIn,
            [false, false, false],
            [true, true, true],
        ),
        (
            "fix-git",
            Split::HeldIn,
            [true, false, true],
            [true, true, true],
        ),
        (
            "parse-logs",
            Split::HeldIn,
            [false, true, false],
            [true, true, false],
        ),
        (
            "sqlite-index",
            Split::HeldIn,
            [true, true, true],
            [true, true, true],
        ),
        (
            "csv-report",
            Split::Validation,
            [false, false, true],
            [true, true, true],
        ),
        (
            "http-retry",
            Split::Validation,
            [true, true, true],
            [true, false, true],
        ),
        (
            "make-deps",
            Split::Validation,
            [false, false, false],
            [false, true, true],
        ),
        (
            "regex-fix",
            Split::Validation,
            [true, false, false],
            [true, true, false],
        ),
    ];
    let mut matrix = ScoreMatrix::new();
    for (task, split, p, c) in table {
        for repeat in 0..3 {
            matrix.insert(&synthetic_record(
                parent,
                task,
                split,
                repeat as u32,
                p[repeat],
            ));
            matrix.insert(&synthetic_record(
                candidate,
                task,
                split,
                repeat as u32,
                c[repeat],
            ));
        }
    }
    let decision =
        RuleGate::default_gate().decide(&matrix, &GateRequest::new(parent, candidate))?;
    println!("{}", decision.summary());
    match serde_json::to_string_pretty(&decision) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: {e}"),
    }
    Ok(())
}
