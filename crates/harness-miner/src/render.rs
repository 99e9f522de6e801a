//! Markdown rendering of a report, and fitting a report to its token budget.
//!
//! [`fit_to_budget`](crate::render::fit_to_budget) trims a report step by step until both its markdown and its JSON fit
//! the budget: shorter excerpts, one exemplar per cluster, fewer references, then the
//! lowest-ranked clusters (counted in `omitted_clusters`). Each step is a pure function of
//! the report, so the same input gives the same output, byte for byte.

use std::fmt::Write as _;

use crate::report::{ClusterReport, WeaknessReport};
use crate::tokens::estimate_tokens;

/// Tokens kept free for the fields written after measuring (the token count itself).
const MARGIN_TOKENS: usize = 16;

/// The report as markdown.
pub fn render_markdown(report: &WeaknessReport) -> String {
    let mut out = String::new();
    let scope: Vec<&str> = report
        .scope
        .splits()
        .iter()
        .map(|s| s.split().as_str())
        .collect();
    let _ = writeln!(out, "# Weakness report\n");
    let _ = writeln!(
        out,
        "Mined {} trials of {} tasks (splits: {}): {} passed, {} failed, {} left out \
         (errors or unscored). {} failures fall in {} reported clusters{}.",
        report.trials,
        report.tasks,
        scope.join(", "),
        report.passed,
        report.failed,
        report.excluded,
        report.clustered,
        report.clusters.len(),
        if report.omitted_clusters > 0 {
            format!(" ({} more did not fit the budget)", report.omitted_clusters)
        } else {
            String::new()
        }
    );
    if !report.behaviours.is_empty() {
        let counts: Vec<String> = report
            .behaviours
            .iter()
            .map(|(tag, n)| format!("{tag} {n}"))
            .collect();
        let _ = writeln!(out, "\nBehaviours in failed trials: {}.", counts.join(", "));
    }
    if !report.passing_behaviours.is_empty() {
        let counts: Vec<String> = report
            .passing_behaviours
            .iter()
            .map(|(tag, n)| format!("{tag} {n}"))
            .collect();
        let _ = writeln!(out, "In passing trials: {}.", counts.join(", "));
    }
    for cluster in &report.clusters {
        render_cluster(&mut out, cluster);
    }
    out
}

fn render_cluster(out: &mut String, c: &ClusterReport) {
    let _ = writeln!(
        out,
        "\n## {}. {} ({} tasks, {} failures, severity {:.2}, score {:.2})\n",
        c.rank, c.id, c.tasks_affected, c.failures, c.severity, c.score
    );
    if let Some(error) = &c.error {
        let _ = writeln!(out, "Error: `{}`\n", error.replace('`', "'"));
    }
    let counts = |m: &std::collections::BTreeMap<String, usize>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "Outcomes: {}. Ended: {}. Passing trials of these tasks showing it too: {} of {}.",
        counts(&c.outcomes),
        counts(&c.terminals),
        c.passing_with_behaviour,
        c.passing_trials
    );
    let more_tasks = c.tasks_affected.saturating_sub(c.tasks.len());
    let _ = writeln!(
        out,
        "Tasks: {}{}.",
        c.tasks.join(", "),
        if more_tasks > 0 {
            format!(" (+{more_tasks} more)")
        } else {
            String::new()
        }
    );
    if c.components.is_empty() {
        let _ = writeln!(
            out,
            "\nNo component attributed (a behaviour the miner has no table entry for)."
        );
    } else {
        let _ = writeln!(out, "\nCould be addressed in:");
        for a in &c.components {
            let _ = writeln!(out, "- {}: {}", component_name(a.component), a.reason);
        }
    }
    if !c.preserve.is_empty() {
        let _ = writeln!(
            out,
            "\nPassing trials of these tasks (keep this): {}.",
            c.preserve.join("; ")
        );
    }
    for exemplar in &c.exemplars {
        let _ = writeln!(
            out,
            "\nExample `{}` (task {}): {}",
            exemplar.trial.trial_id, exemplar.trial.task_id, exemplar.detail
        );
        for step in &exemplar.steps {
            let mut head = format!("- step {} `{}`", step.seq, one_line(&step.call));
            if let Some(code) = step.exit_code {
                let _ = write!(head, " exit {code}");
            }
            if step.repeats > 1 {
                let _ = write!(head, " (x{})", step.repeats);
            }
            if let Some(error) = &step.error {
                let _ = write!(head, " error: {}", one_line(error));
            }
            let _ = writeln!(out, "{head}");
            if !step.output.trim().is_empty() {
                let _ = writeln!(out, "  ```\n{}\n  ```", indent(step.output.trim_end()));
            }
            if let Some(blob) = &step.full_output {
                let _ = writeln!(
                    out,
                    "  (full output: blob {}, {} bytes)",
                    blob.sha256.short(),
                    step.output_bytes
                );
            }
        }
    }
    if !c.trials.is_empty() {
        let ids: Vec<&str> = c.trials.iter().map(|t| t.trial_id.as_str()).collect();
        let more = c.failures.saturating_sub(c.trials.len());
        let _ = writeln!(
            out,
            "\nTraces: {}{}.",
            ids.join(", "),
            if more > 0 {
                format!(" (+{more} more)")
            } else {
                String::new()
            }
        );
    }
    if let Some(analysis) = &c.analysis {
        let _ = writeln!(out, "\nAnalysis: {analysis}");
    }
}

fn component_name(kind: crate::attribution::ComponentKind) -> &'static str {
    use crate::attribution::ComponentKind::*;
    match kind {
        Prompt => "prompt",
        Tools => "tools",
        Middleware => "middleware",
        Skills => "skills",
        Memory => "memory",
    }
}

fn one_line(text: &str) -> String {
    text.replace('`', "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {}", l.replace("```", "'''")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Estimated tokens of the report as markdown and as JSON, the larger.
fn size(report: &WeaknessReport) -> usize {
    let md = estimate_tokens(&render_markdown(report));
    let json = serde_json::to_string(report).map_or(usize::MAX, |j| estimate_tokens(&j));
    md.max(json)
}

/// Trim `report` until its markdown and JSON both fit `report.budget_tokens`; sets
/// `rendered_tokens` and returns the markdown.
pub fn fit_to_budget(report: &mut WeaknessReport) -> String {
    let budget = report.budget_tokens.saturating_sub(MARGIN_TOKENS);
    let steps: [&dyn Fn(&mut WeaknessReport); 4] = [
        &|r| shrink(r, 160, 80, 2, 3, 8, 10),
        &|r| shrink(r, 120, 60, 1, 2, 5, 6),
        &|r| shrink(r, 80, 40, 1, 2, 3, 4),
        &|r| shrink(r, 40, 20, 1, 1, 2, 3),
    ];
    for step in steps {
        if size(report) <= budget {
            break;
        }
        step(report);
    }
    while size(report) > budget && !report.clusters.is_empty() {
        report.clusters.pop();
        report.omitted_clusters += 1;
    }
    if size(report) > budget {
        report.behaviours.clear();
        report.passing_behaviours.clear();
    }
    let mut markdown = render_markdown(report);
    // A budget smaller than the summary itself: the markdown is cut to it.
    let max_bytes = report.budget_tokens * 4;
    if markdown.len() > max_bytes {
        markdown = harness_core::clip_head_tail(&markdown, max_bytes.saturating_sub(40), 0);
        while markdown.len() > max_bytes {
            markdown.pop();
        }
    }
    report.rendered_tokens = estimate_tokens(&markdown);
    markdown
}

fn shrink(
    report: &mut WeaknessReport,
    head: usize,
    tail: usize,
    exemplars: usize,
    steps: usize,
    trials: usize,
    tasks: usize,
) {
    for cluster in &mut report.clusters {
        cluster.exemplars.truncate(exemplars);
        for exemplar in &mut cluster.exemplars {
            exemplar.steps.truncate(steps);
            for step in &mut exemplar.steps {
                *step = step.shrunk(head, tail);
            }
        }
        cluster.trials.truncate(trials);
        cluster.tasks.truncate(tasks);
        cluster.preserve.truncate(tasks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::MineScope;

    #[test]
    fn even_a_tiny_budget_is_kept() {
        let mut report = WeaknessReport::empty(MineScope::default(), 20);
        report
            .behaviours
            .insert("exact_repeat_after_failure".into(), 3);
        let markdown = fit_to_budget(&mut report);
        assert!(estimate_tokens(&markdown) <= 20, "{markdown}");
        assert!(report.rendered_tokens <= 20);
        assert!(report.behaviours.is_empty());
    }
}
