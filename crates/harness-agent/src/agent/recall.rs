//! Past-failure recall backed by a [`TraceStore`]: what `similar_failure_recall` shows the
//! model when a tool call fails.

use std::sync::Arc;

use async_trait::async_trait;
use harness_trace::{Event, FailureQuery, SplitScope, TraceStore};

use crate::middleware::FailureRecall;

/// Recalls failures from the traces of earlier runs, in the splits its scope admits (by
/// default every split but test, whose traces must never reach a harness).
pub struct TraceStoreRecall {
    store: Arc<dyn TraceStore>,
    splits: SplitScope,
}

impl TraceStoreRecall {
    /// Recall from `store`, test split excluded. A store without a search capability
    /// recalls nothing.
    pub fn new(store: Arc<dyn TraceStore>) -> Self {
        Self {
            store,
            splits: SplitScope::default(),
        }
    }

    /// The same recall over these splits.
    pub fn with_splits(mut self, splits: SplitScope) -> Self {
        self.splits = splits;
        self
    }
}

#[async_trait]
impl FailureRecall for TraceStoreRecall {
    async fn similar(&self, error_text: &str, limit: usize) -> Vec<String> {
        let query = FailureQuery {
            tool: String::new(),
            text: error_text.to_owned(),
            exclude_trial: None,
            splits: self.splits.clone(),
            limit,
        };
        let Some(search) = self.store.search() else {
            return Vec::new();
        };
        // Recall is advice: a store that cannot answer gives none rather than failing the run.
        let Ok(hits) = search.similar_failures(&query).await else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for hit in hits.into_iter().take(limit) {
            let Ok(trace) = self.store.get(&hit.trial_id).await else {
                continue;
            };
            let step = trace.steps.iter().find(|s| s.seq == hit.seq);
            if let Some(Event::ToolCall(call)) = step.map(|s| &s.event) {
                let command = call
                    .arguments
                    .get("command")
                    .and_then(|c| c.as_str())
                    .map_or_else(|| call.arguments.to_string(), str::to_owned);
                let error = call
                    .output
                    .excerpt
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or_default();
                out.push(format!(
                    "task {}: `{}` failed: {}",
                    trace.header.task_id,
                    command.trim(),
                    error.trim()
                ));
            }
        }
        out
    }
}
