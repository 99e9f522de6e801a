//! Importers: traces of agents we did not run, turned into our trace model so that they can
//! be stored, searched and mined like our own.
//!
//! - [`mini_swe`](crate::import::mini_swe): mini-swe-agent trajectories (`*.traj.json`, formats `mini-swe-agent-1`
//!   and `mini-swe-agent-1.1`), outcomes from a sidecar ([`outcomes`](crate::import::outcomes)).
//! - [`harbor_job`](crate::import::harbor_job): Harbor job folders (ATIF `agent/trajectory.json` per trial, the outcome
//!   from the trial's `result.json`).
//!
//! Verifier details that come with imported data (test names in a SWE-bench `report.json`,
//! Harbor's `verifier/test-stdout.txt`) are quarantined as our own verifier's output is:
//! only a reward and an outcome class enter a trace; the readers deserialize nothing else.
//!
//! A file that cannot be read is reported with its path and the reason
//! ([`ImportProblem`](crate::import::ImportProblem)) and skipped; the rest imports. Parsers work on untrusted bytes and
//! never panic (property tests check it).

pub mod harbor_job;
pub mod mini_swe;
pub mod outcomes;

use std::collections::BTreeMap;
use std::path::PathBuf;

use harness_types::ContentHash;
use time::{Duration, OffsetDateTime};

use crate::TraceError;
use crate::event::{
    AgentInfo, Event, Message, Messages, ModelCall, ModelInfo, OutcomeClass, Role, Split,
    TRACE_FORMAT, TokenUsage, ToolCallRequest, ToolOutput, TraceHeader, VerifierOutcome,
};
use crate::layout::TrialId;
use crate::sink::{DEFAULT_EXCERPT_BYTES, excerpt};
use crate::store::TraceStore;
use crate::trace::TrialTrace;

/// The label naming where an imported trial came from.
pub const SOURCE_LABEL: &str = "imported_from";

/// Options shared by the importers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// The run id the imported trials get (their ids are `<run>.<task>__<repeat>`).
    pub run_id: String,
    /// The split they are put in (held-in by default, so that mining sees them).
    pub split: Split,
}

impl ImportOptions {
    /// Import into run `run_id`, split held-in.
    pub fn new(run_id: impl Into<String>) -> Self {
        Self {
            run_id: run_id.into(),
            split: Split::HeldIn,
        }
    }
}

/// A file that could not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    /// The file (or folder).
    pub path: PathBuf,
    /// What is wrong, naming the field when one is.
    pub reason: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

/// One imported trial: the trace, with the full text of outputs too long for an excerpt
/// (stored as blobs when the trial is put in a store).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedTrial {
    /// The trace; long outputs hold an excerpt and no blob yet.
    pub trace: TrialTrace,
    /// `(step index, full output)` for the excerpted outputs.
    pub full_outputs: Vec<(usize, String)>,
}

impl ImportedTrial {
    /// Store the long outputs as blobs, then the trace.
    pub async fn put(mut self, store: &dyn TraceStore) -> Result<TrialId, TraceError> {
        for (index, text) in std::mem::take(&mut self.full_outputs) {
            let blob = store.put_blob(text.into_bytes()).await?;
            if let Some(line) = self.trace.steps.get_mut(index)
                && let Event::ToolCall(call) = &mut line.event
            {
                call.output.full = Some(blob);
            }
        }
        let id = self.trace.header.trial_id.clone();
        store.put(&self.trace).await?;
        Ok(id)
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Trials stored.
    pub imported: Vec<TrialId>,
    /// Trials without an outcome (stored without a verifier step).
    pub without_outcome: Vec<TrialId>,
    /// Files skipped, with reasons.
    pub problems: Vec<ImportProblem>,
}

/// Builds an imported trace: a header, then events one second apart from a start time
/// (imported formats rarely carry timestamps per step).
#[derive(Debug)]
pub(crate) struct TraceBuilder {
    trace: TrialTrace,
    full_outputs: Vec<(usize, String)>,
    clock: OffsetDateTime,
}

/// Identity of an imported trial.
pub(crate) struct ImportedIdentity<'a> {
    pub source: &'a str,
    pub task_id: &'a str,
    pub repeat: u32,
    pub agent: AgentInfo,
    pub model: ModelInfo,
    /// Bytes whose hash stands for the harness (the agent's configuration).
    pub harness: &'a [u8],
    pub started_at: Option<OffsetDateTime>,
}

impl TraceBuilder {
    pub(crate) fn new(options: &ImportOptions, identity: ImportedIdentity<'_>) -> Self {
        let started = identity.started_at.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let header = TraceHeader {
            format: TRACE_FORMAT.to_owned(),
            run_id: options.run_id.clone(),
            trial_id: TrialId::scoped(
                &options.run_id,
                &format!("{}__{}", identity.task_id, identity.repeat),
            ),
            harness_hash: ContentHash::of_bytes(identity.harness),
            task_id: identity.task_id.to_owned(),
            task_checksum: ContentHash::of_bytes(identity.task_id.as_bytes()).to_hex(),
            agent: identity.agent,
            model: identity.model,
            seed: 0,
            repeat: identity.repeat,
            split: options.split,
            labels: BTreeMap::from([(SOURCE_LABEL.to_owned(), identity.source.to_owned())]),
        };
        Self {
            trace: TrialTrace::new(header, started),
            full_outputs: Vec::new(),
            clock: started,
        }
    }

    /// Append `event`, at `ts` or a second after the previous one.
    pub(crate) fn push(&mut self, ts: Option<OffsetDateTime>, event: Event) {
        self.clock = ts.unwrap_or(self.clock + Duration::seconds(1));
        self.trace.push(self.clock, event);
    }

    /// A tool output: whole when short, an excerpt otherwise (the full text kept for a
    /// blob, attached to the next pushed step).
    pub(crate) fn output(&mut self, text: String) -> ToolOutput {
        if text.len() <= DEFAULT_EXCERPT_BYTES {
            return ToolOutput::inline(text);
        }
        let output = ToolOutput {
            excerpt: excerpt(&text, DEFAULT_EXCERPT_BYTES),
            total_bytes: text.len() as u64,
            full: None,
        };
        self.full_outputs.push((self.trace.steps.len(), text));
        output
    }

    /// Append a model turn: its new input messages and the assistant's reply.
    pub(crate) fn model_call(&mut self, ts: Option<OffsetDateTime>, turn: ImportedTurn) {
        self.push(
            ts,
            Event::ModelCall(ModelCall {
                turn: turn.turn,
                model: turn.model,
                input: Messages::Inline {
                    messages: turn.input,
                },
                response: Some(Message {
                    role: Role::Assistant,
                    content: turn.content,
                    reasoning: turn.reasoning,
                    tool_calls: turn.tool_calls,
                    tool_call_id: None,
                }),
                usage: turn.usage,
                latency_ms: 0,
                cost_usd: turn.cost_usd.filter(|c| c.is_finite()),
                finish_reason: None,
                error: None,
                retries: Vec::new(),
            }),
        );
    }

    /// Append the verifier's verdict made from a reward (none: no step).
    pub(crate) fn verdict(&mut self, reward: Option<f64>, class: Option<OutcomeClass>) {
        let reward = reward.filter(|r| r.is_finite());
        let outcome = match (class, reward) {
            (Some(class), _) => class,
            (None, Some(r)) => OutcomeClass::from_reward(r),
            (None, None) => return,
        };
        self.push(
            None,
            Event::Verifier(VerifierOutcome {
                outcome,
                rewards: reward
                    .map(|r| BTreeMap::from([("reward".to_owned(), r)]))
                    .unwrap_or_default(),
                reward,
                duration_ms: None,
            }),
        );
    }

    pub(crate) fn finish(self) -> ImportedTrial {
        ImportedTrial {
            trace: self.trace,
            full_outputs: self.full_outputs,
        }
    }
}

/// One model turn of an imported format.
pub(crate) struct ImportedTurn {
    pub turn: u32,
    pub model: Option<String>,
    pub input: Vec<Message>,
    pub content: String,
    pub reasoning: Option<String>,
    pub tool_calls: Vec<ToolCallRequest>,
    pub usage: TokenUsage,
    pub cost_usd: Option<f64>,
}

/// Text of a JSON value that should be a string (others rendered as JSON).
pub(crate) fn text_of(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        // Content as a list of parts: `[{"type": "text", "text": ...}, ...]`.
        serde_json::Value::Array(parts) => parts
            .iter()
            .map(|p| match p.get("text") {
                Some(t) => text_of(t),
                None => text_of(p),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

/// Import every `*.traj.json` under `src` into `store`, with outcomes from `outcomes`.
pub async fn import_mini_swe(
    src: &std::path::Path,
    outcomes: &outcomes::Outcomes,
    options: &ImportOptions,
    store: &dyn TraceStore,
) -> ImportReport {
    let files = mini_swe::find_trajectories(src);
    import_each(src, files, "no *.traj.json file found", store, |path| {
        mini_swe::read(path, outcomes, options)
    })
    .await
}

/// Import every trial folder of the Harbor job folder `src` into `store`.
pub async fn import_harbor_job(
    src: &std::path::Path,
    options: &ImportOptions,
    store: &dyn TraceStore,
) -> ImportReport {
    let trials = harbor_job::find_trials(src);
    import_each(
        src,
        trials,
        "no trial folder (with result.json) found",
        store,
        |dir| harbor_job::read(dir, options),
    )
    .await
}

/// Read each of `paths` with `read` and store what reads; `none` is the problem when there
/// is nothing to read.
async fn import_each(
    src: &std::path::Path,
    paths: Vec<PathBuf>,
    none: &str,
    store: &dyn TraceStore,
    read: impl Fn(&std::path::Path) -> Result<ImportedTrial, ImportProblem>,
) -> ImportReport {
    let mut report = ImportReport::default();
    if paths.is_empty() {
        report.problems.push(ImportProblem {
            path: src.to_owned(),
            reason: none.to_owned(),
        });
    }
    for path in paths {
        store_one(read(&path), &path, store, &mut report).await;
    }
    report
}

async fn store_one(
    parsed: Result<ImportedTrial, ImportProblem>,
    path: &std::path::Path,
    store: &dyn TraceStore,
    report: &mut ImportReport,
) {
    let trial = match parsed {
        Ok(trial) => trial,
        Err(problem) => {
            report.problems.push(problem);
            return;
        }
    };
    let scored = trial.trace.verifier().is_some();
    match trial.put(store).await {
        Ok(id) => {
            if !scored {
                report.without_outcome.push(id.clone());
            }
            report.imported.push(id);
        }
        Err(e) => report.problems.push(ImportProblem {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
    }
}
