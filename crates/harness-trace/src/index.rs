//! The SQLite index of a run directory: trial metadata, steps with their fingerprints and
//! byte spans, and an FTS5 table over step text. It is derived from the JSONL and can be
//! deleted or rebuilt at any time ([`Index::rebuild`]); [`Index::sync`] catches up with trace
//! files written (or grown) since they were last indexed, e.g. by a process that was killed.
//!
//! The database runs in WAL mode so a search in one process does not block a run writing in
//! another. `rusqlite::Connection` is not `Sync`; the index holds it behind a mutex, and the
//! async store calls into it from blocking threads.
//!
//! What is searchable, per step: model calls (their input messages, stored ones included,
//! the response text, reasoning and requested tool calls, the error), tool calls (name,
//! arguments, the full output up to 64 KiB of head and tail, the error), interventions
//! (kind, rule, trigger, action, message), context events and finish (their notes).
//! Verifier outcomes have no text and headers are metadata. Failed steps also get a document
//! in a second, much smaller FTS5 table holding their normalized failure text, so the text
//! fallback of similar-failure lookups ranks failures only.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use harness_core::ContentHash;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::TraceError;
use crate::blob::BlobStore;
use crate::event::{Event, FinishStatus, Message, Messages, OutcomeClass, Split};
use crate::fingerprint::{Fingerprint, normalize};
use crate::jsonl::{LineSpan, TraceRead, read_trace};
use crate::layout::{RunLayout, TrialId};
use crate::sink::excerpt;
use crate::store::{
    FailureQuery, QuerySyntax, SearchHit, SearchQuery, SimilarBy, SimilarFailure, SplitScope,
    TrialFilter, TrialSummary,
};
use crate::trace::TraceTotals;

/// Bumped when the schema changes; an index of another version is emptied and refilled.
const SCHEMA_VERSION: i64 = 2;
/// How much of one stored body (message list, tool output) is indexed, head and tail.
const MAX_BLOB_TEXT: usize = 64 * 1024;
/// Words of a failure text used for the text fallback of similar-failure lookups.
const SIMILAR_TERMS: usize = 8;
/// Of those, the last ones that must all match in the first, precise pass.
const PRECISE_TERMS: usize = 4;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS trials (
    trial_id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    harness_hash TEXT NOT NULL,
    task_id TEXT NOT NULL,
    task_checksum TEXT NOT NULL,
    agent TEXT NOT NULL,
    model TEXT NOT NULL,
    seed TEXT NOT NULL,
    repeat INTEGER NOT NULL,
    split TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    steps INTEGER NOT NULL,
    finish TEXT,
    outcome TEXT,
    reward REAL,
    model_calls INTEGER NOT NULL,
    tool_calls INTEGER NOT NULL,
    failed_tool_calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cached_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    file_size INTEGER NOT NULL,
    torn INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS trials_run ON trials(run_id);
CREATE INDEX IF NOT EXISTS trials_task ON trials(task_id);
CREATE INDEX IF NOT EXISTS trials_harness ON trials(harness_hash);
CREATE INDEX IF NOT EXISTS trials_split ON trials(split);
CREATE INDEX IF NOT EXISTS trials_outcome ON trials(outcome);
CREATE TABLE IF NOT EXISTS steps (
    id INTEGER PRIMARY KEY,
    trial_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT,
    failed INTEGER NOT NULL,
    fingerprint TEXT,
    offset INTEGER NOT NULL,
    len INTEGER NOT NULL,
    UNIQUE (trial_id, seq)
);
CREATE INDEX IF NOT EXISTS steps_fingerprint ON steps(fingerprint) WHERE fingerprint IS NOT NULL;
CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(body, tokenize = 'unicode61');
CREATE VIRTUAL TABLE IF NOT EXISTS failures USING fts5(body, tokenize = 'unicode61');
";

const DROP: &str = "
DROP TABLE IF EXISTS failures;
DROP TABLE IF EXISTS docs;
DROP TABLE IF EXISTS steps;
DROP TABLE IF EXISTS trials;
";

/// What an indexing pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexReport {
    /// Trials (re)indexed.
    pub indexed: Vec<TrialId>,
    /// Steps written.
    pub steps: u64,
    /// Trials dropped from the index because their files are gone.
    pub removed: Vec<TrialId>,
    /// Trace files that could not be read, with the reason; the rest were indexed.
    pub skipped: Vec<(TrialId, String)>,
}

/// The index of one run directory.
#[derive(Debug)]
pub struct Index {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl Index {
    /// Open (or create) the index at `path`. A file that is not an SQLite database is
    /// replaced, and an index of another schema version is emptied: it is derived data.
    pub fn open(path: &Path) -> Result<Self, TraceError> {
        match Self::open_once(path) {
            Err(e) if is_not_a_database(&e) => {
                for suffix in ["", "-wal", "-shm"] {
                    let file = PathBuf::from(format!("{}{suffix}", path.display()));
                    match std::fs::remove_file(&file) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(TraceError::io(&file, e)),
                    }
                }
                Self::open_once(path).map_err(|e| TraceError::index(path, e))
            }
            other => other.map_err(|e| TraceError::index(path, e)),
        }
    }

    fn open_once(path: &Path) -> Result<Self, rusqlite::Error> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if version != SCHEMA_VERSION {
            tx.execute_batch(DROP)?;
            tx.execute_batch(SCHEMA)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        tx.commit()?;
        Ok(Self {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    /// The index file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done transaction behind
        // (rusqlite rolls back on drop), so the connection stays usable.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn err(&self, source: rusqlite::Error) -> TraceError {
        TraceError::index(&self.path, source)
    }

    /// (Re)index one trial from its trace file. Returns the number of steps indexed.
    pub fn index_trial(&self, layout: &RunLayout, trial: &TrialId) -> Result<u64, TraceError> {
        let path = layout.trace_path(trial);
        let size = std::fs::metadata(&path)
            .map_err(|e| TraceError::io(&path, e))?
            .len();
        let read = read_trace(&path)?;
        let rows = step_rows(&read, &BlobStore::new(layout.blobs_dir()));
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        delete_trial(&tx, trial.as_str()).map_err(|e| self.err(e))?;
        insert_trial(&tx, &read, size, &rows).map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(rows.len() as u64)
    }

    /// Drop one trial from the index.
    pub fn remove_trial(&self, trial: &TrialId) -> Result<(), TraceError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        delete_trial(&tx, trial.as_str()).map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }

    /// Empty the index and index every trace file of `layout` again.
    pub fn rebuild(&self, layout: &RunLayout) -> Result<IndexReport, TraceError> {
        {
            let mut conn = self.lock();
            let tx = conn.transaction().map_err(|e| self.err(e))?;
            tx.execute_batch(DROP).map_err(|e| self.err(e))?;
            tx.execute_batch(SCHEMA).map_err(|e| self.err(e))?;
            tx.commit().map_err(|e| self.err(e))?;
        }
        let mut report = IndexReport::default();
        for trial in layout.trial_ids()? {
            self.index_into(layout, trial, &mut report)?;
        }
        Ok(report)
    }

    /// Index trace files that are new or changed size since they were indexed, and drop
    /// trials whose files are gone.
    pub fn sync(&self, layout: &RunLayout) -> Result<IndexReport, TraceError> {
        let known: HashMap<String, u64> = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare("SELECT trial_id, file_size FROM trials")
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u64)))
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        let mut report = IndexReport::default();
        let trials = layout.trial_ids()?;
        let present: HashSet<&str> = trials.iter().map(TrialId::as_str).collect();
        for trial in &trials {
            let path = layout.trace_path(trial);
            let size = std::fs::metadata(&path)
                .map_err(|e| TraceError::io(&path, e))?
                .len();
            if known.get(trial.as_str()) != Some(&size) {
                self.index_into(layout, trial.clone(), &mut report)?;
            }
        }
        for id in known.keys() {
            if !present.contains(id.as_str())
                && let Ok(trial) = TrialId::new(id.clone())
            {
                self.remove_trial(&trial)?;
                report.removed.push(trial);
            }
        }
        Ok(report)
    }

    /// Index one trial into `report`: unreadable trace files are reported, not fatal.
    fn index_into(
        &self,
        layout: &RunLayout,
        trial: TrialId,
        report: &mut IndexReport,
    ) -> Result<(), TraceError> {
        match self.index_trial(layout, &trial) {
            Ok(steps) => {
                report.steps += steps;
                report.indexed.push(trial);
            }
            Err(e @ (TraceError::Index { .. } | TraceError::Background { .. })) => return Err(e),
            Err(e) => {
                // Drop a stale entry so the index does not answer for a file it cannot read.
                self.remove_trial(&trial)?;
                report.skipped.push((trial, e.to_string()));
            }
        }
        Ok(())
    }

    /// Trials matching `filter`, ordered by id.
    pub fn list(&self, filter: &TrialFilter) -> Result<Vec<TrialSummary>, TraceError> {
        let mut params = Vec::new();
        let mut sql = format!("SELECT {TRIAL_COLUMNS} FROM trials t WHERE 1 = 1");
        push_filter(&mut sql, &mut params, filter);
        sql.push_str(" ORDER BY t.trial_id");
        if let Some(limit) = filter.limit {
            sql.push_str(" LIMIT ?");
            params.push(Value::Integer(clamp_i64(limit)));
        }
        let conn = self.lock();
        let mut stmt = conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), trial_summary)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Full-text search.
    pub fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, TraceError> {
        let fts = match query.syntax {
            QuerySyntax::Words => words_query(&query.text),
            QuerySyntax::AnyWords => any_words_query(&query.text),
        };
        if fts.is_empty() {
            return Err(TraceError::BadQuery {
                query: query.text.clone(),
                message: "no words to search for".to_owned(),
            });
        }
        let mut params = vec![Value::Text(fts)];
        let mut sql = "SELECT s.trial_id, s.seq, s.kind, s.name, \
                       snippet(docs, 0, '[', ']', '…', 16), bm25(docs) \
                       FROM docs JOIN steps s ON s.id = docs.rowid \
                       JOIN trials t ON t.trial_id = s.trial_id \
                       WHERE docs MATCH ?"
            .to_owned();
        if !query.kinds.is_empty() {
            sql.push_str(" AND s.kind IN (");
            sql.push_str(&vec!["?"; query.kinds.len()].join(", "));
            sql.push(')');
            params.extend(query.kinds.iter().cloned().map(Value::Text));
        }
        push_filter(&mut sql, &mut params, &query.filter);
        sql.push_str(" ORDER BY bm25(docs) LIMIT ?");
        params.push(Value::Integer(clamp_i64(query.limit)));
        let conn = self.lock();
        let result = (|| {
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(params), |row| {
                Ok(SearchHit {
                    trial_id: trial_id(row, 0)?,
                    seq: row.get::<_, i64>(1)? as u64,
                    kind: row.get(2)?,
                    name: row.get(3)?,
                    snippet: row.get(4)?,
                    score: -row.get::<_, f64>(5)?,
                })
            })?;
            rows.collect::<Result<Vec<_>, _>>()
        })();
        result.map_err(|e| match fts_error(&e) {
            Some(message) => TraceError::BadQuery {
                query: query.text.clone(),
                message,
            },
            None => self.err(e),
        })
    }

    /// Failed steps like `query`: same fingerprint first (by trial and sequence), then failed
    /// steps whose normalized failure text has all of the query's last words, then any of
    /// its distinctive words (each by relevance).
    pub fn similar_failures(
        &self,
        query: &FailureQuery,
    ) -> Result<Vec<SimilarFailure>, TraceError> {
        let fingerprint = query.fingerprint();
        let exclude = query.exclude_trial.as_ref().map(|t| t.as_str().to_owned());
        let limit = clamp_i64(query.limit);
        // The split scope as a comma-separated list matched with `instr`, so that both
        // statements stay cacheable with a fixed number of parameters.
        let splits = format!(
            ",{},",
            query
                .splits
                .splits()
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
        let conn = self.lock();
        let mut found: Vec<SimilarFailure> = Vec::new();
        {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT s.trial_id, s.seq, s.name, s.fingerprint FROM steps s \
                     JOIN trials t ON t.trial_id = s.trial_id \
                     WHERE s.fingerprint = ?1 AND (?2 IS NULL OR s.trial_id <> ?2) \
                     AND instr(?4, ',' || t.split || ',') > 0 \
                     ORDER BY s.trial_id, s.seq LIMIT ?3",
                )
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map(
                    params![fingerprint.to_hex(), exclude, limit, splits],
                    |row| similar_row(row, SimilarBy::Fingerprint),
                )
                .map_err(|e| self.err(e))?;
            for row in rows {
                found.push(row.map_err(|e| self.err(e))?);
            }
        }
        let terms = distinctive_terms(&normalize(&query.text));
        if terms.is_empty() {
            return Ok(found);
        }
        // Two passes over the failures table: all of the last few words (the error line,
        // usually: precise and cheap), then any of the words, to fill up the limit.
        let quoted: Vec<String> = terms.iter().map(|t| format!("\"{t}\"")).collect();
        let precise = quoted[..quoted.len().min(PRECISE_TERMS)].join(" AND ");
        let broad = quoted.join(" OR ");
        let mut seen: HashSet<(String, u64)> = found
            .iter()
            .map(|f| (f.trial_id.as_str().to_owned(), f.seq))
            .collect();
        let mut stmt = conn
            .prepare_cached(
                "SELECT s.trial_id, s.seq, s.name, s.fingerprint, bm25(failures) \
                 FROM failures JOIN steps s ON s.id = failures.rowid \
                 JOIN trials t ON t.trial_id = s.trial_id \
                 WHERE failures MATCH ?1 AND (?2 IS NULL OR s.trial_id <> ?2) \
                 AND instr(?4, ',' || t.split || ',') > 0 \
                 ORDER BY bm25(failures) LIMIT ?3",
            )
            .map_err(|e| self.err(e))?;
        for fts in [precise, broad] {
            if found.len() >= query.limit {
                break;
            }
            let rows = stmt
                .query_map(
                    params![fts, exclude, limit + seen.len() as i64, splits],
                    |row| {
                        let score = -row.get::<_, f64>(4)?;
                        similar_row(row, SimilarBy::Text { score })
                    },
                )
                .map_err(|e| self.err(e))?;
            for row in rows {
                let row = row.map_err(|e| self.err(e))?;
                if found.len() >= query.limit {
                    break;
                }
                if seen.insert((row.trial_id.as_str().to_owned(), row.seq)) {
                    found.push(row);
                }
            }
        }
        Ok(found)
    }

    /// Where step `seq` of `trial` sits in its trace file, if indexed.
    pub fn step_span(&self, trial: &TrialId, seq: u64) -> Result<Option<LineSpan>, TraceError> {
        let conn = self.lock();
        conn.query_row(
            "SELECT offset, len FROM steps WHERE trial_id = ?1 AND seq = ?2",
            params![trial.as_str(), clamp_i64(seq as usize)],
            |row| {
                Ok(LineSpan {
                    line: seq as usize + 1,
                    offset: row.get::<_, i64>(0)? as u64,
                    len: row.get::<_, i64>(1)? as u64,
                })
            },
        )
        .optional()
        .map_err(|e| self.err(e))
    }

    /// Whether `trial` is indexed.
    pub fn contains(&self, trial: &TrialId) -> Result<bool, TraceError> {
        let conn = self.lock();
        conn.query_row(
            "SELECT 1 FROM trials WHERE trial_id = ?1",
            [trial.as_str()],
            |_| Ok(()),
        )
        .optional()
        .map(|found| found.is_some())
        .map_err(|e| self.err(e))
    }
}

/// One step as the index stores it.
struct StepRow {
    seq: u64,
    kind: &'static str,
    name: Option<String>,
    failed: bool,
    fingerprint: Option<Fingerprint>,
    /// Normalized failure text, for failed steps.
    failure: Option<String>,
    span: LineSpan,
    text: String,
}

fn step_rows(read: &TraceRead, blobs: &BlobStore) -> Vec<StepRow> {
    read.trace
        .steps
        .iter()
        .zip(&read.spans)
        .map(|(line, span)| {
            let mut text = String::new();
            let mut failure = None;
            let (name, failed, fingerprint) = match &line.event {
                Event::ModelCall(call) => {
                    messages_text(&call.input, blobs, &mut text);
                    if let Some(response) = &call.response {
                        message_text(response, &mut text);
                    }
                    if let Some(error) = &call.error {
                        push_line(&mut text, &format!("{}: {}", error.kind, error.message));
                    }
                    let fingerprint = call.error.as_ref().map(Fingerprint::of_model_error);
                    failure = call
                        .error
                        .as_ref()
                        .map(|e| normalize(&format!("{}: {}", e.kind, e.message)));
                    (call.model.clone(), call.error.is_some(), fingerprint)
                }
                Event::ToolCall(call) => {
                    push_line(&mut text, &call.name);
                    push_line(&mut text, &call.arguments.to_string());
                    let full = call
                        .output
                        .full
                        .as_ref()
                        .and_then(|b| blobs.get_text(b).ok());
                    match full {
                        Some(full) => push_line(&mut text, &excerpt(&full, MAX_BLOB_TEXT)),
                        None => push_line(&mut text, &call.output.excerpt),
                    }
                    if let Some(error) = &call.error {
                        push_line(&mut text, error);
                    }
                    failure = call.failure_text().map(|t| normalize(&t));
                    (
                        Some(call.name.clone()),
                        call.failed(),
                        Fingerprint::of_tool_call(call),
                    )
                }
                Event::Intervention(i) => {
                    for part in [Some(&i.kind), i.rule.as_ref(), Some(&i.trigger)]
                        .into_iter()
                        .flatten()
                    {
                        push_line(&mut text, part);
                    }
                    push_line(&mut text, &format!("{:?}", i.action).to_lowercase());
                    if let Some(message) = &i.message {
                        push_line(&mut text, message);
                    }
                    (Some(i.kind.clone()), false, None)
                }
                Event::Context(c) => {
                    if let Some(note) = &c.note {
                        push_line(&mut text, note);
                    }
                    let kind = serde_json::to_value(c.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned));
                    (kind, false, None)
                }
                Event::Finish(f) => {
                    push_line(&mut text, f.status.as_str());
                    if let Some(message) = &f.message {
                        push_line(&mut text, message);
                    }
                    (Some(f.status.as_str().to_owned()), false, None)
                }
                Event::Verifier(_) | Event::Header(_) => (None, false, None),
            };
            StepRow {
                seq: line.seq,
                kind: line.event.kind(),
                name,
                failed,
                fingerprint,
                failure,
                span: *span,
                text,
            }
        })
        .collect()
}

fn push_line(text: &mut String, part: &str) {
    if part.is_empty() {
        return;
    }
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(part);
}

fn message_text(message: &Message, text: &mut String) {
    push_line(text, &message.content);
    if let Some(reasoning) = &message.reasoning {
        push_line(text, reasoning);
    }
    for call in &message.tool_calls {
        push_line(text, &call.name);
        push_line(text, &call.arguments.to_string());
    }
}

fn messages_text(messages: &Messages, blobs: &BlobStore, text: &mut String) {
    match messages {
        Messages::Inline { messages } => {
            for message in messages {
                message_text(message, text);
            }
        }
        Messages::Stored { blob, .. } => {
            // A missing or unreadable blob leaves its text unsearchable; the step is kept.
            let Ok(bytes) = blobs.get(blob) else { return };
            let Ok(messages) = serde_json::from_slice::<Vec<Message>>(&bytes) else {
                return;
            };
            let mut body = String::new();
            for message in &messages {
                message_text(message, &mut body);
            }
            push_line(text, &excerpt(&body, MAX_BLOB_TEXT));
        }
    }
}

fn delete_trial(tx: &Transaction<'_>, trial: &str) -> rusqlite::Result<()> {
    for table in ["docs", "failures"] {
        tx.execute(
            &format!(
                "DELETE FROM {table} WHERE rowid IN (SELECT id FROM steps WHERE trial_id = ?1)"
            ),
            [trial],
        )?;
    }
    tx.execute("DELETE FROM steps WHERE trial_id = ?1", [trial])?;
    tx.execute("DELETE FROM trials WHERE trial_id = ?1", [trial])?;
    Ok(())
}

fn insert_trial(
    tx: &Transaction<'_>,
    read: &TraceRead,
    file_size: u64,
    rows: &[StepRow],
) -> rusqlite::Result<()> {
    let trace = &read.trace;
    let header = &trace.header;
    let totals = trace.totals();
    let verifier = trace.verifier();
    tx.execute(
        "INSERT INTO trials VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
         ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)",
        params![
            header.trial_id.as_str(),
            header.run_id,
            header.harness_hash.to_hex(),
            header.task_id,
            header.task_checksum,
            header.agent.name,
            header.model.name,
            header.seed.to_string(),
            header.repeat,
            header.split.as_str(),
            rfc3339(trace.started_at),
            rfc3339(trace.ended_at()),
            trace.steps.len() as i64,
            trace.finish().map(|f| f.status.as_str()),
            verifier.map(|v| v.outcome.as_str()),
            verifier.and_then(|v| v.reward),
            clamp_u64(totals.model_calls),
            clamp_u64(totals.tool_calls),
            clamp_u64(totals.failed_tool_calls),
            clamp_u64(totals.input_tokens),
            clamp_u64(totals.output_tokens),
            clamp_u64(totals.cached_tokens),
            totals.cost_usd,
            clamp_u64(file_size),
            read.torn.is_some(),
        ],
    )?;
    let mut step = tx.prepare_cached(
        "INSERT INTO steps (trial_id, seq, kind, name, failed, fingerprint, offset, len) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut doc = tx.prepare_cached("INSERT INTO docs (rowid, body) VALUES (?1, ?2)")?;
    let mut failure = tx.prepare_cached("INSERT INTO failures (rowid, body) VALUES (?1, ?2)")?;
    for row in rows {
        step.execute(params![
            header.trial_id.as_str(),
            clamp_u64(row.seq),
            row.kind,
            row.name,
            row.failed,
            row.fingerprint.map(|f| f.to_hex()),
            clamp_u64(row.span.offset),
            clamp_u64(row.span.len),
        ])?;
        let id = tx.last_insert_rowid();
        if !row.text.is_empty() {
            doc.execute(params![id, row.text])?;
        }
        if let Some(text) = row.failure.as_ref().filter(|t| !t.is_empty()) {
            failure.execute(params![id, text])?;
        }
    }
    Ok(())
}

const TRIAL_COLUMNS: &str = "t.trial_id, t.run_id, t.harness_hash, t.task_id, t.task_checksum, \
     t.agent, t.model, t.seed, t.repeat, t.split, t.started_at, t.ended_at, t.steps, t.finish, \
     t.outcome, t.reward, t.model_calls, t.tool_calls, t.failed_tool_calls, t.input_tokens, \
     t.output_tokens, t.cached_tokens, t.cost_usd, t.torn";

fn trial_summary(row: &rusqlite::Row<'_>) -> rusqlite::Result<TrialSummary> {
    Ok(TrialSummary {
        trial_id: trial_id(row, 0)?,
        run_id: row.get(1)?,
        harness_hash: parse_column(row, 2, |s| ContentHash::try_from(s.to_owned()).ok())?,
        task_id: row.get(3)?,
        task_checksum: row.get(4)?,
        agent: row.get(5)?,
        model: row.get(6)?,
        seed: parse_column(row, 7, |s| s.parse().ok())?,
        repeat: row.get(8)?,
        split: parse_column(row, 9, Split::parse)?,
        started_at: parse_column(row, 10, parse_rfc3339)?,
        ended_at: parse_column(row, 11, parse_rfc3339)?,
        steps: row.get::<_, i64>(12)? as u64,
        finish: optional_column(row, 13, FinishStatus::parse)?,
        outcome: optional_column(row, 14, OutcomeClass::parse)?,
        reward: row.get(15)?,
        totals: TraceTotals {
            model_calls: row.get::<_, i64>(16)? as u64,
            tool_calls: row.get::<_, i64>(17)? as u64,
            failed_tool_calls: row.get::<_, i64>(18)? as u64,
            input_tokens: row.get::<_, i64>(19)? as u64,
            output_tokens: row.get::<_, i64>(20)? as u64,
            cached_tokens: row.get::<_, i64>(21)? as u64,
            cost_usd: row.get(22)?,
        },
        torn: row.get(23)?,
    })
}

fn similar_row(row: &rusqlite::Row<'_>, by: SimilarBy) -> rusqlite::Result<SimilarFailure> {
    Ok(SimilarFailure {
        trial_id: trial_id(row, 0)?,
        seq: row.get::<_, i64>(1)? as u64,
        tool: row.get(2)?,
        fingerprint: optional_column(row, 3, |s| s.parse().ok())?,
        by,
    })
}

fn trial_id(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<TrialId> {
    parse_column(row, index, |s| TrialId::new(s).ok())
}

fn parse_column<T>(
    row: &rusqlite::Row<'_>,
    index: usize,
    parse: impl Fn(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    parse(&text).ok_or_else(|| bad_column(index, &text))
}

fn optional_column<T>(
    row: &rusqlite::Row<'_>,
    index: usize,
    parse: impl Fn(&str) -> Option<T>,
) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = row.get(index)?;
    text.map(|text| parse(&text).ok_or_else(|| bad_column(index, &text)))
        .transpose()
}

fn bad_column(index: usize, text: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        index,
        rusqlite::types::Type::Text,
        format!("unexpected value `{text}`").into(),
    )
}

fn push_filter(sql: &mut String, params: &mut Vec<Value>, filter: &TrialFilter) {
    let mut eq = |column: &str, value: Option<String>| {
        if let Some(value) = value {
            sql.push_str(&format!(" AND t.{column} = ?"));
            params.push(Value::Text(value));
        }
    };
    eq("run_id", filter.run_id.clone());
    eq("task_id", filter.task_id.clone());
    eq("harness_hash", filter.harness_hash.map(|h| h.to_hex()));
    eq("outcome", filter.outcome.map(|o| o.as_str().to_owned()));
    push_splits(sql, params, &filter.splits, "t");
}

/// `AND <alias>.split IN (...)` for the splits in scope.
fn push_splits(sql: &mut String, params: &mut Vec<Value>, scope: &SplitScope, alias: &str) {
    let splits = scope.splits();
    if splits.is_empty() {
        // `IN ()` is not SQL; an empty scope matches nothing.
        sql.push_str(" AND 0");
        return;
    }
    sql.push_str(&format!(" AND {alias}.split IN ("));
    sql.push_str(&vec!["?"; splits.len()].join(", "));
    sql.push(')');
    params.extend(splits.iter().map(|s| Value::Text(s.as_str().to_owned())));
}

/// An any-words query in FTS5 syntax: the words' quoted phrases joined with `OR`.
pub fn any_words_query(text: &str) -> String {
    quoted_words(text).join(" OR ")
}

/// A words query in FTS5 syntax: each whitespace-separated word with a letter or digit
/// becomes a quoted phrase (FTS5 tokenizes inside the quotes); all are required.
pub fn words_query(text: &str) -> String {
    quoted_words(text).join(" ")
}

fn quoted_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect()
}

/// The last distinct words of a normalized failure text worth matching on: at least four
/// characters, not a placeholder. Errors print last, so the last words are kept.
fn distinctive_terms(normalized: &str) -> Vec<String> {
    const SKIP: [&str; 8] = [
        "path", "hex", "line", "file", "most", "recent", "call", "last",
    ];
    let mut terms: Vec<String> = Vec::new();
    for word in normalized
        .rsplit(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4 && !SKIP.contains(w))
    {
        if terms.len() == SIMILAR_TERMS {
            break;
        }
        if !terms.iter().any(|t| t == word) {
            terms.push(word.to_owned());
        }
    }
    terms
}

/// The message of a query error SQLite blames on the query (plain `SQLITE_ERROR`: FTS5
/// syntax, unknown column filters, unterminated strings), as opposed to I/O or corruption.
fn fts_error(e: &rusqlite::Error) -> Option<String> {
    match e {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error {
                code: rusqlite::ErrorCode::Unknown,
                ..
            },
            message,
        ) => Some(
            message
                .clone()
                .unwrap_or_else(|| "invalid query".to_owned()),
        ),
        _ => None,
    }
}

fn is_not_a_database(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error {
                code: rusqlite::ErrorCode::NotADatabase,
                ..
            },
            _
        )
    )
}

fn rfc3339(ts: OffsetDateTime) -> String {
    ts.format(&Rfc3339).unwrap_or_default()
}

fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

fn clamp_u64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn clamp_i64(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_quoted_phrases() {
        assert_eq!(
            words_query("ModuleNotFoundError: 'numpy' -- \"x\""),
            "\"ModuleNotFoundError:\" \"'numpy'\" \"\"\"x\"\"\""
        );
        assert_eq!(words_query("  -- :: "), "");
    }

    #[test]
    fn distinctive_terms_prefer_the_end() {
        let terms = distinctive_terms(&normalize(
            "Traceback (most recent call last): File \"/app/x.py\", line 3\n\
             ModuleNotFoundError: No module named 'numpy'",
        ));
        assert_eq!(terms[0], "numpy");
        assert!(terms.contains(&"modulenotfounderror".to_owned()));
        assert!(!terms.iter().any(|t| t == "path" || t == "line"));
    }
}
