//! HTTP failures to typed errors.
//!
//! | status | error |
//! |---|---|
//! | 401, 403 | [`ModelError::Auth`] |
//! | 429 | [`ModelError::RateLimited`], or [`ModelError::Fatal`] for an exhausted quota |
//! | any other, when the body speaks of the context length | [`ModelError::ContextOverflow`] |
//! | 408, 409, 5xx | [`ModelError::Transient`] |
//! | other 4xx (and anything else) | [`ModelError::BadRequest`] |
//!
//! Error bodies come in several shapes: OpenAI's and llama.cpp's `{"error": {"message",
//! "type", "code"}}`, vLLM's older `{"object": "error", "message", "type", "code"}`,
//! Ollama's `{"error": "text"}`, FastAPI's `{"detail": ...}`, or plain text and HTML.

use std::time::Duration;

use serde_json::Value;

use crate::error::ModelError;

/// Longest provider message kept in an error, in characters.
const MAX_MESSAGE_CHARS: usize = 1000;

/// Wordings (lower case) with which servers report an over-long conversation: OpenAI's
/// code and message, vLLM's message, llama.cpp's type and message, and the phrasings of
/// other compatible gateways.
const CONTEXT_OVERFLOW_MARKERS: &[&str] = &[
    "context_length_exceeded",
    "maximum context length",
    "context length",
    "context window",
    "too many tokens",
    "exceed_context_size",
    "exceeds the available context size",
    "prompt is too long",
    "input is too long",
];

/// The error for a non-success HTTP `status` with `body`; `retry_after` is what the
/// response headers asked for.
pub fn classify(status: u16, retry_after: Option<Duration>, body: &[u8]) -> ModelError {
    let text = String::from_utf8_lossy(body);
    let info = match serde_json::from_str::<Value>(&text) {
        Ok(value) => ErrorInfo::from_json(&value),
        Err(_) => ErrorInfo {
            message: text.trim().to_string(),
            haystack: text.to_lowercase(),
        },
    };
    let message = if info.message.is_empty() {
        format!("HTTP {status} with an empty body")
    } else {
        excerpt(&info.message)
    };
    match status {
        401 | 403 => ModelError::Auth { status, message },
        429 if info.haystack.contains("insufficient_quota") => {
            ModelError::fatal(format!("quota exhausted (HTTP 429): {message}"))
        }
        429 => ModelError::rate_limited(retry_after, message),
        _ if is_context_overflow(&info.haystack) => ModelError::ContextOverflow { message },
        408 | 409 | 500..=599 => ModelError::Transient {
            status: Some(status),
            retry_after,
            message,
            retries: Vec::new(),
        },
        _ => ModelError::BadRequest {
            status: Some(status),
            message,
        },
    }
}

/// The error for an `error` object found in a success body: classified by its numeric
/// `code` when it has one, as a transient failure otherwise.
pub fn classify_error_object(error: &Value) -> ModelError {
    let wrapped = serde_json::json!({ "error": error });
    let status = error
        .get("code")
        .and_then(Value::as_u64)
        .and_then(|code| u16::try_from(code).ok())
        .filter(|code| (400..600).contains(code))
        .unwrap_or(500);
    classify(status, None, wrapped.to_string().as_bytes())
}

/// True when `haystack` (lower case) reports an over-long conversation.
fn is_context_overflow(haystack: &str) -> bool {
    CONTEXT_OVERFLOW_MARKERS
        .iter()
        .any(|marker| haystack.contains(marker))
}

/// `text` cut to [`MAX_MESSAGE_CHARS`], trimmed.
pub(crate) fn excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

/// What an error body says, and everything it says in lower case for matching.
struct ErrorInfo {
    message: String,
    haystack: String,
}

impl ErrorInfo {
    fn from_json(value: &Value) -> Self {
        let error = value.get("error");
        let message = error
            .and_then(|error| error.get("message"))
            .and_then(Value::as_str)
            .or_else(|| error.and_then(Value::as_str))
            .or_else(|| value.get("message").and_then(Value::as_str))
            .or_else(|| value.get("detail").and_then(Value::as_str))
            .map(str::to_string)
            .unwrap_or_else(|| value.to_string());
        Self {
            message,
            haystack: value.to_string().to_lowercase(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify_json(status: u16, body: &str) -> ModelError {
        classify(status, None, body.as_bytes())
    }

    #[test]
    fn statuses_map_to_typed_errors() {
        assert!(matches!(
            classify_json(401, r#"{"error": {"message": "bad key"}}"#),
            ModelError::Auth { status: 401, .. }
        ));
        assert!(matches!(
            classify_json(403, ""),
            ModelError::Auth { status: 403, .. }
        ));
        assert!(matches!(
            classify(429, Some(Duration::from_secs(1)), b"{}"),
            ModelError::RateLimited {
                retry_after: Some(_),
                ..
            }
        ));
        assert!(matches!(
            classify_json(
                429,
                r#"{"error": {"type": "insufficient_quota", "message": "quota"}}"#
            ),
            ModelError::Fatal { .. }
        ));
        assert!(matches!(
            classify_json(500, "oops"),
            ModelError::Transient {
                status: Some(500),
                ..
            }
        ));
        assert!(matches!(
            classify_json(408, ""),
            ModelError::Transient { .. }
        ));
        assert!(matches!(
            classify_json(404, r#"{"error": "model 'x' not found"}"#),
            ModelError::BadRequest {
                status: Some(404),
                ..
            }
        ));
    }

    #[test]
    fn context_overflow_is_recognised_in_every_dialect() {
        let bodies = [
            r#"{"error": {"message": "This model's maximum context length is 8192 tokens.", "code": "context_length_exceeded"}}"#,
            r#"{"object": "error", "message": "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens", "type": "BadRequestError", "code": 400}"#,
            r#"{"error": {"code": 400, "message": "the request exceeds the available context size, try increasing it", "type": "exceed_context_size_error"}}"#,
            r#"{"error": "prompt has too many tokens"}"#,
        ];
        for body in bodies {
            assert!(
                matches!(classify_json(400, body), ModelError::ContextOverflow { .. }),
                "{body}"
            );
        }
    }

    #[test]
    fn messages_come_from_the_body_and_are_capped() {
        let error = classify_json(400, r#"{"error": {"message": "temperature too high"}}"#);
        assert_eq!(
            error.to_string(),
            "bad request (HTTP 400): temperature too high"
        );
        let error = classify_json(400, r#"{"detail": "validation failed"}"#);
        assert_eq!(
            error.to_string(),
            "bad request (HTTP 400): validation failed"
        );
        let long = "x".repeat(5000);
        let ModelError::Transient { message, .. } = classify_json(502, &long) else {
            panic!("not transient");
        };
        assert_eq!(message.len(), MAX_MESSAGE_CHARS + 3);
    }
}
