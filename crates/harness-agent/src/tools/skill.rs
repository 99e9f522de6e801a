//! The `load_skill` builtin: returns a skill's `SKILL.md` body from the harness.
//!
//! A skill's other files (scripts, references) are copied into the sandbox under
//! `$TMPDIR/.harness-skills/<skill folder>/` when the skill is loaded, and the output lists
//! where they are, so that a body that says "run `scripts/check.py`" can be followed.

use std::time::Instant;

use async_trait::async_trait;
use harness_core::Harness;
use harness_core::skill::Skill;

use crate::model::ToolDefinition;
use crate::tools::args::required_str;
use crate::tools::factory::{NoOptions, builtin_options};
use crate::tools::install::{SKILLS_DIR, install};
use crate::tools::{Tool, ToolBuildError, ToolContext, ToolOutput};

/// `load_skill`: argument `name`, the skill's name (its folder name is accepted too).
#[derive(Debug, Clone)]
pub struct LoadSkillTool {
    definition: ToolDefinition,
}

impl LoadSkillTool {
    /// A tool with this definition.
    pub fn new(definition: ToolDefinition) -> Self {
        Self { definition }
    }

    /// The tool a harness defines (no options).
    pub fn from_harness(tool: &harness_core::Tool) -> Result<Self, ToolBuildError> {
        let _: NoOptions = builtin_options(tool)?;
        Ok(Self::new(crate::tools::tool_definition(&tool.spec)))
    }
}

/// A skill by its front-matter name, else by folder name.
fn find_skill<'h>(harness: &'h Harness, name: &str) -> Option<&'h Skill> {
    let skills = harness.skills();
    skills
        .values()
        .find(|s| s.front_matter.name == name)
        .or_else(|| skills.get(name))
}

/// The skill's files other than `SKILL.md`: (path inside the skill folder, text).
fn resources<'h>(harness: &'h Harness, skill: &Skill) -> Vec<(&'h str, &'h str)> {
    let prefix = format!("skills/{}/", skill.dir);
    harness
        .files()
        .iter()
        .filter_map(|(path, text)| {
            let rest = path.as_str().strip_prefix(&prefix)?;
            (rest != "SKILL.md").then_some((rest, text.as_str()))
        })
        .collect()
}

#[async_trait]
impl Tool for LoadSkillTool {
    fn definition(&self) -> &ToolDefinition {
        &self.definition
    }

    async fn call(&self, ctx: &ToolContext<'_>, arguments: &serde_json::Value) -> ToolOutput {
        let started = Instant::now();
        let name = match required_str(arguments, "name") {
            Ok(name) => name,
            Err(error) => return error,
        };
        let Some(skill) = find_skill(ctx.harness, name) else {
            let known: Vec<String> = ctx
                .harness
                .skills()
                .values()
                .map(|s| format!("{} ({})", s.front_matter.name, s.front_matter.description))
                .collect();
            let known = if known.is_empty() {
                "this harness has no skills".to_owned()
            } else {
                format!("known skills: {}", known.join("; "))
            };
            return ToolOutput::error(format!("unknown skill `{name}`; {known}"));
        };
        let mut content = format!(
            "# Skill: {}\n\n{}",
            skill.front_matter.name,
            skill.body.trim()
        );
        let files = resources(ctx.harness, skill);
        if !files.is_empty() {
            content.push_str("\n\nResource files of this skill, copied into the sandbox:");
            for (rest, text) in files {
                let relative = format!("{SKILLS_DIR}/{}/{rest}", skill.dir);
                match install(ctx.sandbox, &relative, text.as_bytes()).await {
                    Ok(path) => content.push_str(&format!("\n- {rest}: {path}")),
                    Err(message) => {
                        content.push_str(&format!("\n- {rest}: not available ({message})"))
                    }
                }
            }
        }
        let mut out = ToolOutput::ok(content);
        out.duration = started.elapsed();
        out
    }
}
