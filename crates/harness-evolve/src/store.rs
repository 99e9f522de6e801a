//! [`JobTraces`]: the traces of a run's job folders as one read-only store, limited to one
//! harness, so the miner (any `WeaknessMiner`) and the proposer read the parent's trials
//! wherever the cascade ran them.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use harness_trace::{
    BlobRef, RunStore, TraceError, TraceHeader, TraceSink, TraceStore, TrialFilter, TrialId,
    TrialSummary, TrialTrace,
};
use harness_types::ContentHash;

/// Several job folders' traces, listed as one, optionally only one harness's.
pub struct JobTraces {
    stores: Vec<Arc<dyn TraceStore>>,
    harness: Option<ContentHash>,
}

impl std::fmt::Debug for JobTraces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobTraces")
            .field("stores", &self.stores.len())
            .field("harness", &self.harness)
            .finish()
    }
}

impl JobTraces {
    /// Every job folder under `jobs` that holds traces (folders without are skipped).
    pub fn open(jobs: &Path) -> Result<Self, TraceError> {
        let mut stores: Vec<Arc<dyn TraceStore>> = Vec::new();
        let entries = match std::fs::read_dir(jobs) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self {
                    stores,
                    harness: None,
                });
            }
            Err(e) => {
                return Err(TraceError::Io {
                    path: jobs.to_path_buf(),
                    source: e,
                });
            }
        };
        let mut dirs: Vec<std::path::PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            if let Ok(store) = RunStore::open_existing(&dir) {
                stores.push(Arc::new(store));
            }
        }
        Ok(Self {
            stores,
            harness: None,
        })
    }

    /// Only trials of `harness`.
    pub fn for_harness(mut self, harness: ContentHash) -> Self {
        self.harness = Some(harness);
        self
    }

    fn read_only() -> TraceError {
        TraceError::NotFound {
            what: "a writable store (the loop's trace view is read-only)".into(),
        }
    }
}

#[async_trait]
impl TraceStore for JobTraces {
    async fn open_sink(&self, _header: TraceHeader) -> Result<Box<dyn TraceSink>, TraceError> {
        Err(Self::read_only())
    }

    async fn put(&self, _trace: &TrialTrace) -> Result<(), TraceError> {
        Err(Self::read_only())
    }

    async fn put_blob(&self, _bytes: Vec<u8>) -> Result<BlobRef, TraceError> {
        Err(Self::read_only())
    }

    async fn get(&self, trial: &TrialId) -> Result<TrialTrace, TraceError> {
        for store in &self.stores {
            if let Ok(trace) = store.get(trial).await {
                if self.harness.is_some_and(|h| trace.header.harness_hash != h) {
                    continue;
                }
                return Ok(trace);
            }
        }
        Err(TraceError::NotFound {
            what: format!("trial {trial}"),
        })
    }

    async fn get_blob(&self, blob: &BlobRef) -> Result<Vec<u8>, TraceError> {
        for store in &self.stores {
            if let Ok(bytes) = store.get_blob(blob).await {
                return Ok(bytes);
            }
        }
        Err(TraceError::NotFound {
            what: format!("blob {blob:?}"),
        })
    }

    async fn list(&self, filter: &TrialFilter) -> Result<Vec<TrialSummary>, TraceError> {
        let mut filter = filter.clone();
        if let Some(hash) = self.harness {
            filter = filter.harness(hash);
        }
        let mut out = Vec::new();
        for store in &self.stores {
            out.extend(store.list(&filter).await?);
        }
        out.sort_by(|a, b| a.trial_id.cmp(&b.trial_id));
        Ok(out)
    }
}
