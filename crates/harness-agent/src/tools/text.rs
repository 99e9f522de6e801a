//! Small text helpers shared by the tools: bounding long outputs and lines, counting nouns.
//! Shell quoting is `harness_core::shell_words::quote`.

/// Keep about the first and last `cap / 2` bytes of `text` with a marker between them.
pub(crate) fn clip_middle(text: &str, cap: usize) -> String {
    harness_core::clip_head_tail(text, cap / 2, cap - cap / 2)
}

/// Cut a single line to `max_chars` characters, saying how long it was.
pub(crate) fn shorten_line(line: &str, max_chars: usize) -> String {
    match line.char_indices().nth(max_chars) {
        None => line.to_owned(),
        Some((cut, _)) => format!(
            "{} [... line cut, {} chars in all]",
            &line[..cut],
            line.chars().count()
        ),
    }
}

/// `1 line` / `2 lines`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortens_long_lines() {
        assert_eq!(shorten_line("abc", 5), "abc");
        assert_eq!(
            shorten_line("abcdefgh", 3),
            "abc [... line cut, 8 chars in all]"
        );
    }
}
