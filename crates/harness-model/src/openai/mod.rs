//! OpenAI-compatible chat completions over HTTP: OpenAI, vLLM, Ollama, llama.cpp's server
//! and the gateways that speak the same protocol.
//!
//! One [`OpenAiClient`] serves all trials (share it through
//! [`SharedClientProvider`](crate::SharedClientProvider)). Each call is one attempt, one
//! `POST <base_url>/chat/completions` without streaming; the provider's `retry-after-ms` /
//! `retry-after` travels in the [`ModelError`], for the one retry layer,
//! [`RetryingClient`](crate::RetryingClient), to honour ([`OpenAiBackend`] wraps the client
//! in one). Failures are mapped to [`ModelError`] as described in [`status`]; a success body
//! that is not a chat completion is a [`ModelError::MalformedResponse`]. https is verified
//! (see [`tls`]).

pub mod backend;
pub mod config;
pub mod status;
pub mod stream;
pub mod tls;
pub mod wire;

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use harness_types::ModelSettings;
use harness_types::Redactor;
use harness_types::redact::redact_url;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};

pub use backend::{DEFAULT_BASE_URL, OpenAiBackend};
pub use config::{MaxTokensField, OpenAiConfig};

use crate::client::ModelClient;
use crate::error::ModelError;
use crate::message::Message;
use crate::response::ChatResponse;
use crate::secret::SecretString;
use crate::tool::ToolDefinition;

/// A [`ModelClient`] for an OpenAI-compatible chat completions endpoint.
///
/// `Debug` shows the configuration and `SecretString("[redacted]")` for the key. The key and
/// the secrets of the base URL (its password, credential query parameters) are replaced with
/// `[REDACTED]` in everything the client returns: error messages, and replies that echo them
/// (so they never enter a conversation or a trace).
pub struct OpenAiClient {
    config: OpenAiConfig,
    endpoint: reqwest::Url,
    /// The endpoint as it may be shown: secrets replaced.
    endpoint_shown: String,
    api_key: Option<SecretString>,
    redactor: Redactor,
    http: reqwest::Client,
}

impl std::fmt::Debug for OpenAiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut config = self.config.clone();
        config.base_url = redact_url(&config.base_url);
        f.debug_struct("OpenAiClient")
            .field("config", &config)
            .field("endpoint", &self.endpoint_shown)
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

impl OpenAiClient {
    /// A client for `config`, reading the key from the variable `config.api_key_env` names.
    /// Fails with [`ModelError::Fatal`] when that variable is unset or empty, or when the
    /// base URL is unusable.
    pub fn new(config: OpenAiConfig) -> Result<Self, ModelError> {
        let api_key = match &config.api_key_env {
            Some(name) => match std::env::var(name) {
                Ok(key) if !key.trim().is_empty() => Some(SecretString::new(key.trim())),
                _ => {
                    return Err(ModelError::fatal(format!(
                        "environment variable `{name}` (api_key_env) is not set or empty"
                    )));
                }
            },
            None => None,
        };
        Self::with_api_key(config, api_key)
    }

    /// A client for `config` with the key given here instead of from the environment
    /// (`config.api_key_env` is ignored).
    pub fn with_api_key(
        config: OpenAiConfig,
        api_key: Option<SecretString>,
    ) -> Result<Self, ModelError> {
        let endpoint = endpoint_url(&config.base_url)?;
        let mut redactor = Redactor::new();
        redactor.add_url(&config.base_url);
        if let Some(key) = &api_key {
            redactor.add_secret(key.expose());
        }
        let endpoint_shown = redact_url(endpoint.as_str());
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls::client_config(&config.extra_root_certificates)?)
            .connect_timeout(Duration::from_millis(config.connect_timeout_ms))
            .user_agent(concat!("harness-model/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ModelError::fatal(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            config,
            endpoint,
            endpoint_shown,
            api_key,
            redactor,
            http,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    /// The URL requests go to, as it may be shown: a password or key parameter in it is
    /// replaced with `[REDACTED]`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint_shown
    }

    /// What the client redacts: the API key and the base URL's secrets. An agent applies it
    /// to what it writes, as a second line of defence.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// One attempt: send, read, classify.
    async fn attempt(&self, body: &serde_json::Value) -> Result<ChatResponse, ModelError> {
        let mut request = self
            .http
            .post(self.endpoint.clone())
            .timeout(Duration::from_millis(self.config.request_timeout_ms))
            .json(body);
        if let Some(key) = &self.api_key {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", key.expose()))
                .map_err(|_| ModelError::fatal("the API key is not a valid HTTP header value"))?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        let mut response = request.send().await.map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        let retry_after = retry_after(response.headers(), SystemTime::now());
        let result = if status.is_success() && self.config.stream {
            let mut assembler = stream::StreamAssembler::new();
            while let Some(piece) = response
                .chunk()
                .await
                .map_err(|e| self.transport_error(&e))?
            {
                assembler.push(&piece).map_err(|error| self.redact(error))?;
            }
            assembler.finish()
        } else {
            let bytes = response
                .bytes()
                .await
                .map_err(|e| self.transport_error(&e))?;
            if status.is_success() {
                wire::parse_response(&bytes)
            } else {
                Err(status::classify(status.as_u16(), retry_after, &bytes))
            }
        };
        result
            .map(|response| self.redact_response(response))
            .map_err(|error| self.redact(error))
    }

    /// A failure below HTTP: timeouts, refused connections, broken bodies.
    fn transport_error(&self, error: &reqwest::Error) -> ModelError {
        let mut message = if error.is_timeout() {
            format!(
                "no complete response within {} ms",
                self.config.request_timeout_ms
            )
        } else if error.is_connect() {
            format!("cannot connect to {}", self.endpoint_shown)
        } else {
            error.to_string()
        };
        let mut certificate_refused = false;
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            certificate_refused |= is_certificate_error(cause);
            source = cause.source();
        }
        if certificate_refused {
            // The same certificate will be refused on every attempt: a person must act.
            message.push_str(
                " (a server with a private or self-signed certificate needs it as an extra root \
                 certificate)",
            );
            return self.redact(ModelError::fatal(message));
        }
        self.redact(ModelError::transient(message))
    }

    /// `response` with any echo of the key or the URL's secrets replaced.
    fn redact_response(&self, mut response: ChatResponse) -> ChatResponse {
        let r = &self.redactor;
        if r.is_empty() {
            return response;
        }
        let message = &mut response.message;
        for text in [&mut message.content, &mut message.reasoning]
            .into_iter()
            .flatten()
        {
            r.redact_in_place(text);
        }
        for call in &mut message.tool_calls {
            r.redact_in_place(&mut call.id);
            r.redact_in_place(&mut call.name);
            r.redact_in_place(&mut call.raw_arguments);
            r.redact_json(&mut call.arguments);
            if let Some(error) = &mut call.parse_error {
                r.redact_in_place(error);
            }
        }
        if let Some(model) = &mut response.model {
            r.redact_in_place(model);
        }
        response
    }

    /// `error` with any echo of the key or the URL's secrets removed from its message.
    fn redact(&self, mut error: ModelError) -> ModelError {
        self.redactor.redact_in_place(error.message_mut());
        error
    }
}

#[async_trait]
impl ModelClient for OpenAiClient {
    async fn chat(
        &self,
        messages: &[Message],
        tools: &[ToolDefinition],
        settings: &ModelSettings,
    ) -> Result<ChatResponse, ModelError> {
        let body = wire::request_body(&self.config, messages, tools, settings);
        let response = self.attempt(&body).await?;
        tracing::debug!(
            target: "harness_model",
            model = %self.config.model,
            prompt_tokens = response.usage.prompt_tokens,
            completion_tokens = response.usage.completion_tokens,
            cached_tokens = response.usage.cached_tokens,
            finish_reason = response.finish_reason.as_str(),
            tool_calls = response.message.tool_calls.len(),
            "chat completion"
        );
        Ok(response)
    }

    fn provider_name(&self) -> &str {
        "openai"
    }

    fn model_name(&self) -> &str {
        &self.config.model
    }
}

/// True when `cause` is rustls refusing the server's certificate. rustls errors reach us
/// wrapped in `io::Error`s (nested, for some connectors), whose `source` skips the wrapped
/// error, so those are looked into.
fn is_certificate_error(cause: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(cause);
    while let Some(error) = current {
        if let Some(rustls_error) = error.downcast_ref::<rustls::Error>() {
            return matches!(rustls_error, rustls::Error::InvalidCertificate(_));
        }
        current = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static));
    }
    false
}

/// `<base_url>/chat/completions`, checked: http or https. Errors show the base URL with its
/// secrets replaced.
fn endpoint_url(raw_base_url: &str) -> Result<reqwest::Url, ModelError> {
    let base_url = &redact_url(raw_base_url);
    let joined = format!(
        "{}/chat/completions",
        raw_base_url.trim().trim_end_matches('/')
    );
    let url = reqwest::Url::parse(&joined)
        .map_err(|e| ModelError::fatal(format!("invalid base_url `{base_url}`: {e}")))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(ModelError::fatal(format!(
            "base_url `{base_url}` has the unsupported scheme `{other}`"
        ))),
    }
}

/// The wait the response headers ask for: `retry-after-ms` (OpenAI, Azure) before
/// `retry-after` (seconds or an HTTP date).
fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    header("retry-after-ms")
        .and_then(|ms| ms.trim().parse::<f64>().ok())
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
        .or_else(|| header("retry-after").and_then(|value| parse_retry_after(value, now)))
}

/// The wait a `retry-after` header value asks for: delay-seconds (fractions tolerated) or
/// an HTTP date, measured from `now`. A date in the past means no wait; anything else
/// unreadable gives `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_join_the_base_url() {
        let url = endpoint_url("http://localhost:8000/v1/").unwrap();
        assert_eq!(url.as_str(), "http://localhost:8000/v1/chat/completions");
        assert!(matches!(
            endpoint_url("ftp://x/v1"),
            Err(ModelError::Fatal { .. })
        ));
        assert!(matches!(
            endpoint_url("not a url"),
            Err(ModelError::Fatal { .. })
        ));
        assert!(endpoint_url("https://api.openai.com/v1").is_ok());
    }

    #[test]
    fn retry_after_prefers_milliseconds() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("5"));
        assert_eq!(
            retry_after(&headers, SystemTime::now()),
            Some(Duration::from_secs(5))
        );
        headers.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(
            retry_after(&headers, SystemTime::now()),
            Some(Duration::from_millis(250))
        );
    }

    #[test]
    fn a_missing_key_variable_is_fatal() {
        let config = OpenAiConfig::new("http://localhost:1/v1", "m")
            .with_api_key_env("HARNESS_AGENT_TEST_VARIABLE_THAT_IS_NEVER_SET");
        let error = OpenAiClient::new(config).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("HARNESS_AGENT_TEST_VARIABLE_THAT_IS_NEVER_SET")
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after(" 0.5 ", now),
            Some(Duration::from_millis(500))
        );
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:40 GMT", now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
