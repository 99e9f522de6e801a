//! A string that never shows itself: API keys in memory.

use std::fmt;

/// A secret such as an API key. `Debug` prints `SecretString("[redacted]")`; there is no
/// `Display` and no `Serialize`, so the value only leaves through [`expose`](Self::expose).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

/// What `Debug` prints instead of the secret.
const REDACTED: &str = "[redacted]";

impl SecretString {
    /// Wrap a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for the one place that must send it (an HTTP header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the secret replaced by `[redacted]`, for provider
    /// messages that echo the key back.
    pub fn redact_in(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.0, REDACTED)
        }
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SecretString").field(&REDACTED).finish()
    }
}

impl From<String> for SecretString {
    fn from(secret: String) -> Self {
        Self(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = SecretString::new("sk-live-123456");
        let shown = format!("{secret:?} {secret:#?}");
        assert!(!shown.contains("sk-live-123456"), "{shown}");
        assert!(shown.contains("[redacted]"));
        assert_eq!(secret.expose(), "sk-live-123456");
    }

    #[test]
    fn redact_in_removes_echoes() {
        let secret = SecretString::new("sk-live-123456");
        assert_eq!(
            secret.redact_in("Incorrect API key provided: sk-live-123456."),
            "Incorrect API key provided: [redacted]."
        );
        assert_eq!(SecretString::new("").redact_in("text"), "text");
    }
}
