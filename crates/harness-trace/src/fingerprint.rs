//! Error fingerprints: the same failure in different trials hashes alike.
//!
//! A failure text (a tool's error and output, or a model error) is normalized, then hashed:
//!
//! 1. keep the last 4 KiB (errors print last; the head is mostly progress output that varies);
//! 2. lowercase;
//! 3. replace every whitespace-separated token containing `/` or `\` with `<path>`;
//! 4. in the rest, replace hex ids (`0x...`, and runs of 6+ hex digits or uuid-like groups
//!    holding both a digit and a letter) with `<hex>`, and every run of digits with `#`;
//! 5. join the tokens with single spaces.
//!
//! The fingerprint is the first 8 bytes of sha256 over the tool name, a 0 byte and the
//! normalized text: 16 hex digits, enough to tell failure kinds apart within any corpus of
//! runs, short enough to print.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::event::{CallError, ToolCall};

/// How much of a failure text's end is normalized.
const TAIL_BYTES: usize = 4096;
/// Shortest all-hex word taken for an id.
const MIN_HEX_ID: usize = 6;
/// The pseudo tool name model errors are fingerprinted under.
pub const MODEL_ERROR_SCOPE: &str = "model";

/// A failure's fingerprint: 16 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Fingerprint([u8; 8]);

impl Fingerprint {
    /// Fingerprint of `text` as a failure of `tool` (see the module docs).
    pub fn of(tool: &str, text: &str) -> Self {
        Self::of_normalized(tool, &normalize(text))
    }

    /// Fingerprint of an already normalized text.
    pub fn of_normalized(tool: &str, normalized: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(tool.as_bytes());
        hasher.update([0]);
        hasher.update(normalized.as_bytes());
        let digest = hasher.finalize();
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&digest[..8]);
        Self(bytes)
    }

    /// Fingerprint of a failed tool call; none if it did not fail.
    pub fn of_tool_call(call: &ToolCall) -> Option<Self> {
        call.failure_text().map(|text| Self::of(&call.name, &text))
    }

    /// Fingerprint of a model error.
    pub fn of_model_error(error: &CallError) -> Self {
        Self::of(
            MODEL_ERROR_SCOPE,
            &format!("{}: {}", error.kind, error.message),
        )
    }

    /// The 16 hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

impl TryFrom<String> for Fingerprint {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        let bytes = hex::decode(&value).map_err(|e| format!("not a fingerprint: {e}"))?;
        let array: [u8; 8] = bytes
            .try_into()
            .map_err(|_| "a fingerprint has 16 hex digits".to_owned())?;
        Ok(Self(array))
    }
}

impl From<Fingerprint> for String {
    fn from(value: Fingerprint) -> Self {
        value.to_hex()
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::try_from(s.to_owned())
    }
}

impl schemars::JsonSchema for Fingerprint {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Fingerprint".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "pattern": "^[0-9a-f]{16}$"})
    }
}

/// The normalized form of a failure text (see the module docs).
pub fn normalize(text: &str) -> String {
    let tail = tail(text, TAIL_BYTES).to_lowercase();
    let mut out = String::with_capacity(tail.len());
    for token in tail.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if token.contains(['/', '\\']) {
            out.push_str("<path>");
        } else {
            normalize_token(token, &mut out);
        }
    }
    out
}

/// The last `max` bytes of `text`, starting at a character boundary.
fn tail(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Copy `token` to `out`, replacing hex ids and digit runs inside its words. A word is a run
/// of ASCII letters, digits, `_` and `-` (so a uuid is one word).
fn normalize_token(token: &str, out: &mut String) {
    let mut rest = token;
    while !rest.is_empty() {
        let word_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        if word_len == 0 {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
            continue;
        }
        normalize_word(&rest[..word_len], out);
        rest = &rest[word_len..];
    }
}

fn normalize_word(word: &str, out: &mut String) {
    if is_hex_id(word) {
        out.push_str("<hex>");
        return;
    }
    let mut in_digits = false;
    for c in word.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
}

fn is_hex_id(word: &str) -> bool {
    if let Some(digits) = word.strip_prefix("0x")
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_hexdigit())
    {
        return true;
    }
    let hex_digits = word.chars().filter(|c| c.is_ascii_hexdigit()).count();
    word.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        && !word.starts_with('-')
        && hex_digits >= MIN_HEX_ID
        && word.chars().any(|c| c.is_ascii_digit())
        && word.chars().any(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_paths_ids_and_spacing_do_not_matter() {
        let a = "Traceback (most recent call last):\n  File \"/app/main.py\", line 12, in <module>\n\
                 ModuleNotFoundError: No module named 'numpy' (pid 4411, id 3f2a9c1b7d)";
        let b = "Traceback (most recent call last):\n    File \"/tmp/x/run.py\", line 7, in <module>\n\
                 ModuleNotFoundError:   No module named 'numpy' (pid 17, id 0e8d77aa01)";
        assert_eq!(normalize(a), normalize(b));
        assert_eq!(Fingerprint::of("shell", a), Fingerprint::of("shell", b));
        assert_ne!(Fingerprint::of("shell", a), Fingerprint::of("python", a));
        let c = a.replace("numpy", "pandas");
        assert_ne!(Fingerprint::of("shell", a), Fingerprint::of("shell", &c));
    }

    /// Golden value: miners group failures and lineage notes cite them by fingerprint, so a
    /// change to the hashing must be deliberate (computed independently: the first 8 bytes
    /// of sha256 over `tool`, a 0 byte and the normalized text).
    #[test]
    fn golden_fingerprint() {
        assert_eq!(
            Fingerprint::of_normalized("shell", "modulenotfounderror: no module named <str>")
                .to_string(),
            "04203509ac303e15"
        );
    }

    #[test]
    fn normal_form_is_readable() {
        assert_eq!(
            normalize(
                "Error at 0xDEADBEEF: file /etc/x.conf  line 42\n\tuuid 123e4567-e89b-12d3-a456-426614174000"
            ),
            "error at <hex>: file <path> line # uuid <hex>"
        );
        assert_eq!(normalize("deadbeef cafe"), "deadbeef cafe");
    }

    #[test]
    fn long_texts_keep_their_tail() {
        let text = format!("{}\nfatal: not a git repository", "é".repeat(5000));
        let n = normalize(&text);
        assert!(n.ends_with("fatal: not a git repository"));
        assert!(n.len() <= TAIL_BYTES + 16);
    }

    #[test]
    fn fingerprints_print_as_hex() {
        let f = Fingerprint::of("shell", "boom");
        let text = f.to_string();
        assert_eq!(text.len(), 16);
        assert_eq!(text.parse::<Fingerprint>().unwrap(), f);
    }
}
