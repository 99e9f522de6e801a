//! `context_flooding`: output that floods the context: one huge output, several large
//! ones, or files printed whole when less would do: a file dumped again, a file dumped
//! after a part of it was read (`head`, `wc`, `sed -n` ...), or a large file dumped.

use std::collections::BTreeSet;

use super::{BehaviourTag, Detector, Finding, shorten};
use crate::trial::{Action, TrialView};

/// Finds outputs that flood the context.
#[derive(Debug, Clone, Copy)]
pub struct ContextFlooding {
    /// One output at least this long (bytes) is a flood.
    pub output_bytes: u64,
    /// So are this many outputs of at least a quarter of that.
    pub outputs: usize,
    /// A whole-file dump at least this long (bytes) is needless.
    pub dump_bytes: u64,
}

impl ContextFlooding {
    /// The dumps that were needless, with why.
    fn needless_dumps<'a>(&self, actions: &'a [Action]) -> Vec<(&'a Action, &'static str)> {
        let mut sampled: BTreeSet<&str> = BTreeSet::new();
        let mut dumped: BTreeSet<&str> = BTreeSet::new();
        let mut needless = Vec::new();
        for action in actions.iter().filter(|a| !a.failed) {
            let mut why = None;
            for file in &action.facts.dumps_whole {
                if dumped.contains(file.as_str()) {
                    why = Some("dumped again");
                } else if sampled.contains(file.as_str()) {
                    why = why.or(Some("dumped whole after reading part of it"));
                }
                dumped.insert(file);
            }
            if why.is_none()
                && !action.facts.dumps_whole.is_empty()
                && action.output_bytes >= self.dump_bytes
            {
                why = Some("a large file dumped whole");
            }
            if let Some(why) = why {
                needless.push((action, why));
            }
            sampled.extend(action.facts.reads_part.iter().map(String::as_str));
        }
        needless
    }
}

impl Detector for ContextFlooding {
    fn tag(&self) -> &str {
        BehaviourTag::CONTEXT_FLOODING
    }

    fn detect(&self, trial: &TrialView) -> Vec<Finding> {
        let large = self.output_bytes / 4;
        let big: Vec<&Action> = trial
            .actions
            .iter()
            .filter(|a| a.output_bytes >= large)
            .collect();
        let huge = big.iter().any(|a| a.output_bytes >= self.output_bytes);
        if huge || big.len() >= self.outputs {
            let total: u64 = big
                .iter()
                .map(|a| a.output_bytes * u64::from(a.repeats))
                .sum();
            let largest = big
                .iter()
                .max_by_key(|a| (a.output_bytes, std::cmp::Reverse(a.seq)));
            let Some(largest) = largest else {
                return Vec::new();
            };
            return vec![Finding::new(
                self.tag(),
                big.iter().take(3).map(|a| a.seq).collect(),
                format!(
                    "{} large outputs, {} KiB in all; largest {} KiB from `{}`",
                    big.len(),
                    total / 1024,
                    largest.output_bytes / 1024,
                    shorten(&largest.display(), 60)
                ),
            )];
        }
        let needless = self.needless_dumps(&trial.actions);
        let Some((first, why)) = needless.first() else {
            return Vec::new();
        };
        let bytes: u64 = needless.iter().map(|(a, _)| a.output_bytes).sum();
        vec![Finding::new(
            self.tag(),
            needless.iter().take(3).map(|(a, _)| a.seq).collect(),
            format!(
                "{} whole-file dump(s), {} KiB; first `{}`: {why}",
                needless.len(),
                bytes.div_ceil(1024),
                shorten(&first.display(), 60)
            ),
        )]
    }
}
