//! `SCHEME:MODEL`: which backend serves a model, and the model's name there.

use std::fmt;
use std::str::FromStr;

use crate::error::ModelError;

/// A model named by backend scheme and model name, written `SCHEME:MODEL`
/// (`openai:gpt-4o-mini`, `sim:PROFILE`). The model part is the backend's business and may
/// hold colons (`openai:llama3:8b`); the scheme is a lower-case identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelSpec {
    scheme: String,
    model: String,
}

impl ModelSpec {
    /// Read `SCHEME:MODEL`. Errors ([`ModelError::Fatal`]) quote the input and say what is
    /// wrong with it.
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        let bad = |why: &str| {
            ModelError::fatal(format!(
                "model `{text}`: {why}; expected SCHEME:MODEL, e.g. openai:gpt-4o-mini"
            ))
        };
        let (scheme, model) = text
            .trim()
            .split_once(':')
            .ok_or_else(|| bad("no `:` between scheme and model"))?;
        if scheme.is_empty() {
            return Err(bad("the scheme is empty"));
        }
        if !is_scheme(scheme) {
            return Err(bad(
                "the scheme must be a lower-case letter followed by lower-case letters, digits, \
                 `-` or `_`",
            ));
        }
        if model.trim().is_empty() {
            return Err(bad("the model name is empty"));
        }
        Ok(Self {
            scheme: scheme.to_owned(),
            model: model.to_owned(),
        })
    }

    /// The backend scheme, e.g. `openai`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The model name the backend is asked for, e.g. `gpt-4o-mini`.
    pub fn model(&self) -> &str {
        &self.model
    }
}

fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scheme, self.model)
    }
}

impl FromStr for ModelSpec {
    type Err = ModelError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_and_model_are_split_at_the_first_colon() {
        let spec = ModelSpec::parse("openai:gpt-4o-mini").unwrap();
        assert_eq!((spec.scheme(), spec.model()), ("openai", "gpt-4o-mini"));
        assert_eq!(spec.to_string(), "openai:gpt-4o-mini");
        let spec: ModelSpec = "openai:llama3:8b".parse().unwrap();
        assert_eq!(spec.model(), "llama3:8b");
        assert_eq!(
            ModelSpec::parse(" sim:profiles/x.yaml ").unwrap().model(),
            "profiles/x.yaml"
        );
    }

    #[test]
    fn errors_quote_the_input_and_say_what_is_wrong() {
        for (input, why) in [
            ("gpt-4o", "no `:`"),
            (":gpt-4o", "scheme is empty"),
            ("openai:", "model name is empty"),
            ("openai:  ", "model name is empty"),
            ("OpenAI:gpt", "lower-case"),
            ("3d:x", "lower-case"),
        ] {
            let error = ModelSpec::parse(input).unwrap_err().to_string();
            assert!(error.contains(&format!("`{input}`")), "{error}");
            assert!(error.contains(why), "{input}: {error}");
            assert!(error.contains("SCHEME:MODEL"), "{error}");
        }
    }
}
