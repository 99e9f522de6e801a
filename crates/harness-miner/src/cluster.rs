//! Clustering: failed trials grouped by behaviour, then by error.
//!
//! 1. Every failed trial joins the group of each behaviour tag in its signature (a trial
//!    with two behaviours is evidence for both).
//! 2. Inside a behaviour, members are split by the normalized error text of their finding
//!    (`harness_trace::fingerprint::normalize`): equal texts together, near-identical ones
//!    merged when the Jaccard similarity of their token sets, estimated by MinHash, reaches
//!    [`ClusterConfig::merge_similarity`].
//! 3. An error group that recurs (at least [`ClusterConfig::min_failures`] failures across
//!    [`ClusterConfig::min_tasks`] tasks) becomes a cluster of its own; the other members of
//!    the behaviour form one more cluster if together they recur. Smaller groups are dropped.
//! 4. Clusters are ranked by tasks affected times severity (the mean of one minus the
//!    reward), ties broken by failures, then by id: the same input gives the same order.

use std::collections::{BTreeMap, BTreeSet};

use harness_trace::Fingerprint;
use harness_trace::fingerprint::normalize;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::MinerError;
use crate::detect::BehaviourTag;
use crate::minhash::{MinHash, group_similar};
use crate::signature::FailureSignature;

/// Clustering thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
#[non_exhaustive]
pub struct ClusterConfig {
    /// A cluster needs at least this many failed trials ...
    pub min_failures: usize,
    /// ... across at least this many tasks.
    pub min_tasks: usize,
    /// Error texts at least this similar (Jaccard of their token sets) are one error.
    pub merge_similarity: f64,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self {
            min_failures: 2,
            min_tasks: 2,
            merge_similarity: 0.6,
        }
    }
}

impl ClusterConfig {
    /// Check the values.
    pub fn validate(&self) -> Result<(), MinerError> {
        if self.min_failures == 0 || self.min_tasks == 0 {
            return Err(MinerError::config(
                "cluster.min_failures/min_tasks",
                "must be at least 1",
            ));
        }
        if !(0.0..=1.0).contains(&self.merge_similarity) {
            return Err(MinerError::config(
                "cluster.merge_similarity",
                "must be between 0 and 1",
            ));
        }
        Ok(())
    }
}

/// A cluster before it is reported: its behaviour, its error (if it has one of its own)
/// and its members (indices into the signatures).
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Stable id: the tag, plus the error's fingerprint when the cluster is one error.
    pub id: String,
    /// The behaviour.
    pub tag: BehaviourTag,
    /// The normalized error text shared by the members, when the cluster is one error.
    pub error: Option<String>,
    /// Members: indices into the signatures, ascending.
    pub members: Vec<usize>,
    /// Distinct tasks of the members.
    pub tasks: BTreeSet<String>,
    /// Mean severity of the members.
    pub severity: f64,
    /// Tasks affected times severity.
    pub score: f64,
}

/// Cluster `signatures` (all failed trials) under `config`, ranked best first.
pub fn cluster_failures(signatures: &[FailureSignature], config: &ClusterConfig) -> Vec<Cluster> {
    // Members of each behaviour, with the normalized error of their finding.
    let mut by_tag: BTreeMap<&BehaviourTag, Vec<(usize, String)>> = BTreeMap::new();
    for (i, signature) in signatures.iter().enumerate() {
        for tag in &signature.tags {
            let error = signature
                .evidence_for(tag)
                .and_then(|e| e.finding.error_text.as_deref())
                .map(normalize)
                .unwrap_or_default();
            by_tag.entry(tag).or_default().push((i, error));
        }
    }
    let mut clusters = Vec::new();
    for (tag, members) in by_tag {
        clusters.extend(clusters_of_tag(tag, &members, signatures, config));
    }
    clusters.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.members.len().cmp(&a.members.len()))
            .then(a.id.cmp(&b.id))
    });
    clusters
}

fn clusters_of_tag(
    tag: &BehaviourTag,
    members: &[(usize, String)],
    signatures: &[FailureSignature],
    config: &ClusterConfig,
) -> Vec<Cluster> {
    // Equal texts first, then near-identical texts merged.
    let mut by_text: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, text) in members {
        by_text.entry(text.as_str()).or_default().push(*i);
    }
    let texts: Vec<&str> = by_text.keys().copied().collect();
    let hashes: Vec<MinHash> = texts
        .iter()
        .map(|t| MinHash::of(t.split_whitespace()))
        .collect();
    let mut error_groups: Vec<(String, Vec<usize>)> = Vec::new();
    for group in group_similar(&hashes, config.merge_similarity) {
        // The group's representative text: the one with most members, then the smallest.
        let mut best = texts[group[0]];
        let mut trials: Vec<usize> = Vec::new();
        for &k in &group {
            let members = &by_text[texts[k]];
            if members.len() > by_text[best].len() {
                best = texts[k];
            }
            trials.extend(members);
        }
        trials.sort_unstable();
        trials.dedup();
        error_groups.push((best.to_owned(), trials));
    }
    let recurs = |trials: &[usize]| {
        let tasks: BTreeSet<&str> = trials
            .iter()
            .map(|&i| signatures[i].trial.task_id.as_str())
            .collect();
        trials.len() >= config.min_failures && tasks.len() >= config.min_tasks
    };
    let mut clusters = Vec::new();
    let mut rest: Vec<usize> = Vec::new();
    let several = error_groups.len() > 1;
    for (text, trials) in error_groups {
        if several && !text.is_empty() && recurs(&trials) {
            let fingerprint = Fingerprint::of_normalized(tag.as_str(), &text);
            let id = format!("{tag}/{}", &fingerprint.to_hex()[..8]);
            clusters.push(make_cluster(id, tag, Some(text), trials, signatures));
        } else {
            rest.extend(trials);
        }
    }
    rest.sort_unstable();
    rest.dedup();
    if recurs(&rest) {
        let error = if clusters.is_empty() && members.iter().all(|(_, t)| t == &members[0].1) {
            Some(members[0].1.clone()).filter(|t| !t.is_empty())
        } else {
            None
        };
        clusters.push(make_cluster(tag.to_string(), tag, error, rest, signatures));
    }
    clusters
}

fn make_cluster(
    id: String,
    tag: &BehaviourTag,
    error: Option<String>,
    members: Vec<usize>,
    signatures: &[FailureSignature],
) -> Cluster {
    let tasks: BTreeSet<String> = members
        .iter()
        .map(|&i| signatures[i].trial.task_id.clone())
        .collect();
    let severity =
        members.iter().map(|&i| signatures[i].severity).sum::<f64>() / members.len().max(1) as f64;
    let score = tasks.len() as f64 * severity;
    Cluster {
        id,
        tag: tag.clone(),
        error,
        members,
        tasks,
        severity,
        score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Finding;
    use crate::report::TraceRef;
    use crate::signature::{Evidence, TerminalCondition};
    use harness_trace::OutcomeClass;

    fn failure(task: &str, repeat: u32, tag: &str, error: &str) -> FailureSignature {
        FailureSignature {
            trial: TraceRef {
                run_id: "r".into(),
                trial_id: format!("r.{task}__{repeat}"),
                task_id: task.into(),
                repeat,
            },
            outcome: OutcomeClass::Fail,
            reward: Some(0.0),
            severity: 1.0,
            terminal: TerminalCondition::Finished,
            tags: vec![BehaviourTag::new(tag)],
            fingerprint: None,
            evidence: vec![Evidence {
                finding: Finding::new(tag, vec![1], "d").with_error(error),
                excerpts: Vec::new(),
            }],
        }
    }

    /// Golden: cluster ids are cited across reports and runs, so their hashing must not
    /// drift (computed independently: the first 4 bytes of sha256 over the tag, a 0 byte and
    /// the normalized error).
    #[test]
    fn recurring_errors_get_their_own_clusters_with_stable_ids() {
        let signatures = vec![
            failure("a", 0, "command_not_found", "command not found: sudo"),
            failure("b", 0, "command_not_found", "command not found: sudo"),
            failure("c", 0, "command_not_found", "command not found: gawk"),
            failure("d", 0, "command_not_found", "command not found: gawk"),
            failure("e", 0, "command_not_found", "command not found: jq"),
        ];
        let clusters = cluster_failures(&signatures, &ClusterConfig::default());
        let ids: Vec<&str> = clusters.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            ["command_not_found/00e8322a", "command_not_found/ff78fc6c"]
        );
        assert_eq!(
            clusters[0].error.as_deref(),
            Some("command not found: sudo")
        );
    }

    #[test]
    fn small_groups_join_the_behaviour_and_one_task_is_not_enough() {
        let signatures = vec![
            failure(
                "a",
                0,
                "exact_repeat_after_failure",
                "KeyError: 'x' in build.py",
            ),
            failure(
                "b",
                0,
                "exact_repeat_after_failure",
                "make: *** [all] Error 2",
            ),
            failure(
                "c",
                0,
                "exact_repeat_after_failure",
                "fatal: not a git repository",
            ),
            failure("z", 0, "state_lost_between_calls", "x"),
            failure("z", 1, "state_lost_between_calls", "x"),
        ];
        let clusters = cluster_failures(&signatures, &ClusterConfig::default());
        assert_eq!(clusters.len(), 1, "{clusters:?}");
        assert_eq!(clusters[0].id, "exact_repeat_after_failure");
        assert_eq!(clusters[0].members, [0, 1, 2]);
        assert_eq!(clusters[0].score, 3.0);
        // Near-identical texts merge.
        let near = vec![
            failure(
                "a",
                0,
                "t",
                "modulenotfounderror: no module named 'numpy' while importing the app",
            ),
            failure(
                "b",
                0,
                "t",
                "modulenotfounderror: no module named 'pandas' while importing the app",
            ),
        ];
        let merged = cluster_failures(&near, &ClusterConfig::default());
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].members, [0, 1]);
    }
}
