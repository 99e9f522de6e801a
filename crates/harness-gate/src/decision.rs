//! [`Decision`]: promote, reject or wait for more evidence, with the evidence and the rule
//! that decided.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::evidence::Evidence;
use crate::rule::RuleOutcome;

/// What the gate says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The candidate replaces the parent.
    Promote,
    /// The candidate is set aside.
    Reject,
    /// Pending cells could still change the decision: evaluate more.
    NeedMoreEvidence,
}

impl Verdict {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Promote => "promote",
            Verdict::Reject => "reject",
            Verdict::NeedMoreEvidence => "need_more_evidence",
        }
    }

    /// Whether the gate has decided (promote or reject).
    pub fn is_final(&self) -> bool {
        !matches!(self, Verdict::NeedMoreEvidence)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A gate's decision and what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Decision {
    /// Promote, reject or need more evidence.
    pub verdict: Verdict,
    /// The rule that decided: the whole rule tree for a promotion, the failing rule for a
    /// rejection, the rule still open for a wait.
    pub decided_by: String,
    /// Why, in one line.
    pub reason: String,
    /// True when the gate decided before every planned cell was shared, because no outcome
    /// of the pending cells could change the decision.
    pub curtailed: bool,
    /// The rules on the shared cells as they are.
    pub rules: RuleOutcome,
    /// The evidence.
    pub evidence: Evidence,
}

impl Decision {
    /// One line: verdict, rule, test, effect and flips.
    pub fn summary(&self) -> String {
        let e = &self.evidence;
        let test = e.test.as_ref().map_or(String::new(), |t| {
            format!(", p = {:.4} over {} cells", t.p_value, t.cells)
        });
        format!(
            "{} by {}{}{}, effect {:+.3} [{:+.3}, {:+.3}], {} fixed, {} regressed, {} pending",
            self.verdict,
            self.decided_by,
            if self.curtailed { " (curtailed)" } else { "" },
            test,
            e.differences.effect.estimate,
            e.differences.effect.low,
            e.differences.effect.high,
            e.fixed(),
            e.regressed(),
            e.pending,
        )
    }
}
