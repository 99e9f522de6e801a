//! The trace records the retried attempts of a model call: a failed call's from its error, a
//! successful call's from what the loop notes before recording it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use harness_agent::agent::Recorder;
use harness_agent::model::{Message, ModelError, RetryAttempt as ModelRetry, Usage};
use harness_trace::{BlobRef, Event, RetryAttempt, TraceError, TraceSink, TrialId};

/// Keeps the events it is given.
struct Collect {
    trial: TrialId,
    events: Arc<Mutex<Vec<Event>>>,
}

impl TraceSink for Collect {
    fn trial_id(&self) -> &TrialId {
        &self.trial
    }

    fn append_at(&mut self, _ts: time::OffsetDateTime, event: Event) -> Result<u64, TraceError> {
        let mut events = self.events.lock().unwrap();
        events.push(event);
        Ok(events.len() as u64)
    }

    fn store_blob(&mut self, bytes: &[u8]) -> Result<BlobRef, TraceError> {
        Ok(BlobRef::of(bytes))
    }

    fn close(&mut self) -> Result<(), TraceError> {
        Ok(())
    }
}

fn retries_of(event: &Event) -> Vec<RetryAttempt> {
    match event {
        Event::ModelCall(call) => call.retries.clone(),
        other => panic!("not a model call: {other:?}"),
    }
}

#[test]
fn model_calls_carry_their_retried_attempts() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let mut recorder = Recorder::new(Some(Box::new(Collect {
        trial: TrialId::numbered(1),
        events: Arc::clone(&events),
    })));
    let rate_limited = ModelError::rate_limited(Some(Duration::from_secs(2)), "slow down");
    let sent = [Message::user("hi")];

    let reply = Message::assistant("ok");
    let usage = Usage::new(1, 1);
    let succeed = |recorder: &mut Recorder, turn| {
        recorder
            .model_call(
                turn,
                "m",
                &sent,
                Some(&reply),
                Some(&usage),
                5,
                Some("stop"),
                None,
            )
            .unwrap();
    };
    // A success after one rate-limited attempt.
    recorder.note_retries(&[ModelRetry::new(&rate_limited, Duration::from_secs(2))]);
    succeed(&mut recorder, 1);
    // The next success had none: nothing noted carries over.
    succeed(&mut recorder, 2);
    // A failure whose error reports two attempts before it.
    let failed = ModelError::transient("down").with_retries(vec![
        ModelRetry::new(&ModelError::transient("down"), Duration::from_millis(500)),
        ModelRetry::new(&rate_limited, Duration::from_secs(1)),
    ]);
    recorder
        .model_call(3, "m", &sent, None, None, 5, None, Some(&failed))
        .unwrap();

    let events = events.lock().unwrap();
    let expected = |kind: &str, status, wait_ms| RetryAttempt {
        kind: kind.to_owned(),
        status,
        wait_ms,
    };
    assert_eq!(
        retries_of(&events[0]),
        [expected("rate_limited", Some(429), 2000)]
    );
    assert_eq!(retries_of(&events[1]), []);
    assert_eq!(
        retries_of(&events[2]),
        [
            expected("transient", None, 500),
            expected("rate_limited", Some(429), 1000)
        ]
    );
    // Recorded as short data: absent when empty, no provider text.
    let line = serde_json::to_string(&events[1]).unwrap();
    assert!(!line.contains("retries"), "{line}");
    let line = serde_json::to_string(&events[2]).unwrap();
    assert!(
        line.contains(r#""retries":[{"kind":"transient","wait_ms":500}"#),
        "{line}"
    );
}
