//! Keeping secrets out of traces: [`RedactingSink`] applies a [`Redactor`] (the text-level
//! redaction of `harness_types::redact`) to every event and blob a trace sink writes.

use std::fmt;

use time::OffsetDateTime;

pub use harness_types::redact::{MIN_SECRET_LEN, REDACTED, Redactor, redact_url, url_secrets};

use crate::TraceError;
use crate::blob::BlobRef;
use crate::event::{Event, ToolOutput};
use crate::layout::TrialId;
use crate::sink::{TraceSink, excerpt};

/// `event` with secrets replaced in all of its text.
pub fn redact_event(redactor: &Redactor, event: Event) -> Result<Event, TraceError> {
    if redactor.is_empty() {
        return Ok(event);
    }
    let mut value =
        serde_json::to_value(&event).map_err(|e| TraceError::json("event to redact", e))?;
    redactor.redact_json(&mut value);
    serde_json::from_value(value).map_err(|e| TraceError::json("redacted event", e))
}

/// A [`TraceSink`] that replaces secrets in every event and blob before the inner sink writes
/// them.
pub struct RedactingSink {
    inner: Box<dyn TraceSink>,
    redactor: Redactor,
}

impl fmt::Debug for RedactingSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedactingSink")
            .field("trial", self.inner.trial_id())
            .field("redactor", &self.redactor)
            .finish()
    }
}

impl RedactingSink {
    /// Wrap `inner`. The header the inner sink already wrote is not redacted (it holds
    /// identifiers and names, not text from outside).
    pub fn new(inner: Box<dyn TraceSink>, redactor: Redactor) -> Self {
        Self { inner, redactor }
    }
}

impl TraceSink for RedactingSink {
    fn trial_id(&self) -> &TrialId {
        self.inner.trial_id()
    }

    fn append_at(&mut self, ts: OffsetDateTime, event: Event) -> Result<u64, TraceError> {
        let event = redact_event(&self.redactor, event)?;
        self.inner.append_at(ts, event)
    }

    fn store_blob(&mut self, bytes: &[u8]) -> Result<BlobRef, TraceError> {
        let clean = self.redactor.redact_bytes(bytes);
        self.inner.store_blob(&clean)
    }

    fn close(&mut self) -> Result<(), TraceError> {
        self.inner.close()
    }

    fn capture_output(&mut self, text: &str, max_excerpt: usize) -> Result<ToolOutput, TraceError> {
        // Redact before cutting, so no excerpt boundary splits a secret.
        let text = self.redactor.redact(text);
        if text.len() <= max_excerpt {
            return Ok(ToolOutput::inline(text.as_ref()));
        }
        let full = self.inner.store_blob(text.as_bytes())?;
        Ok(ToolOutput {
            excerpt: excerpt(&text, max_excerpt),
            total_bytes: text.len() as u64,
            full: Some(full),
        })
    }
}
