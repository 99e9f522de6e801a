//! [`Evolution`]: the loop, composed only from traits.
//!
//! One generation: evaluate the parent on held-in and validation (cached after the first) ->
//! mine its held-in trials -> propose k -> cascade-evaluate each candidate (smoke on the
//! target cluster's failed cells, a paired minibatch on held-in, then held-in and validation
//! with every repeat; the gate is asked after each stage and evaluation stops once it has
//! decided) -> merge the accepted ones and gate the merge against the parent -> commit ->
//! grade each change list against what happened. It repeats until the generation limit, the
//! budget, or convergence (no accepted change for `patience` generations, or nothing left to
//! propose). Then the sealed test split is evaluated for the seed and the final harness, and
//! for nothing else.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use harness_core::{Harness, KindRegistry};
use harness_eval::{BudgetLedger, EvalPlan, Evaluator, RecordSink};
use harness_gate::{
    CellKey, Decision, EvaluationPlan, Flip, GateRequest, PromotionGate, ScoreMatrix, Verdict,
};
use harness_lineage::{Lineage, VersionId, VersionRecord};
use harness_miner::{MinableSplit, MineScope, WeaknessMiner};
use harness_proposer::{
    GateSummary, Proposal, ProposalContext, ProposalRecord, Proposer, TaskVocabulary, TraceAccess,
};
use harness_tasks::{PlannedTrial, Suite, trial_seed};
use harness_types::{ContentHash, ScoreRecord, Split};
use sha2::{Digest, Sha256};

use crate::config::{EvolveConfig, Protocol};
use crate::error::EvolveError;
use crate::events::{EventSink, EvolveEvent, Phase};
use crate::splits::{GatedSplits, SealedTest, split_suite};
use crate::state::{CandidateOutcome, GenerationRecord, PendingGeneration, RunState, SplitScores};
use crate::store::JobTraces;
use crate::summary::{EvolveSummary, SUMMARY_FILE};

/// Job folders of the run go here.
pub const JOBS_DIR: &str = "jobs";
/// The folder of a run directory holding each generation's weakness report
/// (`generation-<N>.json`).
pub const REPORTS_DIR: &str = "reports";

/// The parts of a loop.
pub struct EvolutionParts {
    /// The configuration (paths already resolved).
    pub config: EvolveConfig,
    /// The run directory (state, lineage, events, jobs).
    pub run_dir: PathBuf,
    /// The suite.
    pub suite: Suite,
    /// The seed harness.
    pub seed: Harness,
    /// Kinds and tools harnesses may name.
    pub registry: KindRegistry,
    /// Runs plans; it must cache by trial key (so no trial runs twice) and put its job
    /// folders under `<run>/jobs`, tracing every trial there.
    pub evaluator: Arc<dyn Evaluator>,
    /// The miner (its scope should be held-in; the loop hands it only the parent's trials).
    pub miner: Arc<dyn WeaknessMiner>,
    /// The proposer.
    pub proposer: Arc<dyn Proposer>,
    /// The gate.
    pub gate: Arc<dyn PromotionGate>,
}

/// The loop.
pub struct Evolution {
    config: EvolveConfig,
    run_dir: PathBuf,
    suite: Suite,
    splits: GatedSplits,
    sealed: SealedTest,
    seed: Arc<Harness>,
    registry: KindRegistry,
    evaluator: Arc<dyn Evaluator>,
    miner: Arc<dyn WeaknessMiner>,
    proposer: Arc<dyn Proposer>,
    gate: Arc<dyn PromotionGate>,
    lineage: Arc<Lineage>,
    ledger: Option<Arc<BudgetLedger>>,
    vocabulary: TaskVocabulary,
    events: Vec<Arc<dyn EventSink>>,
    matrix: Mutex<ScoreMatrix>,
    /// Time inside the evaluator, and the clock and that time at the last save.
    evaluating: Mutex<std::time::Duration>,
    /// Trials the evaluator ran (not answered from the cache), for runs without a ledger.
    ran: std::sync::atomic::AtomicU64,
    last_save: Mutex<(Instant, std::time::Duration)>,
}

impl std::fmt::Debug for Evolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evolution")
            .field("run_dir", &self.run_dir)
            .field("proposer", &self.proposer.name())
            .finish_non_exhaustive()
    }
}

/// The stages of a cascade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Smoke,
    Minibatch,
    Full,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::Smoke => "smoke",
            Stage::Minibatch => "minibatch",
            Stage::Full => "full",
        }
    }
}

impl Evolution {
    /// A loop over `parts`, its lineage opened (or created) in the run directory.
    pub fn new(parts: EvolutionParts) -> Result<Self, EvolveError> {
        let (splits, sealed) = split_suite(&parts.suite)?;
        std::fs::create_dir_all(&parts.run_dir).map_err(|e| EvolveError::io(&parts.run_dir, e))?;
        let lineage = Arc::new(Lineage::open_or_init(&parts.run_dir)?);
        Ok(Self {
            config: parts.config,
            run_dir: parts.run_dir,
            suite: parts.suite,
            splits,
            sealed,
            seed: Arc::new(parts.seed),
            registry: parts.registry,
            evaluator: parts.evaluator,
            miner: parts.miner,
            proposer: parts.proposer,
            gate: parts.gate,
            lineage,
            ledger: None,
            vocabulary: TaskVocabulary::default(),
            events: Vec::new(),
            matrix: Mutex::new(ScoreMatrix::new()),
            evaluating: Mutex::new(std::time::Duration::ZERO),
            ran: std::sync::atomic::AtomicU64::new(0),
            last_save: Mutex::new((Instant::now(), std::time::Duration::ZERO)),
        })
    }

    /// Charge and check budgets through `ledger` (the same the evaluator charges).
    pub fn with_ledger(mut self, ledger: Arc<BudgetLedger>) -> Self {
        self.ledger = Some(ledger);
        self
    }

    /// The overfitting guard's vocabulary (every task of the suite).
    pub fn with_vocabulary(mut self, vocabulary: TaskVocabulary) -> Self {
        self.vocabulary = vocabulary;
        self
    }

    /// Subscribe to the event stream.
    pub fn with_events(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.events.push(sink);
        self
    }

    /// The lineage.
    pub fn lineage(&self) -> &Arc<Lineage> {
        &self.lineage
    }

    /// The run directory.
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// The configuration.
    pub fn config(&self) -> &EvolveConfig {
        &self.config
    }

    /// The seed harness.
    pub fn seed_harness(&self) -> &Arc<Harness> {
        &self.seed
    }

    /// Kinds and tools harnesses may name.
    pub fn registry(&self) -> &KindRegistry {
        &self.registry
    }

    /// The gated splits.
    pub(crate) fn splits(&self) -> &GatedSplits {
        &self.splits
    }

    /// The sealed test split.
    pub(crate) fn sealed(&self) -> &SealedTest {
        &self.sealed
    }

    /// The records of `harness` on the sealed test split, `repeats` per task, in the job
    /// folder `run_name` (for the analyses of a finished run only).
    pub(crate) async fn sealed_records(
        &self,
        harness: &Arc<Harness>,
        repeats: u32,
        run_name: String,
    ) -> Result<Vec<ScoreRecord>, EvolveError> {
        let plan = self.sealed.plan(
            Arc::clone(harness),
            &self.suite,
            repeats,
            self.config.seed,
            run_name,
        );
        let records = self
            .evaluate(Phase::Final, harness, "test", plan.trials, plan.run_name)
            .await?;
        Ok(records
            .into_iter()
            .filter(|r| r.split == Split::Test)
            .collect())
    }

    fn emit(&self, event: EvolveEvent) {
        for sink in &self.events {
            sink.on_event(&event);
        }
    }

    /// Digest of what the run measures: a resume with another configuration is refused.
    fn config_digest(&self) -> String {
        let mut config = self.config.clone();
        // Concurrency and budgets may change between a run and its resume.
        config.concurrency = 1;
        config.budget = Default::default();
        let text = serde_json::to_string(&config).unwrap_or_default();
        let mut hasher = Sha256::new();
        hasher.update(text.as_bytes());
        hasher.update(self.seed.content_hash().to_hex().as_bytes());
        hex::encode(&hasher.finalize()[..16])
    }

    fn full_size(&self) -> u64 {
        self.splits.all().count() as u64 * u64::from(self.config.repeats)
    }

    fn seed_of(&self, task: &str, repeat: u32) -> u64 {
        trial_seed(self.config.seed, task, repeat)
    }

    /// Run (or resume) to the end.
    pub async fn run(&self) -> Result<EvolveSummary, EvolveError> {
        let mut state = self.open_state().await?;
        let resumed = state.generation > 0 || state.pending.is_some() || state.rollouts > 0;
        self.emit(EvolveEvent::RunStarted {
            resumed,
            generations: self.config.generations,
            warning: self.preflight(),
        });
        // The sealed evaluation's rollouts are set aside: no stage may eat into them.
        if let Some(ledger) = &self.ledger {
            ledger.reserve(self.final_size());
        }
        while state.stopped.is_none() {
            let stop = match self.stop_reason(&state) {
                Some(reason) => Some(reason),
                None => match self.generation(&mut state).await {
                    Ok(()) => None,
                    // A stage the budget cannot pay for (with the reserve kept) ends the
                    // loop cleanly; what was decided so far stands.
                    Err(EvolveError::Eval(e @ harness_eval::EvalError::OverBudget { .. })) => {
                        Some(format!("budget: {e}"))
                    }
                    Err(e) => return Err(e),
                },
            };
            if let Some(reason) = stop {
                state.stopped = Some(reason.clone());
                self.save(&mut state)?;
                self.emit(EvolveEvent::Stopped { reason });
                break;
            }
        }
        if let Some(ledger) = &self.ledger {
            ledger.release();
        }
        let summary = self.finish(&mut state).await?;
        Ok(summary)
    }

    /// Save the state, adding the wall time (and the part outside the evaluator) since the
    /// last save, so a killed process loses at most the time since its last decision.
    fn save(&self, state: &mut RunState) -> Result<(), EvolveError> {
        let evaluating = *self.evaluating.lock().unwrap_or_else(|e| e.into_inner());
        let mut last = self.last_save.lock().unwrap_or_else(|e| e.into_inner());
        let wall = last.0.elapsed().as_secs_f64();
        let inside = evaluating.saturating_sub(last.1).as_secs_f64();
        state.wall_seconds += wall;
        state.overhead_seconds += (wall - inside).max(0.0);
        *last = (Instant::now(), evaluating);
        drop(last);
        state.save(&self.run_dir)
    }

    async fn open_state(&self) -> Result<RunState, EvolveError> {
        let digest = self.config_digest();
        if let Some(state) = RunState::load(&self.run_dir)? {
            if state.config_digest != digest {
                return Err(EvolveError::State {
                    path: RunState::path(&self.run_dir),
                    message: "the run was started with another configuration or seed harness; \
                              start a new run directory"
                        .into(),
                });
            }
            return Ok(state);
        }
        let seed = Arc::clone(&self.seed);
        let record = VersionRecord::seed(format!("seed harness {}", seed.manifest().name));
        let version = self
            .lineage
            .blocking(move |l| {
                let v = l.record_candidate(&seed, None, &record)?;
                l.accept(&v)?;
                Ok(v)
            })
            .await?;
        let mut state = RunState::new(
            digest,
            self.seed.content_hash(),
            version.as_str().to_owned(),
        );
        self.save(&mut state)?;
        self.emit(EvolveEvent::VersionCommitted {
            generation: 0,
            version: version.as_str().to_owned(),
            harness: self.seed.content_hash().short(),
            accepted: true,
        });
        Ok(state)
    }

    /// A warning when the budget cannot evaluate at least three proposals.
    fn preflight(&self) -> Option<String> {
        let rollouts = self.ledger.as_ref().and_then(|l| l.budget().rollouts)?;
        let full = self.full_size();
        let reserve = self.final_size();
        let need = full + reserve + 3 * full;
        (rollouts < need).then(|| {
            format!(
                "the rollout budget ({rollouts}) cannot fully evaluate three proposals: the \
                 seed's evaluation ({full}), three candidates ({}) and the sealed test \
                 evaluation reserved for the end ({reserve}) need {need}",
                3 * full
            )
        })
    }

    /// Trials of the final sealed evaluation (seed and final harness).
    fn final_size(&self) -> u64 {
        2 * self.sealed.len() as u64 * u64::from(self.config.repeats)
    }

    fn stop_reason(&self, state: &RunState) -> Option<String> {
        if state.pending.is_some() {
            return None;
        }
        if state.generation >= self.config.generations {
            return Some(format!(
                "generation limit ({}) reached",
                self.config.generations
            ));
        }
        if state.since_accept >= self.config.patience {
            return Some(format!(
                "converged: no accepted change for {} generation(s)",
                state.since_accept
            ));
        }
        self.budget_stop()
    }

    /// Whether the budget, with the final evaluation reserved, has room for another
    /// candidate's full evaluation.
    fn budget_stop(&self) -> Option<String> {
        let ledger = self.ledger.as_ref()?;
        if let Some(reason) = ledger.exhausted() {
            return Some(format!("budget spent: {reason}"));
        }
        let spent = ledger.spent();
        let budget = ledger.budget();
        if let Some(limit) = budget.rollouts {
            let need = spent.rollouts + self.full_size() + self.final_size();
            if need > limit {
                return Some(format!(
                    "budget: {} of {limit} rollouts spent; another candidate ({}) and the \
                     reserved sealed evaluation ({}) would not fit",
                    spent.rollouts,
                    self.full_size(),
                    self.final_size()
                ));
            }
        }
        let per_rollout = |total: f64| {
            if spent.rollouts == 0 {
                0.0
            } else {
                total / spent.rollouts as f64
            }
        };
        let reserve = (self.full_size() + self.final_size()) as f64;
        if let Some(limit) = budget.tokens
            && spent.tokens as f64 + per_rollout(spent.tokens as f64) * reserve > limit as f64
        {
            return Some(format!("budget: {} of {limit} tokens spent", spent.tokens));
        }
        if let Some(limit) = budget.usd
            && spent.usd + per_rollout(spent.usd) * reserve > limit
        {
            return Some(format!("budget: ${:.4} of ${limit:.4} spent", spent.usd));
        }
        if let Some(limit) = budget.wall_sec
            && spent.wall_sec + per_rollout(spent.wall_sec) * reserve > limit
        {
            return Some(format!(
                "budget: {:.0} of {limit:.0} s of trial time spent",
                spent.wall_sec
            ));
        }
        None
    }

    /// A lineage commit named in the state.
    async fn version(&self, id: &str) -> Result<VersionId, EvolveError> {
        let id = id.to_owned();
        Ok(self.lineage.blocking(move |l| l.resolve(&id)).await?)
    }

    pub(crate) async fn parent_harness(
        &self,
        state: &RunState,
    ) -> Result<Arc<Harness>, EvolveError> {
        if state.parent == self.seed.content_hash() {
            return Ok(Arc::clone(&self.seed));
        }
        let version = self.version(&state.parent_version).await?;
        let registry = self.registry.clone();
        let harness = self
            .lineage
            .blocking(move |l| l.harness(&version, &registry))
            .await?;
        Ok(Arc::new(harness))
    }

    /// Evaluate `trials` of `harness`; records of the gated splits go to the matrix.
    pub(crate) async fn evaluate(
        &self,
        phase: Phase,
        harness: &Arc<Harness>,
        stage: &str,
        trials: Vec<PlannedTrial>,
        run_name: String,
    ) -> Result<Vec<ScoreRecord>, EvolveError> {
        self.emit(EvolveEvent::EvaluationStarted {
            phase,
            harness: harness.content_hash().short(),
            stage: stage.to_owned(),
            trials: trials.len(),
        });
        let mut plan = EvalPlan::repeats(
            Some(Arc::clone(harness)),
            self.suite.clone(),
            &[],
            1,
            self.config.seed,
            run_name,
        );
        plan.trials = trials;
        let collected: Arc<CollectOwned> = Arc::new(CollectOwned {
            records: Mutex::new(Vec::new()),
            phase,
            events: self.events.clone(),
        });
        let clock = Instant::now();
        let report = self
            .evaluator
            .evaluate(&plan, Arc::clone(&collected) as Arc<dyn RecordSink>)
            .await;
        *self.evaluating.lock().unwrap_or_else(|e| e.into_inner()) += clock.elapsed();
        let report = report?;
        self.ran
            .fetch_add(report.n_run as u64, std::sync::atomic::Ordering::SeqCst);
        let records =
            std::mem::take(&mut *collected.records.lock().unwrap_or_else(|e| e.into_inner()));
        if phase != Phase::Final {
            let mut matrix = self.matrix.lock().unwrap_or_else(|e| e.into_inner());
            matrix.extend(records.iter().filter(|r| r.split != Split::Test));
        }
        if let Some(ledger) = &self.ledger {
            let spent = ledger.spent();
            self.emit(EvolveEvent::BudgetCharged {
                rollouts: spent.rollouts,
                tokens: spent.tokens,
                usd: spent.usd,
            });
        }
        if let Some(reason) = report.stopped {
            tracing::warn!(%reason, "evaluation stopped early");
        }
        Ok(records)
    }

    fn full_trials(&self) -> Vec<PlannedTrial> {
        GatedSplits::trials(self.splits.all(), 0..self.config.repeats)
    }

    fn full_plan(&self) -> EvaluationPlan {
        EvaluationPlan::grid(
            self.splits.all().map(|t| (t.task.id.as_str(), t.split)),
            self.config.repeats,
            |task, repeat| self.seed_of(task, repeat),
        )
    }

    async fn ensure_parent(
        &self,
        state: &mut RunState,
        parent: &Arc<Harness>,
        generation: u32,
    ) -> Result<(), EvolveError> {
        let before = self.rollouts_now();
        self.evaluate(
            Phase::Parent,
            parent,
            "parent",
            self.full_trials(),
            format!("g{generation}-parent-{}", parent.content_hash().short()),
        )
        .await?;
        state.rollouts += self.rollouts_now().saturating_sub(before);
        Ok(())
    }

    /// Trials run so far: the ledger's count when there is one (it survives restarts), else
    /// what this process's evaluations ran.
    pub(crate) fn rollouts_now(&self) -> u64 {
        self.ledger.as_ref().map_or_else(
            || self.ran.load(std::sync::atomic::Ordering::SeqCst),
            |l| l.spent().rollouts,
        )
    }

    async fn generation(&self, state: &mut RunState) -> Result<(), EvolveError> {
        let generation = state.generation + 1;
        let parent = self.parent_harness(state).await?;
        self.emit(EvolveEvent::GenerationStarted {
            generation,
            parent: parent.content_hash().short(),
        });
        self.ensure_parent(state, &parent, generation).await?;
        if state.pending.as_ref().map(|p| p.generation) != Some(generation) {
            let batch = self.propose(state, &parent, generation).await?;
            self.emit(EvolveEvent::Proposed {
                generation,
                proposals: batch.proposals.iter().map(|p| p.id.clone()).collect(),
                refused: batch.rejected.len(),
                note: batch.note.clone(),
            });
            state.pending = Some(PendingGeneration {
                generation,
                batch,
                decided: BTreeMap::new(),
            });
            self.save(state)?;
        }
        let Some(pending) = state.pending.clone() else {
            return Ok(());
        };
        if pending.batch.proposals.is_empty() {
            let note = pending
                .batch
                .note
                .clone()
                .unwrap_or_else(|| "the proposer returned nothing".into());
            state.pending = None;
            state.generation = generation;
            state.since_accept = self.config.patience;
            // The baseline protocol re-evaluates the parent before proposing, too.
            state.generations.push(GenerationRecord {
                generation,
                parent: parent.content_hash(),
                proposals: Vec::new(),
                accepted: Vec::new(),
                version: None,
                baseline_rollouts: self.full_size(),
            });
            state.stopped = Some(format!("converged: nothing left to propose ({note})"));
            self.save(state)?;
            return Ok(());
        }
        for proposal in &pending.batch.proposals {
            if state
                .pending
                .as_ref()
                .is_some_and(|p| p.decided.contains_key(&proposal.id))
            {
                continue;
            }
            let candidate = Arc::new(proposal.change.edits.apply(&parent, &self.registry)?);
            let outcome = self
                .judge(
                    state,
                    &parent,
                    &candidate,
                    Some(proposal),
                    generation,
                    &proposal.id,
                    Phase::Candidate,
                )
                .await?;
            if let Some(p) = state.pending.as_mut() {
                p.decided.insert(proposal.id.clone(), outcome);
            }
            self.save(state)?;
        }
        self.conclude(state, &parent, generation).await
    }

    async fn propose(
        &self,
        state: &RunState,
        parent: &Arc<Harness>,
        generation: u32,
    ) -> Result<harness_proposer::ProposalBatch, EvolveError> {
        let jobs = self.run_dir.join(JOBS_DIR);
        let traces = Arc::new(JobTraces::open(&jobs)?.for_harness(parent.content_hash()));
        let report = self.miner.mine(traces.as_ref()).await?;
        self.keep_report(generation, &report)?;
        let scope = MineScope::new([MinableSplit::HeldIn]);
        let context = ProposalContext::new((**parent).clone(), self.registry.clone(), report)
            .with_history(state.history.clone())
            .with_vocabulary(self.vocabulary.clone())
            .with_traces(
                TraceAccess::new(traces as Arc<dyn harness_trace::TraceStore>, scope)
                    .with_harness(parent.content_hash()),
            )
            .with_generation(generation);
        Ok(self.proposer.propose(&context, self.config.k).await?)
    }

    /// Keep the generation's weakness report (`reports/generation-<N>.json`) for the run
    /// report: how the clusters changed over the run.
    fn keep_report(
        &self,
        generation: u32,
        report: &harness_miner::WeaknessReport,
    ) -> Result<(), EvolveError> {
        let dir = self.run_dir.join(REPORTS_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| EvolveError::io(&dir, e))?;
        let path = dir.join(format!("generation-{generation}.json"));
        let text = serde_json::to_vec_pretty(report).map_err(|e| EvolveError::State {
            path: path.clone(),
            message: e.to_string(),
        })?;
        crate::state::write_atomic(&path, &text)
    }

    /// Cascade-evaluate `candidate` against `parent` and record it in the lineage.
    #[allow(clippy::too_many_arguments)]
    async fn judge(
        &self,
        state: &mut RunState,
        parent: &Arc<Harness>,
        candidate: &Arc<Harness>,
        proposal: Option<&Proposal>,
        generation: u32,
        id: &str,
        phase: Phase,
    ) -> Result<CandidateOutcome, EvolveError> {
        let before = self.rollouts_now();
        let (decision, stage) = self
            .cascade(parent, candidate, proposal, generation, id, phase)
            .await?;
        state.rollouts += self.rollouts_now().saturating_sub(before);
        let gate = gate_summary(&decision);
        let record = VersionRecord::new(generation, id, summary_line(proposal, id))
            .with_change_list(
                proposal
                    .map(|p| serde_json::to_value(&p.change).unwrap_or_default())
                    .unwrap_or_default(),
            )
            .with_decision(decision.clone());
        let parent_version = self.version(&state.parent_version).await?;
        let harness = Arc::clone(candidate);
        let version = self
            .lineage
            .blocking(move |l| l.record_candidate(&harness, Some(&parent_version), &record))
            .await?;
        self.emit(EvolveEvent::CandidateDecided {
            generation,
            candidate: id.to_owned(),
            accepted: gate.accepted,
            stage: stage.name().to_owned(),
            reason: decision.summary(),
        });
        Ok(CandidateOutcome {
            harness: candidate.content_hash(),
            stage: stage.name().to_owned(),
            decision,
            gate,
            version: version.as_str().to_owned(),
        })
    }

    fn decide(&self, parent: &Harness, candidate: &Harness) -> Result<Decision, EvolveError> {
        let request = GateRequest::new(parent.content_hash(), candidate.content_hash())
            .with_plan(self.full_plan());
        let matrix = self.matrix.lock().unwrap_or_else(|e| e.into_inner());
        Ok(self.gate.decide(&matrix, &request)?)
    }

    /// Paired wins and losses of `candidate` over `parent` on `cells`.
    fn wins_losses(
        &self,
        parent: &Harness,
        candidate: &Harness,
        cells: &[CellKey],
    ) -> (usize, usize, f64, f64) {
        let matrix = self.matrix.lock().unwrap_or_else(|e| e.into_inner());
        let (mut wins, mut losses, mut p_sum, mut c_sum, mut n) = (0, 0, 0.0, 0.0, 0usize);
        for key in cells {
            let (Some(p), Some(c)) = (
                matrix.cell(&parent.content_hash(), key),
                matrix.cell(&candidate.content_hash(), key),
            ) else {
                continue;
            };
            n += 1;
            p_sum += p.reward;
            c_sum += c.reward;
            if c.reward > p.reward {
                wins += 1;
            } else if c.reward < p.reward {
                losses += 1;
            }
        }
        let mean = |s: f64| if n == 0 { 0.0 } else { s / n as f64 };
        (wins, losses, mean(p_sum), mean(c_sum))
    }

    async fn cascade(
        &self,
        parent: &Arc<Harness>,
        candidate: &Arc<Harness>,
        proposal: Option<&Proposal>,
        generation: u32,
        id: &str,
        phase: Phase,
    ) -> Result<(Decision, Stage), EvolveError> {
        let name = |stage: Stage| format!("g{generation}-{id}-{}", stage.name());
        if self.config.protocol == Protocol::Ours {
            // Smoke: the failed cells of the target cluster the change list names.
            let mut cells: Vec<PlannedTrial> = Vec::new();
            let mut seen = BTreeSet::new();
            for trace in proposal
                .map(|p| p.change.evidence.as_slice())
                .unwrap_or(&[])
            {
                let Some(task) = self.splits.held_in_task(&trace.task_id) else {
                    continue;
                };
                if trace.repeat < self.config.repeats
                    && seen.insert((trace.task_id.clone(), trace.repeat))
                    && cells.len() < self.config.cascade.smoke_cells
                {
                    cells.push(PlannedTrial {
                        task: task.clone(),
                        repeat: trace.repeat,
                    });
                }
            }
            if !cells.is_empty() {
                let keys: Vec<CellKey> = cells
                    .iter()
                    .map(|t| {
                        CellKey::new(
                            &t.task.task.id,
                            t.repeat,
                            self.seed_of(&t.task.task.id, t.repeat),
                        )
                    })
                    .collect();
                self.evaluate(phase, candidate, "smoke", cells, name(Stage::Smoke))
                    .await?;
                let mut decision = self.decide(parent, candidate)?;
                if decision.verdict.is_final() {
                    return Ok((decision, Stage::Smoke));
                }
                let (wins, _, _, _) = self.wins_losses(parent, candidate, &keys);
                if wins == 0 {
                    screen(
                        &mut decision,
                        "cascade.smoke",
                        format!(
                            "smoke: fixed none of the {} failed cells of its target cluster",
                            keys.len()
                        ),
                    );
                    return Ok((decision, Stage::Smoke));
                }
            }
            // Minibatch: every held-in task once, paired with the parent.
            let trials = GatedSplits::trials(self.splits.held_in(), 0..1);
            let keys: Vec<CellKey> = trials
                .iter()
                .map(|t| CellKey::new(&t.task.task.id, 0, self.seed_of(&t.task.task.id, 0)))
                .collect();
            self.evaluate(
                phase,
                candidate,
                "minibatch",
                trials,
                name(Stage::Minibatch),
            )
            .await?;
            let mut decision = self.decide(parent, candidate)?;
            if decision.verdict.is_final() {
                return Ok((decision, Stage::Minibatch));
            }
            let (wins, losses, parent_mean, candidate_mean) =
                self.wins_losses(parent, candidate, &keys);
            if wins <= losses {
                screen(
                    &mut decision,
                    "cascade.minibatch",
                    format!(
                        "minibatch: {wins} wins, {losses} losses on held-in (mean {candidate_mean:.3} vs {parent_mean:.3})"
                    ),
                );
                return Ok((decision, Stage::Minibatch));
            }
        }
        self.evaluate(
            phase,
            candidate,
            "full",
            self.full_trials(),
            name(Stage::Full),
        )
        .await?;
        let mut decision = self.decide(parent, candidate)?;
        if !decision.verdict.is_final() {
            // Cells the infrastructure could not score stay pending; without them the
            // candidate has not shown enough.
            let pending = decision.evidence.pending;
            screen(
                &mut decision,
                "cascade.full",
                format!("{pending} planned cells still without a score"),
            );
        }
        Ok((decision, Stage::Full))
    }

    async fn conclude(
        &self,
        state: &mut RunState,
        parent: &Arc<Harness>,
        generation: u32,
    ) -> Result<(), EvolveError> {
        let Some(pending) = state.pending.clone() else {
            return Ok(());
        };
        let mut accepted: Vec<(&Proposal, &CandidateOutcome)> = pending
            .batch
            .proposals
            .iter()
            .filter_map(|p| pending.decided.get(&p.id).map(|o| (p, o)))
            .filter(|(_, o)| o.gate.accepted)
            .collect();
        accepted.sort_by(|a, b| {
            let effect = |o: &CandidateOutcome| o.decision.evidence.differences.effect.estimate;
            effect(b.1)
                .partial_cmp(&effect(a.1))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.0.id.cmp(&b.0.id))
        });
        let mut chosen: Option<(String, Vec<String>)> = accepted
            .first()
            .map(|(p, o)| (o.version.clone(), vec![p.id.clone()]));
        let mut chosen_hash = accepted.first().map(|(_, o)| o.harness);
        if accepted.len() >= 2 {
            let merge_id = format!("merge-{generation}");
            let outcome = match pending.decided.get(&merge_id) {
                Some(outcome) => Some(outcome.clone()),
                None => {
                    let candidates: Vec<(String, Harness)> = accepted
                        .iter()
                        .map(|(p, _)| {
                            p.change
                                .edits
                                .apply(parent, &self.registry)
                                .map(|h| (p.id.clone(), h))
                        })
                        .collect::<Result<_, _>>()?;
                    let merged = harness_lineage::merge(parent, &candidates);
                    match merged.harness(&self.registry) {
                        Ok(harness) => {
                            let harness = Arc::new(harness);
                            let outcome = self
                                .judge(
                                    state,
                                    parent,
                                    &harness,
                                    None,
                                    generation,
                                    &merge_id,
                                    Phase::Merge,
                                )
                                .await?;
                            if let Some(p) = state.pending.as_mut() {
                                p.decided.insert(merge_id.clone(), outcome.clone());
                            }
                            self.save(state)?;
                            Some(outcome)
                        }
                        Err(diagnostics) => {
                            tracing::info!(
                                ?diagnostics,
                                "accepted candidates do not merge; keeping the best"
                            );
                            None
                        }
                    }
                }
            };
            if let Some(outcome) = outcome
                && outcome.gate.accepted
            {
                chosen = Some((
                    outcome.version.clone(),
                    accepted.iter().map(|(p, _)| p.id.clone()).collect(),
                ));
                chosen_hash = Some(outcome.harness);
            }
        }
        // The history: every proposal with its decision and verdict.
        for proposal in &pending.batch.proposals {
            if let Some(outcome) = pending.decided.get(&proposal.id) {
                state.history.push(ProposalRecord::decided(
                    generation,
                    proposal.clone(),
                    outcome.gate.clone(),
                ));
            }
        }
        for refused in &pending.batch.rejected {
            state.history.push(ProposalRecord::refused(
                generation,
                refused.change.clone(),
                refused.violations.clone(),
            ));
        }
        let merged = usize::from(
            state
                .pending
                .as_ref()
                .is_some_and(|p| p.decided.contains_key(&format!("merge-{generation}"))),
        );
        let record = GenerationRecord {
            generation,
            parent: parent.content_hash(),
            proposals: pending
                .batch
                .proposals
                .iter()
                .map(|p| p.id.clone())
                .collect(),
            accepted: chosen
                .as_ref()
                .map(|(_, ids)| ids.clone())
                .unwrap_or_default(),
            version: chosen.as_ref().map(|(v, _)| v.clone()),
            baseline_rollouts: (1 + pending.batch.proposals.len() + merged) as u64
                * self.full_size(),
        };
        match (chosen, chosen_hash) {
            (Some((version, ids)), Some(hash)) => {
                let id = self.version(&version).await?;
                self.lineage.blocking(move |l| l.accept(&id)).await?;
                self.emit(EvolveEvent::VersionCommitted {
                    generation,
                    version: version.clone(),
                    harness: hash.short(),
                    accepted: true,
                });
                state.parent = hash;
                state.parent_version = version;
                state.accepted_changes.extend(ids);
                state.since_accept = 0;
            }
            _ => state.since_accept += 1,
        }
        state.generations.push(record);
        state.generation = generation;
        state.pending = None;
        self.save(state)
    }

    fn split_means(&self, hash: &ContentHash) -> SplitScores {
        let matrix = self.matrix.lock().unwrap_or_else(|e| e.into_inner());
        let plan = self.full_plan();
        let mut sums: BTreeMap<Split, (f64, usize)> = BTreeMap::new();
        for (key, split) in plan.cells() {
            if let Some(cell) = matrix.cell(hash, key) {
                let slot = sums.entry(split).or_insert((0.0, 0));
                slot.0 += cell.reward;
                slot.1 += 1;
            }
        }
        let mean = |s: Split| {
            sums.get(&s)
                .filter(|(_, n)| *n > 0)
                .map(|(t, n)| round3(t / *n as f64))
        };
        SplitScores {
            held_in: mean(Split::HeldIn),
            validation: mean(Split::Validation),
            test: None,
        }
    }

    async fn sealed_mean(
        &self,
        harness: &Arc<Harness>,
        label: &str,
    ) -> Result<Option<f64>, EvolveError> {
        if self.sealed.is_empty() {
            return Ok(None);
        }
        let plan = self.sealed.plan(
            Arc::clone(harness),
            &self.suite,
            self.config.repeats,
            self.config.seed,
            format!("final-{label}-{}", harness.content_hash().short()),
        );
        let records = self
            .evaluate(Phase::Final, harness, "test", plan.trials, plan.run_name)
            .await?;
        let rewards: Vec<f64> = records
            .iter()
            .filter(|r| r.split == Split::Test)
            .filter_map(|r| r.reward)
            .collect();
        Ok((!rewards.is_empty())
            .then(|| round3(rewards.iter().sum::<f64>() / rewards.len() as f64)))
    }

    async fn finish(&self, state: &mut RunState) -> Result<EvolveSummary, EvolveError> {
        let parent = self.parent_harness(state).await?;
        // The gated splits of both harnesses are in the cache; this fills the matrix after a
        // resume without running anything.
        let generation = state.generation;
        self.evaluate(
            Phase::Parent,
            &self.seed,
            "parent",
            self.full_trials(),
            format!("g1-parent-{}", self.seed.content_hash().short()),
        )
        .await?;
        if parent.content_hash() != self.seed.content_hash() {
            self.evaluate(
                Phase::Parent,
                &parent,
                "parent",
                self.full_trials(),
                format!(
                    "g{}-parent-{}",
                    generation + 1,
                    parent.content_hash().short()
                ),
            )
            .await?;
        }
        let mut seed_scores = self.split_means(&self.seed.content_hash());
        let mut final_scores = self.split_means(&parent.content_hash());
        seed_scores.test = self.sealed_mean(&self.seed, "seed").await?;
        final_scores.test = if parent.content_hash() == self.seed.content_hash() {
            seed_scores.test
        } else {
            self.sealed_mean(&parent, "evolved").await?
        };
        state.finished = true;
        self.save(state)?;
        let proposals: usize = state.generations.iter().map(|g| g.proposals.len()).sum();
        let rejected = state
            .history
            .records
            .iter()
            .filter(|r| r.is_rejected())
            .count();
        let summary = EvolveSummary {
            seed_harness: self.seed.content_hash().to_hex(),
            final_harness: parent.content_hash().to_hex(),
            final_version: state.parent_version.clone(),
            seed: seed_scores,
            evolved: final_scores,
            accepted_changes: state.accepted_changes.len(),
            accepted: state.accepted_changes.clone(),
            generations: state.generation,
            proposals,
            rejected,
            rollouts: state.rollouts,
            baseline_rollouts: state.generations.iter().map(|g| g.baseline_rollouts).sum(),
            wall_seconds: round3(state.wall_seconds),
            overhead_seconds: round3(state.overhead_seconds),
            stopped: state.stopped.clone().unwrap_or_default(),
        };
        let path = self.run_dir.join(SUMMARY_FILE);
        let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
        std::fs::write(&path, text + "\n").map_err(|e| EvolveError::io(&path, e))?;
        self.emit(EvolveEvent::Finished {
            harness: parent.content_hash().short(),
        });
        Ok(summary)
    }
}

/// Collects records for `Evolution::evaluate` and forwards each as an event.
struct CollectOwned {
    records: Mutex<Vec<ScoreRecord>>,
    phase: Phase,
    events: Vec<Arc<dyn EventSink>>,
}

impl RecordSink for CollectOwned {
    fn record(&self, record: &ScoreRecord) {
        for sink in &self.events {
            sink.on_event(&EvolveEvent::TrialFinished {
                phase: self.phase,
                task_id: record.key.task_id.clone(),
                repeat: record.key.repeat,
                reward: record.reward,
            });
        }
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record.clone());
    }
}

/// Turn an undecided gate answer into a rejection by a cascade screen. Screens only ever
/// reject, so they cannot raise the gate's false-promotion rate.
fn screen(decision: &mut Decision, by: &str, reason: String) {
    decision.verdict = Verdict::Reject;
    decision.decided_by = by.to_owned();
    decision.reason = reason;
    decision.curtailed = true;
}

fn gate_summary(decision: &Decision) -> GateSummary {
    let e = &decision.evidence;
    let mut gate = GateSummary::new(decision.verdict == Verdict::Promote, decision.summary());
    gate.effect = Some(e.differences.effect.estimate);
    gate.interval = Some((e.differences.effect.low, e.differences.effect.high));
    gate.p_value = e.test.as_ref().map(|t| t.p_value);
    let tasks = |flip: Flip| -> Vec<String> {
        e.flips
            .iter()
            .filter(|f| f.flip == flip && f.split == Split::HeldIn)
            .map(|f| f.task_id.clone())
            .collect()
    };
    gate.fixed = tasks(Flip::Fixed);
    gate.regressed = tasks(Flip::Regressed);
    gate
}

fn summary_line(proposal: Option<&Proposal>, id: &str) -> String {
    match proposal {
        Some(p) => format!(
            "{} on {}: {}",
            p.remedy.as_deref().unwrap_or(&p.proposer),
            p.change.surface,
            p.change.cluster
        ),
        None => format!("{id}: the accepted candidates merged"),
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The run directory's jobs folder.
pub fn jobs_dir(run: &Path) -> PathBuf {
    run.join(JOBS_DIR)
}
