//! A small hand-built run view for the unit tests.

use crate::data::{
    Accuracy, ClusterRow, ClusterTable, GenerationSpend, Mean, Outcome, PhaseSpend, ProposalView,
    RunView, ScoreRow, Spend,
};

fn mean(m: f64) -> Option<Mean> {
    Some(Mean {
        mean: m,
        low: (m - 0.1).max(0.0),
        high: (m + 0.1).min(1.0),
        cells: 12,
        tasks: 4,
    })
}

/// A proposal whose rationale, cluster and diff carry markup.
pub(crate) fn proposal(id: &str, outcome: Outcome) -> ProposalView {
    ProposalView {
        generation: 1,
        id: id.into(),
        proposer: "catalog".into(),
        cluster: "loop<b>".into(),
        surface: "middleware".into(),
        predicted_fixes: vec!["task-a".into(), "task-b".into()],
        at_risk: vec!["task-c".into()],
        root_cause: "The agent loops & repeats.".into(),
        rationale: "Break the loop <script>alert('x')</script> now".into(),
        outcome,
        verdict: Some("PARTIALLY_EFFECTIVE".into()),
        reason: "promote by sign_test".into(),
        p_value: Some(0.031),
        effect: Some(0.25),
        interval: Some((0.05, 0.45)),
        fixed: vec!["task-a".into()],
        regressed: vec![],
        stage: Some("full".into()),
        diff: "--- a/middleware.yaml\n+++ b/middleware.yaml\n@@ -1 +1,2 @@\n middleware:\n+- kind: <img src=x onerror=alert(1)>\n".into(),
    }
}

/// Two generations, one accepted and one rejected proposal, no analyses.
pub(crate) fn view() -> RunView {
    RunView {
        name: "sample-run".into(),
        seed: "aaaaaaaaaaaa".into(),
        final_harness: "bbbbbbbbbbbb".into(),
        finished: true,
        stopped: Some("generations done".into()),
        generations: 2,
        accepted: vec!["p-1".into()],
        scores: vec![
            ScoreRow {
                label: "generation 1".into(),
                generation: Some(1),
                harness: "aaaaaaaaaaaa".into(),
                held_in: mean(0.4),
                validation: mean(0.5),
                test: mean(0.45),
            },
            ScoreRow {
                label: "generation 2".into(),
                generation: Some(2),
                harness: "bbbbbbbbbbbb".into(),
                held_in: mean(0.7),
                validation: mean(0.75),
                test: None,
            },
            ScoreRow {
                label: "final".into(),
                generation: None,
                harness: "bbbbbbbbbbbb".into(),
                held_in: mean(0.7),
                validation: mean(0.75),
                test: mean(0.72),
            },
        ],
        spend: vec![
            GenerationSpend {
                label: "generation 1".into(),
                generation: Some(1),
                spend: Spend {
                    rollouts: 40,
                    tokens: 1000,
                    usd: 0.5,
                },
                calls: [(
                    "proposer".to_owned(),
                    Spend {
                        rollouts: 0,
                        tokens: 77,
                        usd: 0.01,
                    },
                )]
                .into(),
                baseline_rollouts: Some(90),
            },
            GenerationSpend {
                label: "generation 2".into(),
                generation: Some(2),
                spend: Spend {
                    rollouts: 10,
                    tokens: 300,
                    usd: 0.1,
                },
                calls: Default::default(),
                baseline_rollouts: Some(60),
            },
        ],
        phases: vec![
            PhaseSpend {
                phase: "agent".into(),
                spend: Spend {
                    rollouts: 50,
                    tokens: 1300,
                    usd: 0.6,
                },
            },
            PhaseSpend {
                phase: "proposer".into(),
                spend: Spend {
                    rollouts: 0,
                    tokens: 77,
                    usd: 0.01,
                },
            },
        ],
        rollouts: 50,
        baseline_rollouts: 150,
        wall_seconds: 12.0,
        overhead_seconds: 0.5,
        proposals: vec![
            proposal("p-1", Outcome::Accepted),
            proposal("p-2", Outcome::Rejected),
        ],
        accuracy: Accuracy::default(),
        clusters: ClusterTable {
            generations: vec![1, 2],
            rows: vec![
                ClusterRow {
                    id: "loop<b>".into(),
                    sizes: vec![Some(6), Some(2)],
                },
                ClusterRow {
                    id: "overflow".into(),
                    sizes: vec![Some(3), None],
                },
            ],
        },
        ablation: None,
        budget_matched: None,
        notes: vec![],
    }
}
