//! `submit_proposals`: each submitted change list read (see [`submission`]), its evidence
//! resolved, and passed through every guard against the parent, the proposals accepted so far
//! and the history. The answer tells the model what was accepted and every reason a change
//! list was refused, so it can fix them in its next submission.
//!
//! [`submission`]: crate::llm::submission

use std::fmt::Write as _;

use harness_model::ToolCall;
use serde_json::Value;

use crate::context::ProposalContext;
use crate::guard::ProposalGuard;
use crate::llm::submission;
use crate::llm::traces::TraceReader;
use crate::proposal::Proposal;
use crate::proposer::RejectedChange;

/// The proposer name recorded on proposals.
const PROPOSER: &str = "llm";

/// The change lists accepted and refused so far, and how many submissions were made.
#[derive(Debug, Default)]
pub(crate) struct Submissions {
    /// Accepted, in order.
    pub accepted: Vec<Proposal>,
    /// Refused by the guards, in order.
    pub rejected: Vec<RejectedChange>,
    /// Calls of `submit_proposals`, malformed ones included.
    pub attempts: u32,
}

/// What one submission needs besides the call.
pub(crate) struct Judge<'a> {
    /// The parent, history and vocabulary.
    pub context: &'a ProposalContext,
    /// The guards.
    pub guard: &'a ProposalGuard,
    /// Proposals asked for.
    pub k: usize,
    /// Submissions allowed.
    pub limit: u32,
}

impl Submissions {
    /// Whether k proposals are accepted.
    pub(crate) fn complete(&self, k: usize) -> bool {
        self.accepted.len() >= k
    }

    /// Handle one call; the answer is the tool result.
    pub(crate) async fn submit(
        &mut self,
        call: &ToolCall,
        judge: &Judge<'_>,
        traces: &mut TraceReader<'_>,
    ) -> String {
        self.attempts += 1;
        let mut out = format!("Submission {} of {}:\n", self.attempts, judge.limit);
        match submission::items(call) {
            Err(message) => {
                let _ = writeln!(out, "{message}");
            }
            Ok(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    let label = format!("proposals[{i}]");
                    if self.complete(judge.k) {
                        let _ = writeln!(
                            out,
                            "{label}: not checked: {} proposals are accepted already",
                            judge.k
                        );
                        continue;
                    }
                    let line = match item {
                        Err(message) => format!("{label}: {message}"),
                        Ok(value) => self.judge_one(value, &label, judge, traces).await,
                    };
                    let _ = writeln!(out, "{line}");
                }
            }
        }
        out.push_str(&self.standing(judge));
        out
    }

    /// Read, resolve and guard one change list; the line saying what became of it.
    async fn judge_one(
        &mut self,
        mut value: Value,
        label: &str,
        judge: &Judge<'_>,
        traces: &mut TraceReader<'_>,
    ) -> String {
        if let Err(unknown) = resolve_evidence(&mut value, judge.context, traces).await {
            return format!("{label}: {unknown}");
        }
        let change = match submission::change_list(value, label) {
            Ok(change) => change,
            Err(message) => return message,
        };
        match judge
            .guard
            .check(judge.context, change, PROPOSER, None, &self.accepted)
        {
            Ok(proposal) => {
                let line = format!(
                    "{label}: accepted as {} (surface {}, {} changed lines)",
                    proposal.id,
                    proposal
                        .surfaces
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    proposal.changed_lines
                );
                self.accepted.push(proposal);
                line
            }
            Err(rejected) => {
                let mut line = format!("{label}: refused:");
                for violation in &rejected.violations {
                    let _ = write!(line, "\n  - {violation}");
                }
                self.rejected.push(*rejected);
                line
            }
        }
    }

    /// Where the work stands after a submission.
    fn standing(&self, judge: &Judge<'_>) -> String {
        let accepted = self.accepted.len();
        if accepted >= judge.k {
            return format!("All {} proposals are accepted: the work is done.", judge.k);
        }
        let left = judge.limit.saturating_sub(self.attempts);
        let mut out = format!("Accepted so far: {accepted} of {}.", judge.k);
        if left == 0 {
            out.push_str(" No submissions are left.");
        } else {
            let _ = write!(
                out,
                " Submit the {} missing change list(s), fixing the problems above ({left} \
                 submission(s) left); accepted ones stay accepted, do not send them again.",
                judge.k - accepted
            );
        }
        out
    }
}

/// Replace trial ids given as plain strings in `evidence` by full references to visible
/// trials (from the report, then the traces); an id found in neither is an error.
async fn resolve_evidence(
    value: &mut Value,
    context: &ProposalContext,
    traces: &mut TraceReader<'_>,
) -> Result<(), String> {
    let Some(Value::Array(evidence)) = value.get_mut("evidence") else {
        return Ok(());
    };
    let mut unknown: Vec<String> = Vec::new();
    for item in evidence.iter_mut() {
        let Value::String(id) = item else {
            continue;
        };
        let id = id.trim().to_owned();
        let known = context
            .report
            .clusters
            .iter()
            .flat_map(|c| c.trials.iter())
            .find(|t| t.trial_id == id)
            .cloned();
        let known = match known {
            Some(reference) => Some(reference),
            None => traces.reference(&id).await,
        };
        match known.and_then(|r| serde_json::to_value(r).ok()) {
            Some(reference) => *item = reference,
            None => unknown.push(format!("`{id}`")),
        }
    }
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "evidence names no trial in the visible splits: {}; use trial ids from the report, \
             list_similar_failures or search_traces",
            unknown.join(", ")
        ))
    }
}
