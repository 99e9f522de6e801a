//! https against a local fake server with a self-signed certificate: trusted as an extra
//! root, the call succeeds; without it, the handshake is refused (verification happens).
#![cfg(feature = "openai")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use harness_model::openai::{OpenAiClient, OpenAiConfig};
use harness_model::{Message, ModelClient, ModelError, ModelSettings, RetryPolicy};
use harness_testkit::fake_openai::{FakeOpenAi, Reply, SelfSigned};
use serde_json::json;

async fn tls_server(certificate: &SelfSigned) -> FakeOpenAi {
    FakeOpenAi::builder()
        .tls(certificate)
        .respond_with(|_| Reply::completion(json!({"role": "assistant", "content": "over tls"})))
        .start()
        .await
        .unwrap()
}

async fn chat(client: &OpenAiClient) -> Result<String, ModelError> {
    let reply = client
        .chat(&[Message::user("hi")], &[], &ModelSettings::default())
        .await?;
    Ok(reply.message.text_or_empty().to_owned())
}

fn config(server: &FakeOpenAi) -> OpenAiConfig {
    OpenAiConfig::new(server.base_url(), "fake").with_retry(RetryPolicy::no_retries())
}

#[tokio::test]
async fn a_self_signed_server_is_reached_with_its_certificate_as_an_extra_root() {
    let certificate = SelfSigned::localhost().unwrap();
    let server = tls_server(&certificate).await;
    assert!(server.base_url().starts_with("https://127.0.0.1:"));
    let dir = tempfile::tempdir().unwrap();
    let pem = certificate.write_cert(dir.path(), "server.pem").unwrap();
    let client =
        OpenAiClient::with_api_key(config(&server).with_extra_root_certificate(pem), None).unwrap();
    assert_eq!(chat(&client).await.unwrap(), "over tls");
    assert_eq!(server.received().len(), 1);
    assert_eq!(server.failed_handshakes(), 0);
}

#[tokio::test]
async fn without_the_extra_root_the_certificate_is_refused() {
    let certificate = SelfSigned::localhost().unwrap();
    let server = tls_server(&certificate).await;
    let client = OpenAiClient::with_api_key(config(&server), None).unwrap();
    let error = chat(&client).await.unwrap_err();
    // Not worth retrying: the same certificate is refused every time.
    assert!(matches!(error, ModelError::Fatal { .. }), "{error:?}");
    assert!(
        error.to_string().contains("extra root certificate"),
        "{error}"
    );
    assert!(server.received().is_empty());

    // Another certificate as the extra root does not help either.
    let other = SelfSigned::localhost().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pem = other.write_cert(dir.path(), "other.pem").unwrap();
    let client =
        OpenAiClient::with_api_key(config(&server).with_extra_root_certificate(pem), None).unwrap();
    assert!(chat(&client).await.is_err());
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn an_unreadable_root_file_is_a_fatal_setup_error() {
    let config = OpenAiConfig::new("https://127.0.0.1:1/v1", "fake")
        .with_extra_root_certificate("/nonexistent/root.pem");
    let error = OpenAiClient::with_api_key(config, None).unwrap_err();
    assert!(matches!(error, ModelError::Fatal { .. }), "{error:?}");
    assert!(
        error.to_string().contains("/nonexistent/root.pem"),
        "{error}"
    );
}
