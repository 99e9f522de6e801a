//! `show_report` and `list_similar_failures`: the weakness report, whole or one cluster, and
//! a cluster's member trials. Everything here comes from the report, which the miner built
//! from the mined splits only.

use std::fmt::Write as _;

use harness_miner::{ClusterReport, WeaknessReport, render_markdown};

/// The report as markdown, or one cluster of it.
pub(crate) fn show(report: &WeaknessReport, cluster_id: Option<&str>) -> String {
    let Some(id) = cluster_id.map(str::trim).filter(|id| !id.is_empty()) else {
        return render_markdown(report);
    };
    match find(report, id) {
        Ok(cluster) => {
            let mut single = report.clone();
            single.clusters = vec![cluster.clone()];
            single.omitted_clusters = 0;
            // The cluster's section only: the report's summary speaks of all clusters.
            let markdown = render_markdown(&single);
            match markdown.find("\n## ") {
                Some(start) => markdown[start + 1..].to_owned(),
                None => markdown,
            }
        }
        Err(message) => message,
    }
}

/// A cluster's failed trials, tasks and what the miner saw in its exemplars.
pub(crate) fn similar_failures(report: &WeaknessReport, cluster_id: &str) -> String {
    let cluster = match find(report, cluster_id.trim()) {
        Ok(cluster) => cluster,
        Err(message) => return message,
    };
    let mut out = format!(
        "Cluster `{}` (rank {}): {} failed trials of {} tasks, severity {:.2}.\n",
        cluster.id, cluster.rank, cluster.failures, cluster.tasks_affected, cluster.severity
    );
    if let Some(error) = &cluster.error {
        let _ = writeln!(out, "Shared error: {error}");
    }
    let more = cluster.tasks_affected.saturating_sub(cluster.tasks.len());
    let _ = write!(out, "Tasks: {}", cluster.tasks.join(", "));
    if more > 0 {
        let _ = write!(out, " (+{more} more)");
    }
    out.push_str(".\nTrials (use show_trial for any of them):\n");
    for trial in &cluster.trials {
        let _ = write!(
            out,
            "- {} (task {}, repeat {})",
            trial.trial_id, trial.task_id, trial.repeat
        );
        if let Some(exemplar) = cluster
            .exemplars
            .iter()
            .find(|e| e.trial.trial_id == trial.trial_id)
        {
            let _ = write!(out, ": {}", exemplar.detail);
        }
        out.push('\n');
    }
    let listed = cluster.trials.len();
    if cluster.failures > listed {
        let _ = writeln!(
            out,
            "({} more failed trials are not referenced by the report; search_traces finds \
             steps like theirs.)",
            cluster.failures - listed
        );
    }
    if !cluster.preserve.is_empty() {
        let _ = writeln!(
            out,
            "Passing trials of these tasks share: {}.",
            cluster.preserve.join("; ")
        );
    }
    out
}

/// The cluster `id`, or a message listing the ids there are.
fn find<'a>(report: &'a WeaknessReport, id: &str) -> Result<&'a ClusterReport, String> {
    report.clusters.iter().find(|c| c.id == id).ok_or_else(|| {
        let ids: Vec<&str> = report.clusters.iter().map(|c| c.id.as_str()).collect();
        if ids.is_empty() {
            format!("no cluster `{id}`: the report has no clusters")
        } else {
            format!(
                "no cluster `{id}` in the report; its clusters are: {}",
                ids.join(", ")
            )
        }
    })
}
