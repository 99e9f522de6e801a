//! Retries around any client, the retry budget shared by concurrent callers, and the
//! per-trial provider seam, with the scripted client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;

use harness_model::ModelSettings;
use harness_model::{
    ChatResponse, Message, ModelClient, ModelError, ModelProvider, RecordingSleeper, RetryBudget,
    RetryPolicy, RetryingClient, ScriptStep, ScriptedClient, SharedClientProvider, ToolDefinition,
    TrialModelContext,
};

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
        ScriptStep::from(ModelError::rate_limited(
            Some(Duration::from_secs(7)),
            "slow down",
        )),
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
    let retries: Vec<(&str, Option<u16>, u64)> = reply
        .retries
        .iter()
        .map(|r| (r.kind.as_str(), r.status, r.wait_ms))
        .collect();
    assert_eq!(
        retries,
        [("rate_limited", Some(429), 7000), ("transient", None, 1000)]
    );
}

#[tokio::test]
async fn an_error_that_ends_the_retries_reports_the_attempts_before_it() {
    let scripted = Arc::new(ScriptedClient::new([
        ModelError::transient("a"),
        ModelError::transient("b"),
        ModelError::transient("c"),
    ]));
    let client =
        RetryingClient::new(scripted, exact(3)).with_sleeper(Arc::new(RecordingSleeper::new()));
    let error = client
        .chat(&[], &[], &ModelSettings::default())
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ModelError::transient("c").with_retries(error.retries().to_vec())
    );
    assert_eq!(
        error
            .retries()
            .iter()
            .map(|r| r.wait_ms)
            .collect::<Vec<_>>(),
        [500, 1000]
    );
}

/// A client that always fails with a transient error, counting its calls.
#[derive(Debug, Default)]
struct AlwaysDown {
    calls: AtomicUsize,
}

#[async_trait]
impl ModelClient for AlwaysDown {
    async fn chat(
        &self,
        _messages: &[Message],
        _tools: &[ToolDefinition],
        _settings: &ModelSettings,
    ) -> Result<ChatResponse, ModelError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        // Let the other callers interleave.
        tokio::task::yield_now().await;
        Err(ModelError::transient("down"))
    }
}

#[tokio::test]
async fn an_empty_budget_returns_errors_without_retrying() {
    let down = Arc::new(AlwaysDown::default());
    let budget = Arc::new(RetryBudget::new(0.0, 2));
    let client = RetryingClient::new(down.clone(), exact(10))
        .with_budget(budget.clone())
        .with_sleeper(Arc::new(RecordingSleeper::new()));
    let first = client
        .chat(&[], &[], &ModelSettings::default())
        .await
        .unwrap_err();
    // Two retries in the budget: three attempts, then the error.
    assert_eq!(down.calls.load(Ordering::SeqCst), 3);
    assert_eq!(first.retries().len(), 2);
    assert!(budget.balance() < 1.0);
    client
        .chat(&[], &[], &ModelSettings::default())
        .await
        .unwrap_err();
    assert_eq!(
        down.calls.load(Ordering::SeqCst),
        4,
        "retried without budget"
    );
}

#[test]
fn first_attempts_refill_the_budget_up_to_its_reserve() {
    let budget = RetryBudget::new(0.5, 2);
    assert!(budget.try_withdraw() && budget.try_withdraw());
    assert!(!budget.try_withdraw());
    budget.deposit();
    assert!(!budget.try_withdraw(), "half a retry is not a retry");
    budget.deposit();
    assert!(budget.try_withdraw());
    for _ in 0..100 {
        budget.deposit();
    }
    assert_eq!(budget.balance(), 2.0);
    assert_eq!(RetryBudget::new(f64::NAN, 1).balance(), 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_budget() {
    const CALLERS: usize = 8;
    let down = Arc::new(AlwaysDown::default());
    // Room for 5 retries in all, plus one per four calls: 2 more from 8 first attempts.
    let budget = Arc::new(RetryBudget::new(0.25, 5));
    let client = Arc::new(
        RetryingClient::new(down.clone(), exact(10))
            .with_budget(budget.clone())
            .with_sleeper(Arc::new(RecordingSleeper::new())),
    );
    let callers: Vec<_> = (0..CALLERS)
        .map(|_| {
            let client = Arc::clone(&client);
            tokio::spawn(async move {
                client
                    .chat(&[], &[], &ModelSettings::default())
                    .await
                    .unwrap_err()
                    .retries()
                    .len()
            })
        })
        .collect();
    let mut retries = 0;
    for caller in callers {
        retries += caller.await.unwrap();
    }
    // Without the budget: 8 callers x 9 retries. With it: the reserve plus the deposits.
    assert!((5..=7).contains(&retries), "{retries} retries");
    assert_eq!(down.calls.load(Ordering::SeqCst), CALLERS + retries);
    assert!(budget.balance() < 1.0);
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
