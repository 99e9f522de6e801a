//! [`PromotionGate`] and [`RuleGate`], the gate over a rule tree with sequential decisions.
//!
//! # Sequential decisions: curtailment
//!
//! The loop evaluates a candidate in stages and asks the gate after each. A gate that tested
//! after every stage and stopped at the first significant result would promote far more often
//! than `alpha` under the null hypothesis. [`RuleGate`] instead decides, at every look, the
//! question "what will the rules say on the full plan?", and answers early only when the
//! answer is already certain:
//!
//! - every pending cell is filled in against the candidate (it fails with reward 0, the
//!   parent passes with reward 1); if the rules still hold, no outcome of the pending cells
//!   can make them fail, and the gate promotes;
//! - every pending cell is filled in for the candidate; if the rules still fail, the gate
//!   rejects;
//! - otherwise it asks for more evidence.
//!
//! This is valid because every rule is monotone ([`crate::Rule`]): its verdict on any
//! completion of the pending cells lies between its verdicts on the two extreme completions.
//! So the early decision is always the decision the full plan would have given, and the
//! probability of a false promotion is exactly that of the fixed-size test on the full plan,
//! however many looks are taken. The price is that early stops are rarer than with an
//! alpha-spending design; they come mostly as early rejections of hopeless candidates.

use harness_types::ContentHash;

use crate::comparison::{Comparison, Completion};
use crate::decision::{Decision, Verdict};
use crate::error::GateError;
use crate::evidence::Evidence;
use crate::matrix::ScoreMatrix;
use crate::plan::EvaluationPlan;
use crate::rule::{Rule, RuleOutcome};
use crate::spec::RuleSpec;

/// What to decide: candidate against parent, optionally over a fixed plan of cells.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GateRequest {
    /// The harness in place.
    pub parent: ContentHash,
    /// The harness proposed.
    pub candidate: ContentHash,
    /// The cells the loop will evaluate; without a plan, the shared cells are all there is.
    pub plan: Option<EvaluationPlan>,
}

impl GateRequest {
    /// A request over whatever cells the two harnesses share.
    pub fn new(parent: ContentHash, candidate: ContentHash) -> Self {
        Self {
            parent,
            candidate,
            plan: None,
        }
    }

    /// The same request over a plan.
    pub fn with_plan(mut self, plan: EvaluationPlan) -> Self {
        self.plan = Some(plan);
        self
    }
}

/// Decides whether a candidate harness replaces its parent.
pub trait PromotionGate: Send + Sync {
    /// Decide on the records in `matrix`.
    fn decide(&self, matrix: &ScoreMatrix, request: &GateRequest) -> Result<Decision, GateError>;
}

/// A gate over a rule tree, deciding early only by curtailment (see the module docs).
#[derive(Debug)]
pub struct RuleGate {
    rule: Box<dyn Rule>,
    interval_level: f64,
}

impl RuleGate {
    /// A gate over this rule.
    pub fn new(rule: Box<dyn Rule>) -> Self {
        Self {
            rule,
            interval_level: 0.9,
        }
    }

    /// A gate over a rule tree given as data.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, GateError> {
        Ok(Self::new(spec.build()?))
    }

    /// The default gate: `all_of(self_harness, no_regression, paired(sign_test))` at
    /// alpha 0.1.
    pub fn default_gate() -> Self {
        // The default spec's parameters are in range, so building cannot fail; should it
        // ever, the strictest gate (one that never promotes) is the safe fallback.
        Self::from_spec(&RuleSpec::default())
            .unwrap_or_else(|_| Self::new(Box::new(crate::rule::any_of(Vec::new()))))
    }

    /// The same gate with the effect interval at this two-sided level (default 0.9).
    pub fn with_interval_level(mut self, level: f64) -> Self {
        self.interval_level = level;
        self
    }

    /// The rule tree.
    pub fn rule(&self) -> &dyn Rule {
        self.rule.as_ref()
    }
}

impl PromotionGate for RuleGate {
    fn decide(&self, matrix: &ScoreMatrix, request: &GateRequest) -> Result<Decision, GateError> {
        let comparison = Comparison::new(
            matrix,
            request.parent,
            request.candidate,
            request.plan.as_ref(),
        )?;
        let observed = self.rule.check(&comparison);
        let mut evidence = Evidence::of(&comparison, self.interval_level);
        evidence.test = observed.first_test().cloned();
        let failing = |outcome: &RuleOutcome| {
            outcome
                .first_failing_leaf()
                .map_or_else(|| outcome.rule.clone(), |leaf| leaf.rule.clone())
        };
        let leaf_reason = |outcome: &RuleOutcome| {
            outcome
                .first_failing_leaf()
                .map_or_else(|| outcome.reason.clone(), |leaf| leaf.reason.clone())
        };
        let (verdict, decided_by, reason, curtailed) = if comparison.pending.is_empty() {
            if observed.passed {
                (
                    Verdict::Promote,
                    observed.rule.clone(),
                    observed.reason.clone(),
                    false,
                )
            } else {
                (
                    Verdict::Reject,
                    failing(&observed),
                    leaf_reason(&observed),
                    false,
                )
            }
        } else {
            let pending = comparison.pending.len();
            let worst = self
                .rule
                .check(&comparison.completed(Completion::AgainstCandidate));
            let best = self
                .rule
                .check(&comparison.completed(Completion::ForCandidate));
            if worst.passed {
                (
                    Verdict::Promote,
                    observed.rule.clone(),
                    format!("holds even if all {pending} pending cells go against the candidate"),
                    true,
                )
            } else if !best.passed {
                (
                    Verdict::Reject,
                    failing(&best),
                    format!(
                        "fails even if all {pending} pending cells go for the candidate: {}",
                        leaf_reason(&best)
                    ),
                    true,
                )
            } else {
                (
                    Verdict::NeedMoreEvidence,
                    failing(&worst),
                    format!(
                        "{pending} pending cells can still decide it: {}",
                        leaf_reason(&worst)
                    ),
                    false,
                )
            }
        };
        Ok(Decision {
            verdict,
            decided_by,
            reason,
            curtailed,
            rules: observed,
            evidence,
        })
    }
}
