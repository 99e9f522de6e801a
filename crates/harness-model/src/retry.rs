//! Retries with exponential backoff that honour the provider's `retry-after`.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use harness_types::ModelSettings;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::client::ModelClient;
use crate::error::ModelError;
use crate::message::Message;
use crate::response::ChatResponse;
use crate::sleep::{Sleeper, TokioSleeper};
use crate::tool::ToolDefinition;

/// When and how long to wait before sending a failed request again. Only
/// [retryable](ModelError::is_retryable) errors are retried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Most attempts in total, the first included; 1 turns retries off.
    pub max_attempts: u32,
    /// Wait before the first retry, in milliseconds, when the provider names none.
    pub initial_backoff_ms: u64,
    /// Growth factor of the wait from one retry to the next.
    pub multiplier: f64,
    /// Longest computed wait, in milliseconds.
    pub max_backoff_ms: u64,
    /// Longest wait taken from `retry-after`, in milliseconds; a longer request is cut to
    /// this (the attempt after it may be refused again and counts against `max_attempts`).
    pub max_retry_after_ms: u64,
    /// Random spread, 0 to 1. A computed wait shrinks by up to this fraction, a wait the
    /// provider asked for grows by up to this fraction (never below what it asked), so
    /// concurrent trials do not retry in lockstep. 0 makes waits exact.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff_ms: 500,
            multiplier: 2.0,
            max_backoff_ms: 30_000,
            max_retry_after_ms: 120_000,
            jitter: 0.2,
        }
    }
}

impl RetryPolicy {
    /// A policy that tries once.
    pub fn no_retries() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (1 for the first retry). `retry_after` is the
    /// wait the provider asked for; `unit` is a random draw in `[0, 1)` for the jitter.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, unit: f64) -> Duration {
        let jitter = fraction(self.jitter) * fraction(unit);
        match retry_after {
            Some(asked) => {
                let honoured = asked.min(Duration::from_millis(self.max_retry_after_ms));
                honoured + honoured.mul_f64(jitter)
            }
            None => {
                let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
                let millis =
                    (self.initial_backoff_ms as f64) * self.multiplier.max(1.0).powi(exponent);
                let capped = millis.min(self.max_backoff_ms as f64).max(0.0);
                Duration::try_from_secs_f64(capped * (1.0 - jitter) / 1000.0)
                    .unwrap_or(Duration::from_millis(self.max_backoff_ms))
            }
        }
    }
}

/// `x` clamped to `[0, 1]`; 0 for NaN and infinities, which a hand-written config may hold.
fn fraction(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// The retry loop shared by [`RetryingClient`] and the HTTP backends.
#[derive(Debug)]
pub(crate) struct Retrier {
    policy: RetryPolicy,
    sleeper: Arc<dyn Sleeper>,
    /// splitmix64 state for the jitter draws.
    state: Mutex<u64>,
}

impl Retrier {
    pub(crate) fn new(policy: RetryPolicy) -> Self {
        Self {
            policy,
            sleeper: Arc::new(TokioSleeper),
            state: Mutex::new(RandomState::new().hash_one(0u64)),
        }
    }

    pub(crate) fn set_sleeper(&mut self, sleeper: Arc<dyn Sleeper>) {
        self.sleeper = sleeper;
    }

    pub(crate) fn set_seed(&mut self, seed: u64) {
        self.state = Mutex::new(seed);
    }

    pub(crate) fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Run `attempt` until it succeeds, fails for good, or the attempts run out; the last
    /// error is returned.
    pub(crate) async fn run<T, F, Fut>(&self, what: &str, mut attempt: F) -> Result<T, ModelError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ModelError>>,
    {
        let max_attempts = self.policy.max_attempts.max(1);
        let mut attempts = 0;
        loop {
            attempts += 1;
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(error) if error.is_retryable() && attempts < max_attempts => {
                    let wait = self
                        .policy
                        .delay(attempts, error.retry_after(), self.draw());
                    tracing::warn!(
                        target: "harness_model",
                        %what,
                        attempt = attempts,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        error = %error,
                        "model call failed; retrying"
                    );
                    self.sleeper.sleep(wait).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// A uniform draw in `[0, 1)`.
    fn draw(&self) -> f64 {
        let mut state = match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Retries around any [`ModelClient`], for backends without retries of their own.
/// (The [`openai`](crate::openai) backend retries by itself.)
#[derive(Debug)]
pub struct RetryingClient {
    inner: Arc<dyn ModelClient>,
    retrier: Retrier,
}

impl RetryingClient {
    /// Retry calls to `inner` under `policy`, waiting on the tokio timer.
    pub fn new(inner: Arc<dyn ModelClient>, policy: RetryPolicy) -> Self {
        Self {
            inner,
            retrier: Retrier::new(policy),
        }
    }

    /// Wait through `sleeper` instead (tests use [`crate::RecordingSleeper`]).
    pub fn with_sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.retrier.set_sleeper(sleeper);
        self
    }

    /// Seed the jitter draws, making the waits reproducible.
    pub fn with_jitter_seed(mut self, seed: u64) -> Self {
        self.retrier.set_seed(seed);
        self
    }

    /// The policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        self.retrier.policy()
    }
}

#[async_trait]
impl ModelClient for RetryingClient {
    async fn chat(
        &self,
        messages: &[Message],
        tools: &[ToolDefinition],
        settings: &ModelSettings,
    ) -> Result<ChatResponse, ModelError> {
        self.retrier
            .run(self.inner.model_name(), || {
                self.inner.chat(messages, tools, settings)
            })
            .await
    }

    fn provider_name(&self) -> &str {
        self.inner.provider_name()
    }

    fn model_name(&self) -> &str {
        self.inner.model_name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact() -> RetryPolicy {
        RetryPolicy {
            jitter: 0.0,
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn computed_waits_grow_then_cap() {
        let policy = exact();
        let waits: Vec<u128> = (1..=8)
            .map(|n| policy.delay(n, None, 0.5).as_millis())
            .collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    }

    #[test]
    fn provider_waits_are_honoured_and_capped() {
        let policy = exact();
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(3)), 0.9),
            Duration::from_secs(3)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(600)), 0.0),
            Duration::from_secs(120)
        );
    }

    #[test]
    fn jitter_stays_in_bounds_and_never_undercuts_the_provider() {
        let policy = RetryPolicy {
            jitter: 0.5,
            ..RetryPolicy::default()
        };
        for unit in [0.0, 0.25, 0.999] {
            let computed = policy.delay(2, None, unit);
            assert!(computed <= Duration::from_millis(1000));
            assert!(computed >= Duration::from_millis(500));
            let asked = policy.delay(2, Some(Duration::from_secs(2)), unit);
            assert!(asked >= Duration::from_secs(2));
            assert!(asked <= Duration::from_secs(3));
        }
    }

    #[test]
    fn odd_numbers_in_a_policy_do_not_panic() {
        let policy = RetryPolicy {
            jitter: f64::NAN,
            multiplier: f64::INFINITY,
            max_retry_after_ms: u64::MAX,
            ..RetryPolicy::default()
        };
        assert_eq!(
            policy.delay(40, None, f64::NAN),
            Duration::from_millis(30_000)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(1)), 0.5),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn seeded_draws_repeat() {
        let mut a = Retrier::new(RetryPolicy::default());
        a.set_seed(7);
        let mut b = Retrier::new(RetryPolicy::default());
        b.set_seed(7);
        let xs: Vec<f64> = (0..5).map(|_| a.draw()).collect();
        let ys: Vec<f64> = (0..5).map(|_| b.draw()).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
    }
}
