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

/// One failed attempt that the retry layer retried: what failed and how long it waited
/// before the next attempt. Short data only (no provider message), so traces can keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct RetryAttempt {
    /// [`ModelError::kind`] of the failure, e.g. `rate_limited`.
    pub kind: String,
    /// HTTP status of the failure, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Wait before the next attempt, in milliseconds.
    pub wait_ms: u64,
}

impl RetryAttempt {
    /// The record of `error`, retried after `wait`.
    pub fn new(error: &ModelError, wait: Duration) -> Self {
        Self {
            kind: error.kind().to_owned(),
            status: error.status(),
            wait_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// Retries shared by concurrent callers, so that a failing server is not hit by every
/// trial's full retry allowance at once (the idea of tower's retry budget, without its time
/// window): each first attempt deposits `ratio` of a retry, each retry withdraws one, and an
/// empty budget makes callers return their error without retrying. The balance starts at,
/// and never exceeds, `reserve`: a burst of up to `reserve` retries, then at most `ratio`
/// retries per call.
#[derive(Debug)]
pub struct RetryBudget {
    ratio: f64,
    reserve: f64,
    balance: Mutex<f64>,
}

impl RetryBudget {
    /// A budget of at most `reserve` retries at once, refilled by `ratio` per first attempt
    /// (0.2: one retry per five calls). Negative or non-finite numbers count as 0.
    pub fn new(ratio: f64, reserve: u32) -> Self {
        let ratio = if ratio.is_finite() {
            ratio.max(0.0)
        } else {
            0.0
        };
        Self {
            ratio,
            reserve: f64::from(reserve),
            balance: Mutex::new(f64::from(reserve)),
        }
    }

    /// Record a first attempt: deposit `ratio`.
    pub fn deposit(&self) {
        let mut balance = lock(&self.balance);
        *balance = (*balance + self.ratio).min(self.reserve);
    }

    /// Take one retry if the budget holds one.
    pub fn try_withdraw(&self) -> bool {
        let mut balance = lock(&self.balance);
        if *balance >= 1.0 {
            *balance -= 1.0;
            true
        } else {
            false
        }
    }

    /// Retries the budget holds now (whole ones may be withdrawn).
    pub fn balance(&self) -> f64 {
        *lock(&self.balance)
    }
}

impl Default for RetryBudget {
    /// 20 retries at once, then one per two calls: room for a server's bad minute, not for
    /// every trial of a job hammering a dead one.
    fn default() -> Self {
        Self::new(0.5, 20)
    }
}

/// Lock a mutex, taking over a poisoned one: every critical section here is one arithmetic
/// update, so the data stays consistent.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The one retry layer: retries [retryable](ModelError::is_retryable) failures of any
/// [`ModelClient`] under a [`RetryPolicy`], honouring the `retry-after` a backend reports in
/// its error, optionally within a [`RetryBudget`] shared with other clients. Backends make one
/// attempt per call, so stacking never multiplies retries.
///
/// Every retried attempt is reported: a response carries them in
/// [`ChatResponse::retries`], a retryable error in [`ModelError::retries`].
#[derive(Debug)]
pub struct RetryingClient {
    inner: Arc<dyn ModelClient>,
    policy: RetryPolicy,
    budget: Option<Arc<RetryBudget>>,
    sleeper: Arc<dyn Sleeper>,
    /// splitmix64 state for the jitter draws.
    state: Mutex<u64>,
}

impl RetryingClient {
    /// Retry calls to `inner` under `policy`, waiting on the tokio timer, without a budget.
    pub fn new(inner: Arc<dyn ModelClient>, policy: RetryPolicy) -> Self {
        Self {
            inner,
            policy,
            budget: None,
            sleeper: Arc::new(TokioSleeper),
            state: Mutex::new(RandomState::new().hash_one(0u64)),
        }
    }

    /// Retry only while `budget` (shared with other clients) allows.
    pub fn with_budget(mut self, budget: Arc<RetryBudget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Wait through `sleeper` instead (tests use [`crate::RecordingSleeper`]).
    pub fn with_sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Seed the jitter draws, making the waits reproducible.
    pub fn with_jitter_seed(mut self, seed: u64) -> Self {
        self.state = Mutex::new(seed);
        self
    }

    /// The policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// The shared budget, if any.
    pub fn budget(&self) -> Option<&Arc<RetryBudget>> {
        self.budget.as_ref()
    }

    /// Whether another attempt may follow `error`, the failure of attempt number `attempts`.
    fn may_retry(&self, error: &ModelError, attempts: u32) -> bool {
        if !error.is_retryable() || attempts >= self.policy.max_attempts.max(1) {
            return false;
        }
        match &self.budget {
            Some(budget) if !budget.try_withdraw() => {
                tracing::warn!(
                    target: "harness_model",
                    model = %self.inner.model_name(),
                    attempt = attempts,
                    error = %error,
                    "model call failed; the shared retry budget is spent, not retrying"
                );
                false
            }
            _ => true,
        }
    }

    /// A uniform draw in `[0, 1)`.
    fn draw(&self) -> f64 {
        let mut state = lock(&self.state);
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
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
        if let Some(budget) = &self.budget {
            budget.deposit();
        }
        let mut retries: Vec<RetryAttempt> = Vec::new();
        loop {
            let attempts = u32::try_from(retries.len() + 1).unwrap_or(u32::MAX);
            match self.inner.chat(messages, tools, settings).await {
                Ok(mut response) => {
                    response.retries.splice(0..0, retries);
                    return Ok(response);
                }
                Err(error) if self.may_retry(&error, attempts) => {
                    let wait = self
                        .policy
                        .delay(attempts, error.retry_after(), self.draw());
                    tracing::warn!(
                        target: "harness_model",
                        model = %self.inner.model_name(),
                        attempt = attempts,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        error = %error,
                        "model call failed; retrying"
                    );
                    retries.push(RetryAttempt::new(&error, wait));
                    self.sleeper.sleep(wait).await;
                }
                Err(error) => {
                    let mut earlier = error.retries().to_vec();
                    retries.append(&mut earlier);
                    return Err(error.with_retries(retries));
                }
            }
        }
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
        let client = || {
            let inner: Arc<dyn ModelClient> = Arc::new(crate::ScriptedClient::default());
            RetryingClient::new(inner, RetryPolicy::default()).with_jitter_seed(7)
        };
        let (a, b) = (client(), client());
        let xs: Vec<f64> = (0..5).map(|_| a.draw()).collect();
        let ys: Vec<f64> = (0..5).map(|_| b.draw()).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
    }
}
