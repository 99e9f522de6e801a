//! Head-and-tail clipping of long text (tool output, logs): keep the first and last bytes and
//! say how much was left out between them. The tail is kept because that is where commands
//! report how they ended and what went wrong.

/// `text` cut into a kept head and tail, cut on char boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadTail<'a> {
    /// The first bytes kept.
    pub head: &'a str,
    /// The bytes left out between head and tail.
    pub omitted: usize,
    /// The last bytes kept.
    pub tail: &'a str,
}

impl HeadTail<'_> {
    /// Head, `marker` on a line of its own, tail.
    pub fn join(&self, marker: &str) -> String {
        format!("{}\n{marker}\n{}", self.head, self.tail)
    }
}

/// The head of at most `head_bytes` and the tail of at most `tail_bytes` of `text`, or `None`
/// when `text` fits in `head_bytes + tail_bytes` and nothing needs leaving out. A multi-byte
/// character at either cut goes to the omitted part.
pub fn split_head_tail(text: &str, head_bytes: usize, tail_bytes: usize) -> Option<HeadTail<'_>> {
    let len = text.len();
    if len <= head_bytes.saturating_add(tail_bytes) {
        return None;
    }
    let head_end = text.floor_char_boundary(head_bytes);
    // len > head_bytes + tail_bytes, so the tail starts after the head ends.
    let tail_start = text.ceil_char_boundary(len - tail_bytes).max(head_end);
    Some(HeadTail {
        head: &text[..head_end],
        omitted: tail_start - head_end,
        tail: &text[tail_start..],
    })
}

/// The marker put between head and tail: `[... N bytes omitted ...]`.
pub fn omitted_marker(omitted: usize) -> String {
    format!("[... {omitted} bytes omitted ...]")
}

/// `text` itself if it fits in `head_bytes + tail_bytes`, else its head and tail with
/// [`omitted_marker`] on a line between them.
pub fn clip_head_tail(text: &str, head_bytes: usize, tail_bytes: usize) -> String {
    match split_head_tail(text, head_bytes, tail_bytes) {
        Some(parts) => parts.join(&omitted_marker(parts.omitted)),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_text_is_kept_whole() {
        assert_eq!(clip_head_tail("abcdef", 3, 3), "abcdef");
        assert_eq!(split_head_tail("abc", usize::MAX, 1), None);
    }

    #[test]
    fn keeps_head_and_tail_with_a_marker() {
        assert_eq!(
            clip_head_tail("abcdefgh", 2, 2),
            "ab\n[... 4 bytes omitted ...]\ngh"
        );
        assert_eq!(
            clip_head_tail("abcdefgh", 0, 3),
            "\n[... 5 bytes omitted ...]\nfgh"
        );
    }

    #[test]
    fn cuts_on_char_boundaries() {
        // "é" is two bytes: a cut in its middle leaves it out.
        let parts = split_head_tail("éééé", 3, 3);
        assert_eq!(
            parts,
            Some(HeadTail {
                head: "é",
                omitted: 4,
                tail: "é"
            })
        );
    }

    proptest! {
        #[test]
        fn parts_are_the_text_in_order(text in ".{0,60}", head in 0usize..40, tail in 0usize..40) {
            match split_head_tail(&text, head, tail) {
                None => prop_assert!(text.len() <= head + tail),
                Some(parts) => {
                    prop_assert!(parts.head.len() <= head && parts.tail.len() <= tail);
                    prop_assert!(text.starts_with(parts.head) && text.ends_with(parts.tail));
                    prop_assert_eq!(parts.head.len() + parts.omitted + parts.tail.len(), text.len());
                    prop_assert!(parts.omitted > 0);
                }
            }
        }
    }
}
