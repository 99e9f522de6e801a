//! Limits checked before a YAML or TOML parser sees a config file.
//!
//! The YAML parser's time grows faster than linearly with nesting depth (100 KB of `[` took
//! seconds to reject), and every config we read comes from a user or an optimizer. So every
//! YAML and TOML text passes [`check_config`] first: a byte cap and a single linear scan for
//! nesting depth. The scan is deliberately naive (it counts brackets inside strings and
//! comments too): over-counting can only refuse a file that would need more than
//! [`MAX_NESTING_DEPTH`] unbalanced brackets, while any smarter reading of quotes would let
//! a crafted file hide its nesting from the scan.

use std::io::Read;
use std::path::Path;

use crate::error::Diagnostic;

/// Largest config file (YAML, TOML, edit set, diff) we parse; real ones are a few KB.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Deepest nesting a config may have, counted separately for flow brackets (`[`, `{`) and
/// for YAML block indentation (including `- ` entries). Real configs stay below 15.
pub const MAX_NESTING_DEPTH: usize = 64;

/// The syntax of a config text, which decides which nesting the scan counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFormat {
    /// YAML (and JSON, which we parse as YAML): brackets and block indentation.
    Yaml,
    /// TOML: brackets (arrays, inline tables). The TOML parser limits dotted keys itself.
    Toml,
}

/// Refuse `text` when it is larger than [`MAX_CONFIG_BYTES`] or nested deeper than
/// [`MAX_NESTING_DEPTH`]. `file` names the source in the diagnostic. Linear in the text.
pub fn check_config(file: &str, text: &str, format: ConfigFormat) -> Result<(), Diagnostic> {
    check_size(file, text.len() as u64, MAX_CONFIG_BYTES)?;
    check_flow_depth(file, text)?;
    if format == ConfigFormat::Yaml {
        check_indent_depth(file, text)?;
    }
    Ok(())
}

/// Refuse a `size` above `limit` bytes.
pub fn check_size(file: &str, size: u64, limit: u64) -> Result<(), Diagnostic> {
    if size > limit {
        return Err(Diagnostic::new(
            file,
            "",
            format!("file is {size} bytes; the limit is {limit} bytes (refused before parsing)"),
        ));
    }
    Ok(())
}

/// Read a config file as UTF-8, never reading more than [`MAX_CONFIG_BYTES`] + 1 bytes (the
/// file may be a pipe or still growing, so the size is checked on what was read, too).
/// An oversized file gives an error of kind [`std::io::ErrorKind::FileTooLarge`].
pub fn read_config(path: &Path) -> std::io::Result<String> {
    let too_large = |size: u64| {
        std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "file is {size} bytes; the limit is {MAX_CONFIG_BYTES} bytes (refused before parsing)"
            ),
        )
    };
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size > MAX_CONFIG_BYTES {
        return Err(too_large(size));
    }
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// Longest quoted excerpt of the input kept in an error message, in characters.
pub const MAX_EXCERPT_CHARS: usize = 60;
const MAX_MESSAGE_LINE_CHARS: usize = 200;
const MAX_MESSAGE_LINES: usize = 12;

/// A parser's error message made safe to print: quoted input (`"..."`, `` `...` ``) is cut to
/// [`MAX_EXCERPT_CHARS`], every line to 200 characters and the message to 12 lines. Parsers
/// quote the offending value, which can be the whole input file (a YAML document that is
/// one long string), or print the offending source line, which can be megabytes long.
pub fn shorten_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(4096));
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '"' && c != '`' {
            continue;
        }
        // Inside a quote: keep the first MAX_EXCERPT_CHARS, count the rest.
        let mut kept = 0usize;
        let mut dropped = 0usize;
        let mut escaped = false;
        for q in chars.by_ref() {
            let closing = q == c && !escaped;
            escaped = c == '"' && q == '\\' && !escaped;
            if closing {
                break;
            }
            if kept < MAX_EXCERPT_CHARS {
                out.push(q);
                kept += 1;
            } else {
                dropped += 1;
            }
        }
        if dropped > 0 {
            out.push_str(&format!("… ({dropped} more characters)"));
        }
        out.push(c);
    }
    let lines: Vec<String> = out
        .lines()
        .take(MAX_MESSAGE_LINES)
        .map(|line| {
            let count = line.chars().count();
            if count > MAX_MESSAGE_LINE_CHARS {
                let head: String = line.chars().take(MAX_MESSAGE_LINE_CHARS).collect();
                format!(
                    "{head}… ({} more characters)",
                    count - MAX_MESSAGE_LINE_CHARS
                )
            } else {
                line.to_owned()
            }
        })
        .collect();
    let mut short = lines.join("\n");
    let total = out.lines().count();
    if total > MAX_MESSAGE_LINES {
        short.push_str(&format!("\n… ({} more lines)", total - MAX_MESSAGE_LINES));
    }
    short
}

fn too_deep(file: &str, what: &str, line: usize, column: usize) -> Diagnostic {
    Diagnostic::new(
        file,
        "",
        format!("{what} nested deeper than {MAX_NESTING_DEPTH} levels (refused before parsing)"),
    )
    .at(line, column)
}

/// `[`/`{` nesting, whatever the context.
fn check_flow_depth(file: &str, text: &str) -> Result<(), Diagnostic> {
    let mut depth = 0usize;
    let mut line = 1;
    let mut line_start = 0;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING_DEPTH {
                    return Err(too_deep(file, "brackets", line, i - line_start + 1));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
    }
    Ok(())
}

/// YAML block nesting: the open indentation columns, one more for each `- `/`? ` entry that
/// starts a nested node on the same line.
fn check_indent_depth(file: &str, text: &str) -> Result<(), Diagnostic> {
    let mut open: Vec<usize> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let indent = line.bytes().take_while(|b| *b == b' ').count();
        let mut rest = &line.as_bytes()[indent..];
        if rest.is_empty() || rest[0] == b'#' || rest.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let mut column = indent;
        loop {
            while open.last().is_some_and(|top| *top > column) {
                open.pop();
            }
            if open.last() != Some(&column) {
                open.push(column);
                if open.len() > MAX_NESTING_DEPTH {
                    return Err(too_deep(file, "indentation", n + 1, column + 1));
                }
            }
            // `- x`, `? x`: the entry's node starts further right, one level deeper.
            match rest {
                [b'-' | b'?', b' ' | b'\t', ..] => {
                    let gap = rest[1..]
                        .iter()
                        .take_while(|b| **b == b' ' || **b == b'\t')
                        .count();
                    rest = &rest[1 + gap..];
                    column += 1 + gap;
                    if rest.is_empty() {
                        break;
                    }
                }
                _ => break,
            }
        }
    }
    Ok(())
}

/// Parse a YAML (or JSON) configuration text of any type, bounded first: errors name `file`,
/// the field (`budget.rollouts`) and the line and column when the parser knows them, as the
/// harness files' errors do. For configuration files beside harnesses (a remedy catalog, an
/// evolution config) that want the same diagnostics.
pub fn parse_config<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
) -> Result<T, Diagnostic> {
    crate::parse::parse_yaml(file, text, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_configs_pass() {
        let yaml = "a:\n  b:\n  - c: [1, {d: 2}]\n  - - e\n    - f\n# [[[[\n";
        check_config("x.yaml", yaml, ConfigFormat::Yaml).unwrap();
        let toml = "[a]\nb = [[1, 2], {c = 3}]\n[[d]]\ne = 1\n";
        check_config("x.toml", toml, ConfigFormat::Toml).unwrap();
    }

    #[test]
    fn depth_at_the_limit_passes_and_one_more_fails() {
        let ok = "[".repeat(MAX_NESTING_DEPTH);
        check_config("x.yaml", &ok, ConfigFormat::Yaml).unwrap();
        let bad = "[".repeat(MAX_NESTING_DEPTH + 1);
        let d = check_config("x.yaml", &bad, ConfigFormat::Yaml).unwrap_err();
        assert_eq!(d.file, "x.yaml");
        assert_eq!((d.line, d.column), (Some(1), Some(MAX_NESTING_DEPTH + 1)));
        assert!(d.message.contains("brackets nested deeper than 64"), "{d}");
    }

    #[test]
    fn balanced_brackets_do_not_accumulate() {
        let text = "[x] ".repeat(10_000);
        check_config("x.yaml", &text, ConfigFormat::Yaml).unwrap();
    }

    #[test]
    fn indentation_and_sequence_entries_count() {
        let deep: String = (0..=MAX_NESTING_DEPTH)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        let d = check_config("x.yaml", &deep, ConfigFormat::Yaml).unwrap_err();
        assert!(d.message.contains("indentation"), "{d}");
        assert_eq!(d.line, Some(MAX_NESTING_DEPTH + 1));
        let dashes = format!("{}x\n", "- ".repeat(MAX_NESTING_DEPTH + 1));
        assert!(check_config("x.yaml", &dashes, ConfigFormat::Yaml).is_err());
        // Dedenting closes levels.
        let wide: String = (0..200).map(|_| "a:\n  b:\n    c: 1\n").collect();
        check_config("x.yaml", &wide, ConfigFormat::Yaml).unwrap();
        // TOML has no block nesting.
        check_config("x.toml", &deep, ConfigFormat::Toml).unwrap();
    }

    #[test]
    fn messages_quote_short_excerpts() {
        let long = "x".repeat(5000);
        let m = shorten_message(&format!(
            "invalid type: string \"{long}\", expected struct EditSet"
        ));
        assert!(m.len() < 200, "{m}");
        assert!(m.contains("4940 more characters"), "{m}");
        assert!(m.ends_with(", expected struct EditSet"), "{m}");
        let m = shorten_message(&format!("unknown field `{long}`, expected `edits`"));
        assert!(m.ends_with("expected `edits`"), "{m}");
        let m = shorten_message("a \"b\\\"c\" d `e`");
        assert_eq!(m, "a \"b\\\"c\" d `e`");
        let m = shorten_message(&format!("line 1\n{long}\n{}", "l\n".repeat(50)));
        assert!(m.len() < 600 && m.contains("more lines"), "{m}");
        // Unterminated quotes and multi-byte characters are fine.
        shorten_message("\"é中");
    }

    #[test]
    fn size_is_capped() {
        let big = "a".repeat(MAX_CONFIG_BYTES as usize + 1);
        let d = check_config("x.yaml", &big, ConfigFormat::Yaml).unwrap_err();
        assert!(d.message.contains("bytes; the limit is"), "{d}");
    }

    #[test]
    fn read_config_refuses_large_files_without_reading_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yaml");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_CONFIG_BYTES * 64).unwrap();
        let e = read_config(&path).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
        assert!(e.to_string().contains("limit"), "{e}");
        std::fs::write(&path, b"a: 1\n").unwrap();
        assert_eq!(read_config(&path).unwrap(), "a: 1\n");
        std::fs::write(&path, b"a: \xff\n").unwrap();
        assert_eq!(
            read_config(&path).unwrap_err().kind(),
            std::io::ErrorKind::InvalidData
        );
    }
}
