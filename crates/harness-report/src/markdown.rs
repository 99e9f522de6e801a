//! The markdown summary: the headline, scores, spending, the proposals' table (without
//! diffs), prediction accuracy, clusters and the analyses.

use std::fmt::Write as _;

use crate::data::{AHE_REFERENCE, INTERVAL_METHOD, RunView};
use crate::fmt;

/// Text from the run made safe for one table cell: pipes escaped, line breaks flattened,
/// angle brackets and ampersands as entities (so a renderer that allows HTML shows them).
pub fn cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

/// The whole summary.
pub fn render(v: &RunView) -> String {
    let mut m = String::new();
    let _ = writeln!(
        m,
        "# Run report: {}\n\n{}\n",
        cell(&v.name),
        cell(&v.headline())
    );
    if let Some(stopped) = &v.stopped {
        let _ = writeln!(m, "Stopped: {}\n", cell(stopped));
    }
    for note in &v.notes {
        let _ = writeln!(m, "Note: {}\n", cell(note));
    }

    let _ = writeln!(
        m,
        "## Mean reward per split\n\nIntervals: {INTERVAL_METHOD}. The sealed test split is \
         shown for the seed and the final harness only.\n\n\
         | harness of | hash | held-in | validation | test (sealed) |\n|---|---|---|---|---|"
    );
    for r in &v.scores {
        let _ = writeln!(
            m,
            "| {} | `{}` | {} | {} | {} |",
            cell(&r.label),
            cell(&r.harness),
            fmt::mean(r.held_in),
            fmt::mean(r.validation),
            r.test.map_or_else(|| "-".into(), |t| fmt::mean(Some(t)))
        );
    }

    m.push_str("\n## Rollouts, tokens and dollars\n\n");
    let (header, rows) = fmt::spend_table(v);
    let _ = writeln!(
        m,
        "| {} |\n|{}",
        header
            .iter()
            .map(|c| cell(c))
            .collect::<Vec<_>>()
            .join(" | "),
        "---|".repeat(header.len())
    );
    for (total, row) in &rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                if *total {
                    format!("**{}**", cell(c))
                } else {
                    cell(c)
                }
            })
            .collect();
        let _ = writeln!(m, "| {} |", cells.join(" | "));
    }
    let _ = writeln!(
        m,
        "\nRun total: {} rollouts (the baseline protocol: {}).\n\n\
         | phase | rollouts | tokens | dollars |\n|---|---|---|---|",
        v.rollouts, v.baseline_rollouts
    );
    for p in &v.phases {
        let _ = writeln!(
            m,
            "| {} | {} | {} | {} |",
            cell(&p.phase),
            p.spend.rollouts,
            p.spend.tokens,
            fmt::usd(p.spend.usd)
        );
    }

    let _ = writeln!(
        m,
        "\n## Proposals\n\n| gen | id | cluster | surface | predicted fixes | at risk | outcome | \
         verdict | p-value | effect [interval] | fixed | regressed | stage |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for p in &v.proposals {
        let _ = writeln!(
            m,
            "| {} | `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            p.generation,
            cell(&p.id),
            cell(&p.cluster),
            cell(&p.surface),
            cell(&fmt::list(&p.predicted_fixes)),
            cell(&fmt::list(&p.at_risk)),
            p.outcome.as_str(),
            cell(p.verdict.as_deref().unwrap_or("-")),
            fmt::p_value(p.p_value),
            fmt::effect(p.effect, p.interval),
            cell(&fmt::list(&p.fixed)),
            cell(&fmt::list(&p.regressed)),
            cell(p.stage.as_deref().unwrap_or("-")),
        );
    }

    let a = &v.accuracy;
    let _ = writeln!(
        m,
        "\n## Prediction accuracy\n\nOver {} evaluated proposals: fix precision {} ({}/{}), \
         fix recall {} ({}/{}); risk precision {} ({}/{}), risk recall {} ({}/{}).\n\n{AHE_REFERENCE}.",
        a.evaluated,
        fmt::pct(a.ratios.fix_precision),
        a.fix_hits,
        a.predicted_fixes,
        fmt::pct(a.ratios.fix_recall),
        a.fix_hits,
        a.fixes,
        fmt::pct(a.ratios.risk_precision),
        a.risk_hits,
        a.predicted_risks,
        fmt::pct(a.ratios.risk_recall),
        a.risk_hits,
        a.regressions,
    );

    let t = &v.clusters;
    m.push_str("\n## Weakness clusters (failed trials)\n\n");
    if t.generations.is_empty() {
        m.push_str("No weakness reports in the run directory.\n");
    } else {
        m.push_str("| cluster |");
        for g in &t.generations {
            let _ = write!(m, " g{g} |");
        }
        m.push_str("\n|---|");
        m.push_str(&"---|".repeat(t.generations.len()));
        m.push('\n');
        for row in &t.rows {
            let _ = write!(m, "| {} |", cell(&row.id));
            for s in &row.sizes {
                let _ = write!(m, " {} |", s.map(|s| s.to_string()).unwrap_or_default());
            }
            m.push('\n');
        }
    }

    m.push_str("\n## Ablation\n\n");
    match &v.ablation {
        None => m.push_str("Not computed; run `harness ablate RUN`.\n"),
        Some(a) => {
            let _ = writeln!(
                m,
                "The final harness on {}: {:.3} [{:.3}, {:.3}].\n\n\
                 | ablated | score | effect [interval] | p-value | note |\n|---|---|---|---|---|",
                cell(&a.split),
                a.reference.mean,
                a.reference.interval.0,
                a.reference.interval.1
            );
            for r in &a.rows {
                let what = r.ablated.label();
                let _ = writeln!(
                    m,
                    "| {} | {} | {} | {} | {} |",
                    cell(&what),
                    r.score
                        .as_ref()
                        .map_or_else(|| "-".into(), |s| format!("{:.3}", s.mean)),
                    fmt::effect(r.effect, r.interval),
                    fmt::p_value(r.p_value),
                    cell(r.note.as_deref().unwrap_or("")),
                );
            }
        }
    }

    m.push_str("\n## Budget-matched baseline\n\n");
    match &v.budget_matched {
        None => m.push_str("Not computed; run `harness compare RUN --budget-matched`.\n"),
        Some(b) => {
            let _ = writeln!(
                m,
                "Budget {} rollouts, {} samples per task over {} tasks.\n\n\
                 | arm | score [95% CI] | cells |\n|---|---|---|",
                b.budget, b.samples_per_task, b.tasks
            );
            for (label, arm) in [
                ("seed, pass@1", &b.seed_pass_at_1),
                ("seed, best-of-K", &b.seed_best_of_k),
                ("evolved, pass@1", &b.evolved_pass_at_1),
            ] {
                let _ = writeln!(
                    m,
                    "| {label} | {:.3} [{:.3}, {:.3}] | {} |",
                    arm.mean, arm.interval.0, arm.interval.1, arm.cells
                );
            }
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn the_summary_has_every_section_and_safe_cells() {
        let md = render(&testing::view());
        for heading in [
            "## Mean reward per split",
            "## Rollouts, tokens and dollars",
            "## Proposals",
            "## Prediction accuracy",
            "## Weakness clusters",
            "## Ablation",
            "## Budget-matched baseline",
        ] {
            assert!(md.contains(heading), "{heading}");
        }
        assert!(md.contains("Not computed; run `harness ablate RUN`."));
        assert!(md.contains("| loop&lt;b&gt; | 6 | 2 |"));
        assert!(!md.contains("<b>"));
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
