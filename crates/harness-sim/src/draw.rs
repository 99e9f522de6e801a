//! Everything random about one trial, drawn once when the trial's client is made.
//!
//! Drawing up front (each purpose from its own stream, see [`crate::rng`]) means two
//! harnesses run on the same (profile, task, seed, repeat) face the same model: the same
//! pathologies, the same wrong variant, the same cut-off. Paired comparisons between
//! harnesses then measure the harness, not the dice.

use std::collections::BTreeSet;

use crate::pathology::Pathology;
use crate::plan::{Plan, StepKind};
use crate::profile::Profile;
use crate::rewrite::variant_of;
use crate::rng::SimRng;

/// The failing call a blind retry repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlindTarget {
    /// The pitfall of this step.
    Pitfall {
        /// Step index.
        step: usize,
    },
    /// A near-miss variant of this step.
    Variant {
        /// Step index.
        step: usize,
        /// The variant command.
        command: String,
    },
}

/// The draws of one trial.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialDraw {
    /// Pathologies drawn active for this trial.
    pub active: BTreeSet<Pathology>,
    /// Per step: whether the model first tries the step's pitfall.
    pub pitfalls: Vec<bool>,
    /// Exploratory calls before the first step (`over_explore`'s many, or the profile's own
    /// `exploration.reads`).
    pub explore_reads: u32,
    /// What a blind retry repeats, if it has anything to repeat.
    pub blind_target: Option<BlindTarget>,
    /// Identical repeats of the failing call.
    pub retry_repeats: u32,
    /// Finish right after this step (premature finish).
    pub premature_after: Option<usize>,
    /// First step whose call is sent malformed (tool misuse).
    pub misuse_from_step: Option<usize>,
    /// Malformed calls before the model corrects itself unaided.
    pub misuse_attempts: u32,
    /// Per step: whether a flooding model dumps the step's inputs again before it.
    pub rereads: Vec<bool>,
    /// The step fumbled for good, if any.
    pub fumble_step: Option<usize>,
    /// The act step it does wrong for good if its reading is cut short before it has read
    /// what it needs (`None`: it gets away with it).
    pub rushed_step: Option<usize>,
}

impl TrialDraw {
    /// Draw for a trial whose base seed is `base`.
    pub fn draw(profile: &Profile, plan: &Plan, base: u64) -> Self {
        let n = plan.steps.len();
        let active: BTreeSet<Pathology> = Pathology::ALL
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                SimRng::stream(base, "active", *i as u64).chance(profile.probability(**p))
            })
            .map(|(_, p)| *p)
            .collect();
        let pitfalls: Vec<bool> = plan
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                s.pitfall.is_some()
                    && SimRng::stream(base, "pitfall", i as u64).chance(profile.pitfall_rate)
            })
            .collect();
        let p = &profile.pathologies;

        let looks = profile.exploration.reads;
        let explore_reads = match (&p.over_explore, active.contains(&Pathology::OverExplore)) {
            (Some(c), true) => SimRng::stream(base, "explore", 0).range(c.reads[0], c.reads[1]),
            _ if looks[1] > 0 => SimRng::stream(base, "look", 0).range(looks[0], looks[1]),
            _ => 0,
        };
        // Drawn whether or not anything stops its reading, so harnesses compare on it.
        let rushed_step = act_step(plan, base, "rushed", profile.exploration.rushed_misstep);

        let (blind_target, retry_repeats) =
            match (&p.blind_retry, active.contains(&Pathology::BlindRetry)) {
                (Some(c), true) => {
                    let mut rng = SimRng::stream(base, "blind", 0);
                    let repeats = rng.range(c.repeats[0], c.repeats[1]);
                    let target = match pitfalls.iter().position(|taken| *taken) {
                        Some(step) => Some(BlindTarget::Pitfall { step }),
                        None => {
                            let candidates: Vec<usize> = (0..n)
                                // A check run as `... || true` never fails: nothing to repeat.
                                .filter(|i| plan.steps[*i].kind == StepKind::Read)
                                .filter(|i| {
                                    variant_of(&plan.steps[*i], &plan.inputs, &mut SimRng::new(0))
                                        .is_some()
                                })
                                .collect();
                            rng.index(candidates.len())
                                .and_then(|k| candidates.get(k).copied())
                                .and_then(|step| {
                                    variant_of(&plan.steps[step], &plan.inputs, &mut rng)
                                        .map(|command| BlindTarget::Variant { step, command })
                                })
                        }
                    };
                    (target, repeats)
                }
                _ => (None, 0),
            };

        let premature_after = if active.contains(&Pathology::PrematureFinish) {
            let eligible: Vec<usize> = (0..n)
                .filter(|i| plan.steps[*i].kind == StepKind::Act && plan.steps[*i].writes)
                .filter(|i| {
                    plan.steps[i + 1..]
                        .iter()
                        .any(|s| s.kind != StepKind::State)
                })
                .collect();
            let later = &eligible[eligible.len() / 2..];
            SimRng::stream(base, "premature", 0)
                .index(later.len())
                .and_then(|k| later.get(k).copied())
        } else {
            None
        };

        let (misuse_from_step, misuse_attempts) =
            match (&p.tool_misuse, active.contains(&Pathology::ToolMisuse)) {
                (Some(c), true) => {
                    let mut rng = SimRng::stream(base, "misuse", 0);
                    let attempts = rng.range(c.attempts[0], c.attempts[1]);
                    let half = u32::try_from(n / 2).unwrap_or(0);
                    let from = usize::try_from(rng.range(0, half)).unwrap_or(0);
                    (Some(from), attempts)
                }
                _ => (None, 0),
            };

        let rereads: Vec<bool> = match (&p.output_flood, active.contains(&Pathology::OutputFlood)) {
            (Some(c), true) => (0..n)
                .map(|i| SimRng::stream(base, "reread", i as u64).chance(c.reread))
                .collect(),
            _ => vec![false; n],
        };

        let fumble_step = act_step(plan, base, "fumble", profile.fumble_rate);

        TrialDraw {
            active,
            pitfalls,
            explore_reads,
            blind_target,
            retry_repeats,
            premature_after,
            misuse_from_step,
            misuse_attempts,
            rereads,
            fumble_step,
            rushed_step,
        }
    }
}

/// With probability `p` (from the `purpose` stream), one of the plan's act steps, drawn.
fn act_step(plan: &Plan, base: u64, purpose: &str, p: f64) -> Option<usize> {
    let mut rng = SimRng::stream(base, purpose, 0);
    if !rng.chance(p) {
        return None;
    }
    let acts: Vec<usize> = (0..plan.steps.len())
        .filter(|i| plan.steps[*i].kind == StepKind::Act)
        .collect();
    rng.index(acts.len()).and_then(|k| acts.get(k).copied())
}
