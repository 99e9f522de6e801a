//! Decisions on hand-made score matrices, and the curtailment property: whenever the gate
//! decides before the plan is complete, the full plan gives the same decision.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use harness_gate::calibration::synthetic_record;
use harness_gate::{
    EvaluationPlan, Flip, GateRequest, NoRegression, Paired, PromotionGate, RuleGate, RuleSpec,
    ScoreMatrix, Verdict, rank_on_shared_cells,
};
use harness_types::{ContentHash, OutcomeClass, ScoreRecord, Split};
use proptest::prelude::*;

fn parent() -> ContentHash {
    ContentHash::of_bytes(b"parent")
}

fn candidate() -> ContentHash {
    ContentHash::of_bytes(b"candidate")
}

/// Tasks `t00..` of a split; `parent_passes[i]` / `candidate_passes[i]`: how many of
/// `repeats` repeats pass (the first ones).
fn fill(matrix: &mut ScoreMatrix, prefix: &str, split: Split, repeats: u32, passes: &[(u32, u32)]) {
    for (i, (p, c)) in passes.iter().enumerate() {
        let task = format!("{prefix}{i:02}");
        for r in 0..repeats {
            matrix.insert(&synthetic_record(parent(), &task, split, r, r < *p));
            matrix.insert(&synthetic_record(candidate(), &task, split, r, r < *c));
        }
    }
}

fn decide(matrix: &ScoreMatrix) -> harness_gate::Decision {
    RuleGate::default_gate()
        .decide(matrix, &GateRequest::new(parent(), candidate()))
        .unwrap()
}

#[test]
fn a_clear_improvement_is_promoted_with_its_evidence() {
    let mut m = ScoreMatrix::new();
    // Held-in: 6 tasks fixed (0/3 -> 3/3), 4 unchanged at 3/3.
    let held_in: Vec<(u32, u32)> = [(0, 3); 6].into_iter().chain([(3, 3); 4]).collect();
    fill(&mut m, "h", Split::HeldIn, 3, &held_in);
    // Validation: 3 tasks 1/3 -> 2/3, 5 unchanged at 2/3.
    let validation: Vec<(u32, u32)> = [(1, 2); 3].into_iter().chain([(2, 2); 5]).collect();
    fill(&mut m, "v", Split::Validation, 3, &validation);
    let d = decide(&m);
    assert_eq!(d.verdict, Verdict::Promote, "{}", d.summary());
    assert!(!d.curtailed);
    let e = &d.evidence;
    assert_eq!(e.splits.len(), 2);
    assert_eq!(e.splits[0].split, Split::HeldIn);
    assert_eq!((e.splits[0].cells, e.splits[0].tasks), (30, 10));
    assert!((e.splits[0].delta - 0.6).abs() < 1e-12);
    assert!((e.splits[1].delta - 3.0 / 24.0).abs() < 1e-12);
    let test = e.test.as_ref().unwrap();
    assert_eq!((test.wins, test.losses, test.cells), (21, 0, 54));
    assert!(test.p_value < 1e-6);
    assert_eq!(e.fixed(), 6);
    assert_eq!(e.regressed(), 0);
    assert!(
        e.flips
            .iter()
            .all(|f| f.flip == Flip::Fixed && f.repeats == 3)
    );
    assert!(e.differences.effect.low > 0.0, "{:?}", e.differences.effect);
    // The evidence serializes as data.
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["verdict"], "promote");
    assert_eq!(
        json["evidence"]["differences"]["tasks"]
            .as_array()
            .unwrap()
            .len(),
        18
    );
}

#[test]
fn a_worse_split_rejects_by_self_harness_even_when_the_pooled_test_passes() {
    let mut m = ScoreMatrix::new();
    fill(&mut m, "h", Split::HeldIn, 3, &[(0, 3); 8]);
    fill(&mut m, "v", Split::Validation, 3, &[(2, 1), (2, 2), (2, 2)]);
    let d = decide(&m);
    assert_eq!(d.verdict, Verdict::Reject);
    assert_eq!(d.decided_by, "self_harness");
    assert!(d.reason.contains("a split got worse"), "{}", d.reason);
    assert!(d.evidence.test.as_ref().unwrap().p_value < 0.01);
}

#[test]
fn two_regressed_tasks_reject_by_no_regression() {
    let mut m = ScoreMatrix::new();
    let held_in: Vec<(u32, u32)> = [(0, 3); 10].into_iter().chain([(3, 0); 2]).collect();
    fill(&mut m, "h", Split::HeldIn, 3, &held_in);
    fill(&mut m, "v", Split::Validation, 3, &[(1, 2); 4]);
    let d = decide(&m);
    assert_eq!(d.verdict, Verdict::Reject);
    assert_eq!(d.decided_by, "no_regression");
    assert_eq!(d.evidence.regressed(), 2);
    // One regressed task is tolerated by default, not by the strict rule.
    let mut m = ScoreMatrix::new();
    let held_in: Vec<(u32, u32)> = [(0, 3); 10].into_iter().chain([(3, 0); 1]).collect();
    fill(&mut m, "h", Split::HeldIn, 3, &held_in);
    fill(&mut m, "v", Split::Validation, 3, &[(1, 2); 4]);
    assert_eq!(decide(&m).verdict, Verdict::Promote);
    let strict = RuleGate::from_spec(&RuleSpec::NoRegression(NoRegression::strict())).unwrap();
    let d = strict
        .decide(&m, &GateRequest::new(parent(), candidate()))
        .unwrap();
    assert_eq!(d.verdict, Verdict::Reject);
}

#[test]
fn ties_reject() {
    let mut m = ScoreMatrix::new();
    fill(&mut m, "h", Split::HeldIn, 3, &[(1, 1); 5]);
    fill(&mut m, "v", Split::Validation, 3, &[(2, 2); 5]);
    let d = decide(&m);
    assert_eq!(d.verdict, Verdict::Reject);
    let paired = RuleGate::from_spec(&RuleSpec::Paired(Paired::default())).unwrap();
    let d = paired
        .decide(&m, &GateRequest::new(parent(), candidate()))
        .unwrap();
    assert_eq!(d.verdict, Verdict::Reject);
    assert_eq!(d.evidence.test.as_ref().unwrap().p_value, 1.0);
}

fn with_outcome(mut record: ScoreRecord, outcome: OutcomeClass) -> ScoreRecord {
    record.outcome = outcome;
    record.reward = None;
    record
}

#[test]
fn infrastructure_errors_are_left_out_and_counted_and_only_shared_cells_compare() {
    let mut m = ScoreMatrix::new();
    fill(&mut m, "v", Split::Validation, 2, &[(0, 2); 6]);
    // The candidate's infrastructure failed on an extra task; the parent has one task the
    // candidate never ran; the sealed split is never looked at.
    m.insert(&with_outcome(
        synthetic_record(candidate(), "v99", Split::Validation, 0, false),
        OutcomeClass::InfrastructureError,
    ));
    m.insert(&synthetic_record(
        parent(),
        "v98",
        Split::Validation,
        0,
        true,
    ));
    m.insert(&synthetic_record(parent(), "t00", Split::Test, 0, false));
    m.insert(&synthetic_record(candidate(), "t00", Split::Test, 0, true));
    let d = decide(&m);
    let left = &d.evidence.left_out;
    assert_eq!(left.candidate_excluded, 1);
    assert_eq!(left.parent_only, 1);
    assert_eq!(left.sealed, 1);
    assert_eq!(d.evidence.differences.cells, 12);
    assert!(
        d.evidence
            .differences
            .tasks
            .iter()
            .all(|t| t.task_id.starts_with('v'))
    );
}

#[test]
fn pending_cells_ask_for_more_evidence_until_they_cannot_matter() {
    let mut plan = EvaluationPlan::new();
    let tasks: Vec<String> = (0..10).map(|i| format!("v{i:02}")).collect();
    for task in &tasks {
        for r in 0..3 {
            plan.add(
                harness_gate::CellKey::new(task.as_str(), r, seed_of(task, r)),
                Split::Validation,
            )
            .unwrap();
        }
    }
    let mut m = ScoreMatrix::new();
    for task in &tasks {
        for r in 0..3 {
            // The parent passes the first repeat of every task.
            m.insert(&synthetic_record(
                parent(),
                task,
                Split::Validation,
                r,
                r == 0,
            ));
        }
    }
    let gate = RuleGate::from_spec(&RuleSpec::Paired(Paired::default())).unwrap();
    let request = GateRequest::new(parent(), candidate()).with_plan(plan);
    // Nothing of the candidate yet: undecided.
    let d = gate.decide(&m, &request).unwrap();
    assert_eq!(d.verdict, Verdict::NeedMoreEvidence);
    assert_eq!(d.evidence.pending, 30);
    // Eight wins so far (repeats 1 and 2 of four tasks) and six possible losses to come:
    // p(8 of 14) = 0.395 in the worst case, 0 losses in the best: not yet...
    let pass_all = |m: &mut ScoreMatrix, tasks: &[String]| {
        for task in tasks {
            for r in 0..3 {
                m.insert(&synthetic_record(
                    candidate(),
                    task,
                    Split::Validation,
                    r,
                    true,
                ));
            }
        }
    };
    pass_all(&mut m, &tasks[..4]);
    assert_eq!(
        gate.decide(&m, &request).unwrap().verdict,
        Verdict::NeedMoreEvidence
    );
    // ...but with 14 wins and at most 3 losses to come, p <= p(14 of 17) = 0.0064 whatever
    // happens: promoted, curtailed.
    pass_all(&mut m, &tasks[4..7]);
    let d = gate.decide(&m, &request).unwrap();
    assert_eq!(d.verdict, Verdict::Promote, "{}", d.summary());
    assert!(d.curtailed);
    assert_eq!(d.evidence.pending, 9);
}

fn seed_of(task: &str, repeat: u32) -> u64 {
    synthetic_record(parent(), task, Split::Validation, repeat, false)
        .key
        .seed
}

#[test]
fn unknown_harness_without_a_plan_is_an_error_naming_it() {
    let m = ScoreMatrix::new();
    let err = RuleGate::default_gate()
        .decide(&m, &GateRequest::new(parent(), candidate()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&parent().to_hex()) && err.contains("parent"),
        "{err}"
    );
}

#[test]
fn ranking_uses_shared_cells_not_raw_means() {
    let (a, b) = (ContentHash::of_bytes(b"a"), ContentHash::of_bytes(b"b"));
    let mut m = ScoreMatrix::new();
    // `a` ran only the five easy tasks and passed 4 of 5; `b` ran all ten and passed all
    // five easy ones and one hard one.
    for i in 0..5 {
        let task = format!("easy{i}");
        m.insert(&synthetic_record(a, &task, Split::Validation, 0, i != 0));
        m.insert(&synthetic_record(b, &task, Split::Validation, 0, true));
    }
    for i in 0..5 {
        let task = format!("hard{i}");
        m.insert(&synthetic_record(b, &task, Split::Validation, 0, i == 0));
    }
    let ranking = rank_on_shared_cells(&m, &[a, b], &[Split::Validation]).unwrap();
    assert_eq!(ranking.shared_cells, 5);
    // Raw means would put `a` (0.8) above `b` (0.6); on shared cells `b` leads (1.0 > 0.8).
    assert_eq!(ranking.entries[0].harness, b);
    assert!((ranking.entries[1].all_mean - 0.8).abs() < 1e-12);
    assert!((ranking.entries[0].all_mean - 0.6).abs() < 1e-12);
    assert_eq!(ranking.pairwise[0].cells, 5);
    assert_eq!(
        (ranking.pairwise[0].a_wins, ranking.pairwise[0].b_wins),
        (0, 1)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Curtailment is exact: whenever the default gate decides with cells still pending, the
    /// completed plan gives the same verdict.
    #[test]
    fn early_decisions_equal_the_decision_on_the_full_plan(
        tasks in proptest::collection::vec((0u32..=3, 0u32..=3, any::<bool>()), 4..14),
        order in proptest::collection::vec(any::<u16>(), 0..60),
        observed in 0usize..60,
    ) {
        let repeats = 3u32;
        let mut plan = EvaluationPlan::new();
        let mut full = ScoreMatrix::new();
        let mut candidate_records = Vec::new();
        for (i, (p, c, validation)) in tasks.iter().enumerate() {
            let split = if *validation { Split::Validation } else { Split::HeldIn };
            let task = format!("t{i:02}");
            for r in 0..repeats {
                let parent_record = synthetic_record(parent(), &task, split, r, r < *p);
                plan.add(harness_gate::CellKey::of(&parent_record), split).unwrap();
                full.insert(&parent_record);
                candidate_records.push(synthetic_record(candidate(), &task, split, r, r < *c));
            }
        }
        // Evaluate the candidate's cells in a shuffled order, stopping after `observed`.
        let n = candidate_records.len();
        let mut indices: Vec<usize> = (0..n).collect();
        for (k, o) in order.iter().enumerate() {
            let (a, b) = (k % n, usize::from(*o) % n);
            indices.swap(a, b);
        }
        let mut partial = full.clone();
        for i in indices.iter().take(observed.min(n)) {
            partial.insert(&candidate_records[*i]);
        }
        for record in &candidate_records {
            full.insert(record);
        }
        let gate = RuleGate::default_gate();
        let request = GateRequest::new(parent(), candidate()).with_plan(plan);
        let early = gate.decide(&partial, &request).unwrap();
        let last = gate.decide(&full, &request).unwrap();
        prop_assert!(last.verdict.is_final());
        if early.verdict.is_final() {
            prop_assert_eq!(early.verdict, last.verdict, "{} vs {}", early.summary(), last.summary());
        }
    }
}
