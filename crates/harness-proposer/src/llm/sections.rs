//! The texts the template's variables stand for, made from the proposal context: the
//! surfaces, the edit budget, what to preserve and the history with its rejected-edit ledger.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use harness_core::{EditRejection, HarnessPath, SurfaceMatcher};

use crate::context::ProposalContext;
use crate::guard::GuardConfig;
use crate::history::{GateSummary, ProposalRecord, RecordStatus};
use crate::llm::config::LlmProposerConfig;

/// Most bytes of the history section; older records beyond it are counted, not shown.
const HISTORY_BYTES: usize = 24_000;
/// Most bytes of one earlier diff shown.
const DIFF_BYTES: usize = 1_500;
/// Most task ids named per list (fixed, regressed).
const TASKS_NAMED: usize = 8;

/// Every template variable's value.
pub(crate) fn values(
    context: &ProposalContext,
    k: usize,
    guard: &GuardConfig,
    config: &LlmProposerConfig,
    advisor: bool,
) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("k", k.to_string()),
        ("surfaces", surfaces(context)),
        ("budget", budget(guard)),
        ("report", harness_miner::render_markdown(&context.report)),
        ("history", history(context)),
        ("preserve", preserve(context)),
        ("generation", context.generation.to_string()),
        ("max_turns", config.turns().to_string()),
        ("max_submissions", config.submissions().to_string()),
        ("advisor", advisor_line(advisor)),
    ])
}

/// Where a harness file stands: the surfaces covering it, or why it is not editable.
pub(crate) fn standing(matcher: Option<&SurfaceMatcher>, path: &HarnessPath) -> String {
    let Some(matcher) = matcher else {
        return "not editable (the harness declares invalid surfaces)".to_owned();
    };
    match matcher.check(path) {
        Ok(names) => format!(
            "surface {}",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Err(EditRejection::ReadOnly { glob }) => format!("read-only (`{glob}`)"),
        Err(_) => "outside every editable surface".to_owned(),
    }
}

/// The editable surfaces with their descriptions and current files, and the read-only globs.
fn surfaces(context: &ProposalContext) -> String {
    let declared = &context.harness.manifest().surfaces;
    let matcher = SurfaceMatcher::new(declared).ok();
    let mut out = String::new();
    if declared.editable.is_empty() {
        out.push_str("None: this harness declares no editable surface, so nothing can change.\n");
    }
    for surface in &declared.editable {
        let _ = write!(
            out,
            "- `{}` (paths: {})",
            surface.name,
            surface.globs().join(", ")
        );
        let description = surface.description.trim().trim_end_matches('.');
        if !description.is_empty() {
            let _ = write!(out, ": {description}");
        }
        let files: Vec<&str> = context
            .harness
            .files()
            .keys()
            .filter(|path| {
                matcher
                    .as_ref()
                    .and_then(|m| m.check(path).ok())
                    .is_some_and(|names| names.contains(&surface.name))
            })
            .map(HarnessPath::as_str)
            .collect();
        if files.is_empty() {
            out.push_str(". No files yet.\n");
        } else {
            let _ = writeln!(out, ". Files: {}.", files.join(", "));
        }
    }
    if !declared.read_only.is_empty() {
        let _ = writeln!(
            out,
            "\nRead-only, whatever the surfaces say: {}.",
            declared.read_only.join(", ")
        );
    }
    out.trim_end().to_owned()
}

/// The edit budget in a sentence.
fn budget(guard: &GuardConfig) -> String {
    let b = &guard.budget;
    let mut out = format!(
        "at most {} surface(s), {} changed lines (added plus removed) and {} changed \
         characters per change list.",
        b.max_surfaces, b.max_changed_lines, b.max_chars
    );
    if guard.reject_task_specific {
        out.push_str(
            " Edits may not introduce identifiers (file names, ids, literals) that belong to \
             particular tasks.",
        );
    }
    out
}

/// Behaviours to preserve, one per line.
fn preserve(context: &ProposalContext) -> String {
    if context.preserve.is_empty() {
        return "Nothing listed beyond each cluster's own list in the report.".to_owned();
    }
    context
        .preserve
        .iter()
        .map(|p| format!("- {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the advisor line of the template says.
fn advisor_line(advisor: bool) -> String {
    if advisor {
        "If you are unsure, consult the advisor with `ask_advisor`: a second model that sees \
         only the question and the context you send it."
            .to_owned()
    } else {
        "Decide on your own: no advisor is configured.".to_owned()
    }
}

/// Earlier proposals, newest first, within [`HISTORY_BYTES`].
fn history(context: &ProposalContext) -> String {
    let records = &context.history.records;
    if records.is_empty() {
        return "None: no change has been proposed for this harness yet.".to_owned();
    }
    let mut out = String::new();
    let mut shown = 0;
    for record in records.iter().rev() {
        let text = record_text(record);
        if !out.is_empty() && out.len() + text.len() > HISTORY_BYTES {
            break;
        }
        out.push_str(&text);
        shown += 1;
    }
    if shown < records.len() {
        let _ = writeln!(
            out,
            "\n({} older records left out; the guards still refuse repeats of them.)",
            records.len() - shown
        );
    }
    out.trim_end().to_owned()
}

/// One record: what was proposed, what became of it and, for a rejected or refused change,
/// the change itself.
fn record_text(record: &ProposalRecord) -> String {
    let mut out = String::new();
    let (id, change) = match (&record.proposal, &record.refused_change) {
        (Some(p), _) => (p.id.as_str(), &p.change),
        (None, Some(change)) => ("(refused)", change),
        (None, None) => return String::new(),
    };
    let fate = match &record.status {
        RecordStatus::Pending => "PENDING: not decided yet".to_owned(),
        RecordStatus::Accepted { gate } => format!("ACCEPTED by the gate: {}", gate_text(gate)),
        RecordStatus::Rejected { gate } => format!("REJECTED by the gate: {}", gate_text(gate)),
        RecordStatus::Refused { violations } => format!(
            "REFUSED by the guards: {}",
            violations
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
    };
    let _ = writeln!(
        out,
        "- {id} (generation {}), cluster `{}`, surface `{}`: {}",
        record.generation,
        change.cluster,
        change.surface,
        one_line(&change.root_cause)
    );
    let _ = write!(out, "  {fate}");
    if let Some(verdict) = record.verdict {
        let _ = write!(out, " Verdict: {}.", verdict.as_str());
    }
    out.push('\n');
    let rejected = matches!(
        record.status,
        RecordStatus::Rejected { .. } | RecordStatus::Refused { .. }
    );
    if rejected {
        match &record.proposal {
            Some(p) => {
                let _ = writeln!(
                    out,
                    "  Its diff (do not propose it again):\n```diff\n{}\n```",
                    harness_core::clip_head_tail(p.diff.trim_end(), DIFF_BYTES, 0)
                );
            }
            None => {
                let edits: Vec<String> = change
                    .edits
                    .edits
                    .iter()
                    .map(|e| format!("{} `{}`", edit_op(e), e.path()))
                    .collect();
                let _ = writeln!(out, "  Its edits: {}.", edits.join(", "));
            }
        }
    }
    out
}

/// The gate's evidence in a line.
fn gate_text(gate: &GateSummary) -> String {
    let mut out = one_line(&gate.reason);
    if let Some(effect) = gate.effect {
        let _ = write!(out, "; effect {effect:+.3}");
        if let Some((low, high)) = gate.interval {
            let _ = write!(out, " [{low:+.3}, {high:+.3}]");
        }
    }
    if let Some(p) = gate.p_value {
        let _ = write!(out, ", p = {p:.3}");
    }
    for (label, tasks) in [("fixed", &gate.fixed), ("regressed", &gate.regressed)] {
        if tasks.is_empty() {
            continue;
        }
        let named: Vec<&str> = tasks.iter().take(TASKS_NAMED).map(String::as_str).collect();
        let _ = write!(out, "; {label} {}: {}", tasks.len(), named.join(", "));
        if tasks.len() > named.len() {
            out.push_str(", ...");
        }
    }
    out.push('.');
    out
}

fn edit_op(edit: &harness_core::Edit) -> &'static str {
    match edit {
        harness_core::Edit::Create { .. } => "create",
        harness_core::Edit::Replace { .. } => "replace",
        harness_core::Edit::Delete { .. } => "delete",
        harness_core::Edit::Patch { .. } => "patch",
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
