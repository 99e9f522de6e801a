//! [`SharedSink`]: one trial's sink shared between the runner, which opens it and writes the
//! verdict last, and the agent, which writes its steps in between.

use std::sync::{Arc, Mutex, MutexGuard};

use time::OffsetDateTime;

use crate::TraceError;
use crate::blob::BlobRef;
use crate::event::{Event, ToolOutput};
use crate::layout::TrialId;
use crate::sink::TraceSink;

/// A cloneable handle on one trial's sink. Every clone appends to the same trace, in call
/// order. [`TraceSink::close`] on a handle only ends that handle's writing (the agent saying
/// it is done); the trace itself is closed by [`SharedSink::finish`], which the owner calls
/// after the last event (the runner, after the verdict).
#[derive(Clone)]
pub struct SharedSink {
    trial_id: TrialId,
    inner: Arc<Mutex<Box<dyn TraceSink>>>,
    closed: bool,
}

impl std::fmt::Debug for SharedSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSink")
            .field("trial_id", &self.trial_id)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl SharedSink {
    /// Share `sink`.
    pub fn new(sink: Box<dyn TraceSink>) -> Self {
        Self {
            trial_id: sink.trial_id().clone(),
            inner: Arc::new(Mutex::new(sink)),
            closed: false,
        }
    }

    /// The inner sink. A handle whose holder panicked mid-append leaves the sink usable: its
    /// events are whole lines or none.
    fn lock(&self) -> MutexGuard<'_, Box<dyn TraceSink>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Close the trace for every handle.
    pub fn finish(&self) -> Result<(), TraceError> {
        self.lock().close()
    }

    fn check_open(&self) -> Result<(), TraceError> {
        if self.closed {
            return Err(TraceError::InvalidEvent {
                message: format!("trace {}: append after close", self.trial_id),
            });
        }
        Ok(())
    }
}

impl TraceSink for SharedSink {
    fn trial_id(&self) -> &TrialId {
        &self.trial_id
    }

    fn append_at(&mut self, ts: OffsetDateTime, event: Event) -> Result<u64, TraceError> {
        self.check_open()?;
        self.lock().append_at(ts, event)
    }

    fn store_blob(&mut self, bytes: &[u8]) -> Result<BlobRef, TraceError> {
        self.check_open()?;
        self.lock().store_blob(bytes)
    }

    fn close(&mut self) -> Result<(), TraceError> {
        self.closed = true;
        Ok(())
    }

    fn capture_output(&mut self, text: &str, max_excerpt: usize) -> Result<ToolOutput, TraceError> {
        self.check_open()?;
        self.lock().capture_output(text, max_excerpt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Finish, FinishStatus};
    use crate::layout::RunLayout;
    use crate::sink::{JsonlSink, SinkOptions};
    use crate::synth::sample_header;

    #[test]
    fn handles_write_one_trace_and_only_finish_closes_it() {
        let dir = tempfile::tempdir().unwrap();
        let layout = RunLayout::new(dir.path());
        let header = sample_header(TrialId::new("t1").unwrap());
        let sink = JsonlSink::create(&layout, header, SinkOptions::default()).unwrap();
        let owner = SharedSink::new(Box::new(sink));
        let mut agent = owner.clone();
        let finish = || {
            Event::Finish(Finish {
                status: FinishStatus::Finished,
                turns: 1,
                message: None,
            })
        };
        assert_eq!(agent.append(finish()).unwrap(), 1);
        agent.close().unwrap();
        assert!(agent.append(finish()).is_err());
        let mut runner = owner.clone();
        assert_eq!(runner.append(finish()).unwrap(), 2);
        owner.finish().unwrap();
        assert!(runner.append(finish()).is_err());
        let trace =
            crate::jsonl::read_trace(&layout.trace_path(&TrialId::new("t1").unwrap())).unwrap();
        assert_eq!(trace.trace.steps.len(), 2);
    }
}
