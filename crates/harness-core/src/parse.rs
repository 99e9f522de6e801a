//! From raw file texts to a canonical [`Harness`]: classify each file, parse the structured
//! ones, re-render them canonically. Cross-file and registry checks live in `validate`.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use crate::agents::{SubAgent, SubAgentConfig};
use crate::canonical::{normalize_newlines, normalize_text, to_canonical_yaml};
use crate::error::{CoreError, Diagnostic};
use crate::harness::{Harness, MANIFEST_FILE, MIDDLEWARE_FILE, unexpected_file};
use crate::manifest::HarnessManifest;
use crate::memory::{HintsFile, Memory};
use crate::middleware::MiddlewareConfig;
use crate::path::HarnessPath;
use crate::skill::{Skill, SkillFrontMatter, render_skill, split_front_matter};
use crate::tool::{Tool, ToolSpec};

/// What a file is, by where it sits.
enum FileRole {
    Manifest,
    Middleware,
    Prompt,
    ToolSpec,
    ToolFile,
    Skill(String),
    SkillResource(String),
    Note,
    Hints,
    Agent,
    Unexpected(&'static str),
}

fn classify(path: &HarnessPath) -> FileRole {
    let segments: Vec<&str> = path.segments().collect();
    let name = path.file_name();
    match segments.as_slice() {
        [MANIFEST_FILE] => FileRole::Manifest,
        [MIDDLEWARE_FILE] => FileRole::Middleware,
        ["prompts", .., _] if name.ends_with(".md") => FileRole::Prompt,
        ["prompts", ..] => FileRole::Unexpected("prompt files are markdown (`.md`)"),
        ["tools", _] if name.ends_with(".yaml") => FileRole::ToolSpec,
        ["tools", _, ..] => FileRole::ToolFile,
        ["skills", dir, "SKILL.md"] => FileRole::Skill((*dir).to_owned()),
        ["skills", dir, _, ..] => FileRole::SkillResource((*dir).to_owned()),
        ["skills", _] => FileRole::Unexpected("skills live in folders: skills/<name>/SKILL.md"),
        ["memory", "hints.yaml"] => FileRole::Hints,
        ["memory", _] if name.ends_with(".md") => FileRole::Note,
        ["memory", ..] => {
            FileRole::Unexpected("memory holds notes (memory/*.md) and memory/hints.yaml")
        }
        ["agents", _] if name.ends_with(".yaml") => FileRole::Agent,
        ["agents", ..] => FileRole::Unexpected("sub-agents are agents/<name>.yaml"),
        _ => FileRole::Unexpected(
            "a harness holds harness.yaml, middleware.yaml, prompts/, tools/, skills/, memory/ and agents/",
        ),
    }
}

/// Parse YAML into `T`, turning serde's error into a located diagnostic. `line_offset` shifts
/// positions for YAML embedded after other lines (SKILL.md front matter).
pub(crate) fn parse_yaml<T: DeserializeOwned>(
    file: &str,
    text: &str,
    line_offset: usize,
) -> Result<T, Diagnostic> {
    crate::bounded::check_config(file, text, crate::bounded::ConfigFormat::Yaml).map_err(
        |d| match (d.line, d.column) {
            (Some(line), Some(column)) => d.at(line + line_offset, column),
            _ => d,
        },
    )?;
    // An empty document means "all defaults" for files whose fields all have defaults.
    let source = if text.trim().is_empty() { "{}" } else { text };
    serde_yaml::from_str(source).map_err(|e| {
        let full = crate::bounded::shorten_message(&e.to_string());
        // serde_yaml appends " at line L column C"; the position goes in its own fields.
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_owned(),
            None => full.clone(),
        };
        // It also prefixes the field path ("limits.max_turns: invalid type ...").
        let (field, message) = match message.split_once(": ") {
            Some((path, rest)) if !path.contains(' ') && !path.is_empty() => {
                (path.to_owned(), rest.to_owned())
            }
            _ => (String::new(), message),
        };
        let diagnostic = Diagnostic::new(file, field, message);
        match e.location() {
            Some(loc) => diagnostic.at(loc.line() + line_offset, loc.column()),
            None => diagnostic,
        }
    })
}

fn canonical_yaml<T: serde::Serialize>(file: &str, value: &T) -> Result<String, Diagnostic> {
    to_canonical_yaml(value).map_err(|e| Diagnostic::new(file, "", format!("cannot render: {e}")))
}

/// Parse every file; on success the harness holds canonical texts (not yet validated).
pub(crate) fn parse_files(raw: BTreeMap<HarnessPath, String>) -> Result<Harness, CoreError> {
    let mut diagnostics = Vec::new();
    let mut files = BTreeMap::new();
    let mut manifest: Option<HarnessManifest> = None;
    let mut middleware = MiddlewareConfig::default();
    let mut tools = BTreeMap::new();
    let mut skills = BTreeMap::new();
    let mut skill_dirs_with_files = std::collections::BTreeSet::new();
    let mut memory = Memory::default();
    let mut agents = BTreeMap::new();

    for (path, text) in raw {
        // Files made by edits never went through the loader's size check.
        if let Err(d) = crate::bounded::check_size(
            path.as_str(),
            text.len() as u64,
            crate::fs_io::MAX_FILE_BYTES,
        ) {
            diagnostics.push(d);
            continue;
        }
        let role = classify(&path);
        let text = match role {
            FileRole::Manifest
            | FileRole::Middleware
            | FileRole::ToolSpec
            | FileRole::Hints
            | FileRole::Agent
            | FileRole::Skill(_) => normalize_newlines(&text),
            _ => normalize_text(&text),
        };
        let file = path.as_str().to_owned();
        let canonical: Result<String, Diagnostic> = match role {
            FileRole::Manifest => parse_yaml::<HarnessManifest>(&file, &text, 0).and_then(|m| {
                let out = canonical_yaml(&file, &m);
                manifest = Some(m);
                out
            }),
            FileRole::Middleware => parse_yaml::<MiddlewareConfig>(&file, &text, 0).and_then(|m| {
                let out = canonical_yaml(&file, &m);
                middleware = m;
                out
            }),
            FileRole::ToolSpec => parse_yaml::<ToolSpec>(&file, &text, 0).and_then(|spec| {
                let out = canonical_yaml(&file, &spec);
                // Duplicate names are reported by validation; keep the first here.
                let key = if tools.contains_key(&spec.name) {
                    format!("{}\u{0}{}", spec.name, file)
                } else {
                    spec.name.clone()
                };
                tools.insert(
                    key,
                    Tool {
                        file: path.clone(),
                        spec,
                    },
                );
                out
            }),
            FileRole::Hints => parse_yaml::<HintsFile>(&file, &text, 0).and_then(|h| {
                let out = canonical_yaml(&file, &h);
                memory.hints = h.hints;
                out
            }),
            FileRole::Agent => parse_yaml::<SubAgentConfig>(&file, &text, 0).and_then(|a| {
                let out = canonical_yaml(&file, &a);
                let key = if agents.contains_key(&a.name) {
                    format!("{}\u{0}{}", a.name, file)
                } else {
                    a.name.clone()
                };
                agents.insert(
                    key,
                    SubAgent {
                        file: path.clone(),
                        config: a,
                    },
                );
                out
            }),
            FileRole::Skill(dir) => parse_skill(&file, &text).map(|(skill, out)| {
                skills.insert(dir, skill);
                out
            }),
            FileRole::SkillResource(dir) => {
                skill_dirs_with_files.insert(dir);
                Ok(text)
            }
            FileRole::Note => {
                memory.notes.insert(path.clone(), text.clone());
                Ok(text)
            }
            FileRole::Prompt | FileRole::ToolFile => Ok(text),
            FileRole::Unexpected(why) => Err(unexpected_file(&path, why)),
        };
        match canonical {
            Ok(text) => {
                files.insert(path, text);
            }
            Err(d) => diagnostics.push(d),
        }
    }

    for dir in skill_dirs_with_files {
        if !skills.contains_key(&dir) {
            diagnostics.push(Diagnostic::new(
                format!("skills/{dir}/SKILL.md"),
                "",
                "missing: every skill folder needs a SKILL.md",
            ));
        }
    }
    let Some(manifest) = manifest else {
        if !diagnostics.iter().any(|d| d.file == MANIFEST_FILE) {
            diagnostics.push(Diagnostic::new(
                MANIFEST_FILE,
                "",
                "missing: a harness needs harness.yaml",
            ));
        }
        return Err(CoreError::Invalid { diagnostics });
    };
    if !diagnostics.is_empty() {
        return Err(CoreError::Invalid { diagnostics });
    }
    Ok(Harness {
        files,
        manifest,
        tools,
        middleware,
        skills,
        memory,
        agents,
    })
}

fn parse_skill(file: &str, text: &str) -> Result<(Skill, String), Diagnostic> {
    let (yaml, body) =
        split_front_matter(text).map_err(|m| Diagnostic::new(file, "", m).at(1, 1))?;
    let front_matter: SkillFrontMatter = parse_yaml(file, yaml, 1)?;
    let body = normalize_text(body);
    let canonical = render_skill(&front_matter, &body)
        .map_err(|e| Diagnostic::new(file, "", format!("cannot render: {e}")))?;
    let dir = file.split('/').nth(1).unwrap_or_default().to_owned();
    Ok((
        Skill {
            dir,
            front_matter,
            body,
        },
        canonical,
    ))
}
