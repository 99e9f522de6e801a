//! The cleaner: trace text made small and plain before anything reads it.
//!
//! - ANSI escape sequences (colours, cursor moves) are stripped, and carriage-return
//!   progress lines keep only their last state;
//! - runs of identical lines inside an output become one line with a count;
//! - excerpts are bounded to a head and a tail with a marker between them
//!   (`harness_core::clip_head_tail`), while the action keeps a reference to the full output.
//!
//! Collapsing identical outputs and consecutive identical steps happens where the steps are
//! known, in [`crate::trial`].

use serde::{Deserialize, Serialize};

/// Default head of an excerpt, in bytes.
pub const DEFAULT_HEAD_BYTES: usize = 600;
/// Default tail of an excerpt, in bytes.
pub const DEFAULT_TAIL_BYTES: usize = 400;

/// How text is cleaned and bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cleaner {
    /// Bytes kept from the start of a long text.
    pub head_bytes: usize,
    /// Bytes kept from its end.
    pub tail_bytes: usize,
}

impl Default for Cleaner {
    fn default() -> Self {
        Self {
            head_bytes: DEFAULT_HEAD_BYTES,
            tail_bytes: DEFAULT_TAIL_BYTES,
        }
    }
}

impl Cleaner {
    /// A cleaner keeping `head_bytes` and `tail_bytes` of long texts.
    pub fn new(head_bytes: usize, tail_bytes: usize) -> Self {
        Self {
            head_bytes,
            tail_bytes,
        }
    }

    /// `text` without escape codes, progress redraws or runs of identical lines, bounded.
    pub fn clean(&self, text: &str) -> String {
        self.bound(&collapse_repeated_lines(&strip_ansi(text)))
    }

    /// `text` bounded to its head and tail (no other change).
    pub fn bound(&self, text: &str) -> String {
        harness_core::clip_head_tail(text, self.head_bytes, self.tail_bytes)
    }
}

/// `text` without ANSI escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL/ST`, and
/// two-character escapes); a carriage return inside a line keeps only what follows it (the
/// last redraw of a progress bar).
pub fn strip_ansi(text: &str) -> String {
    if !text.contains(['\u{1b}', '\r']) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => {
                    // Parameters and intermediates, then one final byte in @..~.
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    continue;
                }
                // A redraw: drop what this line held so far.
                let line_start = out.rfind('\n').map_or(0, |i| i + 1);
                out.truncate(line_start);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Shortest run of identical lines that is collapsed.
const MIN_RUN: usize = 3;

/// Runs of three (`MIN_RUN`) or more identical non-blank lines written once, followed by
/// `[line repeated N times]`; shorter runs and blank lines are kept as they are.
pub fn collapse_repeated_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split('\n').peekable();
    let mut first = true;
    while let Some(line) = lines.next() {
        let mut count = 1;
        while lines.peek() == Some(&line) {
            lines.next();
            count += 1;
        }
        let collapse = count >= MIN_RUN && !line.trim().is_empty();
        let copies = if collapse { 1 } else { count };
        for _ in 0..copies {
            if !first {
                out.push('\n');
            }
            first = false;
            out.push_str(line);
        }
        if collapse {
            out.push_str(&format!("\n[line repeated {count} times]"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_colours_and_progress_redraws() {
        assert_eq!(strip_ansi("\u{1b}[31mred\u{1b}[0m ok"), "red ok");
        assert_eq!(strip_ansi("\u{1b}]0;title\u{7}text"), "text");
        assert_eq!(strip_ansi("10%\r50%\r100%\ndone\r\n"), "100%\ndone\n");
        assert_eq!(strip_ansi("plain"), "plain");
    }

    #[test]
    fn collapses_identical_lines() {
        assert_eq!(
            collapse_repeated_lines("a\nb\nb\nb\nc"),
            "a\nb\n[line repeated 3 times]\nc"
        );
        assert_eq!(collapse_repeated_lines("a\na"), "a\na");
        assert_eq!(collapse_repeated_lines("a\n\n\n\nb"), "a\n\n\n\nb");
        assert_eq!(collapse_repeated_lines(""), "");
    }

    #[test]
    fn bounds_long_text() {
        let cleaner = Cleaner::new(10, 5);
        let text = format!("{}{}", "h".repeat(100), "tail!");
        let cleaned = cleaner.clean(&text);
        assert!(cleaned.starts_with("hhhhhhhhhh"));
        assert!(cleaned.ends_with("tail!"));
        assert!(cleaned.contains("omitted"));
        assert!(cleaned.len() < 60);
    }
}
