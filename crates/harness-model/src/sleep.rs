//! Waiting between retries, behind a trait so tests can observe waits instead of sitting them out.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;

/// Something that waits.
#[async_trait]
pub trait Sleeper: Send + Sync + std::fmt::Debug {
    /// Wait for `duration`.
    async fn sleep(&self, duration: Duration);
}

/// Waits on the tokio timer (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

#[async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// Records every requested wait and returns at once, for fast, deterministic tests.
#[derive(Debug, Default)]
pub struct RecordingSleeper {
    waits: Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    /// A sleeper with no recorded waits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every wait requested so far, in order.
    pub fn waits(&self) -> Vec<Duration> {
        self.waits
            .lock()
            .map(|waits| waits.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }
}

#[async_trait]
impl Sleeper for RecordingSleeper {
    async fn sleep(&self, duration: Duration) {
        match self.waits.lock() {
            Ok(mut waits) => waits.push(duration),
            Err(poisoned) => poisoned.into_inner().push(duration),
        }
    }
}
