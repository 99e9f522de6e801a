//! [`RunStore`]: the embedded default [`TraceStore`] over one run directory (JSONL traces,
//! blobs, SQLite index; see `crate::layout`).
//!
//! Writes go to the JSONL first; a trial is indexed when its sink closes. Opening a store
//! catches the index up with any trace written or grown since (a killed writer, a copied-in
//! trace file), so the JSONL stays the only source of truth. The synchronous methods are the
//! implementation; the async trait runs them on tokio's blocking pool (inline when there is
//! no runtime).

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::TraceError;
use crate::blob::{BlobRef, BlobStore};
use crate::event::{Event, TraceHeader, TraceLine};
use crate::index::{Index, IndexReport};
use crate::jsonl::{encode_trace, parse_line, read_trace};
use crate::layout::{RunLayout, TrialId};
use crate::sink::{JsonlSink, SinkOptions, TraceSink};
use crate::store::{
    FailureQuery, SearchHit, SearchQuery, SimilarFailure, TraceSearch, TraceStore,
    TraceStoreFactory, TrialFilter, TrialSummary,
};
use crate::trace::TrialTrace;

/// The traces of one run directory. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct RunStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    layout: RunLayout,
    blobs: BlobStore,
    index: Index,
    options: SinkOptions,
}

/// Opens a [`RunStore`] in a folder (a job folder, once the job has claimed it).
#[derive(Debug, Clone, Default)]
pub struct RunStoreFactory {
    options: SinkOptions,
}

impl RunStoreFactory {
    /// A factory whose stores open sinks with `options`.
    pub fn new(options: SinkOptions) -> Self {
        Self { options }
    }
}

impl TraceStoreFactory for RunStoreFactory {
    fn open_in(&self, dir: &std::path::Path) -> Result<Arc<dyn TraceStore>, TraceError> {
        Ok(Arc::new(RunStore::open_with(dir, self.options)?))
    }
}

impl RunStore {
    /// Open the run directory `root`, creating it if needed, and bring the index up to date
    /// with the trace files.
    pub fn open(root: impl Into<std::path::PathBuf>) -> Result<Self, TraceError> {
        Self::open_with(root, SinkOptions::default())
    }

    /// [`RunStore::open`] with options for the sinks it opens.
    pub fn open_with(
        root: impl Into<std::path::PathBuf>,
        options: SinkOptions,
    ) -> Result<Self, TraceError> {
        let layout = RunLayout::new(root);
        layout.create_dirs()?;
        let store = Self::from_parts(layout, options)?;
        store.sync_index()?;
        Ok(store)
    }

    /// Open an existing run directory (refusing a missing one) without creating anything but
    /// the index: what read-only tools such as the CLI want.
    pub fn open_existing(root: impl Into<std::path::PathBuf>) -> Result<Self, TraceError> {
        let layout = RunLayout::new(root);
        if !layout.traces_dir().is_dir() {
            return Err(TraceError::not_found(format!(
                "run directory {} (no {} inside)",
                layout.root().display(),
                crate::layout::TRACES_DIR
            )));
        }
        let store = Self::from_parts(layout, SinkOptions::default())?;
        store.sync_index()?;
        Ok(store)
    }

    fn from_parts(layout: RunLayout, options: SinkOptions) -> Result<Self, TraceError> {
        let index = Index::open(&layout.index_path())?;
        Ok(Self {
            inner: Arc::new(Inner {
                blobs: BlobStore::new(layout.blobs_dir()),
                layout,
                index,
                options,
            }),
        })
    }

    /// The directory layout.
    pub fn layout(&self) -> &RunLayout {
        &self.inner.layout
    }

    /// The blobs.
    pub fn blobs(&self) -> &BlobStore {
        &self.inner.blobs
    }

    /// The index.
    pub fn index(&self) -> &Index {
        &self.inner.index
    }

    /// Index trace files that are new or changed since last indexed.
    pub fn sync_index(&self) -> Result<IndexReport, TraceError> {
        self.inner.index.sync(&self.inner.layout)
    }

    /// Trace files of this run that cannot be read (garbled lines, a missing or broken header),
    /// with the reason. Searches and listings leave them out; read-only tools should say so.
    /// The index retries such files on every sync, so this syncs and reports what is unreadable
    /// now.
    pub fn unreadable_traces(&self) -> Result<Vec<(TrialId, String)>, TraceError> {
        Ok(self.sync_index()?.skipped)
    }

    /// Empty the index and rebuild it from the JSONL.
    pub fn rebuild_index(&self) -> Result<IndexReport, TraceError> {
        self.inner.index.rebuild(&self.inner.layout)
    }

    /// Start a trial's trace (header stamped now); it is indexed when the sink closes.
    pub fn create_sink(&self, header: TraceHeader) -> Result<StoreSink, TraceError> {
        self.create_sink_at(header, crate::event::timestamp_now())
    }

    /// [`RunStore::create_sink`] with the header stamped `ts`.
    pub fn create_sink_at(
        &self,
        header: TraceHeader,
        ts: OffsetDateTime,
    ) -> Result<StoreSink, TraceError> {
        let sink = JsonlSink::create_at(&self.inner.layout, header, ts, self.inner.options)?;
        Ok(StoreSink {
            sink,
            store: self.clone(),
            indexed: false,
        })
    }

    /// Write a complete trace and index it. Refuses to replace an existing trial.
    pub fn put_trace(&self, trace: &TrialTrace) -> Result<(), TraceError> {
        let layout = &self.inner.layout;
        layout.create_dirs()?;
        let bytes = encode_trace(trace)?;
        let path = layout.trace_path(&trace.header.trial_id);
        let mut tmp = tempfile::NamedTempFile::new_in(layout.traces_dir())
            .map_err(|e| TraceError::io(layout.traces_dir(), e))?;
        std::io::Write::write_all(&mut tmp, &bytes).map_err(|e| TraceError::io(tmp.path(), e))?;
        // Written aside and linked into place without replacing: a reader sees all or nothing.
        tmp.persist_noclobber(&path)
            .map_err(|e| TraceError::io(&path, e.error))?;
        self.inner
            .index
            .index_trial(layout, &trace.header.trial_id)?;
        Ok(())
    }

    /// Move the trace of `trial` (if any) to `attempts/<trial_id>.N.jsonl` and drop it from
    /// the index, so a new attempt can start the trial afresh; nothing is deleted.
    pub fn set_aside_trace(&self, trial: &TrialId) -> Result<(), TraceError> {
        let layout = &self.inner.layout;
        let path = layout.trace_path(trial);
        if !path.exists() {
            return Ok(());
        }
        let to = layout.attempt_path(trial);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(|e| TraceError::io(dir, e))?;
        }
        std::fs::rename(&path, &to).map_err(|e| TraceError::io(&path, e))?;
        self.inner.index.remove_trial(trial)
    }

    /// The trace of `trial` (complete events; a torn tail is skipped).
    pub fn get_trace(&self, trial: &TrialId) -> Result<TrialTrace, TraceError> {
        let path = self.inner.layout.trace_path(trial);
        if !path.exists() {
            return Err(TraceError::not_found(format!("trial {trial}")));
        }
        Ok(read_trace(&path)?.trace)
    }

    /// One step of a trial, read straight from its line (via the index's byte offsets).
    pub fn get_step(&self, trial: &TrialId, seq: u64) -> Result<TraceLine, TraceError> {
        let not_found = || TraceError::not_found(format!("step {seq} of trial {trial}"));
        let span = self
            .inner
            .index
            .step_span(trial, seq)?
            .ok_or_else(not_found)?;
        let path = self.inner.layout.trace_path(trial);
        let bytes = read_span(&path, span.offset, span.len)?;
        let line = parse_line(
            bytes.strip_suffix(b"\n").unwrap_or(&bytes),
            &path,
            span.line,
        )?;
        if line.seq != seq {
            return Err(TraceError::Malformed {
                path,
                line: span.line,
                message: format!("index out of date: found seq {} for {seq}", line.seq),
            });
        }
        Ok(line)
    }

    /// Trials matching `filter`.
    pub fn list_trials(&self, filter: &TrialFilter) -> Result<Vec<TrialSummary>, TraceError> {
        self.inner.index.list(filter)
    }

    /// Full-text search.
    pub fn search_steps(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, TraceError> {
        self.inner.index.search(query)
    }

    /// Failures like `query`.
    pub fn find_similar_failures(
        &self,
        query: &FailureQuery,
    ) -> Result<Vec<SimilarFailure>, TraceError> {
        self.inner.index.similar_failures(query)
    }

    /// Run `f` on the blocking pool when inside a tokio runtime, inline otherwise.
    async fn blocking<T, F>(&self, f: F) -> Result<T, TraceError>
    where
        T: Send + 'static,
        F: FnOnce(RunStore) -> Result<T, TraceError> + Send + 'static,
    {
        let store = self.clone();
        if tokio::runtime::Handle::try_current().is_err() {
            return f(store);
        }
        tokio::task::spawn_blocking(move || f(store))
            .await
            .map_err(|e| TraceError::Background {
                message: e.to_string(),
            })?
    }
}

fn read_span(path: &std::path::Path, offset: u64, len: u64) -> Result<Vec<u8>, TraceError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).map_err(|e| TraceError::io(path, e))?;
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| TraceError::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(len)
        .read_to_end(&mut bytes)
        .map_err(|e| TraceError::io(path, e))?;
    Ok(bytes)
}

/// A sink of a [`RunStore`]: a [`JsonlSink`] that indexes its trial when closed. A sink
/// dropped without closing leaves a readable trace; the next [`RunStore::open`] indexes it.
#[derive(Debug)]
pub struct StoreSink {
    sink: JsonlSink,
    store: RunStore,
    indexed: bool,
}

impl TraceSink for StoreSink {
    fn trial_id(&self) -> &TrialId {
        self.sink.trial_id()
    }

    fn append_at(&mut self, ts: OffsetDateTime, event: Event) -> Result<u64, TraceError> {
        self.sink.append_at(ts, event)
    }

    fn store_blob(&mut self, bytes: &[u8]) -> Result<BlobRef, TraceError> {
        self.sink.store_blob(bytes)
    }

    fn close(&mut self) -> Result<(), TraceError> {
        self.sink.close()?;
        if !self.indexed {
            self.indexed = true;
            let layout = self.store.layout();
            self.store
                .index()
                .index_trial(layout, self.sink.trial_id())?;
        }
        Ok(())
    }
}

#[async_trait]
impl TraceStore for RunStore {
    async fn open_sink(&self, header: TraceHeader) -> Result<Box<dyn TraceSink>, TraceError> {
        self.blocking(move |store| {
            store
                .create_sink(header)
                .map(|sink| Box::new(sink) as Box<dyn TraceSink>)
        })
        .await
    }

    async fn put(&self, trace: &TrialTrace) -> Result<(), TraceError> {
        let trace = trace.clone();
        self.blocking(move |store| store.put_trace(&trace)).await
    }

    async fn put_blob(&self, bytes: Vec<u8>) -> Result<BlobRef, TraceError> {
        self.blocking(move |store| store.blobs().put(&bytes)).await
    }

    async fn get(&self, trial: &TrialId) -> Result<TrialTrace, TraceError> {
        let trial = trial.clone();
        self.blocking(move |store| store.get_trace(&trial)).await
    }

    async fn get_blob(&self, blob: &BlobRef) -> Result<Vec<u8>, TraceError> {
        let blob = *blob;
        self.blocking(move |store| store.blobs().get(&blob)).await
    }

    async fn list(&self, filter: &TrialFilter) -> Result<Vec<TrialSummary>, TraceError> {
        let filter = filter.clone();
        self.blocking(move |store| store.list_trials(&filter)).await
    }

    async fn set_aside(&self, trial: &TrialId) -> Result<(), TraceError> {
        let trial = trial.clone();
        self.blocking(move |store| store.set_aside_trace(&trial))
            .await
    }

    fn search(&self) -> Option<&dyn TraceSearch> {
        Some(self)
    }
}

#[async_trait]
impl TraceSearch for RunStore {
    async fn search_steps(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, TraceError> {
        let query = query.clone();
        self.blocking(move |store| store.search_steps(&query)).await
    }

    async fn similar_failures(
        &self,
        query: &FailureQuery,
    ) -> Result<Vec<SimilarFailure>, TraceError> {
        let query = query.clone();
        self.blocking(move |store| store.find_similar_failures(&query))
            .await
    }
}
