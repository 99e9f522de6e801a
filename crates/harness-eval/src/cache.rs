//! [`ScoreCache`]: score records by trial key, in an append-only journal that survives the
//! process. A trial scored under a key is never run again under that key, in this process or
//! the next.
//!
//! The journal is JSON lines, one [`ScoreRecord`] each, written with one `write` call and
//! synced before [`ScoreCache::insert`] returns, so a kill loses at most the record being
//! written (a torn last line, skipped on open). Only records that count toward a score are
//! cached: a trial decided by the model server or the infrastructure
//! ([`OutcomeClass::is_excluded_from_score`]) says nothing about the harness and is run again.
//!
//! [`ScoreRecord`]: harness_types::ScoreRecord
//! [`OutcomeClass::is_excluded_from_score`]: harness_types::OutcomeClass::is_excluded_from_score

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use harness_tasks::ScoredTrials;
use harness_types::{ContentHash, ScoreRecord, TrialKey};

use crate::error::EvalError;
use crate::journal;

/// File name of the journal inside a cache folder.
pub const JOURNAL_FILE: &str = "scores.jsonl";

/// Score records by [`TrialKey::digest`], backed by a journal.
#[derive(Debug)]
pub struct ScoreCache {
    path: PathBuf,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// `None` for a cache over a job's own journal, which the job runner writes.
    file: Option<File>,
    records: HashMap<ContentHash, ScoreRecord>,
}

impl ScoreCache {
    /// Open (or create) the cache whose journal is `<dir>/scores.jsonl`, reading every record
    /// in it. A torn last line (a writer killed mid-line) is ignored; any other bad line is
    /// an error naming it, and nothing is dropped.
    pub fn open(dir: &Path) -> Result<Self, EvalError> {
        std::fs::create_dir_all(dir).map_err(|e| EvalError::io(dir, e))?;
        let path = dir.join(JOURNAL_FILE);
        let (list, file) = journal::open::<ScoreRecord>(&path)?;
        Ok(Self::of(path, list, Some(file)))
    }

    /// The cache of `list`'s scored records. A job's own `scores.jsonl` holds errored trials
    /// too; they are no scores.
    fn of(path: PathBuf, list: Vec<ScoreRecord>, file: Option<File>) -> Self {
        let records: HashMap<ContentHash, ScoreRecord> = list
            .into_iter()
            .filter(ScoreRecord::is_scored)
            .map(|r| (r.key.digest(), r))
            .collect();
        Self {
            path,
            inner: Mutex::new(Inner { file, records }),
        }
    }

    /// The cache of one job folder: the scored records of its own `scores.jsonl`, which the
    /// job runner appends and syncs as each trial ends (before the evaluator hears of it), so
    /// [`ScoreCache::insert`] only indexes. Opening creates nothing: a job folder that does
    /// not exist yet gives an empty cache. Use it with an evaluator whose plans run in that
    /// folder (`harness run`, `--resume`).
    pub fn over_job(job_dir: &Path) -> Result<Self, EvalError> {
        let list = harness_tasks::read_job_scores(job_dir)?;
        Ok(Self::of(job_dir.join(JOURNAL_FILE), list, None))
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The record scored under `key`, if any.
    pub fn get(&self, key: &TrialKey) -> Option<ScoreRecord> {
        self.lock().records.get(&key.digest()).cloned()
    }

    /// Every record, in key order (for analyses over a whole run).
    pub fn records(&self) -> Vec<ScoreRecord> {
        let inner = self.lock();
        let mut all: Vec<(&ContentHash, &ScoreRecord)> = inner.records.iter().collect();
        all.sort_by(|a, b| a.0.cmp(b.0));
        all.into_iter().map(|(_, r)| r.clone()).collect()
    }

    /// How many keys have a record.
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether no key has a record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Record `record` durably. Returns false (and writes nothing) for a record that does
    /// not count toward a score, or whose key has a record already.
    pub fn insert(&self, record: &ScoreRecord) -> Result<bool, EvalError> {
        if !record.is_scored() {
            return Ok(false);
        }
        let digest = record.key.digest();
        let mut inner = self.lock();
        if inner.records.contains_key(&digest) {
            return Ok(false);
        }
        if let Some(file) = &mut inner.file {
            journal::append(file, &self.path, record)?;
        }
        inner.records.insert(digest, record.clone());
        Ok(true)
    }
}

impl ScoreCache {
    /// Whether `key` has a record.
    pub fn is_scored_key(&self, key: &TrialKey) -> bool {
        self.lock().records.contains_key(&key.digest())
    }
}

impl ScoredTrials for ScoreCache {
    fn is_scored(&self, key: &TrialKey) -> bool {
        self.is_scored_key(key)
    }
}
