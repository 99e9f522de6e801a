//! How the simulator turns a step of the solution into the command it actually sends: shell
//! state carried into a subshell, habits of a blind model, learned substitutions, near-miss
//! variants and whole-file dumps.

use regex::Regex;

use crate::plan::{Step, StepKind, changes_directory, words};
use crate::profile::Habit;
use crate::rng::SimRng;

/// A substitution learned from a memory hint: use `to` where `from` would be used.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Substitution {
    /// What not to use.
    pub from: String,
    /// What to use instead (may be empty: drop `from`).
    pub to: String,
}

fn is_wordish(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && text.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
}

/// Replace `from` by `to` in `command`. A `from` that starts and ends with word characters
/// (a command name such as `gawk`) is replaced only where it stands as a command word: after
/// the start, a blank or a shell operator, and before a blank, an operator or the end, so
/// `sum.awk` or `mawk` stay as they are. Any other `from` is replaced as plain text.
pub fn substitute(command: &str, from: &str, to: &str) -> String {
    if from.is_empty() {
        return command.to_owned();
    }
    if !is_wordish(from) {
        return command.replace(from, to);
    }
    let before_ok = |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || "|;&(`$".contains(c));
    let after_ok = |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || "|;&)`".contains(c));
    let mut out = String::with_capacity(command.len());
    let mut rest = command;
    let mut prev: Option<char> = None;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back().or(prev);
        let after = rest[at + from.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before_ok(before) && after_ok(after) {
            out.push_str(to);
        } else {
            out.push_str(from);
        }
        prev = from.chars().next_back();
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

/// The command as a model with these habits writes it.
pub fn apply_habits(command: &str, habits: &[Habit]) -> String {
    let mut out = command.to_owned();
    for habit in habits {
        match habit {
            Habit::Rename { command, habit } => out = substitute(&out, command, habit),
            Habit::Prefix { prefix, commands } => {
                let first = out.split_whitespace().next().unwrap_or_default();
                if commands.iter().any(|c| c == first) {
                    out = format!("{prefix}{out}");
                }
            }
        }
    }
    out
}

/// Run `command` after the state lines (`cd`, `export` ...) of earlier steps, in a subshell so
/// the result is the same whether or not the shell keeps state between calls.
pub fn with_state(state: &[String], command: &str) -> String {
    if state.is_empty() {
        // A `cd` of the step itself stays in the subshell too.
        return if changes_directory(command) {
            // A trailing comment would swallow the closing parenthesis of the one-line form.
            if command.contains('\n') || command.contains('#') {
                format!("(\n{command}\n)")
            } else {
                format!("({command})")
            }
        } else {
            command.to_owned()
        };
    }
    if command.contains('\n') || command.contains('#') || state.iter().any(|s| s.contains('#')) {
        format!("(\n{}\n{command}\n)", state.join("\n"))
    } else {
        format!("({} && {command})", state.join(" && "))
    }
}

/// Plausible wrong spellings of a path: a dropped or added plural `s`, `_` and `-` swapped,
/// a neighbouring extension.
pub fn near_misses(path: &str) -> Vec<String> {
    let dir_suffix = if path.ends_with('/') { "/" } else { "" };
    let trimmed = path.trim_end_matches('/');
    let (parent, name) = match trimmed.rsplit_once('/') {
        Some((parent, name)) => (format!("{parent}/"), name),
        None => (String::new(), trimmed),
    };
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, Some(ext)),
        _ => (name, None),
    };
    let with = |stem: &str, ext: Option<&str>| match ext {
        Some(ext) => format!("{parent}{stem}.{ext}{dir_suffix}"),
        None => format!("{parent}{stem}{dir_suffix}"),
    };
    let mut out = Vec::new();
    match stem.strip_suffix('s') {
        Some(singular) if singular.len() > 1 => out.push(with(singular, ext)),
        _ => out.push(with(&format!("{stem}s"), ext)),
    }
    if stem.contains('_') {
        out.push(with(&stem.replace('_', "-"), ext));
    } else if stem.contains('-') {
        out.push(with(&stem.replace('-', "_"), ext));
    }
    if let Some(ext) = ext {
        let swapped = match ext {
            "csv" => Some("tsv"),
            "txt" => Some("text"),
            "log" => Some("txt"),
            "json" => Some("jsonl"),
            "jsonl" => Some("json"),
            "py" => Some("sh"),
            "sh" => Some("bash"),
            "c" => Some("cpp"),
            "h" => Some("hpp"),
            "md" => Some("txt"),
            "ini" => Some("cfg"),
            "dat" => Some("data"),
            "zip" => Some("tar.gz"),
            _ => None,
        };
        if let Some(swapped) = swapped {
            out.push(with(stem, Some(swapped)));
        }
    }
    out.retain(|p| p != path);
    out
}

/// A near-miss variant of `step`: one of its input paths misspelt. `None` when the step
/// names no input.
pub fn variant_of(step: &Step, inputs: &[String], rng: &mut SimRng) -> Option<String> {
    let ws = words(&step.command);
    let candidates: Vec<&String> = inputs.iter().filter(|i| ws.contains(i)).collect();
    let path = candidates.get(rng.index(candidates.len())?)?;
    let misses = near_misses(path);
    let miss = misses.get(rng.index(misses.len())?)?;
    let re = Regex::new(&format!(
        r"(^|[\s'\x22=]){}($|[\s'\x22;|&)])",
        regex::escape(path)
    ))
    .ok()?;
    let replaced = re
        .replacen(&step.command, 1, |caps: &regex::Captures<'_>| {
            format!("{}{miss}{}", &caps[1], &caps[2])
        })
        .into_owned();
    (replaced != step.command).then_some(replaced)
}

/// Programs (as whole words) whose reads a flooding model replaces by whole-file dumps.
const PARTIAL_READS: [&str; 6] = ["head", "tail", "wc", "od", "awk", "sed"];

/// The inputs `step` reads partially, which a flooding model dumps whole instead.
pub fn flood_targets(step: &Step, inputs: &[String]) -> Vec<String> {
    if !matches!(step.kind, StepKind::Read) {
        return Vec::new();
    }
    let ws = words(&step.command);
    let partial = ws.iter().any(|w| PARTIAL_READS.contains(&w.as_str()))
        || step.command.contains("grep -m")
        || step.command.contains("cat -A");
    if !partial {
        return Vec::new();
    }
    inputs_used(step, inputs)
}

/// The inputs an action step uses (a flooding model looks at them again first).
pub fn inputs_used(step: &Step, inputs: &[String]) -> Vec<String> {
    let ws = words(&step.command);
    inputs
        .iter()
        .filter(|i| ws.contains(i) && !i.ends_with('/'))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Plan;

    #[test]
    fn substitutions_respect_words() {
        assert_eq!(
            substitute("gawk -F, x | gawk y", "gawk", "awk"),
            "awk -F, x | awk y"
        );
        assert_eq!(substitute("mawk x", "awk", "gawk"), "mawk x");
        assert_eq!(substitute("sudo chmod +x a", "sudo ", ""), "chmod +x a");
        assert_eq!(
            substitute("python3 x.py", "python", "python3"),
            "python3 x.py"
        );
    }

    #[test]
    fn habits_rename_and_prefix() {
        let habits = vec![
            Habit::Rename {
                command: "awk".into(),
                habit: "gawk".into(),
            },
            Habit::Prefix {
                prefix: "sudo ".into(),
                commands: vec!["chmod".into()],
            },
        ];
        assert_eq!(
            apply_habits("chmod +x a && awk 1 f", &habits),
            "sudo chmod +x a && gawk 1 f"
        );
        assert_eq!(apply_habits("ls", &habits), "ls");
    }

    #[test]
    fn state_goes_into_a_subshell() {
        let state = vec!["cd build".to_owned(), "export A=1".to_owned()];
        assert_eq!(
            with_state(&state, "make"),
            "(cd build && export A=1 && make)"
        );
        assert_eq!(
            with_state(&state, "a\nb"),
            "(\ncd build\nexport A=1\na\nb\n)"
        );
        assert_eq!(with_state(&[], "make"), "make");
        assert_eq!(with_state(&[], "cd d && ls"), "(cd d && ls)");
    }

    #[test]
    fn near_misses_differ_from_the_path() {
        assert!(near_misses("sensors.csv").contains(&"sensor.csv".to_owned()));
        assert!(near_misses("notes/").contains(&"note/".to_owned()));
        assert!(near_misses("logs/app_1.log").contains(&"logs/app-1.log".to_owned()));
        for p in ["a.txt", "x/", "b.c", "s.json"] {
            assert!(!near_misses(p).is_empty());
            assert!(!near_misses(p).contains(&p.to_owned()));
        }
    }

    #[test]
    fn variants_and_floods_touch_inputs_only() {
        let plan = Plan::parse(
            "# step: look\nwc -c -l sensors.csv && head -n 3 sensors.csv\n# step: write\nawk 1 sensors.csv > out.txt\n",
            "Read `sensors.csv`.",
        );
        assert_eq!(plan.inputs, ["sensors.csv"]);
        let mut rng = SimRng::new(1);
        let variant = variant_of(&plan.steps[0], &plan.inputs, &mut rng).unwrap();
        assert_ne!(variant, plan.steps[0].command);
        let misspelt = near_misses("sensors.csv");
        assert!(
            misspelt.iter().any(|m| variant.contains(m.as_str())),
            "{variant} misspells no input"
        );
        assert_eq!(flood_targets(&plan.steps[0], &plan.inputs), ["sensors.csv"]);
        assert!(flood_targets(&plan.steps[1], &plan.inputs).is_empty());
        assert_eq!(inputs_used(&plan.steps[1], &plan.inputs), ["sensors.csv"]);
    }
}
