//! Events survive the JSONL round trip; readers survive any bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;

use harness_trace::jsonl::{encode_trace, read_trace_from};
use harness_trace::synth::{EPOCH, sample_header, sample_trace};
use harness_trace::{
    BlobRef, CallError, ContextEvent, ContextKind, Event, Finish, FinishStatus, Intervention,
    InterventionAction, JsonlSink, Message, Messages, ModelCall, OutcomeClass, Role, RunLayout,
    SinkOptions, TokenUsage, ToolCall, ToolCallRequest, ToolOutput, TraceError, TraceSink, TrialId,
    TrialTrace, VerifierOutcome, read_trace,
};
use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

fn text() -> impl Strategy<Value = String> {
    // Any characters, control characters and quotes included.
    prop::collection::vec(any::<char>(), 0..24).prop_map(String::from_iter)
}

fn opt<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop::option::of(s)
}

/// Decimal fractions with few digits: JSON numbers that read back exactly.
fn decimal() -> impl Strategy<Value = f64> {
    (-1_000_000i64..1_000_000).prop_map(|n| n as f64 / 1000.0)
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        text().prop_map(serde_json::Value::from),
    ];
    prop::collection::btree_map(text(), leaf, 0..4)
        .prop_map(|m| serde_json::Value::Object(m.into_iter().collect()))
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::System),
        Just(Role::User),
        Just(Role::Assistant),
        Just(Role::Tool)
    ]
}

fn message() -> impl Strategy<Value = Message> {
    (
        role(),
        text(),
        opt(text()),
        prop::collection::vec((text(), text(), json_value()), 0..3),
        opt(text()),
    )
        .prop_map(|(role, content, reasoning, calls, tool_call_id)| Message {
            role,
            content,
            reasoning,
            tool_calls: calls
                .into_iter()
                .map(|(id, name, arguments)| ToolCallRequest {
                    id,
                    name,
                    arguments,
                })
                .collect(),
            tool_call_id,
        })
}

fn blob() -> impl Strategy<Value = BlobRef> {
    (any::<[u8; 8]>(), any::<u64>()).prop_map(|(seed, bytes)| BlobRef {
        sha256: harness_core::ContentHash::of_bytes(&seed),
        bytes,
    })
}

fn messages() -> impl Strategy<Value = Messages> {
    prop_oneof![
        prop::collection::vec(message(), 0..3).prop_map(|messages| Messages::Inline { messages }),
        (blob(), any::<u32>()).prop_map(|(blob, count)| Messages::Stored { blob, count }),
    ]
}

fn model_call() -> impl Strategy<Value = Event> {
    (
        any::<u32>(),
        opt(text()),
        messages(),
        opt(message()),
        (any::<u64>(), any::<u64>(), any::<u64>()),
        any::<u64>(),
        opt(decimal()),
        opt(text()),
        opt((text(), text())),
    )
        .prop_map(
            |(
                turn,
                model,
                input,
                response,
                (i, o, c),
                latency_ms,
                cost_usd,
                finish_reason,
                error,
            )| {
                Event::ModelCall(ModelCall {
                    retries: Vec::new(),
                    turn,
                    model,
                    input,
                    response,
                    usage: TokenUsage {
                        input_tokens: i,
                        output_tokens: o,
                        cached_tokens: c,
                    },
                    latency_ms,
                    cost_usd,
                    finish_reason,
                    error: error.map(|(kind, message)| CallError { kind, message }),
                })
            },
        )
}

fn tool_call() -> impl Strategy<Value = Event> {
    (
        text(),
        text(),
        json_value(),
        (text(), any::<u64>(), opt(blob())),
        opt(any::<i32>()),
        any::<u64>(),
        opt(text()),
    )
        .prop_map(
            |(
                call_id,
                name,
                arguments,
                (excerpt, total_bytes, full),
                exit_code,
                duration_ms,
                error,
            )| {
                Event::ToolCall(ToolCall {
                    call_id,
                    name,
                    arguments,
                    output: ToolOutput {
                        excerpt,
                        total_bytes,
                        full,
                    },
                    exit_code,
                    duration_ms,
                    error,
                })
            },
        )
}

fn other_event() -> impl Strategy<Value = Event> {
    let action = prop_oneof![
        Just(InterventionAction::Inject),
        Just(InterventionAction::Block),
        Just(InterventionAction::Rewrite),
        Just(InterventionAction::Stop),
        Just(InterventionAction::Observe),
    ];
    let status = prop_oneof![
        Just(FinishStatus::Finished),
        Just(FinishStatus::MaxTurns),
        Just(FinishStatus::Timeout),
        Just(FinishStatus::ModelError),
        Just(FinishStatus::ContextOverflow),
        Just(FinishStatus::Stopped),
        Just(FinishStatus::AgentError),
    ];
    let reward_name = "[a-z_][a-z0-9_.:-]{0,20}";
    prop_oneof![
        (
            text(),
            opt(text()),
            text(),
            action,
            opt(text()),
            opt(text())
        )
            .prop_map(|(kind, rule, trigger, action, message, call_id)| {
                Event::Intervention(Intervention {
                    kind,
                    rule,
                    trigger,
                    action,
                    message,
                    call_id,
                })
            }),
        (
            prop_oneof![Just(ContextKind::Compaction), Just(ContextKind::Truncation)],
            opt(any::<u64>()),
            opt(any::<u64>()),
            opt(any::<u32>()),
            opt(text())
        )
            .prop_map(
                |(kind, tokens_before, tokens_after, messages_removed, note)| {
                    Event::Context(ContextEvent {
                        kind,
                        tokens_before,
                        tokens_after,
                        messages_removed,
                        note,
                    })
                }
            ),
        (status, any::<u32>(), opt(text())).prop_map(|(status, turns, message)| {
            Event::Finish(Finish {
                status,
                turns,
                message,
            })
        }),
        (
            prop::sample::select(OutcomeClass::ALL.to_vec()),
            prop::collection::btree_map(reward_name, decimal(), 0..3),
            opt(decimal()),
            opt(any::<u64>())
        )
            .prop_map(|(outcome, rewards, reward, duration_ms)| {
                Event::Verifier(VerifierOutcome {
                    outcome,
                    rewards: BTreeMap::from_iter(rewards),
                    reward,
                    duration_ms,
                })
            }),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![model_call(), tool_call(), other_event()]
}

fn timestamp() -> impl Strategy<Value = OffsetDateTime> {
    (0i64..10_000_000_000_000).prop_map(|micros| EPOCH + Duration::microseconds(micros))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn generated_events_round_trip_through_a_sink(
        events in prop::collection::vec((timestamp(), event()), 0..12)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let layout = RunLayout::new(dir.path());
        let header = sample_header(TrialId::new("p").unwrap());
        let mut sink = JsonlSink::create_at(&layout, header.clone(), EPOCH, SinkOptions::default()).unwrap();
        let mut expected = TrialTrace::new(header, EPOCH);
        for (ts, event) in events {
            sink.append_at(ts, event.clone()).unwrap();
            expected.push(ts, event);
        }
        sink.close().unwrap();
        let read = read_trace(&layout.trace_path(&TrialId::new("p").unwrap())).unwrap();
        prop_assert_eq!(read.torn, None);
        prop_assert_eq!(read.trace, expected);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_reader(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_trace_from(&bytes[..], Path::new("fuzz.jsonl"));
    }

    #[test]
    fn garbage_after_a_valid_prefix_is_an_error_or_a_torn_tail(
        garbage in prop::collection::vec(any::<u8>(), 1..128)
    ) {
        let mut bytes = encode_trace(&sample_trace()).unwrap();
        bytes.extend_from_slice(&garbage);
        match read_trace_from(&bytes[..], Path::new("x.jsonl")) {
            Ok(read) => prop_assert_eq!(read.trace, sample_trace()),
            Err(e) => prop_assert!(
                e.to_string().starts_with("x.jsonl:"),
                "error does not name file and line: {}", e
            ),
        }
    }

    #[test]
    fn any_cut_keeps_exactly_the_complete_lines(cut in 0usize..4096) {
        let trace = sample_trace();
        let bytes = encode_trace(&trace).unwrap();
        let cut = cut % (bytes.len() + 1);
        let header_len = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
        let result = read_trace_from(&bytes[..cut], Path::new("cut.jsonl"));
        if cut < header_len {
            prop_assert!(result.is_err());
        } else {
            let read = result.unwrap();
            let complete_lines = bytes[..cut].iter().filter(|b| **b == b'\n').count();
            prop_assert_eq!(read.trace.steps.len(), complete_lines - 1);
            prop_assert_eq!(&read.trace.steps[..], &trace.steps[..complete_lines - 1]);
            prop_assert_eq!(read.torn.is_some(), bytes[..cut].last() != Some(&b'\n'));
        }
    }
}

#[test]
fn non_finite_numbers_are_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let layout = RunLayout::new(dir.path());
    let mut sink = JsonlSink::create(
        &layout,
        sample_header(TrialId::new("nan").unwrap()),
        SinkOptions::default(),
    )
    .unwrap();
    let err = sink
        .append(Event::Verifier(VerifierOutcome {
            outcome: OutcomeClass::Fail,
            rewards: BTreeMap::from([("reward".to_owned(), f64::NAN)]),
            reward: None,
            duration_ms: None,
        }))
        .unwrap_err();
    assert!(matches!(err, TraceError::InvalidEvent { .. }), "{err}");
    // Nothing was written; the trace is still just its header.
    sink.close().unwrap();
    let read = read_trace(&layout.trace_path(&TrialId::new("nan").unwrap())).unwrap();
    assert!(read.trace.steps.is_empty());
}
