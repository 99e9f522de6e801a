//! `persistent_env`: runs the shell tool in one persistent session, so the working directory
//! and exported variables of a call survive into the next.
//!
//! Models Self-Harness's retained edit for GLM-5 ("persist PATH/env across shell calls"):
//! agents `cd` into a directory or `export` a variable and then act as if it still held in the
//! next, separate shell. The layer only flips [`RuntimeConfig::persistent_shell`]; it has no
//! hooks and no params.

use async_trait::async_trait;

use harness_core::middleware_params::PersistentEnvParams;

use crate::middleware::Middleware;
use crate::middleware::params::parse;
use crate::tools::RuntimeConfig;

/// Kind name.
pub const KIND: &str = "persistent_env";

/// The `persistent_env` layer.
#[derive(Debug, Default)]
pub struct PersistentEnv;

impl PersistentEnv {
    /// Build from `params` (an empty object).
    pub fn from_params(params: &serde_json::Value) -> Result<Self, String> {
        let PersistentEnvParams {} = parse(params)?;
        Ok(Self)
    }
}

#[async_trait]
impl Middleware for PersistentEnv {
    fn kind(&self) -> &str {
        KIND
    }

    fn configure(&self, config: &mut RuntimeConfig) {
        config.persistent_shell = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn makes_the_shell_persistent() {
        let layer = PersistentEnv::from_params(&json!({})).unwrap();
        let mut config = RuntimeConfig::default();
        layer.configure(&mut config);
        assert!(config.persistent_shell);
        assert!(PersistentEnv::from_params(&json!({"x": 1})).is_err());
    }
}
