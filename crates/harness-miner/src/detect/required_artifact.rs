//! `required_artifact_missing`: a path the instruction names was never produced. Two kinds
//! of evidence count, both from the trace alone: a call's output said the path does not
//! exist and no later call wrote it; or the run wrote nothing at all although the
//! instruction names an output path the agent never touched.

use super::{BehaviourTag, Detector, Finding};
use crate::trial::TrialView;

/// Words of an output line that say a path is not there.
const MISSING_WORDS: &[&str] = &[
    "no such file",
    "cannot access",
    "can't open",
    "does not exist",
    "not found",
];

/// Whether a line of output says `name` is not there (a missing program is not a path).
fn says_missing(line: &str, name: &str) -> bool {
    let lower = line.to_lowercase();
    line.contains(name)
        && !lower.contains("command not found")
        && MISSING_WORDS.iter().any(|w| lower.contains(w))
}

/// Finds named paths that were never produced.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequiredArtifactMissing;

/// Paths an instruction names: words holding a `/` or ending in a short extension
/// (`/app/out.csv`, `report.json`), stripped of quotes and punctuation. URLs are left out.
pub fn named_paths(instruction: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for word in instruction.split_whitespace() {
        let word = word.trim_matches(|c: char| {
            matches!(
                c,
                '`' | '\'' | '"' | ',' | ';' | ':' | '(' | ')' | '[' | ']' | '<' | '>' | '*'
            )
        });
        let word = word.trim_end_matches('.');
        let word = word.strip_prefix("./").unwrap_or(word);
        if word.len() < 3 || word.contains("://") || word.starts_with('-') {
            continue;
        }
        let has_extension = word.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty()
                && (1..=5).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
                && ext.chars().any(|c| c.is_ascii_alphabetic())
        });
        let looks_like_path = (word.starts_with('/') && word.len() > 1) || has_extension;
        if looks_like_path
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
            && !paths.iter().any(|p| p == word)
        {
            paths.push(word.to_owned());
        }
    }
    paths
}

fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

impl Detector for RequiredArtifactMissing {
    fn tag(&self) -> &str {
        BehaviourTag::REQUIRED_ARTIFACT_MISSING
    }

    fn detect(&self, trial: &TrialView) -> Vec<Finding> {
        let Some(instruction) = &trial.instruction else {
            return Vec::new();
        };
        let actions = trial.work_actions();
        let wrote_anything = actions.iter().any(|a| a.facts.writes && !a.failed);
        let mut missing = Vec::new();
        let mut steps = Vec::new();
        for path in named_paths(instruction) {
            let name = basename(&path);
            if name.is_empty() {
                continue;
            }
            let mentions = |text: &str| text.contains(name);
            let said_missing = actions
                .iter()
                .rposition(|a| a.output.lines().any(|line| says_missing(line, name)));
            let written_after = |from: usize| {
                actions[from..].iter().any(|a| {
                    !a.failed
                        && a.facts.writes
                        && (a.facts.write_targets.iter().any(|t| mentions(t))
                            || a.command.as_deref().is_some_and(mentions))
                })
            };
            let touched = actions.iter().any(|a| mentions(&a.arguments));
            let is_missing = match said_missing {
                Some(i) => !written_after(i + 1),
                None => !wrote_anything && !touched && path.starts_with('/'),
            };
            if is_missing && !missing.iter().any(|m: &String| basename(m) == name) {
                if let Some(i) = said_missing
                    && !steps.contains(&actions[i].seq)
                {
                    steps.push(actions[i].seq);
                }
                missing.push(path);
            }
        }
        if missing.is_empty() {
            return Vec::new();
        }
        vec![Finding::new(
            self.tag(),
            steps,
            format!("never produced: {}", missing.join(", ")),
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_an_instruction() {
        let text = "Write the totals to `/app/out/totals.csv` and a summary in report.json. \
                    See https://example.com/x.html; version 1.2 is fine.";
        assert_eq!(named_paths(text), ["/app/out/totals.csv", "report.json"]);
    }
}
