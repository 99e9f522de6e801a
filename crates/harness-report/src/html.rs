//! The HTML page: one file with inline CSS and inline SVG charts, no scripts, nothing loaded
//! from anywhere. The run's content is untrusted: every string from it goes through
//! [`escape`](crate::html::escape).

use std::fmt::Write as _;

use crate::data::{INTERVAL_METHOD, Outcome, ProposalView, RunView};
use crate::error::ReportError;
use crate::{fmt, plots};

/// Escape text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto;
  max-width: 1320px; padding: 1rem 2rem 4rem; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
p.headline { font-size: 1.05rem; background: #f4f6fa; padding: .6rem .8rem; border-radius: 6px; }
p.note, p.method { color: #555; font-size: .9rem; }
p.missing { color: #8a5a00; background: #fff8e6; padding: .5rem .8rem; border-radius: 6px; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .88rem; }
th, td { border: 1px solid #d8d8d8; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.rejected td, tr.refused td { color: #6b6b6b; }
tr.accepted td:first-child { border-left: 4px solid #2ca02c; }
tr.rejected td:first-child, tr.refused td:first-child { border-left: 4px solid #d62728; }
.verdict { font-weight: 600; font-size: .75rem; white-space: nowrap; }
.chart svg { max-width: 100%; height: auto; border: 1px solid #eee; }
details { margin: .2rem 0; }
summary { cursor: pointer; color: #1f4e99; }
pre.diff { background: #fafafa; border: 1px solid #e3e3e3; padding: .5rem; overflow-x: auto;
  font-size: .8rem; line-height: 1.3; }
pre.diff .add { color: #116329; background: #e6ffec; display: block; }
pre.diff .del { color: #82071e; background: #ffebe9; display: block; }
pre.diff .hunk { color: #0550ae; display: block; }
code { background: #f3f3f3; padding: 0 .2rem; border-radius: 3px; white-space: nowrap; }
table.proposals { font-size: .8rem; width: 100%; }
table.proposals td { overflow-wrap: break-word; }
table.proposals td.tasks { min-width: 12em; }
"#;

/// The whole page.
pub fn render(view: &RunView) -> Result<String, ReportError> {
    let mut h = String::new();
    let name = escape(&view.name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Run report: {name}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Run report: {name}</h1>\n<p class=\"headline\">{}</p>\n",
        escape(&view.headline())
    );
    overview(&mut h, view);
    scores(&mut h, view)?;
    spending(&mut h, view)?;
    proposals(&mut h, view);
    accuracy(&mut h, view);
    clusters(&mut h, view)?;
    ablation(&mut h, view);
    budget_matched(&mut h, view);
    h.push_str("</body>\n</html>\n");
    Ok(h)
}

fn overview(h: &mut String, v: &RunView) {
    h.push_str("<h2 id=\"overview\">Overview</h2>\n<table>\n");
    let rows = [
        ("seed harness", v.seed.clone()),
        ("final harness", v.final_harness.clone()),
        ("generations", v.generations.to_string()),
        (
            "accepted changes",
            format!("{} ({})", v.accepted.len(), fmt::list(&v.accepted)),
        ),
        (
            "proposals",
            format!(
                "{} ({} accepted, {} rejected by the gate, {} refused by guards)",
                v.proposals.len(),
                count(v, Outcome::Accepted),
                count(v, Outcome::Rejected),
                count(v, Outcome::Refused)
            ),
        ),
        (
            "rollouts",
            format!(
                "{} (the baseline protocol: {})",
                v.rollouts, v.baseline_rollouts
            ),
        ),
        (
            "wall time",
            format!(
                "{:.1} s, of which {:.1} s the loop's own overhead",
                v.wall_seconds, v.overhead_seconds
            ),
        ),
        ("finished", if v.finished { "yes" } else { "no" }.to_owned()),
        ("stopped", v.stopped.clone().unwrap_or_else(|| "-".into())),
    ];
    for (k, val) in rows {
        let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", k, escape(&val));
    }
    h.push_str("</table>\n");
    for note in &v.notes {
        let _ = writeln!(h, "<p class=\"note\">Note: {}</p>", escape(note));
    }
}

fn count(v: &RunView, outcome: Outcome) -> usize {
    v.proposals.iter().filter(|p| p.outcome == outcome).count()
}

/// An SVG chart inline. HTML needs no namespace declaration on inline SVG: it is dropped,
/// so the page names no URL at all.
fn chart(h: &mut String, svg: &str) {
    let svg = svg.replace(" xmlns=\"http://www.w3.org/2000/svg\"", "");
    let _ = writeln!(h, "<div class=\"chart\">{svg}</div>");
}

fn scores(h: &mut String, v: &RunView) -> Result<(), ReportError> {
    h.push_str("<h2 id=\"scores\">Mean reward per split</h2>\n");
    chart(h, &plots::scores_chart(&v.scores)?);
    let _ = writeln!(
        h,
        "<p class=\"method\">Each generation's parent on held-in and validation, then the final \
         harness. The sealed test split is shown for the seed and the final harness only. \
         Intervals: {}.</p>",
        escape(INTERVAL_METHOD)
    );
    h.push_str(
        "<table>\n<tr><th>harness of</th><th>hash</th><th>held-in</th><th>validation</th>\
         <th>test (sealed)</th><th>cells (held-in / validation / test)</th></tr>\n",
    );
    for r in &v.scores {
        let cells = |m: Option<crate::data::Mean>| m.map_or("-".into(), |m| m.cells.to_string());
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} / {} / {}</td></tr>",
            escape(&r.label),
            escape(&r.harness),
            fmt::mean(r.held_in),
            fmt::mean(r.validation),
            r.test.map_or_else(|| "-".into(), |m| fmt::mean(Some(m))),
            cells(r.held_in),
            cells(r.validation),
            cells(r.test),
        );
    }
    h.push_str("</table>\n");
    Ok(())
}

fn spending(h: &mut String, v: &RunView) -> Result<(), ReportError> {
    h.push_str("<h2 id=\"spending\">Rollouts, tokens and dollars</h2>\n");
    chart(h, &plots::rollouts_chart(&v.spend)?);
    h.push_str(
        "<p class=\"method\">Trials charged to the budget ledger, by the generation of their \
         evaluation job (trials answered from the evaluation cache cost nothing), beside the \
         trials the baseline protocol (every candidate and the parent on held-in and \
         validation with every repeat) would have run. Model calls outside trials (proposer, \
         advisor, miner) are placed in the generation the loop was in when they were \
         charged.</p>\n<table>\n",
    );
    let (header, rows) = fmt::spend_table(v);
    h.push_str("<tr>");
    for cell in &header {
        let _ = write!(h, "<th>{}</th>", escape(cell));
    }
    h.push_str("</tr>\n");
    for (total, row) in &rows {
        h.push_str("<tr>");
        let tag = if *total { "th" } else { "td" };
        for (i, cell) in row.iter().enumerate() {
            let class = if i == 0 { "" } else { " class=\"num\"" };
            let _ = write!(h, "<{tag}{class}>{}</{tag}>", escape(cell));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    h.push_str(
        "<p class=\"method\">Per phase, over the run: the agent's trials, and the model calls \
         made outside trials under their ledger heading.</p>\n<table>\n<tr><th>phase</th>\
         <th>rollouts</th><th>tokens</th><th>dollars</th></tr>\n",
    );
    for p in &v.phases {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td></tr>",
            escape(&p.phase),
            p.spend.rollouts,
            p.spend.tokens,
            fmt::usd(p.spend.usd)
        );
    }
    h.push_str("</table>\n");
    Ok(())
}

fn diff_block(diff: &str) -> String {
    let mut out = String::from("<pre class=\"diff\">");
    for line in diff.lines() {
        let class = if line.starts_with("+++") || line.starts_with("---") {
            ""
        } else if line.starts_with('+') {
            "add"
        } else if line.starts_with('-') {
            "del"
        } else if line.starts_with("@@") {
            "hunk"
        } else {
            ""
        };
        if class.is_empty() {
            let _ = writeln!(out, "{}", escape(line));
        } else {
            let _ = write!(out, "<span class=\"{class}\">{}</span>", escape(line));
        }
    }
    out.push_str("</pre>");
    out
}

/// Escaped text that may wrap after underscores (long cluster ids).
fn breakable(text: &str) -> String {
    escape(text).replace('_', "_<wbr>")
}

fn proposal_row(h: &mut String, p: &ProposalView) {
    let class = match p.outcome {
        Outcome::Accepted => "accepted",
        Outcome::Rejected => "rejected",
        Outcome::Refused => "refused",
        Outcome::Pending => "pending",
    };
    let verdict = p.verdict.clone().unwrap_or_else(|| "-".into());
    let _ = writeln!(
        h,
        "<tr class=\"{class}\"><td class=\"num\">{}</td><td><code>{}</code></td><td>{}</td>\
         <td>{}</td><td class=\"tasks\">{}</td><td>{}</td><td>{}<br><span class=\"verdict\">{}</span></td>\
         <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        p.generation,
        escape(&p.id),
        breakable(&p.cluster),
        escape(&p.surface),
        escape(&fmt::list(&p.predicted_fixes)),
        escape(&fmt::list(&p.at_risk)),
        escape(p.outcome.as_str()),
        escape(&verdict),
        fmt::p_value(p.p_value),
        fmt::effect(p.effect, p.interval).replacen(" [", "<br>[", 1),
        escape(&fmt::list(&p.fixed)),
        escape(&fmt::list(&p.regressed)),
        escape(p.stage.as_deref().unwrap_or("-")),
    );
    let _ = writeln!(
        h,
        "<tr class=\"{class}\"><td></td><td colspan=\"11\"><details><summary>reasoning, \
         gate and diff</summary><p><b>Proposer:</b> {}<br><b>Root cause:</b> {}<br>\
         <b>Rationale:</b> {}<br><b>Gate:</b> {}</p>{}</details></td></tr>",
        escape(if p.proposer.is_empty() {
            "-"
        } else {
            &p.proposer
        }),
        escape(&p.root_cause),
        escape(&p.rationale),
        escape(if p.reason.is_empty() { "-" } else { &p.reason }),
        if p.diff.is_empty() {
            "<p class=\"note\">no diff</p>".to_owned()
        } else {
            diff_block(&p.diff)
        }
    );
}

fn proposals(h: &mut String, v: &RunView) {
    h.push_str(
        "<h2 id=\"proposals\">Proposals</h2>\n<p class=\"method\">Every proposal, rejected \
         ones included. Evidence is the gate's paired comparison with the parent on the \
         cells it ran: p-value, mean effect (candidate minus parent) with its interval, and \
         the tasks that flipped. The diff is the lineage's, from the parent version to the \
         candidate.</p>\n",
    );
    if v.proposals.is_empty() {
        h.push_str("<p class=\"missing\">No proposals were made.</p>\n");
        return;
    }
    h.push_str(
        "<table class=\"proposals\">\n<tr><th>gen</th><th>id</th><th>target cluster</th><th>surface</th>\
         <th>predicted fixes</th><th>at risk</th><th>outcome / verdict</th><th>p-value</th>\
         <th>effect [interval]</th><th>fixed</th><th>regressed</th><th>stage decided</th>\
         </tr>\n",
    );
    for p in &v.proposals {
        proposal_row(h, p);
    }
    h.push_str("</table>\n");
}

fn accuracy(h: &mut String, v: &RunView) {
    let a = &v.accuracy;
    let _ = writeln!(
        h,
        "<h2 id=\"accuracy\">Prediction accuracy</h2>\n<p class=\"method\">Over the {} \
         proposals the gate evaluated: predicted fixes against the tasks the gate saw fixed, \
         and at-risk tasks against the tasks it saw regress.</p>\n<table>\n\
         <tr><th></th><th>precision</th><th>recall</th></tr>\n\
         <tr><td>fixes</td><td class=\"num\">{} ({} of {} predicted)</td>\
         <td class=\"num\">{} ({} of {} fixed)</td></tr>\n\
         <tr><td>regressions</td><td class=\"num\">{} ({} of {} at risk)</td>\
         <td class=\"num\">{} ({} of {} regressed)</td></tr>\n</table>\n\
         <p class=\"note\">{}</p>",
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
        escape(crate::data::AHE_REFERENCE),
    );
}

fn clusters(h: &mut String, v: &RunView) -> Result<(), ReportError> {
    h.push_str("<h2 id=\"clusters\">Weakness clusters</h2>\n");
    let t = &v.clusters;
    if t.generations.is_empty() {
        h.push_str("<p class=\"missing\">No weakness reports in the run directory.</p>\n");
        return Ok(());
    }
    chart(h, &plots::clusters_chart(t)?);
    h.push_str(
        "<p class=\"method\">Failed trials in each cluster of the weakness report mined from \
         each generation's parent (held-in); blank where the cluster was not found.</p>\n\
         <table>\n<tr><th>cluster</th>",
    );
    for g in &t.generations {
        let _ = write!(h, "<th>g{g}</th>");
    }
    h.push_str("</tr>\n");
    for row in &t.rows {
        let _ = write!(h, "<tr><td>{}</td>", escape(&row.id));
        for s in &row.sizes {
            let _ = write!(
                h,
                "<td class=\"num\">{}</td>",
                s.map(|s| s.to_string()).unwrap_or_default()
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    Ok(())
}

fn ablation(h: &mut String, v: &RunView) {
    h.push_str("<h2 id=\"ablation\">Ablation</h2>\n");
    let Some(a) = &v.ablation else {
        h.push_str("<p class=\"missing\">Not computed; run <code>harness ablate RUN</code>.</p>\n");
        return;
    };
    let _ = writeln!(
        h,
        "<p class=\"method\">The final harness on {} ({} repeats): {} over {} cells; each \
         row takes one part away. Effect is ablated minus final (negative: the part helped). \
         {} new rollouts.</p>\n<table>\n<tr><th>ablated</th><th>score</th><th>effect \
         [interval]</th><th>p-value</th><th>regressed</th><th>fixed</th><th>note</th></tr>",
        escape(&a.split),
        a.repeats,
        format_args!(
            "{:.3} [{:.3}, {:.3}]",
            a.reference.mean, a.reference.interval.0, a.reference.interval.1
        ),
        a.reference.cells,
        a.rollouts,
    );
    for r in &a.rows {
        let what = r.ablated.label();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&what),
            r.score.as_ref().map_or_else(
                || "-".into(),
                |s| format!("{:.3} [{:.3}, {:.3}]", s.mean, s.interval.0, s.interval.1)
            ),
            fmt::effect(r.effect, r.interval),
            fmt::p_value(r.p_value),
            escape(&fmt::list(&r.regressed)),
            escape(&fmt::list(&r.fixed)),
            escape(r.note.as_deref().unwrap_or("")),
        );
    }
    h.push_str("</table>\n");
}

fn budget_matched(h: &mut String, v: &RunView) {
    h.push_str("<h2 id=\"budget-matched\">Budget-matched baseline</h2>\n");
    let Some(b) = &v.budget_matched else {
        h.push_str(
            "<p class=\"missing\">Not computed; run <code>harness compare RUN \
             --budget-matched</code>.</p>\n",
        );
        return;
    };
    let _ = writeln!(
        h,
        "<p class=\"method\">The seed on the test split with the run's budget of {} rollouts: \
         {} samples per task over {} tasks ({} new rollouts).</p>\n<table>\n<tr><th>arm</th>\
         <th>harness</th><th>score [95% CI]</th><th>cells</th></tr>",
        b.budget, b.samples_per_task, b.tasks, b.rollouts
    );
    for (label, arm) in [
        ("seed, pass@1", &b.seed_pass_at_1),
        ("seed, best-of-K (verifier selects)", &b.seed_best_of_k),
        ("evolved, pass@1", &b.evolved_pass_at_1),
    ] {
        let _ = writeln!(
            h,
            "<tr><td>{label}</td><td><code>{}</code></td><td class=\"num\">{:.3} [{:.3}, \
             {:.3}]</td><td class=\"num\">{}</td></tr>",
            escape(&arm.harness),
            arm.mean,
            arm.interval.0,
            arm.interval.1,
            arm.cells
        );
    }
    h.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn run_content_is_escaped_everywhere() {
        let page = render(&testing::view()).unwrap();
        assert!(!page.contains("<script"), "a script tag came through");
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(!page.contains("<img"), "markup in a diff came through");
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!page.contains("loop<b>"));
        assert!(page.contains("loop&lt;b&gt;"));
        assert_eq!(escape("a&b\"'<>"), "a&amp;b&quot;&#39;&lt;&gt;");
    }

    #[test]
    fn the_page_is_self_contained_with_three_charts_and_diffs_in_details() {
        let page = render(&testing::view()).unwrap();
        assert!(!page.contains("http://"));
        assert!(!page.contains("https://"));
        assert!(
            tags(&page).all(|t| !t.contains("src=") && !t.contains("href=")),
            "nothing is loaded from anywhere"
        );
        assert_eq!(page.matches("<svg").count(), 3);
        assert!(page.matches("<details>").count() >= 2);
        assert!(page.contains("class=\"add\""));
        assert!(page.contains("Not computed; run <code>harness ablate RUN</code>"));
        assert!(page.contains("harness compare RUN --budget-matched"));
        assert!(page.contains("33.7 %"));
        // Rejected proposals stay visible.
        assert!(page.contains("p-2") && page.contains("rejected"));
    }

    /// The markup of every tag (text between `<` and `>`): what the run wrote is escaped, so
    /// it holds no tags.
    fn tags(page: &str) -> impl Iterator<Item = &str> {
        page.split('<').skip(1).filter_map(|t| t.split('>').next())
    }

    #[test]
    fn analyses_are_shown_when_present() {
        let mut view = testing::view();
        view.ablation = Some(
            serde_json::from_value(serde_json::json!({
                "split": "validation", "repeats": 3,
                "reference": {"harness": "bbbb", "mean": 0.8, "interval": [0.7, 0.9], "cells": 30},
                "rows": [{"ablated": {"kind": "change", "proposal": "p-1", "surface": "middleware"},
                          "score": {"harness": "cccc", "mean": 0.6, "interval": [0.5, 0.7], "cells": 30},
                          "effect": -0.2, "interval": [-0.3, -0.1], "p_value": 0.01,
                          "regressed": ["task-<a>"], "fixed": []}],
                "rollouts": 30
            }))
            .unwrap(),
        );
        view.budget_matched = Some(
            serde_json::from_value(serde_json::json!({
                "budget": 90, "tasks": 10, "samples_per_task": 9, "rollouts": 80,
                "seed_pass_at_1": {"harness": "aaaa", "mean": 0.4, "interval": [0.3, 0.5], "cells": 90},
                "seed_best_of_k": {"harness": "aaaa", "mean": 0.7, "interval": [0.5, 0.9], "cells": 10},
                "evolved_pass_at_1": {"harness": "bbbb", "mean": 0.75, "interval": [0.6, 0.9], "cells": 30}
            }))
            .unwrap(),
        );
        let page = render(&view).unwrap();
        assert!(!page.contains("Not computed"));
        assert!(page.contains("without p-1 (middleware)"));
        assert!(page.contains("-0.200 [-0.300, -0.100]"));
        assert!(page.contains("task-&lt;a&gt;"));
        assert!(page.contains("seed, best-of-K"));
        let md = crate::markdown::render(&view);
        assert!(md.contains("| evolved, pass@1 | 0.750 [0.600, 0.900] | 30 |"));
    }

    #[test]
    fn the_test_split_appears_only_for_the_seed_and_the_final_harness() {
        let page = render(&testing::view()).unwrap();
        // 0.450 (seed) and 0.720 (final) are the test means; generation 2 shows a dash.
        assert!(page.contains("0.450 [0.350, 0.550]"));
        assert!(page.contains("0.720 [0.620, 0.820]"));
        let svg = crate::plots::scores_chart(&testing::view().scores).unwrap();
        assert!(svg.contains("test (seed, final)"));
    }
}
