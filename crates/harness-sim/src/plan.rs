//! The simulator's competence: a task's `solution/solve.sh`, parsed into steps.
//!
//! Scripts written for the simulator mark their steps (`# step: <what>`, then the step's
//! commands) and the obvious wrong first approach of a step (`# pitfall: <command>`, just
//! before the step it belongs to). Scripts without markers are cut into one step per
//! top-level command. Heredocs, quoted strings that span lines and `\` continuations stay
//! inside one command.

use harness_agent::middleware::command_writes_files;
use harness_core::shell_words::{self, Heredoc, TokenKind, ends_heredoc};

/// What a step does, as far as the simulator's behaviours care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// Only changes shell state (`cd`, `export`, `unset`, `source`).
    State,
    /// Only reads (listing, printing, searching, counting).
    Read,
    /// Runs a check expected to fail (`... || true`): its output says what to fix.
    Diagnose,
    /// Anything else: writes, builds, runs programs.
    Act,
}

/// One step of the solution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What the step does, in words (from `# step:`).
    pub description: String,
    /// The step's shell text (one or more lines).
    pub command: String,
    /// The wrong first approach, if the script names one.
    pub pitfall: Option<String>,
    /// The step's kind.
    pub kind: StepKind,
    /// Whether the command writes files (the agent's own heuristic).
    pub writes: bool,
}

/// A parsed solution: the steps in order and the task's input paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The steps.
    pub steps: Vec<Step>,
    /// Relative paths of inputs the task names and the solution reads.
    pub inputs: Vec<String>,
}

const STEP_MARKER: &str = "# step:";
const PITFALL_MARKER: &str = "# pitfall:";

/// First words of read-only commands.
const READ_COMMANDS: [&str; 22] = [
    "cat", "head", "tail", "wc", "ls", "find", "grep", "od", "file", "stat", "du", "less",
    "command", "cut", "sort", "uniq", "tr", "diff", "cmp", "awk", "echo", "pwd",
];

impl Plan {
    /// Parse `solve_sh`; `instruction` helps find the input paths.
    pub fn parse(solve_sh: &str, instruction: &str) -> Plan {
        let marked = solve_sh
            .lines()
            .any(|l| l.trim_start().starts_with(STEP_MARKER));
        let raw: Vec<(String, String, Option<String>)> = if marked {
            marked_steps(solve_sh)
        } else {
            logical_commands(solve_sh)
                .into_iter()
                .filter(|c| !is_preamble(c))
                .map(|c| (format!("run `{}`", first_line(&c, 60)), c, None))
                .collect()
        };
        let steps: Vec<Step> = raw
            .into_iter()
            .filter(|(_, command, _)| !command.trim().is_empty())
            .map(|(description, command, pitfall)| {
                let kind = classify(&command);
                Step {
                    writes: command_writes_files(&command),
                    description,
                    command,
                    pitfall,
                    kind,
                }
            })
            .collect();
        let inputs = input_paths(&steps, instruction);
        Plan { steps, inputs }
    }
}

fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    line.chars().take(max).collect()
}

/// `set -e...`, the shebang and bare comments before the first step.
fn is_preamble(command: &str) -> bool {
    let t = command.trim();
    t.is_empty() || t.starts_with('#') || t.starts_with("set -") || t.starts_with("set +")
}

fn marked_steps(text: &str) -> Vec<(String, String, Option<String>)> {
    let mut steps = Vec::new();
    let mut current: Option<(String, Vec<String>, Option<String>)> = None;
    let mut pitfall: Option<String> = None;
    let mut heredoc: Option<Heredoc> = None;
    for line in text.lines() {
        if let Some(open) = &heredoc {
            let done = ends_heredoc(open, line);
            if let Some((_, lines, _)) = &mut current {
                lines.push(line.to_owned());
            }
            if done {
                heredoc = None;
            }
            continue;
        }
        let trimmed = line.trim_start();
        if let Some(desc) = trimmed.strip_prefix(STEP_MARKER) {
            if let Some((d, lines, p)) = current.take() {
                steps.push((d, join_trimmed(&lines), p));
            }
            current = Some((desc.trim().to_owned(), Vec::new(), pitfall.take()));
            continue;
        }
        if let Some(command) = trimmed.strip_prefix(PITFALL_MARKER) {
            if let Some((d, lines, p)) = current.take() {
                steps.push((d, join_trimmed(&lines), p));
            }
            pitfall = Some(command.trim().to_owned()).filter(|c| !c.is_empty());
            continue;
        }
        if let Some((_, lines, _)) = &mut current {
            lines.push(line.to_owned());
            heredoc = heredoc_start(line);
        }
    }
    if let Some((d, lines, p)) = current {
        steps.push((d, join_trimmed(&lines), p));
    }
    steps
}

fn join_trimmed(lines: &[String]) -> String {
    let text = lines.join("\n");
    text.trim_matches('\n').trim_end().to_owned()
}

/// The first heredoc opened on `line` (outside quotes).
fn heredoc_start(line: &str) -> Option<Heredoc> {
    shell_words::heredocs(line).into_iter().next()
}

/// Cut a script into top-level commands: a line ends a command unless a quote is open, it
/// ends with `\`, or it opens a heredoc (which runs to its terminator).
pub fn logical_commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut heredoc: Option<Heredoc> = None;
    for line in text.lines() {
        current.push(line);
        if let Some(open) = &heredoc {
            if ends_heredoc(open, line) {
                heredoc = None;
                out.push(current.join("\n"));
                current.clear();
            }
            continue;
        }
        let command = current.join("\n");
        // An open quote or a trailing `\` carries the command on to the next line.
        if shell_words::lex(&command).open.is_some() {
            continue;
        }
        if let Some(h) = heredoc_start(&command) {
            heredoc = Some(h);
            continue;
        }
        current.clear();
        if !command.trim().is_empty() && !command.trim_start().starts_with('#') {
            out.push(command);
        }
    }
    if !current.is_empty() {
        let command = current.join("\n");
        if !command.trim().is_empty() {
            out.push(command);
        }
    }
    out
}

/// Whether a line only changes shell state (every `&&`/`;` stage is `cd`, `export` ...).
pub fn is_state_line(line: &str) -> bool {
    let stages = split_stages(line);
    !stages.is_empty() && stages.iter().all(|stage| is_state_stage(stage))
}

/// Whether one pipeline stage is a state command.
pub fn is_state_stage(stage: &str) -> bool {
    let t = stage.trim();
    ["cd", "export", "unset", "source", "pushd", "popd"]
        .iter()
        .any(|w| t == *w || t.starts_with(&format!("{w} ")))
        || t.starts_with(". ")
}

/// Whether a command changes the directory at top level (outside a subshell).
pub fn changes_directory(command: &str) -> bool {
    command.lines().any(|line| {
        split_stages(line)
            .iter()
            .any(|stage| stage.starts_with("cd ") || stage.starts_with("pushd "))
    })
}

fn classify(command: &str) -> StepKind {
    let lines: Vec<&str> = command
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    if !lines.is_empty() && lines.iter().all(|l| is_state_line(l)) {
        return StepKind::State;
    }
    if command.trim_end().ends_with("|| true") {
        return StepKind::Diagnose;
    }
    if !command_writes_files(command) && !command.contains('\n') && is_read_only(command) {
        return StepKind::Read;
    }
    StepKind::Act
}

/// Every pipeline stage starts with a read-only command (`git` with a reading subcommand
/// and `sed -n` count; `VAR=value` prefixes are skipped).
fn is_read_only(command: &str) -> bool {
    split_stages(command).iter().all(|stage| {
        let words: Vec<&str> = stage
            .split_whitespace()
            .skip_while(|w| w.contains('=') && !w.starts_with('-'))
            .collect();
        let Some(first) = words.first() else {
            return true;
        };
        let first = first.trim_start_matches(['(', '{']);
        match first {
            "git" => words.get(1).is_some_and(|sub| {
                [
                    "log", "show", "diff", "status", "ls-files", "rev-list", "branch",
                ]
                .contains(sub)
            }),
            "sed" => words.contains(&"-n") && !stage.contains(" -i"),
            "" | "}" | ")" => true,
            other => READ_COMMANDS.contains(&other),
        }
    })
}

/// Split at `|`, `||`, `&&`, `;` and `;;` outside quotes.
pub fn split_stages(command: &str) -> Vec<String> {
    shell_words::split_at_operators(command, &["|", "||", "&&", ";", ";;"])
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Whether `token` looks like a relative path to a file or folder.
pub fn looks_like_path(token: &str) -> bool {
    if token.is_empty()
        || token.starts_with('-')
        || token.starts_with('/')
        || token.starts_with('.') && !token.starts_with("./")
        || token.len() > 120
    {
        return false;
    }
    if !token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
    {
        return false;
    }
    let name = token
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let has_ext = name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (1..=5).contains(&ext.len())
            && ext.chars().all(|c| c.is_ascii_alphanumeric())
            && ext.chars().any(|c| c.is_ascii_alphabetic())
    });
    has_ext || (token.ends_with('/') && name.len() > 1)
}

/// The words and operators of a command, quotes removed (an operator such as `>` is one
/// item, so `cat a > b` is `cat`, `a`, `>`, `b`).
pub fn words(command: &str) -> Vec<String> {
    shell_words::lex(command)
        .tokens
        .into_iter()
        .filter_map(|token| match token.kind {
            TokenKind::Word { text, .. } => Some(text),
            TokenKind::Operator(op) => Some(op.to_owned()),
            TokenKind::Newline => None,
        })
        .collect()
}

/// Paths of the task's inputs: named in the instruction (in backticks) or read by a read step,
/// and read before anything redirects into them.
fn input_paths(steps: &[Step], instruction: &str) -> Vec<String> {
    let mut named: Vec<String> = Vec::new();
    for (i, span) in instruction.split('`').enumerate() {
        if i % 2 == 1 && looks_like_path(span) && !named.iter().any(|n| n == span) {
            named.push(span.to_owned());
        }
    }
    let mut inputs: Vec<String> = Vec::new();
    let mut written: Vec<String> = Vec::new();
    for step in steps {
        let ws = words(&step.command);
        for pair in ws.windows(2) {
            if pair[0].ends_with('>') {
                written.push(pair[1].clone());
            }
        }
        if step.kind != StepKind::Read && step.kind != StepKind::Diagnose {
            continue;
        }
        for w in &ws {
            if looks_like_path(w)
                && !written.contains(w)
                && !inputs.contains(w)
                && (named.contains(w) || step.kind == StepKind::Read)
            {
                inputs.push(w.clone());
            }
        }
    }
    inputs
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOLVE: &str = r#"#!/usr/bin/env bash
set -euo pipefail
# step: read the report script
cat run_report.sh
# pitfall: ./run_report.sh input/orders.csv
# step: make the helpers executable
chmod +x tools/bin/csvclean tools/bin/csvsum
# step: put the helpers on PATH
export PATH="$PWD/tools/bin:$PATH"
# step: write with a heredoc
python3 - <<'PY'
# step: not a marker inside a heredoc
print("hi")
PY
# step: run the check
./check.sh || true
"#;

    #[test]
    fn only_pure_state_lines_are_state() {
        assert!(is_state_line("cd build"));
        assert!(is_state_line("export A=1 && cd x"));
        assert!(!is_state_line("cd dist && sha256sum a > SUMS"));
        assert!(changes_directory("cd dist && ls"));
        assert!(!changes_directory("(cd dist && ls)"));
    }

    #[test]
    fn marked_scripts_give_steps_pitfalls_and_kinds() {
        let plan = Plan::parse(
            SOLVE,
            "Run `./run_report.sh input/orders.csv` on `input/orders.csv`.",
        );
        let kinds: Vec<StepKind> = plan.steps.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                StepKind::Read,
                StepKind::Act,
                StepKind::State,
                StepKind::Act,
                StepKind::Diagnose
            ]
        );
        assert_eq!(
            plan.steps[1].pitfall.as_deref(),
            Some("./run_report.sh input/orders.csv")
        );
        assert!(plan.steps[3].command.contains("# step: not a marker"));
        assert!(plan.steps[3].command.ends_with("PY"));
        assert_eq!(plan.inputs, ["run_report.sh"]);
    }

    #[test]
    fn unmarked_scripts_split_into_commands() {
        assert_eq!(heredoc_start("grep x <<< \"$v\""), None);
        assert_eq!(heredoc_start("echo $((1 << 2))"), None);
        assert_eq!(
            heredoc_start("cat <<-'EOF' > f"),
            Some(Heredoc {
                delimiter: "EOF".to_owned(),
                strip_tabs: true
            })
        );
        let script = "#!/bin/bash\nset -e\ncd /app\nawk '{\n print $1\n}' a.txt > b.txt\ncat <<EOF > c\nx\nEOF\necho a \\\n  b\n";
        let plan = Plan::parse(script, "");
        let commands: Vec<&str> = plan.steps.iter().map(|s| s.command.as_str()).collect();
        assert_eq!(
            commands,
            [
                "cd /app",
                "awk '{\n print $1\n}' a.txt > b.txt",
                "cat <<EOF > c\nx\nEOF",
                "echo a \\\n  b"
            ]
        );
        assert_eq!(plan.steps[0].kind, StepKind::State);
    }

    #[test]
    fn paths_are_recognised() {
        for yes in [
            "a.txt",
            "notes/",
            "src/x.py",
            "./run.sh",
            "logs/service.log",
        ] {
            assert!(looks_like_path(yes), "{yes}");
        }
        for no in [
            "-n",
            "/etc/passwd",
            "1,12p",
            "$PWD/x",
            "*.md",
            "a",
            ".env",
            "3.14",
        ] {
            assert!(!looks_like_path(no), "{no}");
        }
    }
}
