//! [`RuleSpec`]: a gate's rules as data (JSON or YAML), built into a rule tree after its
//! parameters are checked. The default is `all_of(self_harness, no_regression, paired)`.

use harness_types::Split;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::GateError;
use crate::rule::{Rule, all_of, any_of};
use crate::rules::{NoRegression, Paired, SelfHarness};

/// A rule tree as data, tagged by `rule`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RuleSpec {
    /// [`SelfHarness`].
    SelfHarness(SelfHarness),
    /// [`NoRegression`].
    NoRegression(NoRegression),
    /// [`Paired`].
    Paired(Paired),
    /// Every rule must hold.
    AllOf {
        /// The rules.
        rules: Vec<RuleSpec>,
    },
    /// At least one rule must hold.
    AnyOf {
        /// The rules.
        rules: Vec<RuleSpec>,
    },
}

impl Default for RuleSpec {
    fn default() -> Self {
        RuleSpec::AllOf {
            rules: vec![
                RuleSpec::SelfHarness(SelfHarness::default()),
                RuleSpec::NoRegression(NoRegression::default()),
                RuleSpec::Paired(Paired::default()),
            ],
        }
    }
}

impl RuleSpec {
    /// Check the parameters and build the rule tree. Errors name the field
    /// (`rules[2].alpha`).
    pub fn build(&self) -> Result<Box<dyn Rule>, GateError> {
        self.build_at("")
    }

    fn build_at(&self, at: &str) -> Result<Box<dyn Rule>, GateError> {
        let field = |name: &str| {
            if at.is_empty() {
                name.to_owned()
            } else {
                format!("{at}.{name}")
            }
        };
        let bad = |name: &str, message: String| GateError::BadConfig {
            field: field(name),
            message,
        };
        let check_splits = |splits: &[Split]| {
            if splits.is_empty() {
                return Err(bad("splits", "name at least one split".into()));
            }
            if splits.contains(&Split::Test) {
                return Err(bad(
                    "splits",
                    "the test split is sealed: no gate may look at it".into(),
                ));
            }
            Ok(())
        };
        let children = |rules: &[RuleSpec]| -> Result<Vec<Box<dyn Rule>>, GateError> {
            rules
                .iter()
                .enumerate()
                .map(|(i, r)| r.build_at(&field(&format!("rules[{i}]"))))
                .collect()
        };
        Ok(match self {
            RuleSpec::SelfHarness(rule) => {
                check_splits(&rule.splits)?;
                Box::new(rule.clone())
            }
            RuleSpec::NoRegression(rule) => {
                check_splits(&rule.splits)?;
                Box::new(rule.clone())
            }
            RuleSpec::Paired(rule) => {
                check_splits(&rule.splits)?;
                if !(rule.alpha > 0.0 && rule.alpha < 1.0) {
                    return Err(bad("alpha", format!("{} is not in (0, 1)", rule.alpha)));
                }
                if !(-1.0..1.0).contains(&rule.min_effect) {
                    return Err(bad(
                        "min_effect",
                        format!("{} is not in [-1, 1)", rule.min_effect),
                    ));
                }
                if rule.resamples == 0 {
                    return Err(bad("resamples", "needs at least 1".into()));
                }
                Box::new(rule.clone())
            }
            RuleSpec::AllOf { rules } => Box::new(all_of(children(rules)?)),
            RuleSpec::AnyOf { rules } => Box::new(any_of(children(rules)?)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_round_trips_and_builds() {
        let spec = RuleSpec::default();
        let text = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<RuleSpec>(&text).unwrap(), spec);
        assert_eq!(
            spec.build().unwrap().name(),
            "all_of(self_harness, no_regression, paired(sign_test))"
        );
    }

    #[test]
    fn bad_parameters_name_their_field() {
        let text = r#"{"rule":"all_of","rules":[{"rule":"self_harness"},
            {"rule":"any_of","rules":[{"rule":"paired","alpha":1.5}]}]}"#;
        let spec: RuleSpec = serde_json::from_str(text).unwrap();
        let err = spec.build().unwrap_err().to_string();
        assert!(err.contains("`rules[1].rules[0].alpha`"), "{err}");
        let sealed: RuleSpec =
            serde_json::from_str(r#"{"rule":"paired","splits":["test"]}"#).unwrap();
        assert!(sealed.build().unwrap_err().to_string().contains("sealed"));
        assert!(
            serde_json::from_str::<RuleSpec>(r#"{"rule":"paired","alpha_":0.1}"#).is_err(),
            "unknown fields are refused"
        );
    }
}
