//! Analyses of a run, computed through the loop's own evaluator (and so its evaluation
//! cache): the ablation of the final harness, and the budget-matched baseline arm.
//!
//! - [`Evolution::ablate`]: the final harness with each accepted change reverted (a three-way
//!   merge of the final harness and the version before the change, against the change's
//!   candidate), and with each component kind set back to the seed's, one at a time, each
//!   compared with the final harness on the cells they share (paired: the same tasks,
//!   repeats and seeds). The ablated harnesses are kept in `analysis/ablated/<label>/`, so
//!   anyone can re-run them plainly.
//! - [`Evolution::budget_matched`]: the seed harness on the test split with as many rollouts
//!   as the run spent, as mean pass@1 and as best-of-K with the verifier as selector, beside
//!   the evolved harness's pass@1. It reaches the sealed test split, so it runs only on a
//!   finished run, after the final evaluation: nothing the optimizer read depends on it.

use std::collections::BTreeMap;
use std::sync::Arc;

use harness_core::{ComponentKind, Harness, HarnessPath};
use harness_gate::stats::random::hash_bytes;
use harness_gate::stats::{clustered_mean_interval, sign_flip_p_value};
use harness_gate::{Comparison, Evidence, Flip, ScoreMatrix};
use harness_lineage::{CANDIDATES_PREFIX, merge};
use harness_types::{ContentHash, ScoreRecord, Split};

use crate::analysis::{
    ABLATION_FILE, ANALYSIS_DIR, Ablated, Ablation, AblationRow, ArmScore, BUDGET_MATCHED_FILE,
    BudgetMatched, write_analysis,
};
use crate::error::EvolveError;
use crate::events::Phase;
use crate::evolution::Evolution;
use crate::splits::GatedSplits;
use crate::state::RunState;

/// The folder of `analysis/` holding each ablated harness.
pub const ABLATED_DIR: &str = "ablated";

/// Resamples of the sign-flip test of an ablation row.
const RESAMPLES: u32 = 9_999;

/// The coverage of every interval.
const LEVEL: f64 = 0.95;

impl Evolution {
    /// The run's state; an error naming the state file when there is none.
    fn saved_state(&self) -> Result<RunState, EvolveError> {
        RunState::load(self.run_dir())?.ok_or_else(|| EvolveError::State {
            path: RunState::path(self.run_dir()),
            message: "no run here: `harness evolve` writes this file".into(),
        })
    }

    /// Ablate the run's current harness on `split` (held-in or validation; the test split is
    /// sealed): each accepted change removed and each component kind reverted to the seed's,
    /// one at a time. Writes `analysis/ablation.json` and returns it.
    pub async fn ablate(&self, split: Split) -> Result<Ablation, EvolveError> {
        let tasks = match split {
            Split::HeldIn => self.splits().held_in(),
            Split::Validation => self.splits().validation(),
            other => {
                return Err(EvolveError::Config {
                    file: "ablate".into(),
                    field: "split".into(),
                    message: format!(
                        "`{other}` cannot be ablated on: use held_in or validation (the test \
                         split is sealed)"
                    ),
                });
            }
        };
        let state = self.saved_state()?;
        let final_harness = self.parent_harness(&state).await?;
        let repeats = self.config().repeats;
        let trials = GatedSplits::trials(tasks, 0..repeats);
        let mut ran = 0u64;
        let (reference, ran_now) = self
            .evaluate_counted(&final_harness, "ablation", trials.clone())
            .await?;
        ran += ran_now;

        let mut rows = Vec::new();
        for (ablated, harness) in self.ablated_harnesses(&state, &final_harness).await? {
            let harness = match harness {
                Ok(h) => h,
                Err(note) => {
                    rows.push(unscored(ablated, note));
                    continue;
                }
            };
            if harness.content_hash() == final_harness.content_hash() {
                rows.push(unscored(
                    ablated,
                    "the same harness as the final one".into(),
                ));
                continue;
            }
            self.keep_ablated(&ablated, &harness)?;
            let harness = Arc::new(harness);
            let (records, ran_now) = self
                .evaluate_counted(&harness, "ablation", trials.clone())
                .await?;
            ran += ran_now;
            rows.push(compare_row(
                ablated,
                &final_harness.content_hash(),
                &reference,
                &harness.content_hash(),
                &records,
            )?);
        }
        let ablation = Ablation {
            split: split.to_string(),
            repeats,
            reference: arm(&final_harness.content_hash().short(), &reference),
            rows,
            rollouts: ran,
        };
        write_analysis(self.run_dir(), ABLATION_FILE, &ablation)?;
        Ok(ablation)
    }

    /// The harnesses of an ablation: one per accepted change (in the order they were
    /// accepted), then one per component kind the final harness changed. A change whose
    /// revert conflicts with later changes gets the reason instead of a harness.
    async fn ablated_harnesses(
        &self,
        state: &RunState,
        final_harness: &Arc<Harness>,
    ) -> Result<Vec<(Ablated, Result<Harness, String>)>, EvolveError> {
        let registry = self.registry().clone();
        let mut out = Vec::new();
        for generation in &state.generations {
            for id in &generation.accepted {
                let surface = state
                    .history
                    .records
                    .iter()
                    .filter_map(|r| r.proposal.as_ref())
                    .find(|p| p.id == *id)
                    .map(|p| p.change.surface.clone())
                    .unwrap_or_default();
                let name = format!("{CANDIDATES_PREFIX}{}/{id}", generation.generation);
                let registry = registry.clone();
                let final_files = final_harness.clone();
                let reverted = self
                    .lineage()
                    .blocking(move |l| -> Result<Result<Harness, String>, _> {
                        let candidate_id = l.resolve(&name)?;
                        let candidate = l.version(&candidate_id)?;
                        let Some(before) = candidate.parents.first() else {
                            return Ok(Err(format!("{name} has no parent version")));
                        };
                        let with = l.harness(&candidate_id, &registry)?;
                        let without = l.harness(before, &registry)?;
                        Ok(revert(&with, &final_files, &without, &registry))
                    })
                    .await?;
                out.push((
                    Ablated::Change {
                        proposal: id.clone(),
                        surface,
                    },
                    reverted,
                ));
            }
        }
        let seed = self.seed_harness();
        let seed_hashes = seed.component_hashes();
        for (kind, hash) in final_harness.component_hashes() {
            if seed_hashes.get(&kind) == Some(&hash) {
                continue;
            }
            out.push((
                Ablated::Component {
                    component: kind.as_str().to_owned(),
                },
                with_component_of(final_harness, seed, kind, &registry),
            ));
        }
        Ok(out)
    }

    /// Write an ablated harness to `analysis/ablated/<label>/`.
    fn keep_ablated(&self, ablated: &Ablated, harness: &Harness) -> Result<(), EvolveError> {
        let label = match ablated {
            Ablated::Change { proposal, .. } => format!("without-{proposal}"),
            Ablated::Component { component } => format!("seed-{component}"),
        };
        let dir = self
            .run_dir()
            .join(ANALYSIS_DIR)
            .join(ABLATED_DIR)
            .join(label);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| EvolveError::io(&dir, e))?;
        }
        harness.save(&dir)?;
        Ok(())
    }

    /// Evaluate `trials` of `harness`, returning the records and how many trials ran (the
    /// rest came from the cache).
    async fn evaluate_counted(
        &self,
        harness: &Arc<Harness>,
        stage: &str,
        trials: Vec<harness_tasks::PlannedTrial>,
    ) -> Result<(Vec<ScoreRecord>, u64), EvolveError> {
        let before = self.rollouts_now();
        let records = self
            .evaluate(
                Phase::Candidate,
                harness,
                stage,
                trials,
                format!("{stage}-{}", harness.content_hash().short()),
            )
            .await?;
        Ok((records, self.rollouts_now().saturating_sub(before)))
    }

    /// The budget-matched baseline arm of a finished run: the seed on the test split with
    /// the rollouts the run spent spread evenly over the test tasks. Writes
    /// `analysis/budget-matched.json` and returns it.
    pub async fn budget_matched(&self) -> Result<BudgetMatched, EvolveError> {
        let state = self.saved_state()?;
        if !state.finished {
            return Err(EvolveError::State {
                path: RunState::path(self.run_dir()),
                message: "the run has not finished: the budget-matched arm reads the sealed \
                          test split, which only a finished run may"
                    .into(),
            });
        }
        let tasks = self.sealed().len();
        if tasks == 0 {
            return Err(EvolveError::Suite(
                "the suite has no test split to compare on".into(),
            ));
        }
        let budget = state.rollouts;
        let samples = u32::try_from((budget / tasks as u64).max(1)).unwrap_or(u32::MAX);
        let seed = Arc::clone(self.seed_harness());
        let before = self.rollouts_now();
        // Its own job folder: these samples are the analysis's, not the run's.
        let seed_records = self
            .sealed_records(
                &seed,
                samples,
                format!("analysis-budget-matched-{}", seed.content_hash().short()),
            )
            .await?;
        let final_harness = self.parent_harness(&state).await?;
        // The final evaluation's own cells, answered from the cache.
        let evolved = self
            .sealed_records(
                &final_harness,
                self.config().repeats,
                format!("final-evolved-{}", final_harness.content_hash().short()),
            )
            .await?;
        let rollouts = self.rollouts_now().saturating_sub(before);
        let short = seed.content_hash().short();
        let arm_result = BudgetMatched {
            budget,
            tasks,
            samples_per_task: samples,
            rollouts,
            seed_pass_at_1: arm(&short, &seed_records),
            seed_best_of_k: best_of_k(&short, &seed_records),
            evolved_pass_at_1: arm(&final_harness.content_hash().short(), &evolved),
        };
        write_analysis(self.run_dir(), BUDGET_MATCHED_FILE, &arm_result)?;
        Ok(arm_result)
    }
}

/// `final_harness` without the change from `without` to `with`: the three-way merge of the
/// final harness and the version before the change, against the change's candidate.
fn revert(
    with: &Harness,
    final_harness: &Harness,
    without: &Harness,
    registry: &harness_core::KindRegistry,
) -> Result<Harness, String> {
    let outcome = merge(
        with,
        &[
            ("final".to_owned(), final_harness.clone()),
            ("revert".to_owned(), without.clone()),
        ],
    );
    if !outcome.is_clean() {
        let units: Vec<&str> = outcome.conflicts.iter().map(|c| c.unit.as_str()).collect();
        return Err(format!(
            "cannot be removed alone: later changes edit the same parts ({})",
            units.join(", ")
        ));
    }
    outcome.harness(registry).map_err(|diagnostics| {
        let first = diagnostics
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        format!("the harness without it is invalid: {first}")
    })
}

/// `harness` with the files of `kind` replaced by those of `seed`.
fn with_component_of(
    harness: &Harness,
    seed: &Harness,
    kind: ComponentKind,
    registry: &harness_core::KindRegistry,
) -> Result<Harness, String> {
    let of_kind = |path: &HarnessPath| ComponentKind::of_path(path) == Some(kind);
    let mut files: BTreeMap<HarnessPath, String> = harness
        .files()
        .iter()
        .filter(|(path, _)| !of_kind(path))
        .map(|(p, c)| (p.clone(), c.clone()))
        .collect();
    files.extend(
        seed.files()
            .iter()
            .filter(|(path, _)| of_kind(path))
            .map(|(p, c)| (p.clone(), c.clone())),
    );
    Harness::from_files(files, registry).map_err(|e| {
        format!(
            "the harness with the seed's {} is invalid: {e}",
            kind.as_str()
        )
    })
}

/// A row without a score, with the reason.
fn unscored(ablated: Ablated, note: String) -> AblationRow {
    AblationRow {
        ablated,
        score: None,
        effect: None,
        interval: None,
        p_value: None,
        regressed: Vec::new(),
        fixed: Vec::new(),
        note: Some(note),
    }
}

/// An ablated harness against the final one on their shared cells.
fn compare_row(
    ablated: Ablated,
    final_hash: &ContentHash,
    reference: &[ScoreRecord],
    hash: &ContentHash,
    records: &[ScoreRecord],
) -> Result<AblationRow, EvolveError> {
    let matrix = ScoreMatrix::from_records(reference.iter().chain(records));
    let comparison = Comparison::new(&matrix, *final_hash, *hash, None)?;
    let evidence = Evidence::of(&comparison, LEVEL);
    let differences: Vec<(u64, f64)> = comparison
        .pairs
        .iter()
        .map(|p| {
            let id = format!("{}:{}:{}", p.key.task_id, p.key.repeat, p.key.seed);
            (hash_bytes(id.as_bytes()), p.difference())
        })
        .collect();
    let negated: Vec<(u64, f64)> = differences.iter().map(|(c, d)| (*c, -d)).collect();
    let seed = hash_bytes(hash.to_hex().as_bytes());
    let p_value = (2.0
        * sign_flip_p_value(&differences, RESAMPLES, seed)
            .min(sign_flip_p_value(&negated, RESAMPLES, seed)))
    .min(1.0);
    let tasks = |flip: Flip| -> Vec<String> {
        evidence
            .flips
            .iter()
            .filter(|f| f.flip == flip)
            .map(|f| f.task_id.clone())
            .collect()
    };
    let effect = &evidence.differences.effect;
    Ok(AblationRow {
        ablated,
        score: Some(arm(&hash.short(), records)),
        effect: Some(round4(effect.estimate)),
        interval: Some((round4(effect.low), round4(effect.high))),
        p_value: Some(round4(p_value)),
        regressed: tasks(Flip::Regressed),
        fixed: tasks(Flip::Fixed),
        note: None,
    })
}

/// The mean reward of scored records with its interval clustered by task.
fn arm(label: &str, records: &[ScoreRecord]) -> ArmScore {
    let values: Vec<(&str, f64)> = records
        .iter()
        .filter(|r| r.is_scored())
        .map(|r| (r.key.task_id.as_str(), r.reward.unwrap_or(0.0)))
        .collect();
    scored(label, values.iter().copied(), values.len())
}

/// The mean of `values` (task, reward) with its interval clustered by task, over `cells`.
fn scored<'a>(
    label: &str,
    values: impl IntoIterator<Item = (&'a str, f64)>,
    cells: usize,
) -> ArmScore {
    let interval = clustered_mean_interval(values, LEVEL);
    ArmScore::new(
        label,
        round4(interval.estimate),
        (
            round4(interval.low.max(0.0)),
            round4(interval.high.min(1.0)),
        ),
        cells,
    )
}

/// Best-of-K with the verifier as selector: per task, the best reward of its samples; the
/// mean over tasks with its interval over tasks (one value per task).
fn best_of_k(label: &str, records: &[ScoreRecord]) -> ArmScore {
    let mut best: BTreeMap<&str, f64> = BTreeMap::new();
    for r in records.iter().filter(|r| r.is_scored()) {
        let slot = best.entry(r.key.task_id.as_str()).or_insert(0.0);
        *slot = slot.max(r.reward.unwrap_or(0.0));
    }
    scored(label, best.iter().map(|(t, v)| (*t, *v)), best.len())
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
