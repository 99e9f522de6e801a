//! The weakness report: structured (serde, with a JSON Schema) and bounded.
//!
//! Every text in it comes from the agent's side of a trace (commands, outputs, errors the
//! tools printed) or from the miner; the verifier contributes only outcome classes and
//! rewards (the trace model has no field for its output). Each cluster carries bounded
//! exemplars and references to the full traces (trial ids, step numbers, blobs of full
//! outputs), so a reader can go to the source.

use std::collections::BTreeMap;

use harness_trace::BlobRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::attribution::Attribution;
use crate::detect::BehaviourTag;
use crate::scope::MineScope;
use crate::trial::{Action, TrialView};

/// Value of [`WeaknessReport::format`] written by this version.
pub const REPORT_FORMAT: &str = "harness-miner/1";

/// Bytes of a command kept in an excerpt.
const COMMAND_BYTES: usize = 300;
/// Head and tail bytes of an output kept in an excerpt.
const OUTPUT_HEAD: usize = 240;
const OUTPUT_TAIL: usize = 160;

/// The output formats of `harness mine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// Markdown for people and proposers.
    Md,
    /// The structured report as JSON.
    Json,
}

/// Where a trial's full trace is.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub struct TraceRef {
    /// Run id.
    pub run_id: String,
    /// Trial id (its trace is `traces/<trial_id>.jsonl` in a run directory).
    pub trial_id: String,
    /// Task id.
    pub task_id: String,
    /// Repeat index.
    pub repeat: u32,
}

impl TraceRef {
    /// The reference of a trial.
    pub fn of(trial: &TrialView) -> Self {
        Self {
            run_id: trial.run_id.clone(),
            trial_id: trial.trial_id.to_string(),
            task_id: trial.task_id.clone(),
            repeat: trial.repeat,
        }
    }
}

/// One step of a trace, bounded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StepExcerpt {
    /// Sequence number of the step in the trace.
    pub seq: u64,
    /// Tool name.
    pub tool: String,
    /// The command (or tool arguments), bounded.
    pub call: String,
    /// Exit code, if the call ran a process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The error, if the call failed outside its output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The output's head and tail.
    pub output: String,
    /// Full output length, bytes.
    pub output_bytes: u64,
    /// The full output, when stored apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_output: Option<BlobRef>,
    /// Identical consecutive calls this step stands for.
    pub repeats: u32,
}

impl StepExcerpt {
    /// The excerpt of an action.
    pub fn of(action: &Action) -> Self {
        let output = match action.same_output_as {
            Some(seq) => format!("[same output as step {seq}]"),
            None => harness_core::clip_head_tail(&action.output, OUTPUT_HEAD, OUTPUT_TAIL),
        };
        Self {
            seq: action.seq,
            tool: action.tool.clone(),
            call: harness_core::clip_head_tail(
                &action.display(),
                COMMAND_BYTES * 2 / 3,
                COMMAND_BYTES / 3,
            ),
            exit_code: action.exit_code,
            error: action
                .error
                .as_deref()
                .map(|e| harness_core::clip_head_tail(e, OUTPUT_HEAD, OUTPUT_TAIL)),
            output,
            output_bytes: action.output_bytes,
            full_output: action.full_output,
            repeats: action.repeats,
        }
    }

    /// The same excerpt with its texts cut to `head` + `tail` bytes.
    pub fn shrunk(&self, head: usize, tail: usize) -> Self {
        let clip = |t: &str| harness_core::clip_head_tail(t, head, tail);
        Self {
            call: clip(&self.call),
            error: self.error.as_deref().map(clip),
            output: clip(&self.output),
            ..self.clone()
        }
    }
}

/// One trial shown as an example of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Exemplar {
    /// The trial.
    pub trial: TraceRef,
    /// What the detector saw, in a line.
    pub detail: String,
    /// The steps that show it.
    pub steps: Vec<StepExcerpt>,
}

/// One weakness: a behaviour (and error) recurring across failed trials of several tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ClusterReport {
    /// Stable id: the tag, or `tag/fingerprint` for a cluster of one recurring error.
    pub id: String,
    /// Rank, from 1.
    pub rank: usize,
    /// The behaviour.
    pub tag: BehaviourTag,
    /// The normalized error the members share, if the cluster is one error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Failed trials in the cluster.
    pub failures: usize,
    /// Distinct tasks of those trials.
    pub tasks_affected: usize,
    /// Mean severity (one minus the reward).
    pub severity: f64,
    /// Ranking score: tasks affected times severity.
    pub score: f64,
    /// The tasks (at most a few; `tasks_affected` counts them all).
    pub tasks: Vec<String>,
    /// Outcome classes of the members, counted.
    pub outcomes: BTreeMap<String, usize>,
    /// How the members' runs ended, counted.
    pub terminals: BTreeMap<String, usize>,
    /// Components that could address it, with reasons.
    pub components: Vec<Attribution>,
    /// Passing trials of the same tasks that show the behaviour too: a behaviour as common
    /// in passes as in failures explains little.
    pub passing_with_behaviour: usize,
    /// Passing trials of the same tasks.
    pub passing_trials: usize,
    /// What passing trials of the same tasks share: what an edit must preserve.
    pub preserve: Vec<String>,
    /// Example trials with bounded excerpts.
    pub exemplars: Vec<Exemplar>,
    /// References to member trials (at most a few; `failures` counts them all).
    pub trials: Vec<TraceRef>,
    /// The answer of the optional question-answering layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<String>,
}

/// The miner's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct WeaknessReport {
    /// [`REPORT_FORMAT`].
    pub format: String,
    /// The splits mined.
    pub scope: MineScope,
    /// Trials read (every outcome).
    pub trials: usize,
    /// Tasks among them.
    pub tasks: usize,
    /// Trials that passed.
    pub passed: usize,
    /// Trials that failed (fail, partial, no reward).
    pub failed: usize,
    /// Trials left out: errors of the infrastructure, model server or verifier, or unscored.
    pub excluded: usize,
    /// Failed trials in at least one recurring cluster (reported or left out for the budget).
    pub clustered: usize,
    /// Behaviour tags over all failed trials, counted (reported clusters or not).
    pub behaviours: BTreeMap<String, usize>,
    /// The same over all passing trials: a behaviour as common there explains little.
    pub passing_behaviours: BTreeMap<String, usize>,
    /// The budget of the rendered report, in estimated tokens.
    pub budget_tokens: usize,
    /// Estimated tokens of the rendered markdown.
    pub rendered_tokens: usize,
    /// Clusters, best first.
    pub clusters: Vec<ClusterReport>,
    /// Clusters that recurred but did not fit the budget.
    pub omitted_clusters: usize,
}

impl WeaknessReport {
    /// An empty report over `scope`.
    pub fn empty(scope: MineScope, budget_tokens: usize) -> Self {
        Self {
            format: REPORT_FORMAT.to_owned(),
            scope,
            trials: 0,
            tasks: 0,
            passed: 0,
            failed: 0,
            excluded: 0,
            clustered: 0,
            behaviours: BTreeMap::new(),
            passing_behaviours: BTreeMap::new(),
            budget_tokens,
            rendered_tokens: 0,
            clusters: Vec::new(),
            omitted_clusters: 0,
        }
    }

    /// The JSON Schema of the report.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(WeaknessReport)).unwrap_or_default()
    }

    /// The ids of reported clusters holding `trial_id`.
    pub fn clusters_of(&self, trial_id: &str) -> Vec<&ClusterReport> {
        self.clusters
            .iter()
            .filter(|c| c.trials.iter().any(|t| t.trial_id == trial_id))
            .collect()
    }
}
