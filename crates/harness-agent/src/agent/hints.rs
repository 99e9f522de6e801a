//! Structured memory hints at run time: each hint's advice reaches the model when its trigger
//! fires (once per hint per run). `always` hints are part of the system prompt instead; `task`
//! hints are added to the first user message.
//!
//! A hint reaches the model as `hint <id>: <advice>`, tagged `[memory_hints]` by the loop,
//! and a hint with a `substitute` adds a line `substitute: {"from": ..., "to": ...}`: the
//! machine-readable form of the advice, which a model (or the simulated model) can apply
//! to its commands word for word.

use std::sync::Mutex;

use async_trait::async_trait;
use harness_core::{Hint, HintTrigger};
use regex::Regex;

use crate::middleware::{Effect, HookContext, Middleware};
use crate::model::ToolCall;
use crate::tools::ToolOutput;

/// Kind name recorded in traces for hint interventions.
pub const HINTS_KIND: &str = "memory_hints";

/// First words of the line carrying a hint's substitution as JSON.
pub const SUBSTITUTE_PREFIX: &str = "substitute: ";

/// The text of one hint as the model sees it (before the loop's `[memory_hints]` tag).
pub fn hint_note(hint: &Hint) -> String {
    let mut note = format!("hint {}: {}", hint.id, hint.advice.trim());
    if let Some(sub) = &hint.substitute {
        let json = serde_json::json!({"from": sub.from, "to": sub.to});
        note.push('\n');
        note.push_str(SUBSTITUTE_PREFIX);
        note.push_str(&json.to_string());
    }
    note
}

/// The hints with compiled patterns, and which have fired.
pub struct HintLayer {
    hints: Vec<(Hint, Option<Regex>)>,
    fired: Mutex<Vec<bool>>,
}

impl HintLayer {
    /// Compile the hints' patterns (validated when the harness loaded; a pattern that does not
    /// compile here is skipped).
    pub fn new(hints: &[Hint]) -> Self {
        let hints: Vec<(Hint, Option<Regex>)> = hints
            .iter()
            .map(|h| {
                let pattern = match &h.trigger {
                    HintTrigger::ToolError { pattern }
                    | HintTrigger::Command { pattern }
                    | HintTrigger::Task { pattern } => Regex::new(pattern).ok(),
                    HintTrigger::Always => None,
                };
                (h.clone(), pattern)
            })
            .collect();
        let fired = Mutex::new(vec![false; hints.len()]);
        Self { hints, fired }
    }

    /// The notes ([`hint_note`]) of the `task` hints whose pattern matches the instruction.
    pub fn task_notes(&self, instruction: &str) -> Vec<String> {
        self.hints
            .iter()
            .filter(|(h, re)| {
                matches!(h.trigger, HintTrigger::Task { .. })
                    && re.as_ref().is_some_and(|re| re.is_match(instruction))
            })
            .map(|(h, _)| hint_note(h))
            .collect()
    }

    fn fire(&self, wanted: fn(&HintTrigger) -> bool, text: &str) -> Vec<Effect> {
        let Ok(mut fired) = self.fired.lock() else {
            return Vec::new();
        };
        let mut effects = Vec::new();
        for (i, (hint, re)) in self.hints.iter().enumerate() {
            if fired[i] || !wanted(&hint.trigger) {
                continue;
            }
            if re.as_ref().is_some_and(|re| re.is_match(text)) {
                fired[i] = true;
                effects.push(Effect::Inject {
                    trigger: format!("hint {}", hint.id),
                    message: hint_note(hint),
                });
            }
        }
        effects
    }
}

#[async_trait]
impl Middleware for HintLayer {
    fn kind(&self) -> &str {
        HINTS_KIND
    }

    async fn before_tool(&self, _ctx: &HookContext<'_>, call: &mut ToolCall) -> Vec<Effect> {
        let command = call
            .arguments
            .get("command")
            .and_then(|c| c.as_str())
            .unwrap_or_default();
        if command.is_empty() {
            return Vec::new();
        }
        self.fire(|t| matches!(t, HintTrigger::Command { .. }), command)
    }

    async fn after_tool(
        &self,
        _ctx: &HookContext<'_>,
        _call: &ToolCall,
        output: &mut ToolOutput,
    ) -> Vec<Effect> {
        if !output.is_error {
            return Vec::new();
        }
        self.fire(
            |t| matches!(t, HintTrigger::ToolError { .. }),
            &output.content,
        )
    }
}
