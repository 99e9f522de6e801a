//! [`RunView`]: everything the report shows, computed once from a run directory. The HTML
//! and markdown renderers only format it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use harness_evolve::{
    ABLATION_FILE, Ablation, BUDGET_MATCHED_FILE, BudgetMatched, EvolveConfig, EvolveSummary,
    REPORTS_DIR, RunState, SUMMARY_FILE,
};
use harness_gate::stats::clustered_mean_interval;
use harness_miner::WeaknessReport;
use harness_proposer::{PredictionAccuracy, PredictionCounts, ProposalRecord, RecordStatus};
use harness_types::{ContentHash, ScoreRecord, Split};
use serde::Deserialize;

use crate::error::ReportError;

/// Coverage of every interval in the report.
pub const LEVEL: f64 = 0.95;

/// How the score intervals are computed, for the reader.
pub const INTERVAL_METHOD: &str = "95% Student-t intervals clustered by task \
(harness-gate's clustered_mean_interval: the repeats of one task are one cluster), clipped to [0, 1]";

/// AHE's published prediction accuracy for its own proposer, the reference line.
pub const AHE_REFERENCE: &str = "AHE (reference): fix precision 33.7 %, fix recall 51.4 %; \
risk precision 11.8 %, risk recall 11.1 %";

/// A mean reward with its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mean {
    /// Mean reward over the cells.
    pub mean: f64,
    /// Lower end of the [`LEVEL`] interval.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Cells (task, repeat) with a reward.
    pub cells: usize,
    /// Distinct tasks (clusters).
    pub tasks: usize,
}

impl Mean {
    /// The mean of `(task, reward)` cells with its interval clustered by task; `None`
    /// without cells.
    pub fn of<'a>(cells: impl IntoIterator<Item = (&'a str, f64)>) -> Option<Mean> {
        let cells: Vec<(&str, f64)> = cells.into_iter().collect();
        if cells.is_empty() {
            return None;
        }
        let tasks = cells.iter().map(|(t, _)| *t).collect::<BTreeSet<_>>().len();
        let i = clustered_mean_interval(cells.iter().copied(), LEVEL);
        Some(Mean {
            mean: i.estimate,
            low: i.low.clamp(0.0, 1.0),
            high: i.high.clamp(0.0, 1.0),
            cells: cells.len(),
            tasks,
        })
    }
}

/// One harness's scores: a generation's parent, or the final harness.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    /// `generation N` or `final`.
    pub label: String,
    /// The generation whose parent it is (`None` for the final harness).
    pub generation: Option<u32>,
    /// The harness's short content hash.
    pub harness: String,
    /// Held-in.
    pub held_in: Option<Mean>,
    /// Validation.
    pub validation: Option<Mean>,
    /// The sealed test split: only ever set for the seed's row and the final harness's.
    pub test: Option<Mean>,
}

/// Rollouts, tokens and dollars.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spend {
    /// Trials run (not answered from the cache).
    pub rollouts: u64,
    /// Tokens.
    pub tokens: u64,
    /// Dollars.
    pub usd: f64,
}

impl Spend {
    fn add(&mut self, rollouts: u64, tokens: u64, usd: f64) {
        self.rollouts += rollouts;
        self.tokens += tokens;
        self.usd += usd;
    }
}

/// What one generation (or the final sealed evaluation) spent on trials, beside the
/// baseline protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationSpend {
    /// `generation N` or `final (test)`.
    pub label: String,
    /// The generation, `None` for the final evaluation.
    pub generation: Option<u32>,
    /// The trials charged to it in the ledger.
    pub spend: Spend,
    /// Model calls outside trials charged in it, by ledger heading (`proposer`, `advisor`,
    /// `miner-qa`).
    pub calls: BTreeMap<String, Spend>,
    /// Trials the baseline protocol would have run for it.
    pub baseline_rollouts: Option<u64>,
}

/// What one ledger heading spent over the run (`agent` for trials; `proposer`, `advisor`,
/// `miner-qa` for model calls outside trials).
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseSpend {
    /// The heading.
    pub phase: String,
    /// Its spending.
    pub spend: Spend,
}

/// Where a proposal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Promoted by the gate.
    Accepted,
    /// Refused by the gate.
    Rejected,
    /// Stopped by a guard before evaluation.
    Refused,
    /// Not decided yet.
    Pending,
}

impl Outcome {
    /// The word shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Rejected => "rejected",
            Outcome::Refused => "refused by guards",
            Outcome::Pending => "pending",
        }
    }
}

/// One proposal with its claim, its verdict, the gate's evidence and its diff.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalView {
    /// The generation it was proposed in.
    pub generation: u32,
    /// Its id (`refused-<n>` for change lists the guards refused).
    pub id: String,
    /// Who proposed it.
    pub proposer: String,
    /// The weakness cluster it targets.
    pub cluster: String,
    /// The surface it edits.
    pub surface: String,
    /// Tasks it predicted to fix.
    pub predicted_fixes: Vec<String>,
    /// Tasks it declared at risk.
    pub at_risk: Vec<String>,
    /// The root cause it claims.
    pub root_cause: String,
    /// Its reasoning.
    pub rationale: String,
    /// Where it ended.
    pub outcome: Outcome,
    /// The verdict (`EFFECTIVE`, ...), once graded.
    pub verdict: Option<String>,
    /// The gate's reason, or the guards' reasons.
    pub reason: String,
    /// The gate's p-value.
    pub p_value: Option<f64>,
    /// Mean paired difference, candidate minus parent.
    pub effect: Option<f64>,
    /// Its interval.
    pub interval: Option<(f64, f64)>,
    /// Tasks the gate saw go from fail to pass.
    pub fixed: Vec<String>,
    /// Tasks the gate saw go from pass to fail.
    pub regressed: Vec<String>,
    /// The cascade stage the decision came after.
    pub stage: Option<String>,
    /// Unified diff from the parent version to the candidate.
    pub diff: String,
}

/// The proposer's prediction accuracy over the evaluated proposals.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Accuracy {
    /// Proposals the gate evaluated.
    pub evaluated: usize,
    /// Predicted fixes over those.
    pub predicted_fixes: usize,
    /// Of those, fixed.
    pub fix_hits: usize,
    /// Tasks fixed.
    pub fixes: usize,
    /// Tasks declared at risk.
    pub predicted_risks: usize,
    /// Of those, regressed.
    pub risk_hits: usize,
    /// Tasks regressed.
    pub regressions: usize,
    /// The ratios.
    pub ratios: PredictionAccuracy,
}

/// One weakness cluster's size (failed trials) in each generation's report.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterRow {
    /// The cluster id.
    pub id: String,
    /// Failed trials per generation, in [`ClusterTable::generations`] order (`None`: absent).
    pub sizes: Vec<Option<usize>>,
}

/// Cluster x generation sizes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterTable {
    /// Generations with a weakness report.
    pub generations: Vec<u32>,
    /// One row per cluster seen in any of them.
    pub rows: Vec<ClusterRow>,
}

/// Everything the report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    /// The run directory's name.
    pub name: String,
    /// The seed's short content hash.
    pub seed: String,
    /// The final harness's short content hash (the current parent while the run is under way).
    pub final_harness: String,
    /// Whether the final evaluation is done.
    pub finished: bool,
    /// Why the loop stopped.
    pub stopped: Option<String>,
    /// Generations finished.
    pub generations: u32,
    /// Accepted proposal ids the final harness holds.
    pub accepted: Vec<String>,
    /// Scores: one row per generation's parent, then the final harness.
    pub scores: Vec<ScoreRow>,
    /// Spending per generation and for the final evaluation.
    pub spend: Vec<GenerationSpend>,
    /// Spending per ledger heading.
    pub phases: Vec<PhaseSpend>,
    /// Trials the loop ran (ours, before the final evaluation).
    pub rollouts: u64,
    /// Trials the baseline protocol needs for the same generations.
    pub baseline_rollouts: u64,
    /// Wall seconds over the run.
    pub wall_seconds: f64,
    /// Of those, the loop's own overhead.
    pub overhead_seconds: f64,
    /// Every proposal.
    pub proposals: Vec<ProposalView>,
    /// The proposer's prediction accuracy.
    pub accuracy: Accuracy,
    /// Weakness clusters per generation.
    pub clusters: ClusterTable,
    /// The ablation, when computed.
    pub ablation: Option<Ablation>,
    /// The budget-matched baseline, when computed.
    pub budget_matched: Option<BudgetMatched>,
    /// Notes about what could not be shown (a lineage that could not be read, ...).
    pub notes: Vec<String>,
}

/// One ledger line (`harness_eval`'s journal of charges).
#[derive(Debug, Deserialize)]
struct Charge {
    trial: String,
    #[serde(default)]
    tokens: u64,
    #[serde(default)]
    usd: f64,
    #[serde(default = "one")]
    rollouts: u64,
}

fn one() -> u64 {
    1
}

/// The ledger's file name in a run directory.
pub const LEDGER_FILE: &str = "ledger.jsonl";
/// The evaluation cache's file name in a run directory.
pub const SCORES_FILE: &str = "scores.jsonl";

impl RunView {
    /// Read the run directory `run`.
    pub fn load(run: &Path) -> Result<RunView, ReportError> {
        if !run.is_dir() {
            return Err(ReportError::Missing {
                path: run.to_path_buf(),
                message: "not a directory".into(),
            });
        }
        let state_path = RunState::path(run);
        let state = RunState::load(run)
            .map_err(|e| malformed(state_path.clone(), e))?
            .ok_or_else(|| ReportError::Missing {
                path: state_path.clone(),
                message: "missing: not a run directory (`harness evolve` writes one)".into(),
            })?;
        let summary: Option<EvolveSummary> = read_json(&run.join(SUMMARY_FILE))?;
        let final_hash = match &summary {
            Some(s) => {
                ContentHash::parse_hex(&s.final_harness).map_err(|e| ReportError::Malformed {
                    path: run.join(SUMMARY_FILE),
                    line: None,
                    message: format!("field `final_harness`: {e}"),
                })?
            }
            None => state.parent,
        };
        let finished = summary.is_some() && state.finished;
        let records: Vec<ScoreRecord> = read_jsonl(&run.join(SCORES_FILE))?;
        let charges: Vec<Charge> = read_jsonl(&run.join(LEDGER_FILE))?;
        let events: Vec<serde_json::Value> = read_jsonl(&run.join(harness_evolve::EVENTS_FILE))?;
        let stages = stages(&events);
        let mut notes = Vec::new();

        // The sealed evaluation's repeats: later analyses (the budget-matched arm) add more
        // samples of the seed on the test split, which are not the run's figure.
        let repeats = EvolveConfig::load(&run.join("config.yaml"))
            .ok()
            .map(|c| c.repeats);
        let sealed: Vec<ScoreRecord> = records
            .iter()
            .filter(|r| r.split != Split::Test || repeats.is_none_or(|n| r.key.repeat < n))
            .cloned()
            .collect();
        let scores = score_rows(&state, final_hash, finished, &sealed);
        let (spend, phases) = spending(&state, &charges, &events);
        let proposals = proposal_views(run, &state, &stages, &mut notes);
        let accuracy = accuracy(&state.history.records);
        let clusters = cluster_table(run, &state)?;
        let ablation = harness_evolve::read_analysis::<Ablation>(run, ABLATION_FILE)
            .map_err(|e| malformed_analysis(run, ABLATION_FILE, e))?;
        let budget_matched =
            harness_evolve::read_analysis::<BudgetMatched>(run, BUDGET_MATCHED_FILE)
                .map_err(|e| malformed_analysis(run, BUDGET_MATCHED_FILE, e))?;
        if summary.is_none() {
            notes.push(format!(
                "{SUMMARY_FILE} is absent: the run has not finished; the last parent stands \
                 in for the final harness and the sealed test split is not shown"
            ));
        }
        let baseline_rollouts = summary.as_ref().map_or_else(
            || state.generations.iter().map(|g| g.baseline_rollouts).sum(),
            |s| s.baseline_rollouts,
        );
        Ok(RunView {
            name: run
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| run.display().to_string()),
            seed: state.seed.short(),
            final_harness: final_hash.short(),
            finished,
            stopped: summary
                .as_ref()
                .map(|s| s.stopped.clone())
                .or_else(|| state.stopped.clone()),
            generations: state.generation,
            accepted: state.accepted_changes.clone(),
            scores,
            spend,
            phases,
            rollouts: summary.as_ref().map_or(state.rollouts, |s| s.rollouts),
            baseline_rollouts,
            wall_seconds: state.wall_seconds,
            overhead_seconds: state.overhead_seconds,
            proposals,
            accuracy,
            clusters,
            ablation,
            budget_matched,
            notes,
        })
    }

    /// The one-line headline of the run.
    pub fn headline(&self) -> String {
        let pick = |row: Option<&ScoreRow>| {
            row.and_then(|r| r.test.or(r.validation))
                .map(|m| format!("{:.3}", m.mean))
                .unwrap_or_else(|| "n/a".into())
        };
        let split = if self.scores.iter().any(|r| r.test.is_some()) {
            "test"
        } else {
            "validation"
        };
        format!(
            "{}: seed {} to final {} on {split}: {} to {}; {} accepted of {} proposals; \
             {} rollouts (baseline protocol {})",
            self.name,
            self.seed,
            self.final_harness,
            pick(self.scores.first()),
            pick(self.scores.last()),
            self.accepted.len(),
            self.proposals.len(),
            self.rollouts,
            self.baseline_rollouts,
        )
    }
}

fn malformed_analysis(run: &Path, file: &str, e: harness_evolve::EvolveError) -> ReportError {
    malformed(harness_evolve::analysis_path(run, file), e)
}

/// A file of the run that harness-evolve refused to read, named once.
fn malformed(path: PathBuf, e: harness_evolve::EvolveError) -> ReportError {
    let message = match e {
        harness_evolve::EvolveError::State { message, .. } => message,
        other => other.to_string(),
    };
    ReportError::Malformed {
        path,
        line: None,
        message,
    }
}

/// A JSON file, `None` when absent.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, ReportError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ReportError::Missing {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| ReportError::Malformed {
            path: path.to_path_buf(),
            line: None,
            message: e.to_string(),
        })
}

/// A JSON-lines file (empty when absent). A torn last line (a run killed while writing) is
/// skipped; any other bad line is an error naming it.
fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, ReportError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(ReportError::Missing {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(v) => out.push(v),
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {}
            Err(e) => {
                return Err(ReportError::Malformed {
                    path: path.to_path_buf(),
                    line: Some(i + 1),
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(out)
}

/// The stage each candidate was decided after, by (generation, candidate id), from the
/// `candidate_decided` events.
fn stages(events: &[serde_json::Value]) -> BTreeMap<(u32, String), String> {
    events
        .iter()
        .filter(|e| e["event"] == "candidate_decided")
        .filter_map(|e| {
            Some((
                (
                    u32::try_from(e["generation"].as_u64()?).ok()?,
                    e["candidate"].as_str()?.to_owned(),
                ),
                e["stage"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// Mean reward of `harness` on `split`, over the cache's records (one per cell, the last).
fn split_mean(records: &[ScoreRecord], harness: &ContentHash, split: Split) -> Option<Mean> {
    let mut cells: BTreeMap<(&str, u32, u64), f64> = BTreeMap::new();
    for r in records {
        if r.key.harness_hash == *harness
            && r.split == split
            && let Some(reward) = r.reward
        {
            cells.insert((r.key.task_id.as_str(), r.key.repeat, r.key.seed), reward);
        }
    }
    Mean::of(cells.iter().map(|((task, _, _), reward)| (*task, *reward)))
}

/// The rows of the score table. The test split is read for two harnesses only: the seed
/// (on the first row) and the final harness (on the last), and only for a finished run;
/// `records` hold the sealed evaluation's repeats only.
fn score_rows(
    state: &RunState,
    final_hash: ContentHash,
    finished: bool,
    records: &[ScoreRecord],
) -> Vec<ScoreRow> {
    let mut rows: Vec<ScoreRow> = state
        .generations
        .iter()
        .map(|g| ScoreRow {
            label: format!("generation {}", g.generation),
            generation: Some(g.generation),
            harness: g.parent.short(),
            held_in: split_mean(records, &g.parent, Split::HeldIn),
            validation: split_mean(records, &g.parent, Split::Validation),
            test: None,
        })
        .collect();
    if rows.is_empty() {
        rows.push(ScoreRow {
            label: "seed".into(),
            generation: None,
            harness: state.seed.short(),
            held_in: split_mean(records, &state.seed, Split::HeldIn),
            validation: split_mean(records, &state.seed, Split::Validation),
            test: None,
        });
    }
    if finished
        && let Some(first) = rows.first_mut()
        && first.harness == state.seed.short()
    {
        first.test = split_mean(records, &state.seed, Split::Test);
    }
    rows.push(ScoreRow {
        label: if finished { "final" } else { "current parent" }.into(),
        generation: None,
        harness: final_hash.short(),
        held_in: split_mean(records, &final_hash, Split::HeldIn),
        validation: split_mean(records, &final_hash, Split::Validation),
        test: if finished {
            split_mean(records, &final_hash, Split::Test)
        } else {
            None
        },
    });
    rows
}

/// The generation a trial charge belongs to, from its job name (`g<N>-...`), or `None` for
/// the final evaluation (`final-...`) and anything else.
fn charge_generation(trial: &str) -> Option<u32> {
    let rest = trial.strip_prefix('g')?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if rest[digits.len()..].starts_with('-') {
        digits.parse().ok()
    } else {
        None
    }
}

/// Where a charge belongs: a generation, the final sealed evaluation, or elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Generation(u32),
    Final,
    Other,
}

/// The ledger's totals at a point of the event stream, and the slot the loop was in.
#[derive(Debug, Clone, Copy)]
struct Snapshot {
    rollouts: u64,
    tokens: u64,
    slot: Slot,
}

/// The `budget_charged` events with the generation (or the final evaluation) they came in.
fn snapshots(events: &[serde_json::Value]) -> Vec<Snapshot> {
    let mut slot = Slot::Other;
    let mut out = Vec::new();
    for e in events {
        match e["event"].as_str() {
            Some("generation_started") => {
                if let Some(g) = e["generation"].as_u64().and_then(|g| u32::try_from(g).ok()) {
                    slot = Slot::Generation(g);
                }
            }
            Some("evaluation_started") if e["phase"] == "final" => slot = Slot::Final,
            Some("budget_charged") => {
                if let (Some(rollouts), Some(tokens)) =
                    (e["rollouts"].as_u64(), e["tokens"].as_u64())
                {
                    out.push(Snapshot {
                        rollouts,
                        tokens,
                        slot,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// What one slot spent: trials, and model calls outside trials by heading.
#[derive(Debug, Default)]
struct SlotSpend {
    trials: Spend,
    calls: BTreeMap<String, Spend>,
}

/// Spending per generation and per ledger heading. A trial's generation is in its job's
/// name (`g<N>-...`, `final-...`). A charge outside trials (`proposer`, `advisor`,
/// `miner-qa`) goes to the generation the loop was in at the last spending snapshot of the
/// event stream before it (the parent's evaluation that precedes mining and proposing), or,
/// without events, to the generation of the last trial before it.
fn spending(
    state: &RunState,
    charges: &[Charge],
    events: &[serde_json::Value],
) -> (Vec<GenerationSpend>, Vec<PhaseSpend>) {
    let snapshots = snapshots(events);
    let mut slots: BTreeMap<Slot, SlotSpend> = BTreeMap::new();
    let mut other_jobs: BTreeSet<&str> = BTreeSet::new();
    let mut phases: BTreeMap<String, Spend> = BTreeMap::new();
    let (mut rollouts, mut tokens) = (0u64, 0u64);
    let mut last_trial = Slot::Other;
    for c in charges {
        if c.rollouts > 0 {
            let slot = match charge_generation(&c.trial) {
                Some(g) => Slot::Generation(g),
                None if c.trial.starts_with("final-") => Slot::Final,
                None => {
                    other_jobs.insert(c.trial.split('.').next().unwrap_or_default());
                    Slot::Other
                }
            };
            last_trial = slot;
            slots
                .entry(slot)
                .or_default()
                .trials
                .add(c.rollouts, c.tokens, c.usd);
            phases
                .entry("agent".into())
                .or_default()
                .add(c.rollouts, c.tokens, c.usd);
        } else {
            let slot = if snapshots.is_empty() {
                last_trial
            } else {
                snapshots
                    .iter()
                    .rev()
                    .find(|s| s.rollouts <= rollouts && s.tokens <= tokens)
                    .map_or(Slot::Other, |s| s.slot)
            };
            slots
                .entry(slot)
                .or_default()
                .calls
                .entry(c.trial.clone())
                .or_default()
                .add(0, c.tokens, c.usd);
            phases
                .entry(c.trial.clone())
                .or_default()
                .add(0, c.tokens, c.usd);
        }
        rollouts += c.rollouts;
        tokens += c.tokens;
    }
    let baseline: BTreeMap<u32, u64> = state
        .generations
        .iter()
        .map(|g| (g.generation, g.baseline_rollouts))
        .collect();
    for g in baseline.keys() {
        slots.entry(Slot::Generation(*g)).or_default();
    }
    let rows = slots
        .into_iter()
        .map(|(slot, spend)| {
            let (label, generation) = match slot {
                Slot::Generation(g) => (format!("generation {g}"), Some(g)),
                Slot::Final => ("final (test)".to_owned(), None),
                Slot::Other if other_jobs.is_empty() => ("outside generations".to_owned(), None),
                Slot::Other => (
                    format!(
                        "other evaluations ({})",
                        other_jobs.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                    None,
                ),
            };
            GenerationSpend {
                label,
                generation,
                spend: spend.trials,
                calls: spend.calls,
                baseline_rollouts: generation.and_then(|g| baseline.get(&g).copied()),
            }
        })
        .collect();
    // The agent, the proposer and its advisor, then other headings in name order.
    let mut phase_rows: Vec<PhaseSpend> = vec![PhaseSpend {
        phase: "agent".into(),
        spend: phases.remove("agent").unwrap_or_default(),
    }];
    for heading in ["proposer", "advisor"] {
        phase_rows.push(PhaseSpend {
            phase: heading.into(),
            spend: phases.remove(heading).unwrap_or_default(),
        });
    }
    phase_rows.extend(
        phases
            .into_iter()
            .map(|(phase, spend)| PhaseSpend { phase, spend }),
    );
    (rows, phase_rows)
}

/// Every proposal of the history, with its stage and its diff from the lineage.
fn proposal_views(
    run: &Path,
    state: &RunState,
    stages: &BTreeMap<(u32, String), String>,
    notes: &mut Vec<String>,
) -> Vec<ProposalView> {
    let lineage = match harness_lineage::Lineage::open(run) {
        Ok(l) => Some(l),
        Err(e) => {
            notes.push(format!(
                "lineage unreadable ({e}); diffs are the proposals' own"
            ));
            None
        }
    };
    let registry = harness_core::KindRegistry::builtin();
    let mut refused = 0usize;
    state
        .history
        .records
        .iter()
        .map(|record| {
            let mut view = base_view(record, &mut refused);
            view.stage = stages.get(&(record.generation, view.id.clone())).cloned();
            if let (Some(lineage), Some(p)) = (&lineage, &record.proposal) {
                match lineage_diff(lineage, &registry, record.generation, &p.id) {
                    Ok(diff) => view.diff = diff,
                    Err(e) => notes.push(format!(
                        "{}: no lineage diff ({e}); the proposal's own diff is shown",
                        p.id
                    )),
                }
            }
            view
        })
        .collect()
}

fn lineage_diff(
    lineage: &harness_lineage::Lineage,
    registry: &harness_core::KindRegistry,
    generation: u32,
    id: &str,
) -> Result<String, harness_lineage::LineageError> {
    let candidate = lineage.resolve(&format!("candidates/{generation}/{id}"))?;
    let version = lineage.version(&candidate)?;
    let Some(parent) = version.parents.first() else {
        return Ok(String::new());
    };
    lineage.diff(parent, &candidate, registry)
}

fn base_view(record: &ProposalRecord, refused: &mut usize) -> ProposalView {
    let (outcome, gate, reason) = match &record.status {
        RecordStatus::Accepted { gate } => (Outcome::Accepted, Some(gate), gate.reason.clone()),
        RecordStatus::Rejected { gate } => (Outcome::Rejected, Some(gate), gate.reason.clone()),
        RecordStatus::Refused { violations } => (
            Outcome::Refused,
            None,
            violations
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        _ => (Outcome::Pending, None, String::new()),
    };
    let change = record
        .proposal
        .as_ref()
        .map(|p| &p.change)
        .or(record.refused_change.as_ref());
    let id = match &record.proposal {
        Some(p) => p.id.clone(),
        None => {
            *refused += 1;
            format!("refused-{refused}")
        }
    };
    ProposalView {
        generation: record.generation,
        id,
        proposer: record
            .proposal
            .as_ref()
            .map(|p| p.proposer.clone())
            .unwrap_or_default(),
        cluster: change.map(|c| c.cluster.clone()).unwrap_or_default(),
        surface: change.map(|c| c.surface.clone()).unwrap_or_default(),
        predicted_fixes: change
            .map(|c| c.predicted_fixes.clone())
            .unwrap_or_default(),
        at_risk: change.map(|c| c.at_risk.clone()).unwrap_or_default(),
        root_cause: change.map(|c| c.root_cause.clone()).unwrap_or_default(),
        rationale: change.map(|c| c.rationale.clone()).unwrap_or_default(),
        outcome,
        verdict: record.verdict.map(|v| v.as_str().to_owned()),
        reason,
        p_value: gate.and_then(|g| g.p_value),
        effect: gate.and_then(|g| g.effect),
        interval: gate.and_then(|g| g.interval),
        fixed: gate.map(|g| g.fixed.clone()).unwrap_or_default(),
        regressed: gate.map(|g| g.regressed.clone()).unwrap_or_default(),
        stage: None,
        diff: record
            .proposal
            .as_ref()
            .map(|p| p.diff.clone())
            .unwrap_or_default(),
    }
}

/// Precision and recall of predicted fixes and risks over the proposals the gate evaluated.
pub fn accuracy(records: &[ProposalRecord]) -> Accuracy {
    let mut acc = Accuracy::default();
    let mut counts = PredictionCounts::default();
    for record in records {
        let (Some(p), Some(gate)) = (&record.proposal, gate_of(record)) else {
            continue;
        };
        let fixed: BTreeSet<String> = gate.fixed.iter().cloned().collect();
        let regressed: BTreeSet<String> = gate.regressed.iter().cloned().collect();
        let fixes: BTreeSet<&String> = p.change.predicted_fixes.iter().collect();
        let risks: BTreeSet<&String> = p.change.at_risk.iter().collect();
        acc.evaluated += 1;
        acc.predicted_fixes += fixes.len();
        acc.fix_hits += fixes.iter().filter(|t| fixed.contains(**t)).count();
        acc.fixes += fixed.len();
        acc.predicted_risks += risks.len();
        acc.risk_hits += risks.iter().filter(|t| regressed.contains(**t)).count();
        acc.regressions += regressed.len();
        counts.add(
            &p.change.predicted_fixes,
            &p.change.at_risk,
            &fixed,
            &regressed,
        );
    }
    acc.ratios = counts.accuracy();
    acc
}

fn gate_of(record: &ProposalRecord) -> Option<&harness_proposer::GateSummary> {
    match &record.status {
        RecordStatus::Accepted { gate } | RecordStatus::Rejected { gate } => Some(gate),
        _ => None,
    }
}

/// The weakness reports of the run's generations, as a cluster x generation table.
fn cluster_table(run: &Path, state: &RunState) -> Result<ClusterTable, ReportError> {
    let dir = run.join(REPORTS_DIR);
    let mut generations: BTreeSet<u32> = state.generations.iter().map(|g| g.generation).collect();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(g) = name
                .strip_prefix("generation-")
                .and_then(|n| n.strip_suffix(".json"))
                .and_then(|n| n.parse().ok())
            {
                generations.insert(g);
            }
        }
    }
    let mut reports: Vec<(u32, WeaknessReport)> = Vec::new();
    for g in generations {
        let path: PathBuf = dir.join(format!("generation-{g}.json"));
        if let Some(report) = read_json::<WeaknessReport>(&path)? {
            reports.push((g, report));
        }
    }
    let mut order: Vec<String> = Vec::new();
    for (_, report) in &reports {
        for c in &report.clusters {
            if !order.contains(&c.id) {
                order.push(c.id.clone());
            }
        }
    }
    let rows = order
        .into_iter()
        .map(|id| ClusterRow {
            sizes: reports
                .iter()
                .map(|(_, r)| r.clusters.iter().find(|c| c.id == id).map(|c| c.failures))
                .collect(),
            id,
        })
        .collect();
    Ok(ClusterTable {
        generations: reports.iter().map(|(g, _)| *g).collect(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Generation 2's parent comes from the cache (no trial), then its proposer spends 50
    /// tokens: they belong to generation 2, not to the last trial's generation 1.
    #[test]
    fn model_calls_outside_trials_go_to_the_generation_they_came_in() {
        let charge = |trial: &str, tokens: u64, rollouts: u64| Charge {
            trial: trial.into(),
            tokens,
            usd: 0.0,
            rollouts,
        };
        let charges = [
            charge("g1-parent-a.t__0", 100, 1),
            charge("proposer", 10, 0),
            charge("g1-p-b-smoke.t__0", 100, 1),
            charge("proposer", 50, 0),
            charge("advisor", 5, 0),
            charge("final-seed-a.t__0", 100, 1),
        ];
        let events: Vec<serde_json::Value> = [
            r#"{"event":"generation_started","generation":1,"parent":"a"}"#,
            r#"{"event":"budget_charged","rollouts":1,"tokens":100,"usd":0.0}"#,
            r#"{"event":"budget_charged","rollouts":2,"tokens":210,"usd":0.0}"#,
            r#"{"event":"generation_started","generation":2,"parent":"b"}"#,
            r#"{"event":"budget_charged","rollouts":2,"tokens":210,"usd":0.0}"#,
            r#"{"event":"evaluation_started","phase":"final","harness":"a","stage":"test","trials":1}"#,
            r#"{"event":"budget_charged","rollouts":3,"tokens":365,"usd":0.0}"#,
        ]
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
        let state = RunState::new("d".into(), hash("a"), "v".into());
        let (rows, phases) = spending(&state, &charges, &events);
        let row = |label: &str| rows.iter().find(|r| r.label == label).unwrap();
        assert_eq!(row("generation 1").spend.rollouts, 2);
        assert_eq!(row("generation 1").calls["proposer"].tokens, 10);
        assert_eq!(row("generation 2").spend.rollouts, 0);
        assert_eq!(row("generation 2").calls["proposer"].tokens, 50);
        assert_eq!(row("generation 2").calls["advisor"].tokens, 5);
        assert_eq!(row("final (test)").spend.tokens, 100);
        let phase = |name: &str| phases.iter().find(|p| p.phase == name).unwrap().spend;
        assert_eq!(phase("agent").rollouts, 3);
        assert_eq!(phase("proposer").tokens, 60);
        // Without events: the generation of the last trial before the call.
        let (rows, _) = spending(&state, &charges, &[]);
        let row = |label: &str| rows.iter().find(|r| r.label == label).unwrap();
        assert_eq!(row("generation 1").calls["proposer"].tokens, 60);
    }

    #[test]
    fn job_names_give_the_generation() {
        assert_eq!(charge_generation("g12-parent-abc.task__0"), Some(12));
        assert_eq!(charge_generation("g1-p-9a18.task__2"), Some(1));
        assert_eq!(charge_generation("final-seed-abc.task__0"), None);
        assert_eq!(charge_generation("gx-1"), None);
        assert_eq!(charge_generation("proposer"), None);
    }

    fn hash(name: &str) -> ContentHash {
        ContentHash::of_bytes(name.as_bytes())
    }

    fn record(
        harness: &ContentHash,
        task: &str,
        repeat: u32,
        split: &str,
        reward: f64,
    ) -> ScoreRecord {
        serde_json::from_value(serde_json::json!({
            "key": {
                "harness_hash": harness.to_hex(),
                "task_id": task,
                "task_checksum": "0".repeat(64),
                "agent": {"name": "builtin", "version": "0.1.0"},
                "model": "openai:some-model",
                "verifier": {"name": "harbor", "version": "1"},
                "seed": 1,
                "repeat": repeat
            },
            "split": split,
            "outcome": if reward >= 1.0 { "pass" } else { "fail" },
            "reward": reward,
            "started_at": "2026-01-01T00:00:00Z",
            "source": {"run_id": "g1-parent", "trial_id": format!("g1-parent.{task}__{repeat}")}
        }))
        .unwrap()
    }

    /// Generation 1's parent is the seed, generation 2's an intermediate harness, the final
    /// harness a third. The cache holds test records for all three (as a damaged or foreign
    /// cache might): only the seed's and the final harness's ever reach the view.
    #[test]
    fn only_the_seed_and_the_final_harness_show_the_test_split() {
        let (seed, middle, last) = (hash("seed"), hash("middle"), hash("final"));
        let mut state = RunState::new("digest".into(), seed, "v0".into());
        state.generations = serde_json::from_value(serde_json::json!([
            {"generation": 1, "parent": seed.to_hex(), "proposals": [], "accepted": [],
             "baseline_rollouts": 10},
            {"generation": 2, "parent": middle.to_hex(), "proposals": [], "accepted": [],
             "baseline_rollouts": 10}
        ]))
        .unwrap();
        let mut records = Vec::new();
        for (h, test_reward) in [(&seed, 0.0), (&middle, 0.5), (&last, 1.0)] {
            for task in ["a", "b", "c"] {
                records.push(record(h, task, 0, "held_in", 1.0));
                records.push(record(h, task, 0, "validation", 0.0));
                records.push(record(h, task, 0, "test", test_reward));
            }
        }
        let rows = score_rows(&state, last, true, &records);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].test.map(|m| m.mean), Some(0.0));
        assert_eq!(rows[1].test, None, "an intermediate harness's test records");
        assert_eq!(rows[2].test.map(|m| m.mean), Some(1.0));
        assert_eq!(rows[1].held_in.map(|m| m.cells), Some(3));
        // An unfinished run shows no test split at all.
        let rows = score_rows(&state, middle, false, &records);
        assert!(rows.iter().all(|r| r.test.is_none()));
    }

    #[test]
    fn a_mean_is_clustered_by_task_and_clipped() {
        let m = Mean::of([("a", 1.0), ("a", 1.0), ("b", 0.0), ("b", 1.0)]).unwrap();
        assert!((m.mean - 0.75).abs() < 1e-12);
        assert_eq!((m.cells, m.tasks), (4, 2));
        assert!(m.low >= 0.0 && m.high <= 1.0 && m.low <= m.mean && m.mean <= m.high);
        assert!(Mean::of(std::iter::empty()).is_none());
    }
}
