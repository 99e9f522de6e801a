//! Writing a trial's trace as it happens: [`TraceSink`] and its JSONL implementation.
//!
//! Durability: each event is encoded in full and written with one `write_all` on an unbuffered
//! file opened for append, so when `append` returns the line is in the operating system's
//! page cache: a process killed at any moment (SIGKILL included) leaves every completed
//! event readable and at most one incomplete last line, which readers skip. Surviving power
//! loss needs `fsync`, chosen by [`FsyncPolicy`] (default: once, on close). If a write fails
//! half-way, the file is cut back to its last complete line before the error is returned.
//!
//! The trait is synchronous: an append is one short write to the page cache, cheaper than a
//! hop to a blocking thread. Callers on an async runtime that choose
//! [`FsyncPolicy::EveryEvent`], or whose sinks index on close, may wrap calls in
//! `tokio::task::spawn_blocking`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use crate::TraceError;
use crate::blob::{BlobRef, BlobStore};
use crate::event::{Event, Message, Messages, ToolOutput, TraceHeader, TraceLine, timestamp_now};
use crate::jsonl::{TraceRead, encode_line, read_trace};
use crate::layout::{RunLayout, TrialId};

/// Default size of a tool output excerpt kept in the event itself.
pub const DEFAULT_EXCERPT_BYTES: usize = 4096;

/// When a sink asks the OS to put its file on disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// Never: events survive a killed process, not a power loss.
    Never,
    /// Once when the sink is closed (the default).
    #[default]
    OnClose,
    /// After every event: survives power loss, costs a disk flush per event.
    EveryEvent,
}

/// Append-only, streaming writer of one trial's trace. Object-safe; `Send` so an agent can
/// hold it across `.await` points.
pub trait TraceSink: Send {
    /// The trial being written.
    fn trial_id(&self) -> &TrialId;

    /// Append `event` stamped `ts`; returns its sequence number. Headers are refused (a
    /// sink writes its header when it is created).
    fn append_at(&mut self, ts: OffsetDateTime, event: Event) -> Result<u64, TraceError>;

    /// Store a large body once and get its reference (for [`Messages::Stored`] and
    /// [`ToolOutput::full`]).
    fn store_blob(&mut self, bytes: &[u8]) -> Result<BlobRef, TraceError>;

    /// Finish the trace (fsync per policy, index if the sink indexes). Appending after close
    /// is an error; closing twice is not.
    fn close(&mut self) -> Result<(), TraceError>;

    /// Append `event` stamped now.
    fn append(&mut self, event: Event) -> Result<u64, TraceError> {
        self.append_at(timestamp_now(), event)
    }

    /// Store `messages` as a blob and return the reference to put in a model call.
    fn store_messages(&mut self, messages: &[Message]) -> Result<Messages, TraceError> {
        let bytes = serde_json::to_vec(messages).map_err(|e| TraceError::json("messages", e))?;
        let blob = self.store_blob(&bytes)?;
        Ok(Messages::Stored {
            blob,
            count: u32::try_from(messages.len()).unwrap_or(u32::MAX),
        })
    }

    /// A tool output for the event: whole when it fits in `max_excerpt` bytes, otherwise an
    /// excerpt (head and tail) with the full text stored as a blob.
    fn capture_output(&mut self, text: &str, max_excerpt: usize) -> Result<ToolOutput, TraceError> {
        if text.len() <= max_excerpt {
            return Ok(ToolOutput::inline(text));
        }
        let full = self.store_blob(text.as_bytes())?;
        Ok(ToolOutput {
            excerpt: excerpt(text, max_excerpt),
            total_bytes: text.len() as u64,
            full: Some(full),
        })
    }
}

/// Head and tail of `text` within about `max` bytes, with a marker saying what was left out.
/// Two thirds head, one third tail: commands print what they do first and how it ended last.
pub fn excerpt(text: &str, max: usize) -> String {
    let head = max * 2 / 3;
    harness_core::clip_head_tail(text, head, max - head)
}

/// Options of a JSONL sink.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SinkOptions {
    /// When to fsync.
    pub fsync: FsyncPolicy,
}

/// Writes `<run>/traces/<trial>.jsonl` and the run's blobs.
#[derive(Debug)]
pub struct JsonlSink {
    trial: TrialId,
    path: PathBuf,
    file: File,
    len: u64,
    next_seq: u64,
    blobs: BlobStore,
    options: SinkOptions,
    closed: bool,
}

impl JsonlSink {
    /// Create the trace of `header.trial_id` in `layout`, writing the header stamped now.
    /// Refuses to overwrite an existing trace.
    pub fn create(
        layout: &RunLayout,
        header: TraceHeader,
        options: SinkOptions,
    ) -> Result<Self, TraceError> {
        Self::create_at(layout, header, timestamp_now(), options)
    }

    /// [`JsonlSink::create`] with the header stamped `ts`.
    pub fn create_at(
        layout: &RunLayout,
        header: TraceHeader,
        ts: OffsetDateTime,
        options: SinkOptions,
    ) -> Result<Self, TraceError> {
        layout.create_dirs()?;
        let trial = header.trial_id.clone();
        let path = layout.trace_path(&trial);
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| TraceError::io(&path, e))?;
        let mut sink = Self {
            trial,
            path,
            file,
            len: 0,
            next_seq: 0,
            blobs: BlobStore::new(layout.blobs_dir()),
            options,
            closed: false,
        };
        sink.write(TraceLine {
            seq: 0,
            ts,
            event: Event::Header(header),
        })?;
        Ok(sink)
    }

    /// Reopen an existing trace to append more (after a crash, say): the torn tail, if any,
    /// is cut off and sequence numbers continue. Returns the sink and what was read.
    pub fn resume(
        layout: &RunLayout,
        trial: &TrialId,
        options: SinkOptions,
    ) -> Result<(Self, TraceRead), TraceError> {
        let path = layout.trace_path(trial);
        let read = read_trace(&path)?;
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| TraceError::io(&path, e))?;
        if read.torn.is_some() {
            file.set_len(read.complete_bytes)
                .map_err(|e| TraceError::io(&path, e))?;
        }
        let sink = Self {
            trial: trial.clone(),
            path,
            file,
            len: read.complete_bytes,
            next_seq: read.trace.steps.len() as u64 + 1,
            blobs: BlobStore::new(layout.blobs_dir()),
            options,
            closed: false,
        };
        Ok((sink, read))
    }

    /// The trace file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sequence number the next event will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    fn write(&mut self, line: TraceLine) -> Result<u64, TraceError> {
        let seq = line.seq;
        let bytes = encode_line(&line)?;
        if let Err(e) = self.file.write_all(&bytes) {
            // Cut a partial line off so the file stays a sequence of complete lines.
            let _ = self.file.set_len(self.len);
            return Err(TraceError::io(&self.path, e));
        }
        self.len += bytes.len() as u64;
        self.next_seq = seq + 1;
        if self.options.fsync == FsyncPolicy::EveryEvent {
            self.file
                .sync_data()
                .map_err(|e| TraceError::io(&self.path, e))?;
        }
        Ok(seq)
    }
}

impl TraceSink for JsonlSink {
    fn trial_id(&self) -> &TrialId {
        &self.trial
    }

    fn append_at(&mut self, ts: OffsetDateTime, event: Event) -> Result<u64, TraceError> {
        if self.closed {
            return Err(TraceError::InvalidEvent {
                message: format!("trace {} is closed", self.trial),
            });
        }
        if let Event::Header(_) = event {
            return Err(TraceError::InvalidEvent {
                message: "a trace has one header, written when it is created".to_owned(),
            });
        }
        let seq = self.next_seq;
        self.write(TraceLine { seq, ts, event })
    }

    fn store_blob(&mut self, bytes: &[u8]) -> Result<BlobRef, TraceError> {
        self.blobs.put(bytes)
    }

    fn close(&mut self) -> Result<(), TraceError> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        if self.options.fsync != FsyncPolicy::Never {
            self.file
                .sync_all()
                .map_err(|e| TraceError::io(&self.path, e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Finish, FinishStatus};
    use crate::synth::sample_header;

    #[test]
    fn excerpt_keeps_head_and_tail_on_char_boundaries() {
        let text = format!("{}MIDDLE{}", "é".repeat(100), "ü".repeat(100));
        let e = excerpt(&text, 90);
        assert!(e.starts_with('é') && e.ends_with('ü'), "{e}");
        assert!(e.contains("bytes omitted"));
        assert!(!e.contains("MIDDLE"));
        assert_eq!(excerpt("short", 90), "short");
    }

    #[test]
    fn appends_resume_and_refuse_headers() {
        let dir = tempfile::tempdir().unwrap();
        let layout = RunLayout::new(dir.path());
        let header = sample_header(TrialId::new("t1").unwrap());
        let mut sink = JsonlSink::create(&layout, header.clone(), SinkOptions::default()).unwrap();
        let finish = Event::Finish(Finish {
            status: FinishStatus::Finished,
            turns: 1,
            message: None,
        });
        assert_eq!(sink.append(finish.clone()).unwrap(), 1);
        assert!(sink.append(Event::Header(header.clone())).is_err());
        assert!(JsonlSink::create(&layout, header, SinkOptions::default()).is_err());
        drop(sink);

        // A torn tail is cut off on resume and numbering goes on.
        let path = layout.trace_path(&TrialId::new("t1").unwrap());
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"seq\":2,\"ts\"").unwrap();
        let (mut sink, read) = JsonlSink::resume(
            &layout,
            &TrialId::new("t1").unwrap(),
            SinkOptions::default(),
        )
        .unwrap();
        assert!(read.torn.is_some());
        assert_eq!(sink.append(finish).unwrap(), 2);
        sink.close().unwrap();
        assert!(
            sink.append(Event::Finish(Finish {
                status: FinishStatus::Finished,
                turns: 1,
                message: None
            }))
            .is_err()
        );
        let read = read_trace(&path).unwrap();
        assert_eq!(read.trace.steps.len(), 2);
        assert_eq!(read.torn, None);
    }
}
