//! The OpenAI wire parsers never panic or hang: a response body of arbitrary bytes or spliced
//! from valid bodies gives a response or a clean `ModelError`, and tool-call arguments of any
//! text give a valid or an invalid call; what came back can be serialized again for the next
//! request. Each case runs on its own thread with a 10 s bound. 256 cases each.

#![cfg(feature = "openai")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use harness_model::openai::wire::{message_json, parse_response};
use harness_model::{Message, ToolCall};
use harness_testkit::{bounded, splice};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const BODIES: [&str; 6] = [
    r#"{"id":"x","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":2}}}"#,
    r#"{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"shell","arguments":"{\"command\":\"ls\"}"}}]},"finish_reason":"tool_calls"}]}"#,
    r#"{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"image"}],"reasoning_content":"think"},"finish_reason":"length"}]}"#,
    r#"{"choices":[{"message":{"tool_calls":[{"function":{"name":"f","arguments":{"a":1}}},{"id":null,"function":null}]}}]}"#,
    r#"{"error":{"message":"rate limited","type":"rate_limit_error","code":429}}"#,
    r#"{"choices":[]}"#,
];

const ARGUMENTS: [&str; 6] = [
    r#"{"command": "ls -la", "timeout": 10}"#,
    "```json\n{\"path\": \"a.txt\"}\n```",
    r#""{\"a\": [1, 2, {\"b\": null}]}""#,
    "null",
    "",
    r#"{"nested": {"deep": [[[["x"]]]]}}"#,
];

fn noise() -> impl Strategy<Value = String> {
    harness_testkit::noise("[a-z0-9 :,\"\\\\{}\\[\\]`\\nné中-]{0,40}").unwrap()
}

fn check_body(body: Vec<u8>) -> Result<(), TestCaseError> {
    bounded(move || {
        if let Ok(response) = parse_response(&body) {
            // The message goes back into the next request.
            let _ = message_json(&Message::Assistant(response.message));
        }
    })
}

fn check_arguments(raw: String) -> Result<(), TestCaseError> {
    bounded(move || {
        let call = ToolCall::from_raw("c", "f", raw);
        assert_eq!(call.is_valid(), call.arguments.is_object());
        let _ = message_json(&Message::Assistant(harness_model::AssistantMessage {
            content: None,
            reasoning: None,
            tool_calls: vec![call],
        }));
    })?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn response_never_panics_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..600)) {
        check_body(body)?;
    }

    #[test]
    fn response_never_panics_on_spliced_bodies(
        a in 0usize..BODIES.len(),
        b in 0usize..BODIES.len(),
        i in 0usize..300,
        j in 0usize..300,
        n in noise(),
    ) {
        check_body(splice(BODIES[a], BODIES[b], i, j, &n).into_bytes())?;
    }

    #[test]
    fn tool_call_arguments_never_panic(
        text in any::<String>(),
        a in 0usize..ARGUMENTS.len(),
        b in 0usize..ARGUMENTS.len(),
        i in 0usize..60,
        j in 0usize..60,
        n in noise(),
    ) {
        check_arguments(text)?;
        check_arguments(splice(ARGUMENTS[a], ARGUMENTS[b], i, j, &n))?;
    }
}
