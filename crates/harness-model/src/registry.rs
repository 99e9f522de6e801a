//! From a [`ModelSpec`] to a [`ModelProvider`]: backends registered by scheme.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use harness_types::Redactor;

use crate::error::ModelError;
use crate::provider::ModelProvider;
use crate::retry::RetryBudget;
use crate::spec::ModelSpec;

/// What a backend may be told besides the spec. Each backend uses what applies to it and
/// ignores the rest (the simulator has no URL; a hosted API keeps no records).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct BackendOptions {
    /// Base URL of the model server, when the backend talks to one; the backend's default
    /// otherwise.
    pub base_url: Option<String>,
    /// Name of the environment variable holding the API key; none sends no key.
    pub api_key_env: Option<String>,
    /// PEM files of further root certificates to trust for https.
    pub extra_root_certificates: Vec<PathBuf>,
    /// A folder beside the run where the backend may keep records of its own (the
    /// simulator's ground truth); never inside the traces.
    pub records_dir: Option<PathBuf>,
    /// A retry budget to share with other clients; without one, a backend that retries makes
    /// its own, shared by the trials of the provider it builds.
    pub retry_budget: Option<Arc<RetryBudget>>,
}

impl BackendOptions {
    /// No options: every backend's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Talk to the server at `base_url`.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Read the API key from the environment variable `name`.
    pub fn with_api_key_env(mut self, name: impl Into<String>) -> Self {
        self.api_key_env = Some(name.into());
        self
    }

    /// Also trust the root certificates of the PEM file `path`.
    pub fn with_extra_root_certificate(mut self, path: impl Into<PathBuf>) -> Self {
        self.extra_root_certificates.push(path.into());
        self
    }

    /// Let the backend keep records in `dir`.
    pub fn with_records_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.records_dir = Some(dir.into());
        self
    }

    /// Share `budget` for retries.
    pub fn with_retry_budget(mut self, budget: Arc<RetryBudget>) -> Self {
        self.retry_budget = Some(budget);
        self
    }
}

/// What a backend built: the provider that hands trials their clients, and the secrets it
/// knows (API key, URL passwords) for the agent to keep out of what it writes.
#[derive(Clone)]
#[non_exhaustive]
pub struct BuiltModel {
    /// The per-trial provider.
    pub provider: Arc<dyn ModelProvider>,
    /// The secrets to redact from traces and files.
    pub redactor: Redactor,
}

impl BuiltModel {
    /// `provider`, with no secrets.
    pub fn new(provider: Arc<dyn ModelProvider>) -> Self {
        Self {
            provider,
            redactor: Redactor::new(),
        }
    }

    /// The same, redacting with `redactor`.
    pub fn with_redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }
}

impl std::fmt::Debug for BuiltModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltModel")
            .field(
                "accepts_task_solution",
                &self.provider.accepts_task_solution(),
            )
            .field("redactor", &self.redactor)
            .finish_non_exhaustive()
    }
}

/// Builds providers for the specs of one scheme.
pub trait ModelBackend: Send + Sync {
    /// The scheme this backend serves, e.g. `openai`.
    fn scheme(&self) -> &str;

    /// A provider for `spec` (whose scheme is this backend's) under `options`. Errors say
    /// what a user must change, [`ModelError::Fatal`] for most; the registry adds the spec.
    fn build(&self, spec: &ModelSpec, options: &BackendOptions) -> Result<BuiltModel, ModelError>;
}

/// Backends by scheme. [`ModelRegistry::new`] has the ones this crate ships (`openai` with
/// the `openai` feature); applications register more (the simulator adds `sim`).
#[derive(Clone, Default)]
pub struct ModelRegistry {
    backends: BTreeMap<String, Arc<dyn ModelBackend>>,
}

impl std::fmt::Debug for ModelRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelRegistry")
            .field("schemes", &self.schemes())
            .finish()
    }
}

impl ModelRegistry {
    /// The shipped backends.
    pub fn new() -> Self {
        #[allow(unused_mut)]
        let mut registry = Self::empty();
        #[cfg(feature = "openai")]
        registry.register(Arc::new(crate::openai::OpenAiBackend));
        registry
    }

    /// No backend at all.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Serve `backend.scheme()` with `backend`; returns the backend it replaces, if any.
    pub fn register(&mut self, backend: Arc<dyn ModelBackend>) -> Option<Arc<dyn ModelBackend>> {
        self.backends.insert(backend.scheme().to_owned(), backend)
    }

    /// The registered schemes, sorted.
    pub fn schemes(&self) -> Vec<&str> {
        self.backends.keys().map(String::as_str).collect()
    }

    /// The backend of `scheme`.
    pub fn get(&self, scheme: &str) -> Option<&Arc<dyn ModelBackend>> {
        self.backends.get(scheme)
    }

    /// Build `spec` with the backend of its scheme. Errors name the spec: an unknown scheme
    /// is a [`ModelError::Fatal`] listing the known schemes; a backend's error is prefixed
    /// with `model `SPEC`: `.
    pub fn build(
        &self,
        spec: &ModelSpec,
        options: &BackendOptions,
    ) -> Result<BuiltModel, ModelError> {
        let backend = self.get(spec.scheme()).ok_or_else(|| {
            ModelError::fatal(format!(
                "model `{spec}`: unknown provider `{}` (known schemes: {})",
                spec.scheme(),
                self.schemes().join(", ")
            ))
        })?;
        backend.build(spec, options).map_err(|mut error| {
            let message = error.message_mut();
            *message = format!("model `{spec}`: {message}");
            error
        })
    }

    /// Parse `text` as a [`ModelSpec`], then [`build`](Self::build) it.
    pub fn build_str(
        &self,
        text: &str,
        options: &BackendOptions,
    ) -> Result<BuiltModel, ModelError> {
        self.build(&ModelSpec::parse(text)?, options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ModelClient;
    use crate::provider::{SharedClientProvider, TrialModelContext};
    use crate::scripted::ScriptedClient;

    /// Builds a scripted client; records the options it saw in the model name.
    struct Echo;

    impl ModelBackend for Echo {
        fn scheme(&self) -> &str {
            "echo"
        }

        fn build(
            &self,
            spec: &ModelSpec,
            options: &BackendOptions,
        ) -> Result<BuiltModel, ModelError> {
            let name = format!(
                "{}@{}",
                spec.model(),
                options.base_url.as_deref().unwrap_or("-")
            );
            let client: Arc<dyn ModelClient> =
                Arc::new(ScriptedClient::default().with_model_name(name));
            let mut redactor = Redactor::new();
            redactor.add_secret("hunter22");
            Ok(
                BuiltModel::new(Arc::new(SharedClientProvider::new(client)))
                    .with_redactor(redactor),
            )
        }
    }

    #[test]
    fn specs_go_to_the_backend_of_their_scheme() {
        let mut registry = ModelRegistry::empty();
        assert!(registry.register(Arc::new(Echo)).is_none());
        let built = registry
            .build_str(
                "echo:m1",
                &BackendOptions::new().with_base_url("http://h/v1"),
            )
            .unwrap();
        let client = built
            .provider
            .client_for(&TrialModelContext::new("t", 1, 0))
            .unwrap();
        assert_eq!(client.model_name(), "m1@http://h/v1");
        assert_eq!(built.redactor.redact("pw hunter22"), "pw [REDACTED]");
        assert!(!built.provider.accepts_task_solution());
        assert!(registry.register(Arc::new(Echo)).is_some());
    }

    #[test]
    fn unknown_schemes_are_named_with_the_known_ones() {
        let mut registry = ModelRegistry::new();
        registry.register(Arc::new(Echo));
        let error = registry
            .build_str("nope:x", &BackendOptions::new())
            .unwrap_err();
        let text = error.to_string();
        assert!(matches!(error, ModelError::Fatal { .. }));
        assert!(text.contains("`nope:x`"), "{text}");
        assert!(text.contains("unknown provider `nope`"), "{text}");
        let known = if cfg!(feature = "openai") {
            "known schemes: echo, openai"
        } else {
            "known schemes: echo"
        };
        assert!(text.contains(known), "{text}");
        let error = registry
            .build_str("nope", &BackendOptions::new())
            .unwrap_err();
        assert!(error.to_string().contains("SCHEME:MODEL"), "{error}");
    }
}
