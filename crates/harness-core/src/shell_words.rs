//! Shell text read the POSIX `sh` way: quoting one word, cutting a command line into words and
//! operators, and the places built on that (simple commands, pipeline stages, heredocs).
//!
//! This is for recognising commands (`apt-get install ...`, `> out.txt`, `cd dir && ...`), not
//! for running them: nothing is expanded, and `$(...)`, `${...}` and backquotes are not parsed
//! (their characters are word characters, their parentheses operators). The lexer never fails:
//! an unterminated quote or a trailing `\` ends the text and is reported in [`Lexed::open`], so
//! callers can tell "this command goes on on the next line" from "this is complete".
//!
//! Word unquoting follows POSIX: inside `'...'` every character is literal; inside `"..."` a
//! `\` escapes only `$`, `` ` ``, `"`, `\` and newline (before anything else it stays);
//! outside quotes `\` escapes any character and `\` + newline joins lines. That is the rule of
//! the `shlex` crate too, which the tests use as the reference.

use std::ops::Range;

/// Characters a word may hold and still be written without quotes.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c)
}

/// `word` as one POSIX shell word: as is when every character is plain (letters, digits,
/// `-_./=:,+@%`), else in single quotes with each `'` written `'\''`.
///
/// Single quotes rather than `shlex::try_quote`'s mix of styles: the output stays readable in
/// transcripts, is the same for every shell (`sh`, `bash`, `dash`), and a NUL byte is passed
/// through rather than refused (the shell stops the word there, as it would anyway).
pub fn quote(word: &str) -> String {
    if !word.is_empty() && word.chars().all(is_plain) {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// What ends the text while still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// A `'...'` quote.
    SingleQuote,
    /// A `"..."` quote.
    DoubleQuote,
    /// A `\` as the last character (outside single quotes): a line continuation.
    Escape,
}

/// One token of shell text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// A word with quotes and escapes removed.
    Word {
        /// The word's value.
        text: String,
        /// Whether any part of it was quoted or escaped (a quoted heredoc delimiter, `''`).
        quoted: bool,
    },
    /// A control or redirection operator: one of [`OPERATORS`].
    Operator(&'static str),
    /// An unquoted newline: ends a command like `;`.
    Newline,
}

/// A token and the bytes of the source it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Its byte range in the source text.
    pub span: Range<usize>,
}

impl Token {
    /// The operator, if this is one.
    pub fn operator(&self) -> Option<&'static str> {
        match self.kind {
            TokenKind::Operator(op) => Some(op),
            _ => None,
        }
    }

    /// The word's value, if this is a word.
    pub fn word(&self) -> Option<&str> {
        match &self.kind {
            TokenKind::Word { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Whether this token ends a simple command: a newline or a control operator.
    pub fn ends_command(&self) -> bool {
        match self.kind {
            TokenKind::Newline => true,
            TokenKind::Operator(op) => CONTROL_OPERATORS.contains(&op),
            TokenKind::Word { .. } => false,
        }
    }
}

/// Every operator the lexer knows, longest first so the first match is the longest.
pub const OPERATORS: [&str; 18] = [
    "<<-", "<<<", "&&", "||", ";;", "<<", ">>", ">|", ">&", "<&", "<>", "&", "|", ";", "<", ">",
    "(", ")",
];

/// Operators that end a simple command (with the newline).
pub const CONTROL_OPERATORS: [&str; 8] = ["&&", "||", ";;", "&", "|", ";", "(", ")"];

/// Operators that send output to a file named by the next word.
pub const OUTPUT_REDIRECTIONS: [&str; 3] = [">", ">>", ">|"];

/// Redirection operators: the next word is their target, not an argument.
const REDIRECTIONS: [&str; 9] = ["<", ">", ">>", ">|", "<>", "<<", "<<-", "<<<", ">&"];

/// Shell text cut into tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexed {
    /// The tokens in order.
    pub tokens: Vec<Token>,
    /// What was still open when the text ended (the last word holds what was read of it).
    pub open: Option<Open>,
}

/// Cut `text` into words, operators and newlines; comments (`#` at the start of a word, to the
/// end of the line) are dropped. Never fails: see [`Lexed::open`].
pub fn lex(text: &str) -> Lexed {
    let mut tokens = Vec::new();
    let mut open = None;
    let mut chars = text.char_indices().peekable();
    // The word being read: its value, start byte and whether anything was quoted.
    let mut word: Option<(String, usize, bool)> = None;
    let finish = |word: &mut Option<(String, usize, bool)>, tokens: &mut Vec<Token>, end| {
        if let Some((text, start, quoted)) = word.take() {
            tokens.push(Token {
                kind: TokenKind::Word { text, quoted },
                span: start..end,
            });
        }
    };
    while let Some((at, c)) = chars.next() {
        match c {
            ' ' | '\t' => finish(&mut word, &mut tokens, at),
            '\n' => {
                finish(&mut word, &mut tokens, at);
                tokens.push(Token {
                    kind: TokenKind::Newline,
                    span: at..at + 1,
                });
            }
            '#' if word.is_none() => while chars.next_if(|&(_, n)| n != '\n').is_some() {},
            '&' | '|' | ';' | '<' | '>' | '(' | ')' => {
                finish(&mut word, &mut tokens, at);
                let rest = &text[at..];
                // `c` is itself one of OPERATORS, so the fallback is never taken.
                let op = OPERATORS
                    .iter()
                    .find(|op| rest.starts_with(**op))
                    .copied()
                    .unwrap_or(";");
                for _ in 1..op.len() {
                    chars.next();
                }
                tokens.push(Token {
                    kind: TokenKind::Operator(op),
                    span: at..at + op.len(),
                });
            }
            '\\' => match chars.next() {
                // A line continuation joins the lines; it is not part of any word.
                Some((_, '\n')) => {}
                Some((_, n)) => {
                    let (text, _, quoted) = word.get_or_insert_with(|| (String::new(), at, false));
                    text.push(n);
                    *quoted = true;
                }
                None => {
                    open = Some(Open::Escape);
                    word.get_or_insert_with(|| (String::new(), at, false));
                }
            },
            '\'' => {
                let (text, _, quoted) = word.get_or_insert_with(|| (String::new(), at, false));
                *quoted = true;
                let mut closed = false;
                for (_, n) in chars.by_ref() {
                    if n == '\'' {
                        closed = true;
                        break;
                    }
                    text.push(n);
                }
                if !closed {
                    open = Some(Open::SingleQuote);
                }
            }
            '"' => {
                let (text, _, quoted) = word.get_or_insert_with(|| (String::new(), at, false));
                *quoted = true;
                let mut closed = false;
                while let Some((_, n)) = chars.next() {
                    match n {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => match chars.next() {
                            Some((_, e @ ('$' | '`' | '"' | '\\'))) => text.push(e),
                            Some((_, '\n')) => {}
                            Some((_, e)) => {
                                text.push('\\');
                                text.push(e);
                            }
                            None => break,
                        },
                        _ => text.push(n),
                    }
                }
                if !closed {
                    open = Some(Open::DoubleQuote);
                }
            }
            _ => word
                .get_or_insert_with(|| (String::new(), at, false))
                .0
                .push(c),
        }
    }
    finish(&mut word, &mut tokens, text.len());
    Lexed { tokens, open }
}

/// The words of `text` in order, quotes removed; operators and newlines left out.
pub fn words(text: &str) -> Vec<String> {
    lex(text)
        .tokens
        .into_iter()
        .filter_map(|token| match token.kind {
            TokenKind::Word { text, .. } => Some(text),
            _ => None,
        })
        .collect()
}

/// The simple commands of `text` (cut at control operators and newlines), each as its words.
/// Redirections and their targets are left out: `pip install x > log` is `pip install x`.
pub fn simple_commands(text: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut words = Vec::new();
    let mut target_next = false;
    for token in lex(text).tokens {
        if token.ends_command() {
            if !words.is_empty() {
                commands.push(std::mem::take(&mut words));
            }
            target_next = false;
            continue;
        }
        match token.kind {
            TokenKind::Operator(op) => target_next = REDIRECTIONS.contains(&op),
            TokenKind::Word { text, .. } if !target_next => words.push(text),
            _ => target_next = false,
        }
    }
    if !words.is_empty() {
        commands.push(words);
    }
    commands
}

/// The source text of `text` between the given operators (outside quotes), each trimmed; empty
/// pieces are dropped. `split_at_operators("cd a && ls | wc", &["&&", "|"])` is
/// `["cd a", "ls", "wc"]`.
pub fn split_at_operators<'a>(text: &'a str, operators: &[&str]) -> Vec<&'a str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for token in lex(text).tokens {
        if token.operator().is_some_and(|op| operators.contains(&op)) {
            pieces.push(&text[start..token.span.start]);
            start = token.span.end;
        }
    }
    pieces.push(&text[start..]);
    pieces
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// A heredoc opened in shell text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The line that ends it (the delimiter word, quotes removed).
    pub delimiter: String,
    /// `<<-`: leading tabs are stripped from its lines (and from the delimiter line).
    pub strip_tabs: bool,
}

/// The heredocs opened in `text` (outside quotes), in order. Here-strings (`<<<`) are not
/// heredocs, and an unquoted delimiter must start with a letter or `_`, which skips the shifts
/// of `$((1 << 2))`.
pub fn heredocs(text: &str) -> Vec<Heredoc> {
    let tokens = lex(text).tokens;
    tokens
        .windows(2)
        .filter_map(|pair| {
            let strip_tabs = match pair[0].operator()? {
                "<<" => false,
                "<<-" => true,
                _ => return None,
            };
            let TokenKind::Word { text, quoted } = &pair[1].kind else {
                return None;
            };
            let named = text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
            (named || *quoted && !text.is_empty()).then(|| Heredoc {
                delimiter: text.clone(),
                strip_tabs,
            })
        })
        .collect()
}

/// Whether `line` is the end of `heredoc`.
pub fn ends_heredoc(heredoc: &Heredoc, line: &str) -> bool {
    if heredoc.strip_tabs {
        line.trim_start_matches('\t') == heredoc.delimiter
    } else {
        line == heredoc.delimiter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("abc"), "abc");
        assert_eq!(quote("a/b.c=d"), "a/b.c=d");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("$HOME"), "'$HOME'");
    }

    #[test]
    fn posix_escapes() {
        // Inside double quotes only $ ` " \ and newline are escaped; the rest keep the `\`.
        assert_eq!(
            words(r#""a\"b" "c\nd" "e\\f" "g\$h""#),
            ["a\"b", r"c\nd", r"e\f", "g$h"]
        );
        // Inside single quotes nothing is escaped.
        assert_eq!(words(r"'a\b' 'c\'"), [r"a\b", r"c\"]);
        // Outside quotes `\` escapes anything; `\` + newline joins lines.
        assert_eq!(words("a\\ b c\\\nd \\;"), ["a b", "cd", ";"]);
        assert_eq!(words("x '' \"\""), ["x", "", ""]);
    }

    #[test]
    fn operators_and_comments() {
        let lexed = lex("a&&b||c;d|e&f 2>&1 >>g <<-EOF >|h # x > y\nz");
        let ops: Vec<&str> = lexed.tokens.iter().filter_map(Token::operator).collect();
        assert_eq!(ops, ["&&", "||", ";", "|", "&", ">&", ">>", "<<-", ">|"]);
        assert_eq!(
            words("a&&b||c;d|e&f 2>&1 >>g <<-EOF >|h # x > y\nz"),
            ["a", "b", "c", "d", "e", "f", "2", "1", "g", "EOF", "h", "z"]
        );
        assert_eq!(words("echo a#b"), ["echo", "a#b"]);
        assert_eq!(lexed.open, None);
    }

    #[test]
    fn spans_point_into_the_source() {
        let text = "echo 'a b' > out";
        let lexed = lex(text);
        let spans: Vec<&str> = lexed.tokens.iter().map(|t| &text[t.span.clone()]).collect();
        assert_eq!(spans, ["echo", "'a b'", ">", "out"]);
    }

    #[test]
    fn open_quotes_and_escapes_are_reported() {
        assert_eq!(lex("echo 'abc").open, Some(Open::SingleQuote));
        assert_eq!(lex("echo \"abc").open, Some(Open::DoubleQuote));
        assert_eq!(lex("echo \"abc\\").open, Some(Open::DoubleQuote));
        assert_eq!(lex("echo abc \\").open, Some(Open::Escape));
        assert_eq!(lex("echo abc \\\\").open, None);
        assert_eq!(lex("echo 'it''s'").open, None);
        assert_eq!(words("echo 'abc"), ["echo", "abc"]);
    }

    #[test]
    fn simple_commands_drop_redirections() {
        let cmds = simple_commands(
            "DEBIAN_FRONTEND=noninteractive apt-get update && apt-get install -y 'git' curl \\\n vim >/dev/null; pip install \"numpy==1.0\" 2>&1 | tee x # comment && rm",
        );
        assert_eq!(
            cmds,
            vec![
                vec!["DEBIAN_FRONTEND=noninteractive", "apt-get", "update"],
                vec!["apt-get", "install", "-y", "git", "curl", "vim"],
                vec!["pip", "install", "numpy==1.0", "2"],
                vec!["tee", "x"],
            ]
        );
    }

    #[test]
    fn splits_at_chosen_operators() {
        assert_eq!(
            split_at_operators("cd a && ls 'x|y' | wc -l; echo \"a;b\"", &["&&", "|", ";"]),
            ["cd a", "ls 'x|y'", "wc -l", "echo \"a;b\""]
        );
        assert_eq!(
            split_at_operators(r#"echo \"; ls"#, &[";"]),
            [r#"echo \""#, "ls"]
        );
        assert!(split_at_operators("  ", &[";"]).is_empty());
    }

    #[test]
    fn finds_heredocs() {
        let h = |d: &str, strip_tabs| Heredoc {
            delimiter: d.to_owned(),
            strip_tabs,
        };
        assert_eq!(heredocs("cat <<EOF > f"), [h("EOF", false)]);
        assert_eq!(
            heredocs("cat <<-'END' && x <<\"A B\""),
            [h("END", true), h("A B", false)]
        );
        assert!(heredocs("echo $((1 << 2)) 'a <<b' <<<word").is_empty());
        assert!(ends_heredoc(&h("END", true), "\t\tEND"));
        assert!(!ends_heredoc(&h("END", false), "\tEND"));
    }
}
