//! The one error type of the model layer.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::retry::RetryAttempt;

/// Why a chat completion failed.
///
/// Three groups, because callers act differently on each:
/// - a retry may cure it: [`RateLimited`](Self::RateLimited), [`Transient`](Self::Transient),
///   [`MalformedResponse`](Self::MalformedResponse) ([`is_retryable`](Self::is_retryable));
/// - the agent can act on it: [`ContextOverflow`](Self::ContextOverflow) (compact the
///   conversation and call again);
/// - it ends the run: [`BadRequest`](Self::BadRequest), [`Auth`](Self::Auth),
///   [`Fatal`](Self::Fatal).
///
/// Errors are plain data (clonable, serializable) so that scripted clients can replay them
/// and traces can record them. Messages never contain the API key.
///
/// The retryable variants carry `retries`: the failed attempts the retry layer made before it
/// gave up on this one (attempts ran out, or the shared budget did), for traces.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelError {
    /// The provider asked us to slow down (HTTP 429).
    #[error("rate limited{}: {message}", after(.retry_after))]
    RateLimited {
        /// How long the provider asked us to wait (`retry-after` / `retry-after-ms`).
        #[serde(default, with = "opt_secs", rename = "retry_after_sec")]
        retry_after: Option<Duration>,
        /// The provider's explanation.
        message: String,
        /// Attempts retried before this error ended the call.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        retries: Vec<RetryAttempt>,
    },
    /// The conversation (plus the requested output) does not fit the model's context window.
    #[error("context window exceeded: {message}")]
    ContextOverflow {
        /// The provider's explanation.
        message: String,
    },
    /// The provider refused the request as malformed or unsupported (HTTP 4xx); retrying
    /// the same request will fail the same way.
    #[error("bad request{}: {message}", status_suffix(.status))]
    BadRequest {
        /// HTTP status, when the failure came from HTTP.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// The provider's explanation.
        message: String,
    },
    /// A failure a later attempt may not see: HTTP 5xx, 408, timeouts, connection errors.
    #[error("transient failure{}{}: {message}", status_suffix(.status), after(.retry_after))]
    Transient {
        /// HTTP status, when there was a response.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// How long the provider asked us to wait, if it said.
        #[serde(default, with = "opt_secs", rename = "retry_after_sec")]
        retry_after: Option<Duration>,
        /// What went wrong.
        message: String,
        /// Attempts retried before this error ended the call.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        retries: Vec<RetryAttempt>,
    },
    /// A success status whose body is not a chat completion (invalid JSON, no choices).
    /// Retryable: truncated or garbled bodies from proxies and overloaded local servers are
    /// usually one-offs, and the retry budget bounds the cost when they are not.
    #[error("malformed response: {message}")]
    MalformedResponse {
        /// What was wrong, with the start of the body.
        message: String,
        /// Attempts retried before this error ended the call.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        retries: Vec<RetryAttempt>,
    },
    /// The provider rejected the credentials (HTTP 401 or 403).
    #[error("authentication failed (HTTP {status}): {message}")]
    Auth {
        /// HTTP status.
        status: u16,
        /// The provider's explanation, with any echo of the key removed.
        message: String,
    },
    /// Nothing will work until a person changes something: missing API key variable, bad
    /// base URL, exhausted quota, an empty script.
    #[error("{message}")]
    Fatal {
        /// What is wrong, in words a user can act on.
        message: String,
    },
}

impl ModelError {
    /// A [`ModelError::Fatal`] with `message`.
    pub fn fatal(message: impl Into<String>) -> Self {
        ModelError::Fatal {
            message: message.into(),
        }
    }

    /// A [`ModelError::Transient`] without status or retry hint.
    pub fn transient(message: impl Into<String>) -> Self {
        ModelError::Transient {
            status: None,
            retry_after: None,
            message: message.into(),
            retries: Vec::new(),
        }
    }

    /// A [`ModelError::RateLimited`] asking for `retry_after`, if anything.
    pub fn rate_limited(retry_after: Option<Duration>, message: impl Into<String>) -> Self {
        ModelError::RateLimited {
            retry_after,
            message: message.into(),
            retries: Vec::new(),
        }
    }

    /// A [`ModelError::MalformedResponse`].
    pub fn malformed(message: impl Into<String>) -> Self {
        ModelError::MalformedResponse {
            message: message.into(),
            retries: Vec::new(),
        }
    }

    /// The explanation, to edit in place (a backend removing echoed secrets, say).
    pub fn message_mut(&mut self) -> &mut String {
        match self {
            ModelError::RateLimited { message, .. }
            | ModelError::ContextOverflow { message }
            | ModelError::BadRequest { message, .. }
            | ModelError::Transient { message, .. }
            | ModelError::MalformedResponse { message, .. }
            | ModelError::Auth { message, .. }
            | ModelError::Fatal { message } => message,
        }
    }

    /// The HTTP status, when the failure came with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ModelError::BadRequest { status, .. } | ModelError::Transient { status, .. } => *status,
            ModelError::Auth { status, .. } => Some(*status),
            ModelError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// The attempts retried before this error ended the call (none for errors that are not
    /// retryable, which end a call at once).
    pub fn retries(&self) -> &[RetryAttempt] {
        match self {
            ModelError::RateLimited { retries, .. }
            | ModelError::Transient { retries, .. }
            | ModelError::MalformedResponse { retries, .. } => retries,
            _ => &[],
        }
    }

    /// The same error carrying `attempts` as its retries; errors that are not retryable have
    /// nowhere to keep them and come back unchanged.
    pub fn with_retries(mut self, attempts: Vec<RetryAttempt>) -> Self {
        if let ModelError::RateLimited { retries, .. }
        | ModelError::Transient { retries, .. }
        | ModelError::MalformedResponse { retries, .. } = &mut self
        {
            *retries = attempts;
        }
        self
    }

    /// True when the same request may succeed if sent again later.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ModelError::RateLimited { .. }
                | ModelError::Transient { .. }
                | ModelError::MalformedResponse { .. }
        )
    }

    /// True when the model server, not the agent, is at fault: it could not be reached or
    /// kept failing (connection errors, timeouts, HTTP 5xx and rate limits that survived the
    /// retries), it refused the credentials, it needs a person (missing key, quota, bad base
    /// URL), or it refused the request for something other than its content (an unknown
    /// model or path: 404 and the like). A run that ends on such an error says nothing about
    /// the agent, so it is reported as a model error and left out of scores.
    ///
    /// False for what the agent's own conversation causes: a context overflow, a reply the
    /// agent cannot use ([`MalformedResponse`](Self::MalformedResponse)), and a request whose
    /// content the server refused (HTTP 400, 413, 422, or a refusal without a status). A
    /// harness could otherwise escape a failing score by provoking such refusals.
    pub fn is_model_unavailable(&self) -> bool {
        match self {
            ModelError::RateLimited { .. }
            | ModelError::Transient { .. }
            | ModelError::Auth { .. }
            | ModelError::Fatal { .. } => true,
            ModelError::BadRequest { status, .. } => {
                !matches!(status, None | Some(400 | 413 | 422))
            }
            ModelError::ContextOverflow { .. } | ModelError::MalformedResponse { .. } => false,
        }
    }

    /// The wait the provider asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ModelError::RateLimited { retry_after, .. }
            | ModelError::Transient { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A stable snake_case name of the variant, for traces and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            ModelError::RateLimited { .. } => "rate_limited",
            ModelError::ContextOverflow { .. } => "context_overflow",
            ModelError::BadRequest { .. } => "bad_request",
            ModelError::Transient { .. } => "transient",
            ModelError::MalformedResponse { .. } => "malformed_response",
            ModelError::Auth { .. } => "auth",
            ModelError::Fatal { .. } => "fatal",
        }
    }
}

fn after(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!(" (retry after {:.3}s)", wait.as_secs_f64()),
        None => String::new(),
    }
}

fn status_suffix(status: &Option<u16>) -> String {
    match status {
        Some(status) => format!(" (HTTP {status})"),
        None => String::new(),
    }
}

/// `Option<Duration>` as fractional seconds, the unit people write in fixtures.
mod opt_secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(duration) => serializer.serialize_some(&duration.as_secs_f64()),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        let secs = Option::<f64>::deserialize(deserializer)?;
        secs.map(|secs| {
            Duration::try_from_secs_f64(secs).map_err(|e| serde::de::Error::custom(e.to_string()))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_errors_are_the_ones_a_later_attempt_may_cure() {
        let rate = ModelError::rate_limited(Some(Duration::from_secs(2)), "slow down");
        assert!(rate.is_retryable());
        assert_eq!(rate.retry_after(), Some(Duration::from_secs(2)));
        assert!(ModelError::transient("reset").is_retryable());
        assert!(!ModelError::fatal("no key").is_retryable());
        assert!(
            !ModelError::ContextOverflow {
                message: "too long".into()
            }
            .is_retryable()
        );
        assert_eq!(
            rate.to_string(),
            "rate limited (retry after 2.000s): slow down"
        );
    }

    #[test]
    fn server_failures_are_model_unavailable_and_agent_failures_are_not() {
        assert!(ModelError::transient("connection refused").is_model_unavailable());
        assert!(
            ModelError::Auth {
                status: 401,
                message: "bad key".into()
            }
            .is_model_unavailable()
        );
        assert!(ModelError::fatal("quota").is_model_unavailable());
        let bad = |status| ModelError::BadRequest {
            status,
            message: "x".into(),
        };
        assert!(bad(Some(404)).is_model_unavailable());
        assert!(!bad(Some(400)).is_model_unavailable());
        assert!(!bad(None).is_model_unavailable());
        assert!(!ModelError::malformed("not json").is_model_unavailable());
        assert!(
            !ModelError::ContextOverflow {
                message: "too long".into()
            }
            .is_model_unavailable()
        );
    }

    #[test]
    fn errors_round_trip_through_json() {
        let error = ModelError::rate_limited(Some(Duration::from_millis(1500)), "slow down");
        let value = serde_json::to_value(&error).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"kind": "rate_limited", "retry_after_sec": 1.5, "message": "slow down"})
        );
        let back: ModelError = serde_json::from_value(value).unwrap();
        assert_eq!(back, error);
        let back: ModelError =
            serde_json::from_value(serde_json::json!({"kind": "transient", "message": "x"}))
                .unwrap();
        assert_eq!(back, ModelError::transient("x"));
    }
}
