//! A fake OpenAI-compatible chat completions server for tests: it answers
//! `POST /v1/chat/completions` with scripted replies in order, or from a function of the
//! request once the script is used up, records every request, and speaks http or https (with
//! a [`SelfSigned`] certificate made on the fly).
//!
//! Start one on the test's runtime with [`FakeOpenAiBuilder::start`], or on a runtime thread
//! of its own with [`FakeOpenAiBuilder::start_in_background`] (for tests that run a command
//! and wait for it). The server stops with its runtime.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

pub use axum::http::HeaderMap;

/// One HTTP reply of the fake server.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
    /// Response body, sent as is.
    pub body: String,
    /// Wait this long before answering.
    pub delay: Duration,
}

impl Reply {
    /// `status` with `body`.
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// 200 with `body`.
    pub fn ok(body: impl Into<String>) -> Self {
        Self::new(200, body)
    }

    /// 200 with a chat completion whose one choice is `message` (see [`completion`]).
    pub fn completion(message: Value) -> Self {
        Self::ok(completion(message).to_string())
    }

    /// The same reply with a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The same reply, sent after `delay`.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A chat completion body with `message` as its one choice, a finish reason that matches
/// it (`tool_calls` when it calls tools) and some usage.
pub fn completion(message: Value) -> Value {
    let finish = if message.get("tool_calls").is_some() {
        "tool_calls"
    } else {
        "stop"
    };
    json!({
        "id": "cmpl-fake", "object": "chat.completion", "model": "fake",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 10}
    })
}

/// An assistant message calling the tool `name` once with `arguments`.
pub fn tool_call(id: &str, name: &str, arguments: &Value) -> Value {
    json!({"role": "assistant", "content": null, "tool_calls": [{
        "id": id, "type": "function",
        "function": {"name": name, "arguments": arguments.to_string()}
    }]})
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Request headers.
    pub headers: HeaderMap,
    /// The JSON body (`null` when it was not JSON).
    pub body: Value,
}

impl Received {
    /// The value of header `name`, when present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The request's messages.
    pub fn messages(&self) -> &[Value] {
        self.body["messages"].as_array().map_or(&[], Vec::as_slice)
    }

    /// Assistant turns in the conversation so far: 0 on a trial's first call.
    pub fn turn(&self) -> usize {
        self.messages()
            .iter()
            .filter(|m| m["role"] == "assistant")
            .count()
    }

    /// The text of the first user message (a task's instruction, for an agent).
    pub fn first_user_text(&self) -> &str {
        self.messages()
            .iter()
            .find(|m| m["role"] == "user")
            .and_then(|m| m["content"].as_str())
            .unwrap_or_default()
    }
}

/// Answers a request once the script is used up.
pub type Responder = dyn Fn(&Received) -> Reply + Send + Sync;

struct Shared {
    script: Mutex<VecDeque<Reply>>,
    responder: Option<Arc<Responder>>,
    received: Mutex<Vec<Received>>,
    failed_handshakes: AtomicUsize,
}

/// Lock a mutex, taking over a poisoned one: a panicking test thread must not hide the
/// requests from the assertions that follow.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A self-signed certificate for `localhost` and `127.0.0.1`, and its key.
#[derive(Clone)]
pub struct SelfSigned {
    /// The certificate, PEM.
    pub cert_pem: String,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

impl std::fmt::Debug for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelfSigned").finish_non_exhaustive()
    }
}

impl SelfSigned {
    /// A fresh certificate valid for `localhost` and `127.0.0.1`.
    pub fn localhost() -> io::Result<Self> {
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let certified = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
        Ok(Self {
            cert_pem: certified.cert.pem(),
            cert_der: certified.cert.der().to_vec(),
            key_der: certified.signing_key.serialize_der(),
        })
    }

    /// Write the certificate as `dir/name`; returns the path.
    pub fn write_cert(&self, dir: &Path, name: &str) -> io::Result<PathBuf> {
        let path = dir.join(name);
        std::fs::write(&path, &self.cert_pem)?;
        Ok(path)
    }

    fn acceptor(&self) -> io::Result<tokio_rustls::TlsAcceptor> {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(self.cert_der.clone())], key)
            .map_err(io::Error::other)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    }
}

/// How to start a [`FakeOpenAi`].
#[derive(Default)]
pub struct FakeOpenAiBuilder {
    script: Vec<Reply>,
    responder: Option<Arc<Responder>>,
    tls: Option<SelfSigned>,
}

impl FakeOpenAiBuilder {
    /// Answer the first requests with `replies`, in order.
    pub fn script(mut self, replies: impl IntoIterator<Item = Reply>) -> Self {
        self.script.extend(replies);
        self
    }

    /// Answer requests after the script with `responder` (without one, they get a 500).
    pub fn respond_with(
        mut self,
        responder: impl Fn(&Received) -> Reply + Send + Sync + 'static,
    ) -> Self {
        self.responder = Some(Arc::new(responder));
        self
    }

    /// Speak https with `certificate`.
    pub fn tls(mut self, certificate: &SelfSigned) -> Self {
        self.tls = Some(certificate.clone());
        self
    }

    fn shared(&mut self) -> Arc<Shared> {
        Arc::new(Shared {
            script: Mutex::new(std::mem::take(&mut self.script).into()),
            responder: self.responder.take(),
            received: Mutex::new(Vec::new()),
            failed_handshakes: AtomicUsize::new(0),
        })
    }

    /// Start on the current tokio runtime; the server stops when the runtime does.
    pub async fn start(mut self) -> io::Result<FakeOpenAi> {
        let shared = self.shared();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let app = Router::new()
            .route("/v1/chat/completions", post(answer))
            .with_state(Arc::clone(&shared));
        let scheme = match &self.tls {
            Some(certificate) => {
                let listener = TlsListener {
                    tcp: listener,
                    acceptor: certificate.acceptor()?,
                    shared: Arc::clone(&shared),
                };
                tokio::spawn(async move { axum::serve(listener, app).await });
                "https"
            }
            None => {
                tokio::spawn(async move { axum::serve(listener, app).await });
                "http"
            }
        };
        Ok(FakeOpenAi {
            base_url: format!("{scheme}://{address}/v1"),
            shared,
            runtime: None,
        })
    }

    /// Start on a runtime thread of its own, for tests without a runtime (that run a command,
    /// say); the server stops when the [`FakeOpenAi`] is dropped.
    pub fn start_in_background(self) -> io::Result<FakeOpenAi> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let mut server = runtime.block_on(self.start())?;
        server.runtime = Some(runtime);
        Ok(server)
    }
}

/// A running fake server.
pub struct FakeOpenAi {
    base_url: String,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for FakeOpenAi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeOpenAi")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl FakeOpenAi {
    /// A builder: script, responder, TLS.
    pub fn builder() -> FakeOpenAiBuilder {
        FakeOpenAiBuilder::default()
    }

    /// A plain http server on the current runtime answering with `script`, in order, then
    /// 500s.
    pub async fn start(script: impl IntoIterator<Item = Reply>) -> io::Result<Self> {
        Self::builder().script(script).start().await
    }

    /// `http://127.0.0.1:PORT/v1` (or `https://...`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Every request received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared.received).clone()
    }

    /// TLS handshakes that failed (a client that refused the certificate, say).
    pub fn failed_handshakes(&self) -> usize {
        self.shared.failed_handshakes.load(Ordering::SeqCst)
    }
}

impl Drop for FakeOpenAi {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn answer(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let received = Received {
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    lock(&shared.received).push(received.clone());
    let scripted = lock(&shared.script).pop_front();
    let reply = match (scripted, &shared.responder) {
        (Some(reply), _) => reply,
        (None, Some(responder)) => responder(&received),
        (None, None) => Reply::new(500, "fake server: script used up"),
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, reply.body).into_response();
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// TCP with a TLS handshake per connection. A failed handshake is counted and the
/// connection dropped; the listener goes on.
struct TlsListener {
    tcp: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    shared: Arc<Shared>,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, address) = match self.tcp.accept().await {
                Ok(accepted) => accepted,
                Err(_) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            match self.acceptor.accept(stream).await {
                Ok(tls) => return (tls, address),
                Err(_) => {
                    self.shared.failed_handshakes.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// One raw HTTP/1.1 POST; returns the response head and body as text.
    async fn post(base_url: &str, body: &str) -> String {
        let address = base_url
            .trim_start_matches("http://")
            .trim_end_matches("/v1");
        let mut stream = TcpStream::connect(address).await.unwrap();
        let request = format!(
            "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer k\r\n\
             content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    }

    #[tokio::test]
    async fn plays_the_script_then_the_responder_and_records_requests() {
        let server = FakeOpenAi::builder()
            .script([Reply::new(429, "slow down").header("retry-after", "3")])
            .respond_with(|request| Reply::completion(json!({"content": request.turn()})))
            .start()
            .await
            .unwrap();
        let first = post(server.base_url(), r#"{"messages": []}"#).await;
        assert!(first.starts_with("HTTP/1.1 429"), "{first}");
        assert!(first.contains("retry-after: 3"), "{first}");
        assert!(first.ends_with("slow down"), "{first}");
        let second = post(
            server.base_url(),
            r#"{"messages": [{"role": "user", "content": "go"}, {"role": "assistant"}]}"#,
        )
        .await;
        assert!(second.starts_with("HTTP/1.1 200"), "{second}");
        assert!(second.contains(r#""content":1"#), "{second}");
        let received = server.received();
        assert_eq!(received.len(), 2);
        assert_eq!(received[0].header("authorization"), Some("Bearer k"));
        assert_eq!(received[1].first_user_text(), "go");
        assert_eq!(received[1].turn(), 1);
    }

    #[tokio::test]
    async fn without_a_responder_a_used_up_script_answers_500() {
        let server = FakeOpenAi::start([]).await.unwrap();
        let response = post(server.base_url(), "not json").await;
        assert!(response.starts_with("HTTP/1.1 500"), "{response}");
        assert_eq!(server.received()[0].body, Value::Null);
    }

    #[test]
    fn a_background_server_serves_https_with_a_fresh_certificate() {
        let certificate = SelfSigned::localhost().unwrap();
        assert!(
            certificate
                .cert_pem
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
        let server = FakeOpenAi::builder()
            .tls(&certificate)
            .start_in_background()
            .unwrap();
        assert!(server.base_url().starts_with("https://127.0.0.1:"));
        // A plain-text request is no TLS handshake.
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let url = server.base_url().replace("https://", "http://");
        runtime.block_on(async {
            let address = url.trim_start_matches("http://").trim_end_matches("/v1");
            let mut stream = TcpStream::connect(address).await.unwrap();
            stream.write_all(b"POST / HTTP/1.1\r\n\r\n").await.unwrap();
            let mut sink = Vec::new();
            let _ = stream.read_to_end(&mut sink).await;
        });
        for _ in 0..100 {
            if server.failed_handshakes() == 1 {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(server.failed_handshakes(), 1);
        assert!(server.received().is_empty());
    }
}
