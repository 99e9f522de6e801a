//! The envelope of intervention text: every note a layer injects and every message a layer
//! answers a blocked call with reaches the model as `[<layer>] <message>`, where `<layer>` is
//! the kind name (`loop_breaker`) or `rule:<name>`.
//!
//! Why: a model (and a person reading a trace) can tell the harness's notes from task text
//! and tool output, and a simulated model can react to *which* layer spoke without reading
//! its wording.

/// `[layer] message`.
pub fn tag_note(layer: &str, message: &str) -> String {
    format!("[{layer}] {message}")
}

/// Split a tagged note into `(layer, message)`; `None` when `text` does not start with a
/// well-formed tag (`[` + a snake_case kind name, optionally `rule:<name>`, + `] `).
pub fn parse_note(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix('[')?;
    let close = rest.find("] ")?;
    let layer = &rest[..close];
    let (kind, rule) = match layer.split_once(':') {
        Some((kind, rule)) => (kind, Some(rule)),
        None => (layer, None),
    };
    let kind_ok = kind.starts_with(|c: char| c.is_ascii_lowercase())
        && kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    // Rule names are free text (anything but the closing bracket).
    let rule_ok = rule.is_none_or(|r| !r.trim().is_empty());
    (kind_ok && rule_ok && (rule.is_none() || kind == "rule")).then(|| (layer, &rest[close + 2..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip() {
        let note = tag_note("loop_breaker", "you are looping");
        assert_eq!(note, "[loop_breaker] you are looping");
        assert_eq!(parse_note(&note), Some(("loop_breaker", "you are looping")));
        assert_eq!(
            parse_note("[rule:no-sudo] drop sudo"),
            Some(("rule:no-sudo", "drop sudo"))
        );
        assert_eq!(parse_note("[rule:No sudo] x"), Some(("rule:No sudo", "x")));
    }

    #[test]
    fn tool_output_is_not_a_note() {
        for text in [
            "[exit code 0]",
            "[stdout]\nhi",
            "[... 12 bytes omitted ...]",
            "[Loop] x",
            "[other:x] y",
            "[] x",
            "plain",
        ] {
            assert_eq!(parse_note(text), None, "{text}");
        }
    }
}
