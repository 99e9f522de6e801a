//! A trial as the miner sees it: the actions it took (tool, command, cleaned output, exit
//! code, error), the interventions it met, how it ended and how the verifier scored it (class
//! and reward only). Built from a `TrialTrace`, ours or imported; nothing here needs a
//! harness or middleware events to be present.
//!
//! Consecutive identical steps (same call, same result) collapse into one action with a
//! repeat count; an output identical to an earlier one is marked as such, so excerpts can
//! say "same output as step N" instead of printing it again.

use std::collections::HashMap;

use harness_trace::{
    BlobRef, Event, FinishStatus, InterventionAction, Messages, OutcomeClass, Role, Split, TrialId,
    TrialTrace,
};

use crate::clean::Cleaner;
use crate::command::{CommandFacts, facts_of_call, shell_command};

/// Tool names that end the agent loop when called.
const FINISH_TOOLS: &[&str] = &["finish", "submit", "task_complete"];

/// Outputs shorter than this are not marked as repeats of earlier ones (too common).
const MIN_SHARED_OUTPUT: usize = 64;

/// One tool call, cleaned.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// Sequence number of the (first) step in the trace.
    pub seq: u64,
    /// Tool name.
    pub tool: String,
    /// The shell command, for calls that run one.
    pub command: Option<String>,
    /// The arguments as compact JSON: two calls with equal text are the same call.
    pub arguments: String,
    /// The output, cleaned and bounded (see [`Cleaner`]).
    pub output: String,
    /// Length of the full output in bytes.
    pub output_bytes: u64,
    /// The full output, when the trace stored it apart.
    pub full_output: Option<BlobRef>,
    /// Exit code, for calls that ran a process.
    pub exit_code: Option<i32>,
    /// Why the call failed outside its output (bad arguments, blocked, timeout).
    pub error: Option<String>,
    /// Whether the call failed (an error, or a non-zero exit).
    pub failed: bool,
    /// Wall time, milliseconds.
    pub duration_ms: u64,
    /// How many identical consecutive steps this action stands for (1: itself only).
    pub repeats: u32,
    /// The step whose output this one repeats word for word, if any.
    pub same_output_as: Option<u64>,
    /// What the command does.
    pub facts: CommandFacts,
}

impl Action {
    /// Whether this call ends the loop (a `finish` tool).
    pub fn is_finish(&self) -> bool {
        FINISH_TOOLS.contains(&self.tool.as_str())
    }

    /// The command, or the tool name and arguments for other tools: what a person reads.
    pub fn display(&self) -> String {
        match &self.command {
            Some(command) => command.clone(),
            None => format!("{} {}", self.tool, self.arguments),
        }
    }

    /// The text describing a failure: the error, then the output.
    pub fn failure_text(&self) -> String {
        match &self.error {
            Some(error) => format!("{error}\n{}", self.output),
            None => self.output.clone(),
        }
    }
}

/// A middleware intervention, as the miner keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterventionNote {
    /// Sequence number.
    pub seq: u64,
    /// The layer kind (`loop_breaker`, `rule`, ...).
    pub kind: String,
    /// What it did.
    pub action: InterventionAction,
}

/// A trial, ready for detectors.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialView {
    /// Run id.
    pub run_id: String,
    /// Trial id.
    pub trial_id: TrialId,
    /// Task id.
    pub task_id: String,
    /// Split of the task.
    pub split: Split,
    /// Repeat index.
    pub repeat: u32,
    /// The task instruction (the first user message), when the caller could read it.
    pub instruction: Option<String>,
    /// Tool calls, consecutive identical ones collapsed.
    pub actions: Vec<Action>,
    /// Middleware interventions.
    pub interventions: Vec<InterventionNote>,
    /// Model calls that failed, as `(seq, kind)`.
    pub model_errors: Vec<(u64, String)>,
    /// Compactions and truncations of the context.
    pub context_events: u32,
    /// Model turns.
    pub turns: u32,
    /// How the loop ended, if it did.
    pub finish: Option<FinishStatus>,
    /// The verifier's class, if scored.
    pub outcome: Option<OutcomeClass>,
    /// The scalar reward, if any.
    pub reward: Option<f64>,
    /// Sum of the tool outputs' full lengths, in bytes.
    pub output_bytes: u64,
}

impl TrialView {
    /// The view of `trace`, with `instruction` if the caller read it (see
    /// [`first_user_message`]).
    pub fn from_trace(trace: &TrialTrace, instruction: Option<String>, cleaner: &Cleaner) -> Self {
        let header = &trace.header;
        let mut view = TrialView {
            run_id: header.run_id.clone(),
            trial_id: header.trial_id.clone(),
            task_id: header.task_id.clone(),
            split: header.split,
            repeat: header.repeat,
            instruction,
            actions: Vec::new(),
            interventions: Vec::new(),
            model_errors: Vec::new(),
            context_events: 0,
            turns: 0,
            finish: None,
            outcome: None,
            reward: None,
            output_bytes: 0,
        };
        let mut seen_outputs: HashMap<u64, u64> = HashMap::new();
        for line in &trace.steps {
            match &line.event {
                Event::ToolCall(call) => {
                    let arguments = call.arguments.to_string();
                    let output = cleaner.clean(&call.output.excerpt);
                    view.output_bytes += call.output.total_bytes;
                    if let Some(last) = view.actions.last_mut()
                        && last.tool == call.name
                        && last.arguments == arguments
                        && last.exit_code == call.exit_code
                        && last.error == call.error
                        && last.output == output
                    {
                        last.repeats += 1;
                        continue;
                    }
                    let same_output_as = if output.len() >= MIN_SHARED_OUTPUT {
                        let key = text_key(&output);
                        match seen_outputs.get(&key) {
                            Some(seq) => Some(*seq),
                            None => {
                                seen_outputs.insert(key, line.seq);
                                None
                            }
                        }
                    } else {
                        None
                    };
                    view.actions.push(Action {
                        seq: line.seq,
                        tool: call.name.clone(),
                        command: shell_command(&call.arguments).map(str::to_owned),
                        facts: facts_of_call(&call.name, &call.arguments),
                        arguments,
                        output,
                        output_bytes: call.output.total_bytes,
                        full_output: call.output.full,
                        exit_code: call.exit_code,
                        error: call.error.clone(),
                        failed: call.failed(),
                        duration_ms: call.duration_ms,
                        repeats: 1,
                        same_output_as,
                    });
                }
                Event::ModelCall(call) => {
                    view.turns = view.turns.max(call.turn);
                    if let Some(error) = &call.error {
                        view.model_errors.push((line.seq, error.kind.clone()));
                    }
                }
                Event::Intervention(note) => view.interventions.push(InterventionNote {
                    seq: line.seq,
                    kind: note.kind.clone(),
                    action: note.action,
                }),
                Event::Context(_) => view.context_events += 1,
                Event::Finish(finish) => {
                    view.finish = Some(finish.status);
                    view.turns = view.turns.max(finish.turns);
                }
                Event::Verifier(outcome) => {
                    view.outcome = Some(outcome.outcome);
                    view.reward = outcome.reward;
                }
                Event::Header(_) => {}
            }
        }
        view
    }

    /// Whether the verifier scored this trial below full marks (fail, partial, or no reward).
    pub fn is_failure(&self) -> bool {
        matches!(
            self.outcome,
            Some(OutcomeClass::Fail | OutcomeClass::Partial | OutcomeClass::NoReward)
        )
    }

    /// Whether the verifier passed it.
    pub fn is_pass(&self) -> bool {
        self.outcome == Some(OutcomeClass::Pass)
    }

    /// How bad the failure is, from 0 to 1: one minus the reward (1 without one).
    pub fn severity(&self) -> f64 {
        match self.reward {
            Some(r) if r.is_finite() => (1.0 - r).clamp(0.0, 1.0),
            _ => 1.0,
        }
    }

    /// Index of the last action that wrote files, if any.
    pub fn last_write(&self) -> Option<usize> {
        self.actions
            .iter()
            .rposition(|a| a.facts.writes && !a.failed)
    }

    /// The actions before the first finish call (what the agent did, not how it ended).
    pub fn work_actions(&self) -> &[Action] {
        let end = self
            .actions
            .iter()
            .position(Action::is_finish)
            .unwrap_or(self.actions.len());
        &self.actions[..end]
    }
}

/// The first user message of a trace's first model call, when the call holds it inline;
/// `None` when it is stored as a blob (read it with [`first_user_message_in`]).
pub fn first_user_message(trace: &TrialTrace) -> Option<Result<String, BlobRef>> {
    let call = trace.model_calls().next()?;
    match &call.input {
        Messages::Inline { messages } => messages
            .iter()
            .find(|m| m.role == Role::User)
            .map(|m| Ok(m.content.clone())),
        Messages::Stored { blob, .. } => Some(Err(*blob)),
    }
}

/// The first user message in a stored message list (a JSON array of messages).
pub fn first_user_message_in(bytes: &[u8]) -> Option<String> {
    let messages: Vec<harness_trace::Message> = serde_json::from_slice(bytes).ok()?;
    messages
        .into_iter()
        .find(|m| m.role == Role::User)
        .map(|m| m.content)
}

/// A fast key of a text for equality checks (FNV-1a over its bytes, with its length).
fn text_key(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash ^ (text.len() as u64).rotate_left(32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness_trace::synth::sample_trace;

    #[test]
    fn sample_trace_becomes_actions() {
        let trace = sample_trace();
        let view = TrialView::from_trace(&trace, None, &Cleaner::default());
        assert_eq!(view.actions.len(), trace.tool_calls().count());
        assert!(view.actions.iter().any(|a| a.failed));
        assert_eq!(view.outcome, Some(OutcomeClass::Pass));
        assert_eq!(
            first_user_message(&trace),
            Some(Ok("Fix the git repository in /app.".to_owned()))
        );
    }
}
