//! The `openai` scheme of the [`ModelRegistry`](crate::ModelRegistry).

use std::sync::Arc;

use crate::error::ModelError;
use crate::openai::{OpenAiClient, OpenAiConfig};
use crate::provider::SharedClientProvider;
use crate::registry::{BackendOptions, BuiltModel, ModelBackend};
use crate::retry::{RetryBudget, RetryingClient};
use crate::spec::ModelSpec;

/// Base URL when none is given: a vLLM server on this machine.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8000/v1";

/// Builds `openai:MODEL`: one [`OpenAiClient`] shared by all trials, inside the one retry
/// layer ([`RetryingClient`] under the config's policy and the shared [`RetryBudget`]). The
/// redactor it returns knows the API key and the base URL's secrets.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenAiBackend;

impl ModelBackend for OpenAiBackend {
    fn scheme(&self) -> &str {
        "openai"
    }

    fn build(&self, spec: &ModelSpec, options: &BackendOptions) -> Result<BuiltModel, ModelError> {
        let base_url = options.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let mut config = OpenAiConfig::new(base_url, spec.model());
        if let Some(name) = &options.api_key_env {
            config = config.with_api_key_env(name.clone());
        }
        for path in &options.extra_root_certificates {
            config = config.with_extra_root_certificate(path.clone());
        }
        let policy = config.retry.clone();
        let client = OpenAiClient::new(config)?;
        let redactor = client.redactor().clone();
        let budget = options
            .retry_budget
            .clone()
            .unwrap_or_else(|| Arc::new(RetryBudget::default()));
        let client = RetryingClient::new(Arc::new(client), policy).with_budget(budget);
        let provider = SharedClientProvider::new(Arc::new(client));
        Ok(BuiltModel::new(Arc::new(provider)).with_redactor(redactor))
    }
}
