//! A recording reverse proxy for an OpenAI-compatible server: every `POST` under `/v1/` is
//! forwarded to the upstream server as is (headers that matter, body), and the request and
//! the reply are recorded, in memory and as one JSON line each in a log file.
//!
//! Real servers log requests in their own formats, truncated or not at all; this log is the
//! same for every server, so a test can assert on exactly what a client sent (a canary that
//! must never reach a model, a `max_tokens` that must always be there).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::fake_openai::{Received, lock};

/// One request and the upstream's reply to it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// What the client sent.
    pub request: Received,
    /// The upstream's HTTP status (502 when it could not be reached).
    pub status: u16,
    /// The upstream's reply body as text (a JSON object, or server-sent events).
    pub response: String,
}

struct ProxyState {
    upstream: String,
    http: reqwest::Client,
    exchanges: Mutex<Vec<Exchange>>,
    log: Mutex<std::fs::File>,
}

/// A running recording proxy, on a runtime thread of its own; it stops when dropped.
pub struct RecordingProxy {
    base_url: String,
    log_path: PathBuf,
    state: Arc<ProxyState>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for RecordingProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingProxy")
            .field("base_url", &self.base_url)
            .field("upstream", &self.state.upstream)
            .field("log_path", &self.log_path)
            .finish_non_exhaustive()
    }
}

impl RecordingProxy {
    /// Forward to `upstream` (an origin such as `http://127.0.0.1:8080`, no path), logging
    /// to `log_path` (created or truncated).
    pub fn start(upstream: &str, log_path: &Path) -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let state = Arc::new(ProxyState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: plain_http_client()?,
            exchanges: Mutex::new(Vec::new()),
            log: Mutex::new(std::fs::File::create(log_path)?),
        });
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0"))?;
        let address = listener.local_addr()?;
        let app = Router::new()
            .route("/v1/{*rest}", post(forward))
            .with_state(Arc::clone(&state));
        runtime.spawn(async move { axum::serve(listener, app).await });
        Ok(Self {
            base_url: format!("http://{address}/v1"),
            log_path: log_path.to_owned(),
            state,
            runtime: Some(runtime),
        })
    }

    /// `http://127.0.0.1:PORT/v1`: where clients send their requests.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The JSON-lines log: one `{"request": ..., "status": ..., "response": ...}` per line.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Every exchange so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.state.exchanges).clone()
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A client for the loopback upstream. reqwest is built with TLS but no crypto provider in
/// this workspace, so the TLS configuration is given (never used: the upstream is http).
fn plain_http_client() -> io::Result<reqwest::Client> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .map_err(io::Error::other)
}

async fn forward(
    State(state): State<Arc<ProxyState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut request = state
        .http
        .post(format!("{}{}", state.upstream, uri))
        .body(body.clone());
    for name in [header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT] {
        if let Some(value) = headers.get(&name) {
            request = request.header(name, value);
        }
    }
    let (status, content_type, text) = match request.send().await {
        Ok(reply) => {
            let status = reply.status().as_u16();
            let content_type = reply.headers().get(header::CONTENT_TYPE).cloned();
            match reply.text().await {
                Ok(text) => (status, content_type, text),
                Err(e) => (502, None, format!("recording proxy: upstream body: {e}")),
            }
        }
        Err(e) => (502, None, format!("recording proxy: upstream: {e}")),
    };
    let exchange = Exchange {
        request: Received {
            headers,
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        },
        status,
        response: text.clone(),
    };
    let line = json!({
        "request": exchange.request.body,
        "status": status,
        "response": exchange.response,
    });
    let _ = writeln!(lock(&state.log), "{line}");
    lock(&state.exchanges).push(exchange);
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
        text,
    )
        .into_response();
    if let Some(content_type) = content_type {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_openai::{FakeOpenAi, Reply};

    #[test]
    fn forwards_requests_and_records_both_sides() {
        let upstream = FakeOpenAi::builder()
            .script([Reply::ok(r#"{"answer": 42}"#).header("content-type", "application/json")])
            .start_in_background()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let origin = upstream.base_url().trim_end_matches("/v1").to_owned();
        let proxy = RecordingProxy::start(&origin, &dir.path().join("log.jsonl")).unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let (status, text) = runtime.block_on(async {
            let reply = plain_http_client()
                .unwrap()
                .post(format!("{}/chat/completions", proxy.base_url()))
                .header("authorization", "Bearer k")
                .header("content-type", "application/json")
                .body(r#"{"messages": [{"role": "user", "content": "canary-7"}]}"#)
                .send()
                .await
                .unwrap();
            (reply.status().as_u16(), reply.text().await.unwrap())
        });
        assert_eq!((status, text.as_str()), (200, r#"{"answer": 42}"#));
        // The upstream saw the request with its key.
        let seen = upstream.received();
        assert_eq!(seen[0].header("authorization"), Some("Bearer k"));
        assert_eq!(seen[0].first_user_text(), "canary-7");
        // Both sides are recorded, in memory and in the log.
        let exchanges = proxy.exchanges();
        assert_eq!(exchanges.len(), 1);
        assert_eq!(exchanges[0].request.first_user_text(), "canary-7");
        assert_eq!(exchanges[0].response, r#"{"answer": 42}"#);
        let log = std::fs::read_to_string(proxy.log_path()).unwrap();
        let line: Value = serde_json::from_str(log.trim()).unwrap();
        assert_eq!(line["status"], 200);
        assert_eq!(line["request"]["messages"][0]["content"], "canary-7");
    }
}
