//! `search_traces` and `show_trial`: the traces of the splits the proposer may see, read
//! only through [`TraceAccess`] (whose scope cannot name the test split, and which answers a
//! trial outside it as if it did not exist). A trial is shown as the miner's [`TrialView`]:
//! the agent's actions with bounded outputs, how the loop ended, and the verifier's class and
//! reward only (the trace model has no field for the verifier's output).

use std::fmt::Write as _;

use harness_miner::trial::first_user_message;
use harness_miner::{Cleaner, TraceRef, TrialView};
use harness_trace::TrialSummary;
use regex::{Regex, RegexBuilder};

use crate::context::TraceAccess;
use crate::llm::tools::{SearchArgs, ShowTrialArgs};

/// Most trials read for a search.
const MAX_TRIALS_SEARCHED: usize = 400;
/// Default and largest number of hits shown.
const DEFAULT_HITS: usize = 20;
const MAX_HITS: usize = 50;
/// Bytes of a matching line, a command, an output or an instruction shown.
const LINE_BYTES: usize = 240;
const COMMAND_BYTES: usize = 300;
const OUTPUT_BYTES: usize = 500;
const INSTRUCTION_BYTES: usize = 800;
/// Largest compiled regular expression.
const REGEX_SIZE: usize = 1 << 20;
/// Room kept for the paging note of a trial.
const NOTE_BYTES: usize = 200;

/// What the tools say without trace access.
const UNAVAILABLE: &str = "trace access is not available to this proposer: the report's \
    excerpts (show_report, list_similar_failures) are the evidence";

/// One visible trial, read once.
struct Loaded {
    summary: TrialSummary,
    view: TrialView,
}

/// Reads visible traces for the tools, keeping the trials read for searches.
pub(crate) struct TraceReader<'a> {
    access: Option<&'a TraceAccess>,
    loaded: Option<Vec<Loaded>>,
    visible: usize,
}

impl<'a> TraceReader<'a> {
    /// A reader over `access` (none: every tool says traces are unavailable).
    pub(crate) fn new(access: Option<&'a TraceAccess>) -> Self {
        Self {
            access,
            loaded: None,
            visible: 0,
        }
    }

    /// The visible trials, read on first use.
    async fn load(&mut self) -> Result<&[Loaded], String> {
        let Some(access) = self.access else {
            return Err(UNAVAILABLE.to_owned());
        };
        if self.loaded.is_none() {
            let listed = access
                .list()
                .await
                .map_err(|e| format!("the traces could not be listed: {e}"))?;
            self.visible = listed.len();
            let cleaner = Cleaner::default();
            let mut loaded = Vec::new();
            for summary in listed.into_iter().take(MAX_TRIALS_SEARCHED) {
                let trace = access
                    .get(summary.trial_id.as_str())
                    .await
                    .map_err(|e| format!("the traces could not be read: {e}"))?;
                if let Some(trace) = trace {
                    let view = TrialView::from_trace(&trace, None, &cleaner);
                    loaded.push(Loaded { summary, view });
                }
            }
            self.loaded = Some(loaded);
        }
        Ok(self.loaded.as_deref().unwrap_or_default())
    }

    /// The reference of a visible trial, for a change list's evidence.
    pub(crate) async fn reference(&mut self, trial_id: &str) -> Option<TraceRef> {
        let loaded = self.load().await.ok()?;
        loaded
            .iter()
            .find(|l| l.summary.trial_id.as_str() == trial_id)
            .map(|l| TraceRef::of(&l.view))
    }

    /// Steps whose command, output or error has a line matching the query.
    pub(crate) async fn search(&mut self, args: &SearchArgs) -> String {
        let query = args.query.trim();
        if query.is_empty() {
            return "the query is empty: give text (or a regular expression with `regex`: \
                    true) to look for"
                .to_owned();
        }
        let matcher = match Matcher::new(query, args.regex) {
            Ok(matcher) => matcher,
            Err(message) => return message,
        };
        let limit = args.limit.unwrap_or(DEFAULT_HITS).clamp(1, MAX_HITS);
        let loaded = match self.load().await {
            Ok(loaded) => loaded,
            Err(message) => return message,
        };
        let mut hits: Vec<String> = Vec::new();
        let mut steps = 0;
        let mut trials = 0;
        for trial in loaded {
            let mut found = false;
            for action in &trial.view.actions {
                let Some((field, line)) = matching_line(&matcher, action) else {
                    continue;
                };
                steps += 1;
                found = true;
                if hits.len() < limit {
                    hits.push(format!(
                        "- {} (task {}, {}) step {} `{}` {field}: {}",
                        trial.view.trial_id,
                        trial.view.task_id,
                        outcome(&trial.view),
                        action.seq,
                        action.tool,
                        harness_core::clip_head_tail(&line, LINE_BYTES * 2 / 3, LINE_BYTES / 3)
                    ));
                }
            }
            trials += usize::from(found);
        }
        let searched = loaded.len();
        let mut out = format!(
            "{steps} matching steps in {trials} trials ({searched} visible trials searched"
        );
        if self.visible > searched {
            let _ = write!(out, " of {}", self.visible);
        }
        out.push(')');
        if steps > hits.len() {
            let _ = write!(out, "; the first {} shown", hits.len());
        }
        out.push_str(if hits.is_empty() { ".\n" } else { ":\n" });
        for hit in hits {
            out.push_str(&hit);
            out.push('\n');
        }
        out
    }

    /// One visible trial, step by step from `from_step`, within `cap` bytes.
    pub(crate) async fn show_trial(&self, args: &ShowTrialArgs, cap: usize) -> String {
        let Some(access) = self.access else {
            return UNAVAILABLE.to_owned();
        };
        let id = args.trial_id.trim();
        let trace = match access.get(id).await {
            Ok(Some(trace)) => trace,
            Ok(None) => return format!("no such trial in the visible splits: `{id}`"),
            Err(e) => return format!("the trace of `{id}` could not be read: {e}"),
        };
        let view = TrialView::from_trace(&trace, None, &Cleaner::default());
        let mut out = format!(
            "Trial {} (task {}, split {}, repeat {}): {} turns, ended {}; {}.\n",
            view.trial_id,
            view.task_id,
            view.split.as_str(),
            view.repeat,
            view.turns,
            view.finish.map_or("without a finish event", |f| f.as_str()),
            outcome(&view),
        );
        if let Some(Ok(instruction)) = first_user_message(&trace) {
            let _ = writeln!(
                out,
                "Instruction:\n{}",
                harness_core::clip_head_tail(instruction.trim(), INSTRUCTION_BYTES, 0)
            );
        }
        let _ = writeln!(out, "Steps:");
        let from = args.from_step.unwrap_or(0);
        let room = cap.saturating_sub(NOTE_BYTES);
        for (seq, text) in steps(&view).into_iter().filter(|(seq, _)| *seq >= from) {
            if out.len() + text.len() > room {
                let _ = write!(
                    out,
                    "[... more steps: call show_trial with from_step {seq}]"
                );
                return out;
            }
            out.push_str(&text);
        }
        out
    }
}

/// The verifier's class and reward, or that the trial was not scored.
fn outcome(view: &TrialView) -> String {
    match (view.outcome, view.reward) {
        (Some(class), Some(reward)) => format!("{} (reward {reward:.2})", class.as_str()),
        (Some(class), None) => class.as_str().to_owned(),
        (None, _) => "not scored".to_owned(),
    }
}

/// The actions, interventions and model errors of a trial, in order, each as text.
fn steps(view: &TrialView) -> Vec<(u64, String)> {
    let mut out: Vec<(u64, String)> = Vec::new();
    for action in &view.actions {
        let mut text = format!(
            "[{}] {}: {}",
            action.seq,
            action.tool,
            harness_core::clip_head_tail(
                &action.display(),
                COMMAND_BYTES * 2 / 3,
                COMMAND_BYTES / 3
            )
        );
        if let Some(code) = action.exit_code {
            let _ = write!(text, " -> exit {code}");
        }
        if action.repeats > 1 {
            let _ = write!(text, " (x{} identical calls)", action.repeats);
        }
        text.push('\n');
        if let Some(error) = &action.error {
            let _ = writeln!(
                text,
                "  error: {}",
                harness_core::clip_head_tail(error, 200, 100)
            );
        }
        let output = match action.same_output_as {
            Some(seq) => format!("[same output as step {seq}]"),
            None => harness_core::clip_head_tail(
                action.output.trim_end(),
                OUTPUT_BYTES * 3 / 5,
                OUTPUT_BYTES * 2 / 5,
            ),
        };
        if !output.is_empty() {
            let _ = writeln!(text, "  output: {}", output.replace('\n', "\n  "));
        }
        out.push((action.seq, text));
    }
    for note in &view.interventions {
        let action = format!("{:?}", note.action).to_lowercase();
        out.push((
            note.seq,
            format!("[{}] middleware `{}`: {action}\n", note.seq, note.kind),
        ));
    }
    for (seq, kind) in &view.model_errors {
        out.push((*seq, format!("[{seq}] model call failed: {kind}\n")));
    }
    out.sort_by_key(|(seq, _)| *seq);
    out
}

/// A case-insensitive needle: plain text or a regular expression.
enum Matcher {
    Text(String),
    Pattern(Regex),
}

impl Matcher {
    fn new(query: &str, regex: bool) -> Result<Self, String> {
        if !regex {
            return Ok(Matcher::Text(query.to_lowercase()));
        }
        RegexBuilder::new(query)
            .case_insensitive(true)
            .size_limit(REGEX_SIZE)
            .build()
            .map(Matcher::Pattern)
            .map_err(|e| format!("the regular expression does not compile: {e}"))
    }

    fn matches(&self, line: &str) -> bool {
        match self {
            Matcher::Text(needle) => line.to_lowercase().contains(needle.as_str()),
            Matcher::Pattern(re) => re.is_match(line),
        }
    }
}

/// The first field and line of an action that matches.
fn matching_line(
    matcher: &Matcher,
    action: &harness_miner::Action,
) -> Option<(&'static str, String)> {
    let fields = [
        ("command", Some(action.display())),
        ("error", action.error.clone()),
        ("output", Some(action.output.clone())),
    ];
    fields.into_iter().find_map(|(field, text)| {
        text?
            .lines()
            .find(|line| matcher.matches(line))
            .map(|line| (field, line.trim().to_owned()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_queries_ignore_case_and_bad_patterns_say_why() {
        let text = Matcher::new("No Such File", false).unwrap();
        assert!(text.matches("cat: x: no such file or directory"));
        assert!(!text.matches("something else"));
        let pattern = Matcher::new(r"exit(ed)? \d+", true).unwrap();
        assert!(pattern.matches("process EXITED 2"));
        let error = Matcher::new("(unclosed", true).err().unwrap();
        assert!(
            error.starts_with("the regular expression does not compile"),
            "{error}"
        );
    }
}
