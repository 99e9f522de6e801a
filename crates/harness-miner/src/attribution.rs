//! Attribution: which harness component kinds could address a behaviour, and why; and what
//! passing trials of the same tasks do that an edit must keep.
//!
//! The table covers the built-in behaviours. A user's detector names its own components
//! through [`crate::MinerConfig::attributions`]; a behaviour nobody attributed is reported
//! as such.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::detect::BehaviourTag;
use crate::trial::TrialView;

/// The editable harness component kinds a weakness can be addressed in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    /// The system prompt.
    Prompt,
    /// Tool descriptions, options and implementations.
    Tools,
    /// Middleware: hooks and rules around model and tool calls.
    Middleware,
    /// Skills the agent can load.
    Skills,
    /// Long-term memory: notes and hints.
    Memory,
}

/// One component kind that could address a cluster, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Attribution {
    /// The component kind.
    pub component: ComponentKind,
    /// Why it could help.
    pub reason: String,
}

impl Attribution {
    /// An attribution.
    pub fn new(component: ComponentKind, reason: impl Into<String>) -> Self {
        Self {
            component,
            reason: reason.into(),
        }
    }
}

/// The components that could address a built-in behaviour (empty for other tags).
pub fn attribution_for(tag: &str) -> Vec<Attribution> {
    use ComponentKind::{Memory, Middleware, Prompt, Skills, Tools};
    let a = Attribution::new;
    match tag {
        BehaviourTag::EXACT_REPEAT_AFTER_FAILURE => vec![
            a(
                Middleware,
                "block an exact repeat of a failed call until something changed (retry discipline, loop breaker)",
            ),
            a(Prompt, "ask for a changed approach after a failure"),
        ],
        BehaviourTag::EXPLORATION_WITHOUT_PROGRESS => vec![
            a(
                Middleware,
                "warn after N calls without a write (loop breaker with a call budget, turn reminder)",
            ),
            a(
                Prompt,
                "ask to act on the instruction early and create the artifacts first",
            ),
            a(Skills, "a skill with the task family's usual first steps"),
        ],
        BehaviourTag::STATE_LOST_BETWEEN_CALLS => vec![
            a(
                Tools,
                "make the shell persistent, so cd and export last between calls",
            ),
            a(
                Middleware,
                "carry the working directory and exported variables into each call (persistent env)",
            ),
            a(Memory, "note that each call starts in a fresh shell"),
        ],
        BehaviourTag::FINISH_WITHOUT_VERIFICATION => vec![
            a(
                Middleware,
                "refuse a finish that follows a write with no check after it (verify before finish)",
            ),
            a(
                Prompt,
                "ask to run the checks the instruction implies before finishing",
            ),
        ],
        BehaviourTag::CONTEXT_FLOODING => vec![
            a(
                Middleware,
                "truncate long outputs to head and tail, or compact the context (output truncation, context compaction)",
            ),
            a(Tools, "cap the shell's output and point to the full text"),
            a(
                Prompt,
                "ask for bounded reads (head, grep, sed -n) instead of whole files",
            ),
        ],
        BehaviourTag::REPEATED_TOOL_ARGUMENT_ERRORS => vec![
            a(
                Middleware,
                "answer an argument error with the tool's correct usage (tool-error hint)",
            ),
            a(Tools, "clearer tool descriptions and argument schemas"),
            a(
                Memory,
                "a hint with the right call shape, triggered by the error",
            ),
        ],
        BehaviourTag::REQUIRED_ARTIFACT_MISSING => vec![
            a(
                Middleware,
                "before finishing, check that the paths the instruction names exist",
            ),
            a(
                Prompt,
                "ask to create the required outputs early and keep them updated",
            ),
        ],
        BehaviourTag::COMMAND_NOT_FOUND => vec![
            a(
                Memory,
                "an environment fact: the missing command and what to use instead (a substitution hint)",
            ),
            a(
                Middleware,
                "on `command not found`, suggest the installed alternative (tool-error hint)",
            ),
            a(Skills, "a skill listing the environment's tools"),
        ],
        BehaviourTag::LONG_RUNNING_TIMEOUT => vec![
            a(
                Tools,
                "a longer time limit for the calls that need it, or background execution",
            ),
            a(
                Prompt,
                "ask to bound long commands (timeouts, smaller inputs)",
            ),
        ],
        BehaviourTag::CONTEXT_OVERFLOW => vec![
            a(
                Middleware,
                "compact or truncate the context before it overflows (context compaction, output truncation)",
            ),
            a(Tools, "cap tool outputs"),
        ],
        _ => Vec::new(),
    }
}

/// What one passing trial shows that an edit should keep.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PassTraits {
    /// Ran something after its last write.
    pub checked_after_last_write: bool,
    /// Never sent a failed call again unchanged.
    pub no_blind_repeat: bool,
    /// Never set state in a call of its own.
    pub state_with_command: bool,
    /// Position of its first write (1-based), if it wrote.
    pub first_write: Option<usize>,
    /// Calls made.
    pub calls: usize,
    /// Largest output, bytes.
    pub largest_output: u64,
    /// Programs it ran.
    pub programs: BTreeSet<String>,
    /// Behaviour tags the detectors found in it (a behaviour as common in passing trials
    /// explains no failure).
    pub tags: BTreeSet<String>,
}

impl PassTraits {
    /// The traits of a passing trial.
    pub fn of(trial: &TrialView) -> Self {
        let work = trial.work_actions();
        let last_write = work.iter().rposition(|a| a.facts.writes && !a.failed);
        let checked_after_last_write = last_write.is_some_and(|w| {
            work[w + 1..]
                .iter()
                .any(|a| !a.facts.writes && !a.facts.state_only)
        });
        let no_blind_repeat = work.iter().enumerate().all(|(i, a)| {
            !a.failed
                || (a.repeats == 1
                    && !work[i + 1..]
                        .iter()
                        .any(|b| b.tool == a.tool && b.arguments == a.arguments))
        });
        Self {
            checked_after_last_write,
            no_blind_repeat,
            state_with_command: !work.iter().any(|a| a.facts.state_only),
            first_write: work.iter().position(|a| a.facts.writes).map(|p| p + 1),
            calls: work.iter().map(|a| a.repeats as usize).sum(),
            largest_output: work.iter().map(|a| a.output_bytes).max().unwrap_or(0),
            programs: work
                .iter()
                .flat_map(|a| a.facts.programs.iter().cloned())
                .collect(),
            tags: BTreeSet::new(),
        }
    }
}

/// What every passing trial in `passing` shares, in words (empty without passing trials).
pub fn shared_behaviours(passing: &[&PassTraits]) -> Vec<String> {
    let Some(first) = passing.first() else {
        return Vec::new();
    };
    let n = passing.len();
    let all = |f: &dyn Fn(&PassTraits) -> bool| passing.iter().all(|t| f(t));
    let mut out = Vec::new();
    if all(&|t| t.checked_after_last_write) {
        out.push("runs a check after its last write".to_owned());
    }
    if all(&|t| t.no_blind_repeat) {
        out.push("never resends a failed call unchanged".to_owned());
    }
    if all(&|t| t.state_with_command) {
        out.push("keeps cd/export in the same call as the command that needs them".to_owned());
    }
    if let Some(latest) = passing
        .iter()
        .map(|t| t.first_write)
        .collect::<Option<Vec<usize>>>()
        .and_then(|v| v.into_iter().max())
    {
        out.push(format!("writes within its first {latest} calls"));
    }
    let most_calls = passing.iter().map(|t| t.calls).max().unwrap_or(0);
    out.push(format!("finishes within {most_calls} calls"));
    let largest = passing.iter().map(|t| t.largest_output).max().unwrap_or(0);
    out.push(format!("largest output {} KiB", largest.div_ceil(1024)));
    let mut common: BTreeSet<String> = first.programs.clone();
    for t in &passing[1..] {
        common = common.intersection(&t.programs).cloned().collect();
    }
    if !common.is_empty() {
        let names: Vec<String> = common
            .into_iter()
            .take(8)
            .map(|p| format!("`{p}`"))
            .collect();
        out.push(format!("uses {}", names.join(", ")));
    }
    out.push(format!("(shared by all {n} passing trials of these tasks)"));
    out
}
