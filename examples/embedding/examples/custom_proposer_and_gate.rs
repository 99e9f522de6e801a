//! Your own proposer and your own gate, plugged into the loop. `ThresholdTuner` is a
//! `Proposer` that knows one thing: how to tune the call-count warning of the `loop_breaker`
//! middleware. It proposes a few thresholds around what clean passing trials needed, skips
//! the ones the history says were rejected, and passes every change list through the same
//! `ProposalGuard` as the shipped proposers. `MinimumEffectGate` is a stricter
//! `PromotionGate`: it asks the default gate, and turns a promotion whose estimated effect is
//! below a floor into a rejection (a stricter gate never promotes more, so the default gate's
//! error guarantees still hold). The program runs the loop on six bundled tasks against the
//! simulated model and prints every decision.
//!
//! ```sh
//! cargo run -p harness-examples --example custom_proposer_and_gate
//! ```

use std::error::Error;
use std::sync::Arc;

use async_trait::async_trait;
use harness_agent::agent::{BuiltinAgent, BuiltinAgentFactory};
use harness_core::{Edit, EditSet, Harness, KindRegistry};
use harness_eval::{LocalEvaluator, ScoreCache};
use harness_evolve::{AgentConfig, EvolutionParts, EvolveConfig, EvolveSummary, jobs_dir};
use harness_gate::{
    Decision, GateError, GateRequest, PromotionGate, RuleGate, ScoreMatrix, Verdict,
};
use harness_model::{BackendOptions, ModelRegistry};
use harness_proposer::{
    ChangeList, ProposalBatch, ProposalContext, ProposalGuard, Proposer, ProposerError,
};
use harness_sandbox::LocalProvider;
use harness_tasks::{JobOptions, Suite};
use harness_trace::RunStoreFactory;

/// Proposes call-count warnings at a few thresholds.
struct ThresholdTuner {
    guard: ProposalGuard,
}

#[async_trait]
impl Proposer for ThresholdTuner {
    fn name(&self) -> &str {
        "threshold-tuner"
    }

    async fn propose(
        &self,
        context: &ProposalContext,
        k: usize,
    ) -> Result<ProposalBatch, ProposerError> {
        let mut batch = ProposalBatch::new(self.name());
        // Around what clean passing trials needed before their first write.
        let needed = context
            .report
            .passing_profile
            .clean_first_write
            .map_or(8, |s| s.max);
        let Some(cluster) = context.report.clusters.first() else {
            batch.note = Some("no weakness to tune for".into());
            return Ok(batch);
        };
        for threshold in [needed + 2, needed * 3 + 2, needed * 6 + 2] {
            if batch.proposals.len() >= k {
                break;
            }
            let content = format!(
                "middleware:\n- kind: loop_breaker\n  params:\n    max_tool_calls: {threshold}\n"
            );
            let edit = if context.harness.file("middleware.yaml").is_some() {
                Edit::Replace {
                    path: "middleware.yaml".into(),
                    content,
                }
            } else {
                Edit::Create {
                    path: "middleware.yaml".into(),
                    content,
                }
            };
            let change = ChangeList {
                cluster: cluster.id.clone(),
                evidence: cluster.trials.clone(),
                root_cause: "runs that look around too long".into(),
                surface: "middleware".into(),
                why_this_component: "only middleware can count calls".into(),
                edits: EditSet { edits: vec![edit] },
                predicted_fixes: cluster.tasks.clone(),
                at_risk: Vec::new(),
                rationale: format!("warn once after {threshold} calls"),
            };
            match self
                .guard
                .check(context, change, self.name(), None, &batch.proposals)
            {
                Ok(proposal) => batch.proposals.push(proposal),
                Err(rejected) => batch.rejected.push(*rejected),
            }
        }
        Ok(batch)
    }
}

/// The default gate, plus a floor on the estimated effect.
struct MinimumEffectGate {
    inner: RuleGate,
    floor: f64,
}

impl PromotionGate for MinimumEffectGate {
    fn decide(&self, matrix: &ScoreMatrix, request: &GateRequest) -> Result<Decision, GateError> {
        let mut decision = self.inner.decide(matrix, request)?;
        let effect = decision.evidence.differences.effect.estimate;
        if decision.verdict == Verdict::Promote && effect < self.floor {
            decision.verdict = Verdict::Reject;
            decision.decided_by = "minimum_effect".into();
            decision.reason = format!("effect {effect:+.3} below the floor {:+.3}", self.floor);
        }
        Ok(decision)
    }
}

/// The floor of the example's gate.
const FLOOR: f64 = 0.15;

async fn evolve_with_my_proposer_and_gate() -> Result<EvolveSummary, Box<dyn Error>> {
    let work = tempfile::tempdir()?;
    let suite_dir = harness_examples::small_suite(
        work.path(),
        &[
            "docs-whitespace-cleanup",
            "http-status-summary",
            "fix-event-summarizer",
            "sales-region-totals",
        ],
        &["lighthouse-lines", "fix-word-counter"],
        &["word-frequency-report", "duplicate-photos"],
    )?;
    let run_dir = work.path().join("run");
    let model = "sim:explorer";
    let mut models = ModelRegistry::new();
    harness_sim::register(&mut models);
    let built = models.build_str(model, &BackendOptions::new().with_records_dir(&run_dir))?;
    let registry = KindRegistry::builtin();
    let seed = Harness::load(&harness_examples::bundled_harness("minimal"), &registry)?;
    let mut template = BuiltinAgent::new(Arc::new(seed.clone()), built.provider, model);
    template.solution_to_model = true;
    let mut config = EvolveConfig::new(
        suite_dir.clone(),
        harness_examples::bundled_harness("minimal"),
        AgentConfig::builtin(model),
    );
    config.generations = 2;
    config.seed = 1;
    let mut options = JobOptions::new("tuning");
    options.jobs = 2;
    options.resume = true;
    let evaluator = LocalEvaluator::new(
        Arc::new(LocalProvider::default()),
        Arc::new(BuiltinAgentFactory::new(template)),
        Arc::new(ScoreCache::open(&run_dir)?),
        jobs_dir(&run_dir),
        options,
    )
    .with_traces(Arc::new(RunStoreFactory::default()));
    let evolution = harness_evolve::Evolution::new(EvolutionParts {
        config,
        run_dir: run_dir.clone(),
        suite: Suite::load(&suite_dir)?,
        seed,
        registry,
        evaluator: Arc::new(evaluator),
        miner: Arc::new(harness_miner::StoreMiner::new(
            harness_miner::MinerConfig::default(),
        )),
        proposer: Arc::new(ThresholdTuner {
            guard: ProposalGuard::default(),
        }),
        gate: Arc::new(MinimumEffectGate {
            inner: RuleGate::default_gate(),
            floor: FLOOR,
        }),
    })?;
    let summary = evolution.run().await?;
    // Every decision, from the run's state.
    let state = harness_evolve::RunState::load(&run_dir)?.ok_or("no state")?;
    for record in &state.history.records {
        if let Some(p) = &record.proposal {
            let verdict = match &record.status {
                harness_proposer::RecordStatus::Accepted { gate } => {
                    format!("accepted: {}", gate.reason)
                }
                harness_proposer::RecordStatus::Rejected { gate } => {
                    format!("rejected: {}", gate.reason)
                }
                other => format!("{other:?}"),
            };
            println!(
                "generation {}: {} ({}) {verdict}",
                record.generation, p.id, p.change.rationale
            );
        }
    }
    Ok(summary)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let summary = evolve_with_my_proposer_and_gate().await?;
    println!(
        "held_in {:?} -> {:?}; test {:?} -> {:?}; accepted {:?}",
        summary.seed.held_in,
        summary.evolved.held_in,
        summary.seed.test,
        summary.evolved.test,
        summary.accepted
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_users_proposer_and_stricter_gate_run_the_loop() {
        let summary = super::evolve_with_my_proposer_and_gate().await.unwrap();
        assert!(summary.proposals >= 2, "{summary:?}");
        assert!(summary.accepted_changes >= 1, "{summary:?}");
        assert!(
            summary.evolved.held_in.unwrap() > summary.seed.held_in.unwrap(),
            "{summary:?}"
        );
    }
}
