//! Dockerfile words (quotes, escapes, `$VAR` substitution). Shell text (quoting, simple
//! commands, heredocs) is read by `harness_core::shell_words`.

/// Quote one word for a POSIX shell: the workspace's one quoting rule.
pub use harness_core::shell_words::quote as shell_quote;

/// Split Dockerfile arguments into words the way Docker does for ENV, COPY, WORKDIR: quotes
/// group and are removed, `\` escapes the next character outside quotes (and `"`, `$`, `\`
/// inside double quotes), and `$VAR`,
/// `${VAR}`, `${VAR:-word}`, `${VAR:+word}` are substituted outside single quotes through
/// `lookup` (unknown names become empty, as in Docker). With `split` false the whole text is one
/// word (legacy `ENV K V`).
pub fn docker_words(
    text: &str,
    split: bool,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<Vec<String>, String> {
    let chars: Vec<char> = text.trim().chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        match (quote, c) {
            (None, c) if split && c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
                i += 1;
                continue;
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
                i += 1;
                continue;
            }
            (Some(q), c) if c == q => {
                quote = None;
                i += 1;
                continue;
            }
            (Some('\''), c) => current.push(c),
            // Inside double quotes Docker's `\` escapes only `"`, `$` and `\` (a POSIX shell
            // adds `` ` ``); before anything else it stays.
            (Some('"'), '\\') if !matches!(chars.get(i + 1), Some('"' | '$' | '\\')) => {
                current.push('\\')
            }
            (_, '\\') if i + 1 < chars.len() => {
                current.push(chars[i + 1]);
                i += 2;
                in_word = true;
                continue;
            }
            (_, '$') => {
                let (value, used) = expand_at(&chars[i..], lookup)?;
                // An unquoted expansion to nothing makes no word, as in a shell.
                in_word |= !value.is_empty();
                current.push_str(&value);
                i += used;
                continue;
            }
            (_, c) => current.push(c),
        }
        in_word = true;
        i += 1;
    }
    if let Some(q) = quote {
        return Err(format!("unterminated {q} quote"));
    }
    if in_word || (!split && words.is_empty()) {
        words.push(current);
    }
    Ok(words)
}

/// Expand the variable reference starting at `chars[0] == '$'`; returns the value and how many
/// characters were consumed.
fn expand_at(
    chars: &[char],
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<(String, usize), String> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if chars.get(1) == Some(&'{') {
        let close = chars
            .iter()
            .position(|&c| c == '}')
            .ok_or_else(|| "unterminated ${...}".to_owned())?;
        let inner: String = chars[2..close].iter().collect();
        let (name, modifier) = match inner.find(':') {
            Some(at) => (&inner[..at], Some(&inner[at..])),
            None => (inner.as_str(), None),
        };
        if name.is_empty() || !name.chars().all(is_name) {
            return Err(format!("bad variable reference ${{{inner}}}"));
        }
        let value = lookup(name);
        let out = match modifier {
            None => value.unwrap_or_default(),
            Some(m) if m.starts_with(":-") => match value {
                Some(v) if !v.is_empty() => v,
                _ => m[2..].to_owned(),
            },
            Some(m) if m.starts_with(":+") => match value {
                Some(v) if !v.is_empty() => m[2..].to_owned(),
                _ => String::new(),
            },
            Some(m) => return Err(format!("unsupported modifier `{m}` in ${{{inner}}}")),
        };
        return Ok((out, close + 1));
    }
    let len = chars[1..].iter().take_while(|&&c| is_name(c)).count();
    if len == 0 {
        return Ok(("$".to_owned(), 1));
    }
    let name: String = chars[1..=len].iter().collect();
    Ok((lookup(&name).unwrap_or_default(), len + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        docker_words(text, true, &mut |name| match name {
            "HOME" => Some("/root".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        })
        .unwrap()
    }

    #[test]
    fn docker_word_rules() {
        assert_eq!(
            words(r#"A=1 B="two words" C='$HOME'"#),
            ["A=1", "B=two words", "C=$HOME"]
        );
        assert_eq!(
            words("P=$HOME/x Q=${HOME}y R=${NOPE:-dflt} S=${HOME:+set}"),
            ["P=/root/x", "Q=/rooty", "R=dflt", "S=set"]
        );
        assert_eq!(words(r"A=a\ b $NOPE"), ["A=a b"]);
        assert_eq!(words("${EMPTY:-fallback}"), ["fallback"]);
        assert_eq!(
            words(r#"A="a\nb" B="c\"d\$e\\f" C=g\nh"#),
            [r"A=a\nb", r#"B=c"d$e\f"#, "C=gnh"]
        );
        let legacy = docker_words("hello   big world", false, &mut |_| None).unwrap();
        assert_eq!(legacy, ["hello   big world"]);
        assert!(docker_words("\"open", true, &mut |_| None).is_err());
    }
}
