//! The shell lexer against the `shlex` crate as the reference POSIX word splitter, and the
//! lexer's never-panic bound on arbitrary input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use harness_core::shell_words::{heredocs, lex, quote, simple_commands, split_at_operators, words};
use harness_testkit::{arbitrary_text, bounded};
use proptest::prelude::*;

/// Text free of the characters that make shell operators and comments, which `shlex` (a word
/// splitter only) reads as word characters; quotes, escapes and blanks stay in.
fn operator_free() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-Z0-9 _'\"\\\\$`\t\n.é=-]{0,60}").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn quote_then_split_round_trips(word in any::<String>()) {
        // NUL cannot be passed in a shell word at all.
        prop_assume!(!word.contains('\0'));
        let quoted = quote(&word);
        prop_assert_eq!(shlex::split(&quoted), Some(vec![word.clone()]));
        prop_assert_eq!(words(&quoted), vec![word.clone()]);
        prop_assert_eq!(lex(&quoted).open, None);
    }

    #[test]
    fn quoted_words_join_into_a_command(list in proptest::collection::vec(any::<String>(), 0..6)) {
        prop_assume!(list.iter().all(|w| !w.contains('\0')));
        let line = list.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ");
        prop_assert_eq!(words(&line), list.clone());
        let expected: Vec<Vec<String>> = if list.is_empty() { vec![] } else { vec![list] };
        prop_assert_eq!(simple_commands(&line), expected);
    }

    #[test]
    fn words_agree_with_shlex(text in operator_free()) {
        // Backslash-newline outside single quotes is a line continuation in POSIX sh (both
        // characters removed); `shlex` keeps an empty word for it, so it is no reference there.
        prop_assume!(!text.contains("\\\n"));
        let lexed = lex(&text);
        match shlex::split(&text) {
            Some(expected) => {
                prop_assert_eq!(lexed.open, None);
                prop_assert_eq!(words(&text), expected);
            }
            None => prop_assert!(lexed.open.is_some()),
        }
    }

    #[test]
    fn line_continuations_join_words(a in "[a-z]{1,8}", b in "[a-z]{1,8}") {
        prop_assert_eq!(words(&format!("{a}\\\n{b}")), vec![format!("{a}{b}")]);
        prop_assert_eq!(words(&format!("{a} \\\n {b}")), vec![a.clone(), b.clone()]);
        prop_assert_eq!(words("\\\n"), Vec::<String>::new());
    }

    #[test]
    fn lexer_never_panics(text in arbitrary_text()) {
        let spans_ok = bounded(move || {
            let lexed = lex(&text);
            let _ = simple_commands(&text);
            let _ = split_at_operators(&text, &["&&", "|", ";"]);
            let _ = heredocs(&text);
            lexed.tokens.iter().all(|t| text.get(t.span.clone()).is_some())
        })?;
        prop_assert!(spans_ok);
    }
}
