//! Profiles: which pathologies a simulated model shows, how often, and how strongly.
//!
//! A profile is a YAML file (schema: [`Profile`]). Four ship with the crate
//! (`profiles/*.yaml`, see [`shipped`]); `sim:PATH` loads any other.

use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::pathology::Pathology;

/// The profiles that ship with the crate: (name, YAML text).
const SHIPPED: [(&str, &str); 4] = [
    ("explorer", include_str!("../profiles/explorer.yaml")),
    ("retrier", include_str!("../profiles/retrier.yaml")),
    ("forgetter", include_str!("../profiles/forgetter.yaml")),
    ("surveyor", include_str!("../profiles/surveyor.yaml")),
];

/// One simulated model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Name (`sim:<name>`), also part of every trial's seed.
    pub name: String,
    /// What the profile stands for.
    pub description: String,
    /// The model's own context window in tokens: a prompt above it is refused with a
    /// context-overflow error, as a real server does.
    #[serde(default = "default_context_window")]
    pub context_window: u64,
    /// Probability, per step that has one, of first trying the step's obvious wrong
    /// approach (a `# pitfall:` line of `solve.sh`).
    #[serde(default = "default_pitfall_rate")]
    pub pitfall_rate: f64,
    /// Probability per trial of fumbling one step for good, whatever the harness.
    #[serde(default)]
    pub fumble_rate: f64,
    /// The pathologies and their strength; an absent one never fires.
    #[serde(default)]
    pub pathologies: Pathologies,
    /// Looking around before acting, which this model needs (not a pathology).
    #[serde(default)]
    pub exploration: Exploration,
    /// What interventions cost it when they are not needed.
    #[serde(default)]
    pub costs: Costs,
}

/// Exploration the model needs: reads before the first step. Stopped (by any note) before
/// `useful` reads, it may act on a wrong understanding of one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exploration {
    /// Reads before the first step, `[min, max]`, when `over_explore` is not drawn (default
    /// none).
    #[serde(default)]
    pub reads: [u32; 2],
    /// Reads it needs to understand the task (default 0: none). An over-explorer needs this
    /// many of its many reads.
    #[serde(default)]
    pub useful: u32,
    /// Probability, when stopped before `useful` reads, of doing one act step wrong for
    /// good (default 0.5).
    #[serde(default = "default_rushed_misstep")]
    pub rushed_misstep: f64,
    /// Looks into a subfolder are written `cd DIR && ...`, as if every call started where
    /// the first did (default false). A persistent shell then leaves the later steps in the
    /// wrong folder.
    #[serde(default)]
    pub cd_into_dirs: bool,
}

impl Default for Exploration {
    fn default() -> Self {
        Self {
            reads: [0, 0],
            useful: 0,
            rushed_misstep: default_rushed_misstep(),
            cd_into_dirs: false,
        }
    }
}

fn default_rushed_misstep() -> f64 {
    0.5
}

/// The cost of an intervention that is not needed, each a probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// A note arriving while nothing is going wrong: probability of a wasted turn (a look
    /// it did not need) (default 0.15). Its tokens cost in any case.
    #[serde(default = "default_distraction")]
    pub distraction: f64,
    /// A legitimate call blocked (not a blind repeat): probability that the step is lost for
    /// good; otherwise it is sent again, rephrased (default 0.5).
    #[serde(default = "default_false_block_loss")]
    pub false_block_loss: f64,
    /// After the conversation was compacted: probability that a fact is lost (the `cd` and
    /// `export` state it carried, or a read it redoes) (default 0.3).
    #[serde(default = "default_compaction_loss")]
    pub compaction_loss: f64,
    /// A refused premature finish: probability that it answers with a look that checks
    /// nothing (`ls -la`) and finishes again, unless the refusal names one of the task's
    /// checks (default 0).
    #[serde(default)]
    pub trivial_recheck: f64,
}

impl Default for Costs {
    fn default() -> Self {
        Self {
            distraction: default_distraction(),
            false_block_loss: default_false_block_loss(),
            compaction_loss: default_compaction_loss(),
            trivial_recheck: 0.0,
        }
    }
}

fn default_distraction() -> f64 {
    0.15
}

fn default_false_block_loss() -> f64 {
    0.5
}

fn default_compaction_loss() -> f64 {
    0.3
}

fn default_context_window() -> u64 {
    131_072
}

fn default_pitfall_rate() -> f64 {
    0.5
}

/// Per-pathology settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pathologies {
    /// Many exploratory reads before acting.
    #[serde(default)]
    pub over_explore: Option<OverExplore>,
    /// A failing wrong variant of a step, repeated identically.
    #[serde(default)]
    pub blind_retry: Option<BlindRetry>,
    /// `cd`/`export` in one shell call, relied on in the next.
    #[serde(default)]
    pub env_amnesia: Option<Chance>,
    /// Finish right after a change, before the last steps.
    #[serde(default)]
    pub premature_finish: Option<Chance>,
    /// Whole files dumped into the context.
    #[serde(default)]
    pub output_flood: Option<OutputFlood>,
    /// Malformed tool arguments until told the right usage.
    #[serde(default)]
    pub tool_misuse: Option<ToolMisuse>,
    /// Commands the environment lacks, until a memory hint names the replacement.
    #[serde(default)]
    pub env_fact_blindness: Option<EnvFactBlindness>,
}

/// A pathology with only a per-trial probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Chance {
    /// Probability per trial.
    pub probability: f64,
}

/// `over_explore` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverExplore {
    /// Probability per trial.
    pub probability: f64,
    /// How many exploratory calls, `[min, max]`, before the first step.
    pub reads: [u32; 2],
}

/// `blind_retry` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlindRetry {
    /// Probability per trial.
    pub probability: f64,
    /// Identical repeats of the failing call, `[min, max]`, unless redirected.
    pub repeats: [u32; 2],
}

/// `output_flood` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputFlood {
    /// Probability per trial.
    pub probability: f64,
    /// Probability, per step that uses a dumped file, of dumping it again first.
    #[serde(default)]
    pub reread: f64,
}

/// `tool_misuse` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolMisuse {
    /// Probability per trial.
    pub probability: f64,
    /// Malformed calls, `[min, max]`, before the model corrects itself unaided.
    pub attempts: [u32; 2],
}

/// `env_fact_blindness` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvFactBlindness {
    /// Probability per trial.
    pub probability: f64,
    /// The habits the model falls back on.
    pub habits: Vec<Habit>,
}

/// A habit: how the blind model writes a command the environment lacks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Habit {
    /// Calls `command` (a whole word) by another name, e.g. `awk` as `gawk`.
    Rename {
        /// The command the environment has.
        command: String,
        /// The name the model uses instead.
        habit: String,
    },
    /// Puts `prefix` before steps that start with one of `commands`, e.g. `sudo `.
    Prefix {
        /// The prefix, with its trailing space.
        prefix: String,
        /// First words of the steps it is put before.
        commands: Vec<String>,
    },
}

impl Profile {
    /// Parse and check a profile; `file` names it in errors.
    /// Oversized or too deeply nested text is refused before the YAML parser sees it.
    pub fn from_yaml(text: &str, file: &str) -> Result<Self, SimError> {
        harness_core::check_config(file, text, harness_core::ConfigFormat::Yaml).map_err(|d| {
            SimError::Profile {
                file: file.to_owned(),
                field: "-".to_owned(),
                message: match (d.line, d.column) {
                    (Some(line), Some(column)) => {
                        format!("line {line} column {column}: {}", d.message)
                    }
                    _ => d.message,
                },
            }
        })?;
        let profile: Profile = serde_yaml::from_str(text).map_err(|e| {
            let message = harness_core::bounded::shorten_message(&e.to_string());
            // The YAML library puts the field path first: `a.b: message at line ...`.
            let (field, rest) = match message.split_once(": ") {
                Some((path, rest))
                    if !path.contains(' ')
                        && path
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c)) =>
                {
                    (path.to_owned(), rest.to_owned())
                }
                _ => ("-".to_owned(), message.clone()),
            };
            SimError::Profile {
                file: file.to_owned(),
                field,
                message: rest,
            }
        })?;
        profile.check(file)?;
        Ok(profile)
    }

    /// Load a profile file.
    pub fn load(path: &Path) -> Result<Self, SimError> {
        let text = harness_core::read_config(path).map_err(|source| SimError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_yaml(&text, &path.display().to_string())
    }

    /// A shipped profile by name, or else a profile file at that path.
    pub fn resolve(spec: &str) -> Result<Self, SimError> {
        if let Some((_, text)) = SHIPPED.iter().find(|(name, _)| *name == spec) {
            return Self::from_yaml(text, &format!("<shipped>/{spec}.yaml"));
        }
        let path = Path::new(spec);
        if spec.ends_with(".yaml") || spec.ends_with(".yml") || path.is_file() {
            return Self::load(path);
        }
        Err(SimError::UnknownProfile {
            name: spec.to_owned(),
            known: shipped_names().join(", "),
        })
    }

    /// The per-trial probability of `pathology` (0 when the profile leaves it out).
    pub fn probability(&self, pathology: Pathology) -> f64 {
        let p = &self.pathologies;
        match pathology {
            Pathology::OverExplore => p.over_explore.as_ref().map(|c| c.probability),
            Pathology::BlindRetry => p.blind_retry.as_ref().map(|c| c.probability),
            Pathology::EnvAmnesia => p.env_amnesia.as_ref().map(|c| c.probability),
            Pathology::PrematureFinish => p.premature_finish.as_ref().map(|c| c.probability),
            Pathology::OutputFlood => p.output_flood.as_ref().map(|c| c.probability),
            Pathology::ToolMisuse => p.tool_misuse.as_ref().map(|c| c.probability),
            Pathology::EnvFactBlindness => p.env_fact_blindness.as_ref().map(|c| c.probability),
        }
        .unwrap_or(0.0)
    }

    fn check(&self, file: &str) -> Result<(), SimError> {
        let fail = |field: &str, message: &str| {
            Err(SimError::Profile {
                file: file.to_owned(),
                field: field.to_owned(),
                message: message.to_owned(),
            })
        };
        if self.name.trim().is_empty() {
            return fail("name", "must not be empty");
        }
        if !self
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        {
            return fail("name", "use letters, digits, `-` and `_` only");
        }
        if self.context_window < 1024 {
            return fail("context_window", "must be at least 1024 tokens");
        }
        let mut probabilities = vec![
            ("pitfall_rate".to_owned(), self.pitfall_rate),
            ("fumble_rate".to_owned(), self.fumble_rate),
        ];
        for pathology in Pathology::ALL {
            probabilities.push((
                format!("pathologies.{}.probability", pathology.name()),
                self.probability(pathology),
            ));
        }
        if let Some(flood) = &self.pathologies.output_flood {
            probabilities.push(("pathologies.output_flood.reread".to_owned(), flood.reread));
        }
        probabilities.extend([
            (
                "exploration.rushed_misstep".to_owned(),
                self.exploration.rushed_misstep,
            ),
            ("costs.distraction".to_owned(), self.costs.distraction),
            (
                "costs.false_block_loss".to_owned(),
                self.costs.false_block_loss,
            ),
            (
                "costs.compaction_loss".to_owned(),
                self.costs.compaction_loss,
            ),
        ]);
        for (field, p) in probabilities {
            if !(0.0..=1.0).contains(&p) {
                return fail(&field, "must be a probability between 0 and 1");
            }
        }
        let ranges = [
            (
                "pathologies.over_explore.reads",
                self.pathologies.over_explore.as_ref().map(|c| c.reads),
            ),
            (
                "pathologies.blind_retry.repeats",
                self.pathologies.blind_retry.as_ref().map(|c| c.repeats),
            ),
            (
                "pathologies.tool_misuse.attempts",
                self.pathologies.tool_misuse.as_ref().map(|c| c.attempts),
            ),
        ];
        for (field, range) in ranges {
            if let Some([lo, hi]) = range
                && (lo == 0 || lo > hi)
            {
                return fail(field, "must be `[min, max]` with 1 <= min <= max");
            }
        }
        let [lo, hi] = self.exploration.reads;
        if lo > hi {
            return fail("exploration.reads", "must be `[min, max]` with min <= max");
        }
        if let Some(blind) = &self.pathologies.env_fact_blindness {
            for (i, habit) in blind.habits.iter().enumerate() {
                let ok = match habit {
                    Habit::Rename { command, habit } => {
                        is_word(command) && is_word(habit) && command != habit
                    }
                    Habit::Prefix { prefix, commands } => {
                        !prefix.trim().is_empty()
                            && !commands.is_empty()
                            && commands.iter().all(|c| is_word(c))
                    }
                };
                if !ok {
                    return fail(
                        &format!("pathologies.env_fact_blindness.habits[{i}]"),
                        "a rename needs two different command words; a prefix needs text and \
                         at least one command word",
                    );
                }
            }
        }
        Ok(())
    }
}

fn is_word(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
}

/// The names of the shipped profiles, in a fixed order.
pub fn shipped_names() -> Vec<&'static str> {
    SHIPPED.iter().map(|(name, _)| *name).collect()
}

/// The shipped profiles, parsed.
pub fn shipped() -> Result<Vec<Profile>, SimError> {
    SHIPPED
        .iter()
        .map(|(name, text)| Profile::from_yaml(text, &format!("<shipped>/{name}.yaml")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_profiles_parse_and_carry_their_file_names() {
        let profiles = shipped().unwrap();
        assert_eq!(profiles.len(), 4);
        for (profile, name) in profiles.iter().zip(shipped_names()) {
            assert_eq!(profile.name, name);
        }
        assert_eq!(Profile::resolve("retrier").unwrap().name, "retrier");
    }

    #[test]
    fn errors_name_the_file_and_field() {
        let bad = "name: x\ndescription: d\npathologies:\n  over_explore:\n    probability: 1.5\n    reads: [1, 2]\n";
        let err = Profile::from_yaml(bad, "p.yaml").unwrap_err().to_string();
        assert_eq!(
            err,
            "p.yaml: pathologies.over_explore.probability: must be a probability between 0 and 1"
        );
        let typo = "name: x\ndescription: d\npathologies:\n  over_explor:\n    probability: 1\n";
        let err = Profile::from_yaml(typo, "p.yaml").unwrap_err().to_string();
        assert!(
            err.starts_with("p.yaml: pathologies: unknown field `over_explor`"),
            "{err}"
        );
        let range = "name: x\ndescription: d\npathologies:\n  blind_retry:\n    probability: 1\n    repeats: [5, 2]\n";
        let err = Profile::from_yaml(range, "p.yaml").unwrap_err().to_string();
        assert!(err.contains("pathologies.blind_retry.repeats"), "{err}");
        let err = Profile::resolve("nobody").unwrap_err().to_string();
        assert!(
            err.contains("explorer, retrier, forgetter, surveyor"),
            "{err}"
        );
        let cost = "name: x\ndescription: d\ncosts:\n  distraction: 2\n";
        let err = Profile::from_yaml(cost, "p.yaml").unwrap_err().to_string();
        assert!(err.contains("costs.distraction"), "{err}");
        let reads = "name: x\ndescription: d\nexploration:\n  reads: [5, 2]\n";
        let err = Profile::from_yaml(reads, "p.yaml").unwrap_err().to_string();
        assert!(err.contains("exploration.reads"), "{err}");
    }

    /// A profile written before exploration and costs existed loads, with their defaults.
    #[test]
    fn profiles_without_exploration_or_costs_load_with_the_defaults() {
        let old = "name: old\ndescription: written for the first schema\ncontext_window: 32768\n\
                   pitfall_rate: 0.5\nfumble_rate: 0.04\npathologies:\n  over_explore:\n    \
                   probability: 0.75\n    reads: [30, 45]\n  output_flood:\n    probability: 0.6\n    reread: 0.7\n";
        let profile = Profile::from_yaml(old, "old.yaml").unwrap();
        assert_eq!(profile.exploration, Exploration::default());
        assert_eq!(profile.costs, Costs::default());
        assert_eq!(
            (
                profile.exploration.reads,
                profile.exploration.useful,
                profile.exploration.rushed_misstep,
                profile.exploration.cd_into_dirs,
            ),
            ([0, 0], 0, 0.5, false)
        );
        assert_eq!(
            (
                profile.costs.distraction,
                profile.costs.false_block_loss,
                profile.costs.compaction_loss,
            ),
            (0.15, 0.5, 0.3)
        );
    }
}
