//! The proposer's instructions: a markdown template with `{{ variable }}` placeholders from a
//! fixed set, shipped as `templates/llm-proposer.md` and replaceable by the user's own file.
//! A placeholder that is not closed or names no known variable is an error naming the file,
//! the line and the column, found when the template is read, not when it is used.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::ProposerError;

/// The shipped template.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/llm-proposer.md");

/// The file name the shipped template is known by in errors.
const DEFAULT_TEMPLATE_FILE: &str = "templates/llm-proposer.md";

/// Largest template accepted, in bytes.
const MAX_TEMPLATE_BYTES: usize = 256 * 1024;

/// The variables a template may use, with what the proposer puts there.
pub const TEMPLATE_VARIABLES: &[(&str, &str)] = &[
    ("k", "How many change lists are asked for."),
    (
        "surfaces",
        "The editable surfaces of the parent harness: name, description and current files, \
         then the read-only globs.",
    ),
    (
        "budget",
        "The edit budget per proposal: surfaces, changed lines and characters.",
    ),
    (
        "report",
        "The weakness report of the parent, rendered as markdown.",
    ),
    (
        "history",
        "Earlier proposals with their fate: verdicts and the gate's reasons, and every \
         rejected or refused change (the rejected-edit ledger).",
    ),
    (
        "preserve",
        "Behaviours to preserve (what passing trials do), one per line.",
    ),
    ("generation", "The generation being proposed for, from 1."),
    ("max_turns", "The proposer's turn limit."),
    (
        "max_submissions",
        "How many times `submit_proposals` may be called.",
    ),
    (
        "advisor",
        "A sentence on the advisor: how to consult it, or that none is configured.",
    ),
];

/// A checked instruction template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstructionTemplate {
    file: String,
    text: String,
}

impl InstructionTemplate {
    /// The shipped template.
    pub fn builtin() -> Self {
        Self {
            file: DEFAULT_TEMPLATE_FILE.to_owned(),
            text: DEFAULT_TEMPLATE.to_owned(),
        }
    }

    /// Check `text`; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, ProposerError> {
        let refuse = |message: String| ProposerError::Template {
            file: file.to_owned(),
            message,
        };
        if text.len() > MAX_TEMPLATE_BYTES {
            return Err(refuse(format!(
                "{} bytes; a template may hold at most {MAX_TEMPLATE_BYTES}",
                text.len()
            )));
        }
        let problems = problems(text);
        if !problems.is_empty() {
            return Err(refuse(problems.join("; ")));
        }
        Ok(Self {
            file: file.to_owned(),
            text: text.to_owned(),
        })
    }

    /// Read and check a template file.
    pub fn load(path: &Path) -> Result<Self, ProposerError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ProposerError::Io {
            path: file.clone(),
            source,
        })?;
        Self::parse(&file, &text)
    }

    /// The file the template came from.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The template text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Fill the placeholders; a variable missing from `values` renders as empty text.
    pub fn render(&self, values: &BTreeMap<&str, String>) -> String {
        harness_core::render_template(&self.text, values)
    }
}

/// Every unclosed placeholder and unknown variable of `text`, located.
fn problems(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = text[rest..].find("{{") {
        let open = rest + open;
        let (line, column) = position(text, open);
        let Some(close) = text[open + 2..].find("}}") else {
            out.push(format!(
                "line {line}, column {column}: `{{{{` is not closed by `}}}}`"
            ));
            break;
        };
        let close = open + 2 + close;
        let name = text[open + 2..close].trim();
        if !TEMPLATE_VARIABLES.iter().any(|(known, _)| *known == name) {
            let known: Vec<&str> = TEMPLATE_VARIABLES.iter().map(|(k, _)| *k).collect();
            out.push(format!(
                "line {line}, column {column}: unknown variable `{name}` (known: {})",
                known.join(", ")
            ));
        }
        rest = close + 2;
    }
    out
}

/// The 1-based line and column of byte `at`.
fn position(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_template_uses_known_variables_only() {
        let template = InstructionTemplate::parse("shipped", DEFAULT_TEMPLATE).unwrap();
        assert_eq!(
            template,
            InstructionTemplate::builtin().with_file("shipped")
        );
        for (name, _) in TEMPLATE_VARIABLES {
            assert!(
                DEFAULT_TEMPLATE.contains(&format!("{{{{{name}}}}}")),
                "the shipped template leaves out `{name}`"
            );
        }
    }

    #[test]
    fn unknown_and_unclosed_placeholders_are_located() {
        let error = InstructionTemplate::parse("mine.md", "a\n  {{ reports }} {{k}}\n{{ k")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("template mine.md: "), "{error}");
        assert!(
            error.contains("line 2, column 3: unknown variable `reports`"),
            "{error}"
        );
        assert!(
            error.contains("line 3, column 1: `{{` is not closed"),
            "{error}"
        );
    }

    #[test]
    fn renders_values_without_expanding_them_again() {
        let template = InstructionTemplate::parse("t", "k={{ k }}; {{report}}").unwrap();
        let values = BTreeMap::from([("k", "2".to_owned()), ("report", "{{k}}".to_owned())]);
        assert_eq!(template.render(&values), "k=2; {{k}}");
    }

    impl InstructionTemplate {
        fn with_file(mut self, file: &str) -> Self {
            self.file = file.to_owned();
            self
        }
    }
}
