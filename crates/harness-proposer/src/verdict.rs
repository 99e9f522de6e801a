//! Grading a change list against what happened (AHE's verdicts).

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a proposal's evaluation showed about its prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// Every predicted fix happened, and nothing regressed.
    Effective,
    /// Some predicted fixes happened (or, with none predicted, some task was fixed), and
    /// nothing regressed.
    PartiallyEffective,
    /// Nothing was fixed and nothing regressed.
    Ineffective,
    /// Something regressed and nothing was fixed (a predicted-risk task, or another).
    Harmful,
    /// Something regressed and something was fixed.
    Mixed,
}

impl Verdict {
    /// Grade a change list. `fixed` and `regressed` are the tasks whose result flipped
    /// (the gate's paired per-task comparison on the splits the proposer may see).
    pub fn grade(
        predicted_fixes: &[String],
        fixed: &BTreeSet<String>,
        regressed: &BTreeSet<String>,
    ) -> Verdict {
        let predicted: BTreeSet<&str> = predicted_fixes.iter().map(String::as_str).collect();
        let hits = predicted.iter().filter(|t| fixed.contains(**t)).count();
        match (regressed.is_empty(), fixed.is_empty()) {
            (false, false) => Verdict::Mixed,
            (false, true) => Verdict::Harmful,
            (true, true) => Verdict::Ineffective,
            (true, false) if !predicted.is_empty() && hits == predicted.len() => Verdict::Effective,
            (true, false) => Verdict::PartiallyEffective,
        }
    }

    /// The name as written in records.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Effective => "EFFECTIVE",
            Verdict::PartiallyEffective => "PARTIALLY_EFFECTIVE",
            Verdict::Ineffective => "INEFFECTIVE",
            Verdict::Harmful => "HARMFUL",
            Verdict::Mixed => "MIXED",
        }
    }
}

/// How well predictions matched outcomes over many graded proposals: precision and recall of
/// predicted fixes and of predicted regressions (AHE reports 33.7 / 51.4 % and 11.8 / 11.1 %
/// for its own).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PredictionAccuracy {
    /// Predicted fixes that happened / predicted fixes (`None` with none predicted).
    pub fix_precision: Option<f64>,
    /// Predicted fixes that happened / fixes that happened.
    pub fix_recall: Option<f64>,
    /// Predicted risks that regressed / predicted risks.
    pub risk_precision: Option<f64>,
    /// Predicted risks that regressed / regressions.
    pub risk_recall: Option<f64>,
}

/// Counts behind [`PredictionAccuracy`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PredictionCounts {
    predicted_fixes: usize,
    fixes: usize,
    fix_hits: usize,
    predicted_risks: usize,
    regressions: usize,
    risk_hits: usize,
}

impl PredictionCounts {
    /// Add one graded proposal.
    pub fn add(
        &mut self,
        predicted_fixes: &[String],
        at_risk: &[String],
        fixed: &BTreeSet<String>,
        regressed: &BTreeSet<String>,
    ) {
        let fixes: BTreeSet<&str> = predicted_fixes.iter().map(String::as_str).collect();
        let risks: BTreeSet<&str> = at_risk.iter().map(String::as_str).collect();
        self.predicted_fixes += fixes.len();
        self.fixes += fixed.len();
        self.fix_hits += fixes.iter().filter(|t| fixed.contains(**t)).count();
        self.predicted_risks += risks.len();
        self.regressions += regressed.len();
        self.risk_hits += risks.iter().filter(|t| regressed.contains(**t)).count();
    }

    /// The ratios.
    pub fn accuracy(&self) -> PredictionAccuracy {
        let ratio = |a: usize, b: usize| (b > 0).then(|| a as f64 / b as f64);
        PredictionAccuracy {
            fix_precision: ratio(self.fix_hits, self.predicted_fixes),
            fix_recall: ratio(self.fix_hits, self.fixes),
            risk_precision: ratio(self.risk_hits, self.predicted_risks),
            risk_recall: ratio(self.risk_hits, self.regressions),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn verdicts_follow_the_published_meanings() {
        let predicted = list(&["a", "b"]);
        assert_eq!(
            Verdict::grade(&predicted, &set(&["a", "b"]), &set(&[])),
            Verdict::Effective
        );
        assert_eq!(
            Verdict::grade(&predicted, &set(&["a"]), &set(&[])),
            Verdict::PartiallyEffective
        );
        assert_eq!(
            Verdict::grade(&predicted, &set(&["c"]), &set(&[])),
            Verdict::PartiallyEffective
        );
        assert_eq!(
            Verdict::grade(&predicted, &set(&[]), &set(&[])),
            Verdict::Ineffective
        );
        assert_eq!(
            Verdict::grade(&predicted, &set(&[]), &set(&["x"])),
            Verdict::Harmful
        );
        assert_eq!(
            Verdict::grade(&predicted, &set(&["a", "b"]), &set(&["x"])),
            Verdict::Mixed
        );
        assert_eq!(
            serde_json::to_string(&Verdict::PartiallyEffective).unwrap(),
            "\"PARTIALLY_EFFECTIVE\""
        );
    }

    #[test]
    fn accuracy_counts_hits_over_predictions_and_outcomes() {
        let mut counts = PredictionCounts::default();
        counts.add(
            &list(&["a", "b"]),
            &list(&["r"]),
            &set(&["a", "c"]),
            &set(&[]),
        );
        counts.add(&list(&["d"]), &list(&[]), &set(&[]), &set(&["r2"]));
        let acc = counts.accuracy();
        assert_eq!(acc.fix_precision, Some(1.0 / 3.0));
        assert_eq!(acc.fix_recall, Some(0.5));
        assert_eq!(acc.risk_precision, Some(0.0));
        assert_eq!(acc.risk_recall, Some(0.0));
        assert_eq!(PredictionCounts::default().accuracy().fix_precision, None);
    }
}
