//! Keeping secrets out of what is written: API keys that a provider echoes back, passwords in
//! base URLs, keys in query strings.
//!
//! A [`Redactor`] holds the secret values and replaces each occurrence with [`REDACTED`] in
//! text, JSON values and byte buffers (the trace crate applies one to every event and blob a
//! trace sink writes). [`redact_url`] gives the form of a URL that may be recorded, and
//! [`url_secrets`] the values it held back, so that a message quoting the full URL can be
//! cleaned too.
//!
//! [`REDACTED`]: crate::redact::REDACTED
//! [`redact_url`]: crate::redact::redact_url
//! [`url_secrets`]: crate::redact::url_secrets

use std::borrow::Cow;
use std::fmt;

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Shortest value treated as a secret: replacing a two-letter "password" everywhere would
/// garble the record without protecting anything.
pub const MIN_SECRET_LEN: usize = 4;

/// Query parameters whose values are credentials (compared case-insensitively, `-` as `_`).
const SECRET_QUERY_KEYS: &[&str] = &[
    "key",
    "api_key",
    "apikey",
    "access_key",
    "access_token",
    "token",
    "auth",
    "auth_token",
    "password",
    "secret",
    "client_secret",
    "sig",
    "signature",
    "code",
];

/// Secret values to replace with [`REDACTED`] wherever they appear. `Debug` shows how many it
/// holds, never the values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    secrets: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Redactor {
    /// A redactor with no secrets (changes nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a secret value (surrounding whitespace ignored; values shorter than
    /// [`MIN_SECRET_LEN`] are ignored). Its JSON-escaped form is added too, so that the value
    /// is found inside serialized JSON.
    pub fn add_secret(&mut self, secret: &str) {
        let secret = secret.trim();
        if secret.chars().count() < MIN_SECRET_LEN {
            return;
        }
        let mut forms = vec![secret.to_owned()];
        if let Ok(quoted) = serde_json::to_string(secret) {
            let escaped = &quoted[1..quoted.len() - 1];
            if escaped != secret {
                forms.push(escaped.to_owned());
            }
        }
        for form in forms {
            if !self.secrets.contains(&form) {
                self.secrets.push(form);
            }
        }
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// The same redactor with `secret` added.
    pub fn with_secret(mut self, secret: &str) -> Self {
        self.add_secret(secret);
        self
    }

    /// Add the secrets a URL holds: its userinfo password and the values of credential
    /// query parameters ([`url_secrets`]).
    pub fn add_url(&mut self, url: &str) {
        for secret in url_secrets(url) {
            self.add_secret(&secret);
        }
    }

    /// True when there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every secret replaced.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !self.secrets.iter().any(|s| text.contains(s.as_str())) {
            return Cow::Borrowed(text);
        }
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        Cow::Owned(out)
    }

    /// Replace secrets in place in `text`.
    pub fn redact_in_place(&self, text: &mut String) {
        if let Cow::Owned(clean) = self.redact(text) {
            *text = clean;
        }
    }

    /// Replace secrets in every string (and object key) of `value`.
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        if self.is_empty() {
            return;
        }
        match value {
            serde_json::Value::String(s) => self.redact_in_place(s),
            serde_json::Value::Array(items) => {
                for item in items {
                    self.redact_json(item);
                }
            }
            serde_json::Value::Object(map) => {
                let dirty: Vec<String> = map
                    .keys()
                    .filter(|k| matches!(self.redact(k), Cow::Owned(_)))
                    .cloned()
                    .collect();
                for key in dirty {
                    if let Some(v) = map.remove(&key) {
                        map.insert(self.redact(&key).into_owned(), v);
                    }
                }
                for item in map.values_mut() {
                    self.redact_json(item);
                }
            }
            serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {
            }
        }
    }

    /// `bytes` with every secret replaced. JSON stays valid JSON (it is redacted value by
    /// value); other bytes are replaced as they stand.
    pub fn redact_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        if !self.secrets.iter().any(|s| contains(bytes, s.as_bytes())) {
            return Cow::Borrowed(bytes);
        }
        if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(bytes) {
            self.redact_json(&mut value);
            if let Ok(out) = serde_json::to_vec(&value) {
                return Cow::Owned(out);
            }
        }
        let mut out = bytes.to_vec();
        for secret in &self.secrets {
            out = replace_bytes(&out, secret.as_bytes(), REDACTED.as_bytes());
        }
        Cow::Owned(out)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if !needle.is_empty() && haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// The parts of a URL: `(scheme://, userinfo, host and path, query, fragment)` where
/// userinfo, query and fragment exclude their `@`, `?` and `#`.
struct UrlParts<'a> {
    scheme: &'a str,
    userinfo: Option<&'a str>,
    rest: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

fn split_url(url: &str) -> UrlParts<'_> {
    let (scheme, after) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let (before_fragment, fragment) = match after.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (after, None),
    };
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (before_fragment, None),
    };
    let authority_end = before_query.find('/').unwrap_or(before_query.len());
    let (userinfo, rest) = match before_query[..authority_end].rfind('@') {
        Some(at) => (Some(&before_query[..at]), &before_query[at + 1..]),
        None => (None, before_query),
    };
    UrlParts {
        scheme,
        userinfo,
        rest,
        query,
        fragment,
    }
}

fn is_secret_query_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase().replace('-', "_");
    SECRET_QUERY_KEYS.contains(&key.as_str())
}

/// `%XX` sequences decoded (lossy); what the URL means rather than how it is written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Standard base64 with padding, as HTTP basic authentication writes credentials.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The secrets `url` holds: the userinfo password (also as the base64 `user:password` of a
/// basic `Authorization` header, which a server may echo) and the values of credential query
/// parameters (`key`, `api_key`, `token`, ...), each as written and percent-decoded.
pub fn url_secrets(url: &str) -> Vec<String> {
    let parts = split_url(url.trim());
    let mut found = Vec::new();
    let mut encoded = Vec::new();
    if let Some(userinfo) = parts.userinfo
        && let Some((user, password)) = userinfo.split_once(':')
        && !password.is_empty()
    {
        found.push(password.to_owned());
        encoded.push(base64(
            format!("{}:{}", percent_decode(user), percent_decode(password)).as_bytes(),
        ));
        encoded.push(base64(userinfo.as_bytes()));
    }
    if let Some(query) = parts.query {
        for pair in query.split('&') {
            if let Some((key, value)) = pair.split_once('=')
                && is_secret_query_key(&percent_decode(key))
            {
                found.push(value.to_owned());
            }
        }
    }
    let mut all = Vec::new();
    for secret in found.into_iter().filter(|s| !s.is_empty()) {
        let decoded = percent_decode(&secret);
        if decoded != secret {
            all.push(decoded);
        }
        all.push(secret);
    }
    for form in encoded {
        if !all.contains(&form) {
            all.push(form);
        }
    }
    all
}

/// `url` as it may be recorded: the userinfo password and the values of credential query
/// parameters replaced with [`REDACTED`] (the user name stays). Text that is not a URL
/// comes back unchanged.
pub fn redact_url(url: &str) -> String {
    let parts = split_url(url);
    let mut out = String::with_capacity(url.len());
    out.push_str(parts.scheme);
    if let Some(userinfo) = parts.userinfo {
        match userinfo.split_once(':') {
            Some((user, _)) => {
                out.push_str(user);
                out.push(':');
                out.push_str(REDACTED);
            }
            None => out.push_str(userinfo),
        }
        out.push('@');
    }
    out.push_str(parts.rest);
    if let Some(query) = parts.query {
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if is_secret_query_key(&percent_decode(key)) => {
                    format!("{key}={REDACTED}")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    if let Some(fragment) = parts.fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_passwords_and_key_parameters() {
        assert_eq!(
            redact_url("http://user:secret@127.0.0.1:8000/v1"),
            "http://user:[REDACTED]@127.0.0.1:8000/v1"
        );
        assert_eq!(
            redact_url("https://h/v1?api_key=abc123&x=1&Key=zz#f"),
            "https://h/v1?api_key=[REDACTED]&x=1&Key=[REDACTED]#f"
        );
        assert_eq!(redact_url("http://user@h/v1"), "http://user@h/v1");
        assert_eq!(redact_url("http://h/a@b"), "http://h/a@b");
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(
            url_secrets("http://u:p%40ss@h/v1?token=t0k3n"),
            ["p@ss", "p%40ss", "t0k3n", "dTpwQHNz", "dTpwJTQwc3M="]
        );
        assert_eq!(
            url_secrets("http://user:secret@h/"),
            ["secret", "dXNlcjpzZWNyZXQ="]
        );
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert!(url_secrets("http://h/v1?x=1").is_empty());
        for weird in ["", "://", "@", "?&=", "%", "%4", "http://:@/?=#"] {
            let _ = redact_url(weird);
            let _ = url_secrets(weird);
        }
    }

    #[test]
    fn secrets_are_replaced_in_text_json_and_bytes() {
        let r = Redactor::new()
            .with_secret("sk-live-123456")
            .with_secret("ab")
            .with_secret("pa\"ss\\word");
        assert_eq!(format!("{r:?}"), "Redactor { secrets: 3 }");
        assert_eq!(
            r.redact("key sk-live-123456 ab"),
            "key [REDACTED] ab",
            "short values are not secrets"
        );
        let mut v = serde_json::json!({"a": ["x sk-live-123456"], "sk-live-123456": 1, "n": 5});
        r.redact_json(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"a": ["x [REDACTED]"], "[REDACTED]": 1, "n": 5})
        );
        let json = serde_json::to_vec(&serde_json::json!({"m": "pa\"ss\\word!"})).unwrap();
        let clean = r.redact_bytes(&json);
        let back: serde_json::Value = serde_json::from_slice(&clean).unwrap();
        assert_eq!(back["m"], "[REDACTED]!");
        assert_eq!(
            r.redact_bytes(b"raw sk-live-123456 text").as_ref(),
            b"raw [REDACTED] text"
        );
        assert!(matches!(r.redact_bytes(b"clean"), Cow::Borrowed(_)));
    }
}
