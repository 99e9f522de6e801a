//! `exploration_without_progress`: a long stretch of distinct, successful calls that write
//! nothing: reading and listing instead of acting. Failed calls and repeats of one call are
//! not counted (they are other behaviours).

use std::collections::HashSet;

use super::{BehaviourTag, Detector, Finding};
use crate::trial::TrialView;

/// Finds long runs of distinct non-writing calls.
#[derive(Debug, Clone, Copy)]
pub struct ExplorationWithoutProgress {
    /// Distinct successful non-writing calls in one stretch that count as exploring.
    pub run: usize,
}

impl Detector for ExplorationWithoutProgress {
    fn tag(&self) -> &str {
        BehaviourTag::EXPLORATION_WITHOUT_PROGRESS
    }

    fn detect(&self, trial: &TrialView) -> Vec<Finding> {
        let actions = trial.work_actions();
        let mut best: Option<(usize, usize, usize)> = None; // (distinct, start, end)
        let mut start = 0;
        let mut distinct: HashSet<&str> = HashSet::new();
        let mut close = |distinct: &HashSet<&str>, start: usize, end: usize| {
            if best.is_none_or(|(n, _, _)| distinct.len() > n) {
                best = Some((distinct.len(), start, end));
            }
        };
        for (i, action) in actions.iter().enumerate() {
            if action.facts.writes && !action.failed {
                close(&distinct, start, i);
                distinct.clear();
                start = i + 1;
            } else if !action.failed {
                distinct.insert(action.arguments.as_str());
            }
        }
        close(&distinct, start, actions.len());
        let Some((n, start, end)) = best.filter(|(n, _, _)| *n >= self.run) else {
            return Vec::new();
        };
        let writes = actions.iter().filter(|a| a.facts.writes).count();
        let steps = actions[start..end].iter().map(|a| a.seq).take(3).collect();
        vec![Finding::new(
            self.tag(),
            steps,
            format!(
                "{n} distinct calls in a row wrote nothing ({} calls, {writes} writing, in all)",
                actions.len()
            ),
        )]
    }
}
