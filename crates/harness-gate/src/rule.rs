//! [`Rule`]: one acceptance criterion over a [`Comparison`], and its [`RuleOutcome`];
//! [`all_of`] and [`any_of`] compose rules.
//!
//! A rule must be *monotone*: raising a candidate result (or lowering a parent result) in
//! any cell, or adding a cell the candidate wins, never turns a pass into a fail. The gate's
//! sequential decisions rely on it (see [`crate::gate`]); every rule of this crate is.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::comparison::Comparison;
use crate::rules::TestResult;

/// One acceptance criterion.
pub trait Rule: Send + Sync + std::fmt::Debug {
    /// A short name, shown as the rule that decided (`self_harness`, `paired(sign_test)`).
    fn name(&self) -> String;

    /// Judge the shared cells of `comparison` (pending cells are not looked at).
    fn check(&self, comparison: &Comparison) -> RuleOutcome;
}

/// What a rule found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct RuleOutcome {
    /// The rule's name.
    pub rule: String,
    /// Whether it holds.
    pub passed: bool,
    /// Why, in one line with the numbers.
    pub reason: String,
    /// The statistical test it ran, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<TestResult>,
    /// The outcomes of composed rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<RuleOutcome>,
}

impl RuleOutcome {
    /// An outcome of a leaf rule.
    pub fn new(rule: impl Into<String>, passed: bool, reason: impl Into<String>) -> Self {
        Self {
            rule: rule.into(),
            passed,
            reason: reason.into(),
            test: None,
            children: Vec::new(),
        }
    }

    /// The same outcome with the test it ran.
    pub fn with_test(mut self, test: TestResult) -> Self {
        self.test = Some(test);
        self
    }

    /// The leaf rule that made this outcome fail: the first failing leaf, depth first.
    pub fn first_failing_leaf(&self) -> Option<&RuleOutcome> {
        if self.passed {
            return None;
        }
        if self.children.is_empty() {
            return Some(self);
        }
        self.children
            .iter()
            .find_map(RuleOutcome::first_failing_leaf)
            .or(Some(self))
    }

    /// The first statistical test in this outcome tree, depth first.
    pub fn first_test(&self) -> Option<&TestResult> {
        self.test
            .as_ref()
            .or_else(|| self.children.iter().find_map(RuleOutcome::first_test))
    }
}

/// Every rule must hold.
#[derive(Debug)]
pub struct AllOf(Vec<Box<dyn Rule>>);

/// At least one rule must hold.
#[derive(Debug)]
pub struct AnyOf(Vec<Box<dyn Rule>>);

/// A rule that holds when every one of `rules` holds (and, for no rules, always).
pub fn all_of(rules: Vec<Box<dyn Rule>>) -> AllOf {
    AllOf(rules)
}

/// A rule that holds when at least one of `rules` holds (and, for no rules, never).
pub fn any_of(rules: Vec<Box<dyn Rule>>) -> AnyOf {
    AnyOf(rules)
}

fn composite(
    name: String,
    rules: &[Box<dyn Rule>],
    comparison: &Comparison,
    all: bool,
) -> RuleOutcome {
    let children: Vec<RuleOutcome> = rules.iter().map(|r| r.check(comparison)).collect();
    let passed = if all {
        children.iter().all(|c| c.passed)
    } else {
        children.iter().any(|c| c.passed)
    };
    let (held, failed): (Vec<&RuleOutcome>, Vec<&RuleOutcome>) =
        children.iter().partition(|c| c.passed);
    let list = |v: &[&RuleOutcome]| {
        v.iter()
            .map(|c| c.rule.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let reason = match (passed, all) {
        (true, true) => format!("all {} rules hold", children.len()),
        (false, true) => format!("fails: {}", list(&failed)),
        (true, false) => format!("holds: {}", list(&held)),
        (false, false) => format!("none of {} rules holds", children.len()),
    };
    RuleOutcome {
        rule: name,
        passed,
        reason,
        test: None,
        children,
    }
}

fn names(rules: &[Box<dyn Rule>]) -> String {
    rules
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Rule for AllOf {
    fn name(&self) -> String {
        format!("all_of({})", names(&self.0))
    }

    fn check(&self, comparison: &Comparison) -> RuleOutcome {
        composite(self.name(), &self.0, comparison, true)
    }
}

impl Rule for AnyOf {
    fn name(&self) -> String {
        format!("any_of({})", names(&self.0))
    }

    fn check(&self, comparison: &Comparison) -> RuleOutcome {
        composite(self.name(), &self.0, comparison, false)
    }
}
