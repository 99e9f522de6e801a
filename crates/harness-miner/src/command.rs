//! What a command does, read from its text alone: which programs it runs, whether it writes
//! files (and which), whether it only sets shell state (`cd`, `export`), which variables it
//! sets and uses. Imported traces have nothing else to go on, so neither do our detectors.
//!
//! Writing is recognized by an output redirection to a real file, an in-place edit
//! (`sed -i`, `perl -i`), or a program whose purpose is changing files or installing
//! packages. Programs that write as a side effect (a build, a script) are not: the facts err
//! towards "nothing was written".

use harness_core::shell_words::{self, TokenKind};
use serde::{Deserialize, Serialize};

/// Programs whose purpose is creating, moving or deleting files.
const FILE_PROGRAMS: &[&str] = &[
    "tee", "mv", "cp", "rm", "touch", "mkdir", "ln", "patch", "dd", "truncate", "install", "unzip",
    "rmdir", "chmod", "chown",
];
/// `git` subcommands that change the work tree.
const GIT_WRITES: &[&str] = &[
    "apply", "checkout", "restore", "reset", "mv", "rm", "am", "merge", "pull", "clone", "commit",
    "stash", "init",
];
/// Package managers, whose `install`/`add` writes.
const PACKAGE_MANAGERS: &[&str] = &[
    "pip", "pip3", "apt-get", "apt", "npm", "cargo", "uv", "conda", "gem", "go", "yarn",
];
/// Builtins that only change the shell's own state.
const STATE_BUILTINS: &[&str] = &["cd", "export", "unset", "source", ".", "pushd", "popd"];
/// Programs that read a part of a file, or a summary of it.
const PART_READERS: &[&str] = &[
    "head", "tail", "wc", "sed", "grep", "awk", "cut", "nl", "od", "file", "less",
];
/// Wrappers whose first argument is the real program.
const WRAPPERS: &[&str] = &["sudo", "env", "time", "nohup", "xargs", "timeout", "nice"];

/// What one command does, as far as its text says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandFacts {
    /// The program of each simple command, in order (wrappers such as `sudo` included).
    pub programs: Vec<String>,
    /// Files it writes (redirection targets, `tee`/`cp`/`mv` destinations, edited files).
    pub write_targets: Vec<String>,
    /// Whether it writes at all (some writes have no target we can name).
    pub writes: bool,
    /// Whether all it writes is deleting files (`rm`, `rmdir`): clean-up, nothing to check.
    pub deletes_only: bool,
    /// Whether every simple command only changes shell state (`cd`, `export`, ...).
    pub state_only: bool,
    /// Directory it changes to (`cd DIR`), the last one.
    pub changes_dir: Option<String>,
    /// Variables it exports or assigns.
    pub sets_vars: Vec<String>,
    /// Variables it reads (`$NAME`, `${NAME}`).
    pub uses_vars: Vec<String>,
    /// Files it prints whole into the output (a lone `cat FILE...`, nothing piped or
    /// redirected), `./` stripped.
    pub dumps_whole: Vec<String>,
    /// Files it reads a part of (`head`, `tail`, `wc`, `sed -n`, `grep` ...), `./` stripped.
    pub reads_part: Vec<String>,
}

impl CommandFacts {
    /// The facts of a shell command line.
    pub fn of_shell(command: &str) -> Self {
        let mut facts = CommandFacts::default();
        let commands = shell_words::simple_commands(command);
        facts.state_only = !commands.is_empty();
        for words in &commands {
            facts.read_simple_command(words);
        }
        for target in redirect_targets(command) {
            facts.writes = true;
            push_unique(&mut facts.write_targets, target);
        }
        facts.uses_vars = used_vars(command);
        facts.deletes_only = facts.writes
            && facts.write_targets.is_empty()
            && commands.iter().all(|words| {
                words
                    .first()
                    .is_some_and(|p| matches!(p.as_str(), "rm" | "rmdir" | "cd"))
            });
        let piped = shell_words::lex(command)
            .tokens
            .iter()
            .any(|t| t.operator() == Some("|"));
        for words in &commands {
            let Some((program, args)) = words.split_first() else {
                continue;
            };
            let files = args
                .iter()
                .filter(|a| !a.starts_with('-') && a.parse::<f64>().is_err())
                .map(|a| a.trim_start_matches("./").to_owned());
            if program == "cat" && commands.len() == 1 && !piped && facts.write_targets.is_empty() {
                facts.dumps_whole.extend(files);
            } else if PART_READERS.contains(&program.as_str()) {
                facts.reads_part.extend(files);
            }
        }
        facts
    }

    /// The facts of a tool that writes `path` (`write_file`, `edit_file`).
    pub fn of_file_write(path: Option<&str>) -> Self {
        Self {
            writes: true,
            write_targets: path.map(str::to_owned).into_iter().collect(),
            ..Self::default()
        }
    }

    fn read_simple_command(&mut self, words: &[String]) {
        let mut rest = words;
        // Leading assignments: `FOO=1 cmd` (or alone: `FOO=1`).
        while let Some((first, tail)) = rest.split_first() {
            match assignment_name(first) {
                Some(name) => {
                    if tail.is_empty() {
                        push_unique(&mut self.sets_vars, name.to_owned());
                    }
                    rest = tail;
                }
                None => break,
            }
        }
        let Some((program, args)) = rest.split_first() else {
            return;
        };
        self.programs.push(program.clone());
        if STATE_BUILTINS.contains(&program.as_str()) {
            match program.as_str() {
                "cd" | "pushd" => self.changes_dir = args.first().cloned(),
                "export" => {
                    for arg in args {
                        if let Some(name) = assignment_name(arg) {
                            push_unique(&mut self.sets_vars, name.to_owned());
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        self.state_only = false;
        let (program, args) = unwrap_wrappers(program, args);
        let base = program.rsplit('/').next().unwrap_or(program);
        if FILE_PROGRAMS.contains(&base) {
            self.writes = true;
            if let Some(target) = file_program_target(base, args) {
                push_unique(&mut self.write_targets, target);
            }
        } else if base == "git" {
            if args
                .iter()
                .find(|a| !a.starts_with('-'))
                .is_some_and(|sub| GIT_WRITES.contains(&sub.as_str()))
            {
                self.writes = true;
            }
        } else if (base == "sed" || base == "perl") && args.iter().any(|a| is_in_place_flag(a)) {
            self.writes = true;
            if let Some(file) = args.last().filter(|a| !a.starts_with('-')) {
                push_unique(&mut self.write_targets, file.clone());
            }
        } else if PACKAGE_MANAGERS.contains(&base)
            && args.iter().any(|a| a == "install" || a == "add")
        {
            self.writes = true;
        }
    }
}

/// The facts of a tool call: shell commands are read as shell text; file-writing tools write
/// their `path`; other tools neither write nor set state.
pub fn facts_of_call(tool: &str, arguments: &serde_json::Value) -> CommandFacts {
    if let Some(command) = shell_command(arguments) {
        return CommandFacts::of_shell(command);
    }
    if matches!(
        tool,
        "write_file" | "edit_file" | "create_file" | "str_replace_editor"
    ) {
        let path = arguments
            .get("path")
            .or_else(|| arguments.get("file"))
            .and_then(|p| p.as_str());
        return CommandFacts::of_file_write(path);
    }
    CommandFacts::default()
}

/// The shell command of a call, if it is one: a `command` (or `cmd`) string argument.
pub fn shell_command(arguments: &serde_json::Value) -> Option<&str> {
    arguments
        .get("command")
        .or_else(|| arguments.get("cmd"))
        .and_then(|c| c.as_str())
}

fn unwrap_wrappers<'a>(program: &'a str, args: &'a [String]) -> (&'a str, &'a [String]) {
    let mut program = program;
    let mut args = args;
    while WRAPPERS.contains(&program) {
        // Skip the wrapper's own options and assignments (`env FOO=1`, `timeout 10`).
        let next = args.iter().position(|a| {
            !a.starts_with('-') && assignment_name(a).is_none() && a.parse::<f64>().is_err()
        });
        match next {
            Some(i) => {
                program = &args[i];
                args = &args[i + 1..];
            }
            None => break,
        }
    }
    (program, args)
}

fn file_program_target(program: &str, args: &[String]) -> Option<String> {
    let operands: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    match program {
        "cp" | "mv" | "ln" | "install" => operands.last().map(|s| (*s).clone()),
        "tee" | "touch" | "mkdir" | "truncate" => operands.first().map(|s| (*s).clone()),
        _ => None,
    }
}

fn is_in_place_flag(arg: &str) -> bool {
    arg.starts_with('-')
        && !arg.starts_with("--")
        && arg[1..].chars().all(|c| c.is_ascii_alphabetic())
        && arg.contains('i')
}

/// `NAME` of a `NAME=value` word.
fn assignment_name(word: &str) -> Option<&str> {
    let (name, _) = word.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(name)
}

/// Targets of output redirections to files (not `/dev/...`, not `>&2`).
fn redirect_targets(command: &str) -> Vec<String> {
    let bytes = command.as_bytes();
    let tokens = shell_words::lex(command).tokens;
    let mut targets = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let Some(op) = token.operator() else { continue };
        if !shell_words::OUTPUT_REDIRECTIONS.contains(&op) {
            continue;
        }
        // `a->b`, `x=>y`, `a >= b` written unquoted are not redirections.
        let before = token.span.start.checked_sub(1).and_then(|p| bytes.get(p));
        if matches!(before, Some(b'-' | b'=' | b'<')) || bytes.get(token.span.end) == Some(&b'=') {
            continue;
        }
        if let Some(TokenKind::Word { text, .. }) = tokens.get(i + 1).map(|t| &t.kind)
            && !text.is_empty()
            && !text.starts_with("/dev/")
        {
            targets.push(text.clone());
        }
    }
    targets
}

/// Names read as `$NAME` or `${NAME}` (outside single quotes is not checked: a variable in
/// single quotes is rare in agent commands).
fn used_vars(command: &str) -> Vec<String> {
    let mut vars = Vec::new();
    let bytes = command.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let start = if bytes.get(i + 1) == Some(&b'{') {
                i + 2
            } else {
                i + 1
            };
            let mut end = start;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            if end > start && !bytes[start].is_ascii_digit() {
                push_unique(&mut vars, command[start..end].to_owned());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    vars
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_recognized_with_their_targets() {
        let facts = CommandFacts::of_shell("cd /app && python3 gen.py > out/report.txt");
        assert!(facts.writes);
        assert_eq!(facts.write_targets, ["out/report.txt"]);
        assert!(!facts.state_only);
        assert!(CommandFacts::of_shell("sed -i 's/a/b/' main.py").writes);
        assert!(CommandFacts::of_shell("sudo mkdir -p /opt/x").writes);
        assert!(CommandFacts::of_shell("pip install numpy").writes);
        assert!(CommandFacts::of_shell("git checkout -- a.py").writes);
        assert!(CommandFacts::of_shell("rm -f a.py b.py").deletes_only);
        assert!(!CommandFacts::of_shell("rm a && echo x > b").deletes_only);
        assert!(!CommandFacts::of_shell("ls").deletes_only);
        assert_eq!(
            CommandFacts::of_shell("cp a.txt /app/b.txt").write_targets,
            ["/app/b.txt"]
        );
    }

    #[test]
    fn reads_do_not_write() {
        for command in [
            "ls -la",
            "cat a | head -n 5",
            "python3 test.py 2>&1",
            "make >/dev/null 2>&1",
            "grep -r 'a > b' .",
            "sed -n '1,20p' f.py",
            "git status",
            "awk '$1 > 3' data",
        ] {
            assert!(!CommandFacts::of_shell(command).writes, "{command}");
        }
    }

    #[test]
    fn state_only_commands_and_variables() {
        let cd = CommandFacts::of_shell("cd build");
        assert!(cd.state_only);
        assert_eq!(cd.changes_dir.as_deref(), Some("build"));
        let export = CommandFacts::of_shell("export PATH=/opt/tool/bin:$PATH");
        assert!(export.state_only);
        assert_eq!(export.sets_vars, ["PATH"]);
        assert_eq!(export.uses_vars, ["PATH"]);
        let uses = CommandFacts::of_shell("echo ${OUT_DIR}/x && ls $HOME");
        assert_eq!(uses.uses_vars, ["OUT_DIR", "HOME"]);
        assert!(!CommandFacts::of_shell("cd a && make").state_only);
        assert_eq!(CommandFacts::of_shell("X=1").sets_vars, ["X"]);
    }

    #[test]
    fn tool_calls() {
        let write = facts_of_call("write_file", &serde_json::json!({"path": "a.txt"}));
        assert!(write.writes);
        assert_eq!(write.write_targets, ["a.txt"]);
        let shell = facts_of_call("shell", &serde_json::json!({"command": "touch x"}));
        assert!(shell.writes);
        assert!(!facts_of_call("read_file", &serde_json::json!({"path": "a"})).writes);
    }

    #[test]
    fn whole_and_partial_reads() {
        assert_eq!(
            CommandFacts::of_shell("cat ./a.txt b.txt").dumps_whole,
            ["a.txt", "b.txt"]
        );
        assert!(
            CommandFacts::of_shell("cat a.txt | head")
                .dumps_whole
                .is_empty()
        );
        assert!(CommandFacts::of_shell("cat a b > c").dumps_whole.is_empty());
        assert_eq!(
            CommandFacts::of_shell("head -n 40 ./a.txt").reads_part,
            ["a.txt"]
        );
        assert_eq!(
            CommandFacts::of_shell("wc -l a.txt && head -n 5 b").reads_part,
            ["a.txt", "b"]
        );
    }
}
