//! Which calls change the sandbox: a heuristic shared by the kinds that ask "has anything
//! changed since?" (`verify_before_finish`, `retry_discipline`).
//!
//! A call writes when it is `write_file` or `edit_file` (and did not fail), or when its shell
//! command redirects output into a file (`>`, `>>`, but not `2>&1` or `> /dev/null`), edits in
//! place (`sed -i`, `perl -i`), or runs a file or package changing program (`tee`, `mv`, `cp`,
//! `rm`, `touch`, `mkdir`, `ln`, `patch`, `dd`, `truncate`, `install`, `git apply/checkout/...`).
//! Programs that write as a side effect (a build, a script) are not recognized: the heuristic
//! errs towards "nothing changed".

use std::sync::LazyLock;

use harness_core::shell_words;
use regex::Regex;

use crate::state::CallRecord;

/// Tools whose whole purpose is writing a file.
const WRITE_TOOLS: [&str; 2] = ["write_file", "edit_file"];

/// Whether a past call changed files (or installed packages) in the sandbox. Blocked calls
/// never ran and so never write.
pub fn is_file_write(record: &CallRecord) -> bool {
    if record.blocked {
        return false;
    }
    if WRITE_TOOLS.contains(&record.name.as_str()) {
        return !record.failed;
    }
    let command = record
        .command
        .as_deref()
        .or_else(|| record.arguments.get("command").and_then(|c| c.as_str()));
    command.is_some_and(command_writes_files)
}

/// Programs (as whole words at the start of a pipeline stage or after a shell separator)
/// that create, move, delete or install files.
static WRITING_PROGRAM: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?:^|[;&|(`]|\$\(|\bsudo\s+|\bxargs\s+)\s*
        (?:tee|mv|cp|rm|touch|mkdir|ln|patch|dd|truncate|install|unzip
          |git\s+(?:apply|checkout|restore|reset|mv|rm|am|merge|pull|clone)
        )\b
        |\b(?:pip3?|apt-get|apt|npm|cargo|uv|conda|gem|go)\s+(?:[\w-]+\s+)*?(?:install|add)\b
        |\bsed\s+(?:[^;&|]*\s)?-[a-zA-Z]*i
        |\bperl\s+(?:[^;&|]*\s)?-[a-zA-Z]*i
        ",
    )
    .ok()
});

/// Whether a shell command looks like it writes files: an output redirection to a real file,
/// an in-place edit, or a file or package changing program.
pub fn command_writes_files(command: &str) -> bool {
    redirects_to_file(command)
        || WRITING_PROGRAM
            .as_ref()
            .is_some_and(|re| re.is_match(command))
}

/// Finds `>` / `>>` / `>|` outside quotes whose target is a file, skipping `>&`, `>=`,
/// `->`, `=>` and `/dev/...` targets.
fn redirects_to_file(command: &str) -> bool {
    let bytes = command.as_bytes();
    let tokens = shell_words::lex(command).tokens;
    tokens.iter().enumerate().any(|(i, token)| {
        if !token
            .operator()
            .is_some_and(|op| shell_words::OUTPUT_REDIRECTIONS.contains(&op))
        {
            return false;
        }
        // Arrows and comparisons written unquoted (`a->b`, `x=>y`, `a >= b`) are not
        // redirections a person meant.
        let prev = token.span.start.checked_sub(1).map(|p| bytes[p]);
        let next = bytes.get(token.span.end);
        if matches!(prev, Some(b'-' | b'=' | b'<')) || next == Some(&b'=') {
            return false;
        }
        tokens
            .get(i + 1)
            .and_then(shell_words::Token::word)
            .is_some_and(|target| !target.is_empty() && !target.starts_with("/dev/"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_support::record;
    use serde_json::json;

    #[test]
    fn recognizes_writing_commands() {
        for command in [
            "echo hi > out.txt",
            "cat a >> b",
            "printf x>f",
            "sort data | tee sorted.txt",
            "mv a b",
            "cd /app && cp -r src dst",
            "sed -i 's/a/b/' f.py",
            "sed -e 's/a/b/' -i f.py",
            "rm -f junk",
            "mkdir -p out",
            "pip install numpy",
            "python3 gen.py 2> err.log",
            "git apply fix.patch",
            "cat <<'EOF' > main.py\nprint(1)\nEOF",
            "echo \\\" > f",
            "echo \"a\\\"b\" >> log.txt",
        ] {
            assert!(command_writes_files(command), "{command}");
        }
    }

    #[test]
    fn ignores_reading_commands() {
        for command in [
            "ls -la",
            "python3 test.py 2>&1",
            "make >/dev/null 2>&1",
            "grep -r 'a > b' .",
            "python3 -c \"print(1 if 2 >= 1 else 0)\"",
            "awk '$1 > 3' data",
            "cat file | head",
            "pytest -q",
            "sed 's/a/b/' f.py",
            "cargo test",
            "echo '->'",
            "echo \"a > b\\\" c > d\"",
            "echo a\\>b",
        ] {
            assert!(!command_writes_files(command), "{command}");
        }
    }

    #[test]
    fn write_tools_and_blocked_calls() {
        assert!(is_file_write(&record(
            "write_file",
            json!({"path": "a"}),
            false
        )));
        assert!(!is_file_write(&record(
            "edit_file",
            json!({"path": "a"}),
            true
        )));
        assert!(is_file_write(&record(
            "shell",
            json!({"command": "echo x > a"}),
            false
        )));
        let mut blocked = record("shell", json!({"command": "echo x > a"}), true);
        blocked.blocked = true;
        assert!(!is_file_write(&blocked));
        assert!(!is_file_write(&record(
            "read_file",
            json!({"path": "a"}),
            false
        )));
    }
}
