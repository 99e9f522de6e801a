//! The miner's readers of untrusted text never panic: the cleaner, the shell-command facts,
//! the instruction's path finder, and whole trials built from arbitrary commands and
//! outputs run through every built-in detector and the clustering.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use harness_miner::command::CommandFacts;
use harness_miner::{
    Cleaner, DetectorConfig, MinerConfig, StoreMiner, TrialView, builtin_detectors,
};
use harness_testkit::{arbitrary_text, bounded};
use harness_trace::synth::{EPOCH, sample_header};
use harness_trace::{
    Event, Finish, FinishStatus, OutcomeClass, ToolCall, ToolOutput, TrialId, TrialTrace,
    VerifierOutcome,
};
use proptest::prelude::*;

fn shellish() -> impl Strategy<Value = String> {
    prop_oneof![
        arbitrary_text(),
        "[a-z./$ {}'\"|&;<>()=-]{0,60}".prop_map(String::from),
        "(cd|export|cat|head|sed -i|gawk|sudo) [a-zA-Z_./=$-]{0,20}( && | \\| | > )?[a-z./ ]{0,20}"
            .prop_map(String::from),
    ]
}

fn trial(calls: Vec<(String, i32, String)>, instruction: String, i: u64) -> TrialView {
    let mut trace = TrialTrace::new(sample_header(TrialId::numbered(i)), EPOCH);
    for (k, (command, code, output)) in calls.into_iter().enumerate() {
        trace.push(
            EPOCH,
            Event::ToolCall(ToolCall {
                call_id: format!("c{k}"),
                name: if k % 5 == 4 {
                    "finish".into()
                } else {
                    "shell".into()
                },
                arguments: serde_json::json!({ "command": command }),
                output: ToolOutput::inline(output),
                exit_code: if code == 99 { None } else { Some(code) },
                duration_ms: 1,
                error: if code == 99 {
                    Some("invalid arguments".into())
                } else {
                    None
                },
            }),
        );
    }
    trace.push(
        EPOCH,
        Event::Finish(Finish {
            status: FinishStatus::Finished,
            turns: 1,
            message: None,
        }),
    );
    trace.push(
        EPOCH,
        Event::Verifier(VerifierOutcome {
            outcome: OutcomeClass::Fail,
            rewards: Default::default(),
            reward: Some(0.0),
            duration_ms: None,
        }),
    );
    TrialView::from_trace(&trace, Some(instruction), &Cleaner::new(64, 32))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cleaner_and_command_facts_never_panic(text in shellish()) {
        bounded(move || {
            let cleaned = Cleaner::new(16, 8).clean(&text);
            assert!(cleaned.len() <= text.len().max(16 + 8 + 64));
            let _ = CommandFacts::of_shell(&text);
            let _ = harness_miner::detect::named_paths(&text);
        })?;
    }

    #[test]
    fn detectors_and_clustering_never_panic(
        calls in proptest::collection::vec((shellish(), prop_oneof![Just(0), Just(1), Just(127), Just(99)], arbitrary_text()), 0..16),
        instruction in arbitrary_text(),
    ) {
        bounded(move || {
            let views: Vec<TrialView> = (0..3).map(|i| trial(calls.clone(), instruction.clone(), i)).collect();
            for view in &views {
                for detector in builtin_detectors(&DetectorConfig::default()) {
                    let _ = detector.detect(view);
                }
            }
            let mined = StoreMiner::new(MinerConfig::default()).mine_views(views).unwrap();
            assert!(mined.report.rendered_tokens <= mined.report.budget_tokens);
        })?;
    }
}
