//! Retries around any client, and the per-trial provider seam, with the scripted client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use harness_model::{
    ChatResponse, Message, ModelClient, ModelError, RetryPolicy, RetryingClient, ScriptStep,
    ScriptedClient, SharedClientProvider, TrialModelContext,
};
use harness_model::{ModelProvider, RecordingSleeper};
use harness_types::ModelSettings;

fn exact(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        jitter: 0.0,
        ..RetryPolicy::default()
    }
}

#[tokio::test]
async fn retryable_errors_are_retried_with_the_right_waits() {
    let scripted = Arc::new(ScriptedClient::new([
        ScriptStep::from(ModelError::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
            message: "slow down".into(),
        }),
        ScriptStep::from(ModelError::transient("connection reset")),
        ScriptStep::from(ChatResponse::text("ok")),
    ]));
    let sleeper = Arc::new(RecordingSleeper::new());
    let client = RetryingClient::new(scripted.clone(), exact(5)).with_sleeper(sleeper.clone());
    let reply = client
        .chat(&[Message::user("hi")], &[], &ModelSettings::default())
        .await
        .unwrap();
    assert_eq!(reply.message.text_or_empty(), "ok");
    assert_eq!(
        sleeper.waits(),
        [Duration::from_secs(7), Duration::from_millis(1000)]
    );
    assert_eq!(scripted.requests().len(), 3);
    assert_eq!(client.model_name(), "scripted");
}

#[tokio::test]
async fn final_errors_pass_straight_through() {
    let scripted = Arc::new(ScriptedClient::new([ModelError::ContextOverflow {
        message: "too long".into(),
    }]));
    let sleeper = Arc::new(RecordingSleeper::new());
    let client = RetryingClient::new(scripted.clone(), exact(5)).with_sleeper(sleeper.clone());
    let error = client
        .chat(&[], &[], &ModelSettings::default())
        .await
        .unwrap_err();
    assert!(matches!(error, ModelError::ContextOverflow { .. }));
    assert!(sleeper.waits().is_empty());
    assert_eq!(scripted.requests().len(), 1);
}

#[tokio::test]
async fn seeded_jitter_is_reproducible() {
    let run = |seed| async move {
        let scripted = Arc::new(ScriptedClient::new([
            ScriptStep::from(ModelError::transient("a")),
            ScriptStep::from(ModelError::transient("b")),
            ScriptStep::from(ChatResponse::text("ok")),
        ]));
        let sleeper = Arc::new(RecordingSleeper::new());
        let client = RetryingClient::new(scripted, RetryPolicy::default())
            .with_sleeper(sleeper.clone())
            .with_jitter_seed(seed);
        client
            .chat(&[], &[], &ModelSettings::default())
            .await
            .unwrap();
        sleeper.waits()
    };
    let first = run(42).await;
    assert_eq!(first, run(42).await);
    assert!(first[0] <= Duration::from_millis(500) && first[0] >= Duration::from_millis(400));
}

#[test]
fn the_shared_provider_hands_every_trial_the_same_client() {
    let client: Arc<dyn ModelClient> = Arc::new(ScriptedClient::new(Vec::<ScriptStep>::new()));
    let provider = SharedClientProvider::new(client.clone());
    let a = provider
        .client_for(&TrialModelContext::new("task-a", 1, 0))
        .unwrap();
    let b = provider
        .client_for(
            &TrialModelContext::new("task-b", 2, 1)
                .with_task_knowledge(serde_json::json!({"plan": "fail once"})),
        )
        .unwrap();
    assert!(Arc::ptr_eq(&a, &client) && Arc::ptr_eq(&b, &client));
}

#[tokio::test]
async fn a_closure_can_make_a_client_per_trial() {
    let provider = |trial: &TrialModelContext| -> Result<Arc<dyn ModelClient>, ModelError> {
        Ok(Arc::new(ScriptedClient::new([ChatResponse::text(
            format!("{} #{} seed {}", trial.task_id, trial.repeat, trial.seed),
        )])))
    };
    let provider: &dyn ModelProvider = &provider;
    let client = provider
        .client_for(&TrialModelContext::new("hello", 9, 2))
        .unwrap();
    let reply = client
        .chat(&[], &[], &ModelSettings::default())
        .await
        .unwrap();
    assert_eq!(reply.message.text_or_empty(), "hello #2 seed 9");
}
