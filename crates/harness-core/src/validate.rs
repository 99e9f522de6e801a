//! Semantic checks over a parsed harness: references between files, names, schemas, the kinds
//! in the registry, template variables. Every diagnostic gets a line and column where the field
//! can be found in its file.

use std::collections::BTreeMap;

use regex::Regex;

use crate::error::Diagnostic;
use crate::harness::{Harness, MANIFEST_FILE, MIDDLEWARE_FILE};
use crate::locate::locate_field;
use crate::manifest::SCHEMA_VERSION;
use crate::memory::{HINTS_FILE, HintTrigger};
use crate::middleware::{Action, Trigger};
use crate::path::HarnessPath;
use crate::registry::KindRegistry;
use crate::surface::SurfaceMatcher;
use crate::template::check_template;
use crate::tool::ToolImplementation;

/// Run every check; an empty result means the harness is valid.
pub(crate) fn validate(
    h: &Harness,
    registry: &KindRegistry,
    sources: &BTreeMap<HarnessPath, String>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    check_manifest(h, &mut out);
    check_prompts(h, &mut out);
    check_tools(h, registry, &mut out);
    check_middleware(h, registry, &mut out);
    check_skills(h, &mut out);
    check_hints(h, &mut out);
    check_agents(h, &mut out);
    for d in &mut out {
        attach_position(sources, d);
    }
    out
}

fn attach_position(sources: &BTreeMap<HarnessPath, String>, d: &mut Diagnostic) {
    if d.line.is_some() || d.field.is_empty() {
        return;
    }
    let Ok(path) = HarnessPath::parse(&d.file) else {
        return;
    };
    let Some(text) = sources.get(&path) else {
        return;
    };
    let (yaml, offset) = if path.file_name() == "SKILL.md" {
        // Front matter starts after the opening `---` line.
        (text.strip_prefix("---\n").unwrap_or(text), 1)
    } else if path.file_name().ends_with(".yaml") {
        (text.as_str(), 0)
    } else {
        return;
    };
    if let Some((line, column)) = locate_field(yaml, &d.field) {
        d.line = Some(line + offset);
        d.column = Some(column);
    }
}

fn is_identifier(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn check_regex(file: &str, field: String, pattern: &str, out: &mut Vec<Diagnostic>) {
    if let Err(e) = Regex::new(pattern) {
        let first = e
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_owned();
        out.push(Diagnostic::new(
            file,
            field,
            format!("invalid regular expression `{pattern}`: {first}"),
        ));
    }
}

fn check_manifest(h: &Harness, out: &mut Vec<Diagnostic>) {
    let m = &h.manifest;
    let f = MANIFEST_FILE;
    if m.schema_version != SCHEMA_VERSION {
        out.push(Diagnostic::new(
            f,
            "schema_version",
            format!(
                "unsupported schema version {} (this toolkit reads {SCHEMA_VERSION})",
                m.schema_version
            ),
        ));
    }
    if !is_identifier(&m.name, 64) {
        out.push(Diagnostic::new(
            f,
            "name",
            "must be 1-64 letters, digits, `-`, `_` or `.`",
        ));
    }
    if !m.system_prompt.as_str().starts_with("prompts/") {
        out.push(Diagnostic::new(
            f,
            "system_prompt",
            "must be a file under prompts/",
        ));
    } else if !h.files.contains_key(&m.system_prompt) {
        out.push(Diagnostic::new(
            f,
            "system_prompt",
            format!("references missing file `{}`", m.system_prompt),
        ));
    }
    if !(0.0..=2.0).contains(&m.model.temperature) {
        out.push(Diagnostic::new(
            f,
            "model.temperature",
            "must be between 0 and 2",
        ));
    }
    if m.model.max_output_tokens == 0 {
        out.push(Diagnostic::new(
            f,
            "model.max_output_tokens",
            "must be positive",
        ));
    }
    let limits = [
        ("limits.max_turns", u64::from(m.limits.max_turns)),
        ("limits.max_tool_calls", u64::from(m.limits.max_tool_calls)),
        ("limits.wall_time_sec", m.limits.wall_time_sec),
        ("limits.token_budget", m.limits.token_budget),
        ("limits.context_window", m.limits.context_window),
    ];
    for (field, value) in limits {
        if value == 0 {
            out.push(Diagnostic::new(f, field, "must be positive"));
        }
    }
    if let Err(diagnostics) = SurfaceMatcher::new(&m.surfaces) {
        out.extend(diagnostics);
    }
}

fn check_prompts(h: &Harness, out: &mut Vec<Diagnostic>) {
    for (path, text) in &h.files {
        if path.first_segment() == "prompts" {
            out.extend(check_template(path.as_str(), text));
        }
    }
}

fn check_tools(h: &Harness, registry: &KindRegistry, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, &HarnessPath> = BTreeMap::new();
    for tool in h.tools.values() {
        let file = tool.file.as_str();
        let spec = &tool.spec;
        if let Some(first) = seen.insert(&spec.name, &tool.file) {
            out.push(Diagnostic::new(
                file,
                "name",
                format!("duplicate tool name `{}` (also in {first})", spec.name),
            ));
        }
        if !spec
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            || spec.name.is_empty()
            || spec.name.len() > 64
        {
            out.push(Diagnostic::new(
                file,
                "name",
                "tool names are 1-64 letters, digits, `_` or `-`",
            ));
        }
        if spec.description.trim().is_empty() {
            out.push(Diagnostic::new(file, "description", "must not be empty"));
        }
        if let Err(e) = jsonschema::meta::validate(&spec.parameters) {
            out.push(Diagnostic::new(
                file,
                format!(
                    "parameters{}",
                    json_pointer_to_field(&e.instance_path().to_string())
                ),
                format!("invalid JSON Schema: {e}"),
            ));
        } else if spec.parameters.get("type").and_then(|t| t.as_str()) != Some("object") {
            out.push(Diagnostic::new(
                file,
                "parameters",
                "the arguments schema must have `type: object`",
            ));
        }
        match &spec.implementation {
            ToolImplementation::Builtin { builtin, options } => match registry.tool(builtin) {
                None => out.push(Diagnostic::new(
                    file,
                    "implementation.builtin",
                    format!(
                        "unknown builtin tool `{builtin}` (known: {})",
                        registry
                            .builtin_tools()
                            .map(|k| k.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
                Some(kind) => {
                    let value = serde_json::Value::Object(options.clone().into_iter().collect());
                    check_params(
                        file,
                        "implementation.options",
                        &kind.params_schema,
                        &value,
                        out,
                    );
                }
            },
            ToolImplementation::Script {
                path,
                interpreter,
                timeout_sec,
            } => {
                if path.first_segment() != "tools" {
                    out.push(Diagnostic::new(
                        file,
                        "implementation.path",
                        "scripts live under tools/",
                    ));
                } else if !h.files.contains_key(path) {
                    out.push(Diagnostic::new(
                        file,
                        "implementation.path",
                        format!("references missing file `{path}`"),
                    ));
                } else if path.file_name().ends_with(".yaml") {
                    out.push(Diagnostic::new(
                        file,
                        "implementation.path",
                        "a script cannot be a tool definition",
                    ));
                }
                if interpreter.trim().is_empty() {
                    out.push(Diagnostic::new(
                        file,
                        "implementation.interpreter",
                        "must not be empty",
                    ));
                }
                if *timeout_sec == 0 {
                    out.push(Diagnostic::new(
                        file,
                        "implementation.timeout_sec",
                        "must be positive",
                    ));
                }
            }
        }
    }
}

/// `/properties/x` -> `.properties.x`, `/a/0` -> `.a[0]`.
fn json_pointer_to_field(pointer: &str) -> String {
    pointer
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.chars().all(|c| c.is_ascii_digit()) {
                format!("[{s}]")
            } else {
                format!(".{s}")
            }
        })
        .collect()
}

fn check_params(
    file: &str,
    field: &str,
    schema: &serde_json::Value,
    value: &serde_json::Value,
    out: &mut Vec<Diagnostic>,
) {
    let Ok(validator) = jsonschema::validator_for(schema) else {
        out.push(Diagnostic::new(
            file,
            field,
            "the registered kind has an invalid parameter schema",
        ));
        return;
    };
    for error in validator.iter_errors(value) {
        out.push(Diagnostic::new(
            file,
            format!(
                "{field}{}",
                json_pointer_to_field(&error.instance_path().to_string())
            ),
            error.to_string(),
        ));
    }
}

fn check_middleware(h: &Harness, registry: &KindRegistry, out: &mut Vec<Diagnostic>) {
    let f = MIDDLEWARE_FILE;
    let mw = &h.middleware;
    for (i, instance) in mw.middleware.iter().enumerate() {
        match registry.middleware(&instance.kind) {
            None => out.push(Diagnostic::new(
                f,
                format!("middleware[{i}].kind"),
                format!(
                    "unknown middleware kind `{}` (known: {})",
                    instance.kind,
                    registry
                        .middleware_kinds()
                        .map(|k| k.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
            Some(kind) => check_params(
                f,
                &format!("middleware[{i}].params"),
                &kind.params_schema,
                &instance.params,
                out,
            ),
        }
    }
    let mut names = std::collections::BTreeSet::new();
    for (i, rule) in mw.rules.iter().enumerate() {
        if !names.insert(rule.name.as_str()) {
            out.push(Diagnostic::new(
                f,
                format!("rules[{i}].name"),
                format!("duplicate rule name `{}`", rule.name),
            ));
        }
        let tool_ref = |tool: &Option<String>, out: &mut Vec<Diagnostic>| {
            if let Some(tool) = tool
                && !h.tools.values().any(|t| &t.spec.name == tool)
            {
                out.push(Diagnostic::new(
                    f,
                    format!("rules[{i}].trigger.tool"),
                    format!("no tool named `{tool}`"),
                ));
            }
        };
        match &rule.trigger {
            Trigger::ToolError { pattern, tool } | Trigger::ToolCall { pattern, tool } => {
                check_regex(f, format!("rules[{i}].trigger.pattern"), pattern, out);
                tool_ref(tool, out);
            }
            Trigger::IdenticalCalls { count } if *count < 2 => {
                out.push(Diagnostic::new(
                    f,
                    format!("rules[{i}].trigger.count"),
                    "must be at least 2",
                ));
            }
            Trigger::TurnCount { at } | Trigger::ToolCallCount { at } if *at == 0 => {
                out.push(Diagnostic::new(
                    f,
                    format!("rules[{i}].trigger.at"),
                    "must be at least 1",
                ));
            }
            _ => {}
        }
        match &rule.action {
            Action::Rewrite { pattern, .. } => {
                check_regex(f, format!("rules[{i}].action.pattern"), pattern, out);
            }
            Action::Inject { message } | Action::Block { message } if message.trim().is_empty() => {
                out.push(Diagnostic::new(
                    f,
                    format!("rules[{i}].action.message"),
                    "must not be empty",
                ));
            }
            _ => {}
        }
    }
}

fn check_skills(h: &Harness, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for skill in h.skills.values() {
        let file = format!("skills/{}/SKILL.md", skill.dir);
        let name = skill.front_matter.name.as_str();
        if !crate::skill::is_valid_skill_name(name) {
            out.push(Diagnostic::new(
                &file,
                "name",
                "skill names are lowercase letters, digits and single `-`, at most 64 characters",
            ));
        }
        if let Some(first) = seen.insert(name, &skill.dir) {
            out.push(Diagnostic::new(
                &file,
                "name",
                format!("duplicate skill name `{name}` (also in skills/{first}/SKILL.md)"),
            ));
        }
        if skill.front_matter.description.trim().is_empty() {
            out.push(Diagnostic::new(&file, "description", "must not be empty"));
        }
    }
}

fn check_hints(h: &Harness, out: &mut Vec<Diagnostic>) {
    let f = HINTS_FILE;
    let mut ids = std::collections::BTreeSet::new();
    for (i, hint) in h.memory.hints.iter().enumerate() {
        if !ids.insert(hint.id.as_str()) {
            out.push(Diagnostic::new(
                f,
                format!("hints[{i}].id"),
                format!("duplicate hint id `{}`", hint.id),
            ));
        }
        if hint.advice.trim().is_empty() {
            out.push(Diagnostic::new(
                f,
                format!("hints[{i}].advice"),
                "must not be empty",
            ));
        }
        match &hint.trigger {
            HintTrigger::ToolError { pattern }
            | HintTrigger::Command { pattern }
            | HintTrigger::Task { pattern } => {
                check_regex(f, format!("hints[{i}].trigger.pattern"), pattern, out);
            }
            HintTrigger::Always => {}
        }
        if let Some(sub) = &hint.substitute
            && sub.from.trim().is_empty()
        {
            out.push(Diagnostic::new(
                f,
                format!("hints[{i}].substitute.from"),
                "must not be empty",
            ));
        }
    }
}

fn check_agents(h: &Harness, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, &HarnessPath> = BTreeMap::new();
    for sub in h.agents.values() {
        let (file, agent) = (sub.file.as_str(), &sub.config);
        if let Some(first) = seen.insert(&agent.name, &sub.file) {
            out.push(Diagnostic::new(
                file,
                "name",
                format!(
                    "duplicate sub-agent name `{}` (also in {first})",
                    agent.name
                ),
            ));
        }
        if agent.system_prompt.first_segment() != "prompts" {
            out.push(Diagnostic::new(
                file,
                "system_prompt",
                "must be a file under prompts/",
            ));
        } else if !h.files.contains_key(&agent.system_prompt) {
            out.push(Diagnostic::new(
                file,
                "system_prompt",
                format!("references missing file `{}`", agent.system_prompt),
            ));
        }
        for (i, tool) in agent.tools.iter().enumerate() {
            if !h.tools.values().any(|t| &t.spec.name == tool) {
                out.push(Diagnostic::new(
                    file,
                    format!("tools[{i}]"),
                    format!("no tool named `{tool}`"),
                ));
            }
        }
    }
}
