//! The built-in detectors on small hand-made trials.

use harness_trace::synth::sample_header;
use harness_trace::{
    Event, Finish, FinishStatus, OutcomeClass, ToolCall, ToolOutput, TrialId, TrialTrace,
    VerifierOutcome,
};
use serde_json::json;

use super::*;
use crate::clean::Cleaner;

/// A failed trial of shell calls `(command, exit code, output)`, finished with `status`.
fn trial(calls: &[(&str, i32, &str)], status: FinishStatus) -> TrialView {
    let mut trace = TrialTrace::new(
        sample_header(TrialId::numbered(1)),
        harness_trace::synth::EPOCH,
    );
    let ts = harness_trace::synth::EPOCH;
    for (i, (command, code, output)) in calls.iter().enumerate() {
        trace.push(
            ts,
            Event::ToolCall(ToolCall {
                call_id: format!("c{i}"),
                name: "shell".to_owned(),
                arguments: json!({ "command": command }),
                output: ToolOutput::inline(*output),
                exit_code: Some(*code),
                duration_ms: 10,
                error: None,
            }),
        );
    }
    if status == FinishStatus::Finished {
        trace.push(
            ts,
            Event::ToolCall(ToolCall {
                call_id: "f".to_owned(),
                name: "finish".to_owned(),
                arguments: json!({"summary": "done"}),
                output: ToolOutput::inline("done"),
                exit_code: None,
                duration_ms: 0,
                error: None,
            }),
        );
    }
    trace.push(
        ts,
        Event::Finish(Finish {
            status,
            turns: calls.len() as u32,
            message: None,
        }),
    );
    trace.push(
        ts,
        Event::Verifier(VerifierOutcome {
            outcome: OutcomeClass::Fail,
            rewards: Default::default(),
            reward: Some(0.0),
            duration_ms: None,
        }),
    );
    TrialView::from_trace(&trace, None, &Cleaner::default())
}

fn tags(view: &TrialView) -> Vec<String> {
    let mut tags: Vec<String> = builtin_detectors(&DetectorConfig::default())
        .iter()
        .flat_map(|d| d.detect(view))
        .map(|f| f.tag.to_string())
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

#[test]
fn exact_repeat_after_failure() {
    let view = trial(
        &[
            ("python3 fix.py", 1, "Traceback: KeyError 'x'"),
            ("python3 fix.py", 1, "Traceback: KeyError 'x'"),
            ("python3 fix.py", 1, "Traceback: KeyError 'x'"),
        ],
        FinishStatus::MaxTurns,
    );
    assert_eq!(view.actions.len(), 1, "identical steps collapse");
    assert_eq!(view.actions[0].repeats, 3);
    let findings = ExactRepeatAfterFailure.detect(&view);
    assert_eq!(findings.len(), 1);
    assert!(
        findings[0].detail.contains("2 more times"),
        "{}",
        findings[0].detail
    );
    // A changed command after the failure is no repeat.
    let fixed = trial(
        &[
            ("python3 fix.py", 1, "boom"),
            ("python3 fix.py --x", 0, "ok"),
        ],
        FinishStatus::MaxTurns,
    );
    assert!(ExactRepeatAfterFailure.detect(&fixed).is_empty());
}

#[test]
fn exploration_without_progress() {
    let reads: Vec<String> = (0..18)
        .map(|i| format!("sed -n '{i},+5p' data.csv"))
        .collect();
    let calls: Vec<(&str, i32, &str)> = reads.iter().map(|c| (c.as_str(), 0, "a,b")).collect();
    assert_eq!(
        tags(&trial(&calls, FinishStatus::MaxTurns)),
        ["exploration_without_progress"]
    );
    let few: Vec<(&str, i32, &str)> = calls[..5].to_vec();
    assert!(
        ExplorationWithoutProgress { run: 12 }
            .detect(&trial(&few, FinishStatus::MaxTurns))
            .is_empty()
    );
}

#[test]
fn state_lost_between_calls() {
    let view = trial(
        &[
            ("cd build", 0, ""),
            (
                "make",
                2,
                "make: *** No targets specified and no makefile found.  Stop.",
            ),
        ],
        FinishStatus::MaxTurns,
    );
    let findings = StateLostBetweenCalls.detect(&view);
    assert_eq!(findings.len(), 1);
    assert!(
        findings[0].detail.contains("`cd build`"),
        "{}",
        findings[0].detail
    );
    let var = trial(
        &[("export OUT=/tmp/o", 0, ""), ("ls $OUT", 0, "")],
        FinishStatus::MaxTurns,
    );
    assert!(
        StateLostBetweenCalls.detect(&var)[0]
            .detail
            .contains("$OUT")
    );
    let together = trial(&[("cd build && make", 0, "ok")], FinishStatus::MaxTurns);
    assert!(StateLostBetweenCalls.detect(&together).is_empty());
}

#[test]
fn finish_without_verification() {
    let view = trial(
        &[
            ("cat data.csv", 0, "a"),
            ("python3 gen.py > out.txt", 0, ""),
        ],
        FinishStatus::Finished,
    );
    assert_eq!(tags(&view), ["finish_without_verification"]);
    let checked = trial(
        &[
            ("python3 gen.py > out.txt", 0, ""),
            ("head out.txt", 0, "x"),
        ],
        FinishStatus::Finished,
    );
    assert!(FinishWithoutVerification.detect(&checked).is_empty());
}

#[test]
fn context_flooding() {
    let big = "x".repeat(20_000);
    let view = trial(&[("cat big.log", 0, &big)], FinishStatus::ContextOverflow);
    assert_eq!(tags(&view), ["context_flooding", "context_overflow"]);
    let sampled = trial(
        &[
            ("head -n 5 notes.txt", 0, "a\nb"),
            ("cat notes.txt", 0, "a\nb\nc"),
        ],
        FinishStatus::MaxTurns,
    );
    assert!(
        ContextFlooding {
            output_bytes: 16_384,
            outputs: 3,
            dump_bytes: 2048
        }
        .detect(&sampled)[0]
            .detail
            .contains("after reading part")
    );
    let once = trial(&[("cat notes.txt", 0, "a\nb\nc")], FinishStatus::MaxTurns);
    assert!(tags(&once).is_empty());
}

#[test]
fn repeated_tool_argument_errors() {
    let mut trace = TrialTrace::new(
        sample_header(TrialId::numbered(2)),
        harness_trace::synth::EPOCH,
    );
    for i in 0..2 {
        trace.push(
            harness_trace::synth::EPOCH,
            Event::ToolCall(ToolCall {
                call_id: format!("c{i}"),
                name: "shell".to_owned(),
                arguments: json!(format!("{{\"cmd\": {i}")),
                output: ToolOutput::inline("invalid arguments: missing field `command`"),
                exit_code: None,
                duration_ms: 0,
                error: Some("invalid arguments: missing field `command`".to_owned()),
            }),
        );
    }
    let view = TrialView::from_trace(&trace, None, &Cleaner::default());
    let findings = RepeatedArgumentErrors { min_errors: 2 }.detect(&view);
    assert_eq!(findings.len(), 1);
    assert!(findings[0].detail.starts_with("2 calls"));
    assert!(ExactRepeatAfterFailure.detect(&view).is_empty());
}

#[test]
fn command_not_found_names_what_works() {
    let view = trial(
        &[
            (
                "gawk '{print $1}' a.log > out.txt",
                127,
                "bash: line 1: gawk: command not found",
            ),
            ("awk '{print $1}' a.log > out.txt", 0, ""),
        ],
        FinishStatus::MaxTurns,
    );
    let findings = CommandNotFound.detect(&view);
    assert_eq!(findings.len(), 1);
    assert_eq!(
        findings[0].detail,
        "`gawk` is not installed; `awk` worked later"
    );
    let sudo = trial(
        &[
            ("sudo mkdir -p out", 127, "bash: sudo: command not found"),
            ("mkdir -p out", 0, ""),
        ],
        FinishStatus::MaxTurns,
    );
    assert!(
        CommandNotFound.detect(&sudo)[0]
            .detail
            .contains("without `sudo`")
    );
    // In a pipeline the exit code can be 0.
    let piped = trial(
        &[(
            "x | gawk 1",
            0,
            "/usr/bin/bash: line 1: gawk: command not found",
        )],
        FinishStatus::MaxTurns,
    );
    assert_eq!(CommandNotFound.detect(&piped).len(), 1);
    // A program the task ships is not an environment fact.
    let shipped = trial(
        &[
            (
                "./run.sh",
                127,
                "./run.sh: line 3: helper: command not found",
            ),
            ("chmod +x tools/helper", 0, ""),
        ],
        FinishStatus::MaxTurns,
    );
    assert!(CommandNotFound.detect(&shipped).is_empty());
}

#[test]
fn timeouts_and_overflow() {
    let view = trial(
        &[(
            "sleep 1000",
            124,
            "[timed out after 120 s; the command was killed]",
        )],
        FinishStatus::Timeout,
    );
    assert_eq!(tags(&view), ["long_running_timeout"]);
}

#[test]
fn required_artifact_missing() {
    let mut view = trial(
        &[(
            "ls /app/out.csv",
            2,
            "ls: cannot access '/app/out.csv': No such file or directory",
        )],
        FinishStatus::Finished,
    );
    view.instruction = Some("Write the totals to /app/out.csv.".to_owned());
    let findings = RequiredArtifactMissing.detect(&view);
    assert_eq!(findings.len(), 1);
    assert!(findings[0].detail.contains("/app/out.csv"));
    let mut made = trial(
        &[("python3 t.py > /app/out.csv", 0, "")],
        FinishStatus::Finished,
    );
    made.instruction = view.instruction.clone();
    assert!(RequiredArtifactMissing.detect(&made).is_empty());
}
