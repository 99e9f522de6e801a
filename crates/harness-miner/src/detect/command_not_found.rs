//! `command_not_found`: the agent ran a program the environment lacks. The finding names the
//! missing program and, when a later call shows it, what works instead (the same command
//! with another program, or without a prefix such as `sudo`): an environment fact a memory
//! note could carry.

use harness_core::shell_words;

use super::{BehaviourTag, Detector, Finding};
use crate::trial::{Action, TrialView};

/// How the error text of a finding names the missing program (the cluster's error keeps it
/// after normalization: program names hold no digits or paths).
pub const MISSING_PROGRAM_PREFIX: &str = "command not found: ";

/// Finds programs the environment lacks.
#[derive(Debug, Clone, Copy, Default)]
pub struct CommandNotFound;

/// The program a call's output says is missing (`bash: gawk: command not found`,
/// `sh: 1: gawk: not found`; inside a pipeline the exit code may still be 0), or the
/// command's first program on exit code 127.
pub fn missing_program(action: &Action) -> Option<String> {
    for line in action
        .output
        .lines()
        .chain(action.error.iter().flat_map(|e| e.lines()))
    {
        let before = line
            .strip_suffix(": command not found")
            .or_else(|| line.strip_suffix(": not found"));
        if let Some(before) = before
            && let Some(name) = before.rsplit(": ").next()
        {
            let name = name.trim();
            if !name.is_empty() && !name.contains(' ') {
                return Some(name.to_owned());
            }
        }
    }
    if action.exit_code == Some(127) {
        return action.facts.programs.first().cloned();
    }
    None
}

/// What a later successful call used instead of `missing` in `failed`'s command: another
/// program in its place, or nothing (the same command without it).
fn replacement(failed: &Action, missing: &str, later: &[Action]) -> Option<String> {
    let before = shell_words::words(failed.command.as_deref()?);
    let position = before.iter().position(|w| w == missing)?;
    for action in later.iter().filter(|a| !a.failed) {
        let Some(command) = action.command.as_deref() else {
            continue;
        };
        let after = shell_words::words(command);
        if after.len() + 1 == before.len() {
            let mut without = before.clone();
            without.remove(position);
            if without == after {
                return Some(format!("the same command without `{missing}`"));
            }
        }
        if after.len() == before.len() {
            let differing: Vec<usize> = (0..after.len())
                .filter(|i| after[*i] != before[*i])
                .collect();
            if differing == [position] {
                return Some(format!("`{}`", after[position]));
            }
        }
    }
    None
}

impl Detector for CommandNotFound {
    fn tag(&self) -> &str {
        BehaviourTag::COMMAND_NOT_FOUND
    }

    fn detect(&self, trial: &TrialView) -> Vec<Finding> {
        let actions = trial.work_actions();
        let mut findings: Vec<Finding> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for (i, action) in actions.iter().enumerate() {
            let Some(missing) = missing_program(action) else {
                continue;
            };
            if seen.contains(&missing) {
                if let Some(finding) = findings
                    .iter_mut()
                    .find(|f| f.detail.starts_with(&format!("`{missing}`")))
                {
                    finding.steps.push(action.seq);
                }
                continue;
            }
            // A PATH exported in an earlier call of its own explains a missing program:
            // that is lost state, not a missing program.
            let path_lost = actions[..i]
                .iter()
                .any(|a| a.facts.state_only && a.facts.sets_vars.iter().any(|v| v == "PATH"));
            // A program the task ships (a command names it as a path, `tools/bin/x`) is
            // not a fact of the environment: setting it up is the task.
            let shipped = format!("/{missing}");
            let task_program = actions.iter().any(|a| {
                a.command
                    .as_deref()
                    .is_some_and(|c| shell_words::words(c).iter().any(|w| w.ends_with(&shipped)))
            });
            if path_lost || task_program {
                continue;
            }
            seen.push(missing.clone());
            let instead = replacement(action, &missing, &actions[i + 1..]);
            let detail = match &instead {
                Some(what) => format!("`{missing}` is not installed; {what} worked later"),
                None => format!("`{missing}` is not installed"),
            };
            findings.push(
                Finding::new(self.tag(), vec![action.seq], detail)
                    .with_error(format!("{MISSING_PROGRAM_PREFIX}{missing}")),
            );
        }
        findings
    }
}
