//! The Dockerfile subset we execute at environment build time, inside the sandbox.
//!
//! Parsing ([`Dockerfile::parse`](crate::dockerfile::Dockerfile::parse)) splits logical lines:
//! `\` continuations (comment and blank lines inside a continuation are dropped, as Docker
//! does), comments, BuildKit heredocs on RUN (`RUN <<EOF ... EOF`, `RUN cat > f <<'EOF' ...
//! EOF`), exec-form (JSON array) RUN.
//!
//! Planning ([`Dockerfile::plan`](crate::dockerfile::Dockerfile::plan)) resolves variables and
//! paths into [`BuildStep`](crate::dockerfile::BuildStep)s:
//! - `FROM` is recorded (the host system stands in for the image); a second `FROM`
//!   (multi-stage build) is an error.
//! - `WORKDIR` sets the working directory of later steps (relative paths join the previous one);
//!   the last one is the task's WORKDIR. Without any, `/app` is used, with a note.
//! - `ENV K=V K2="V 2"` and legacy `ENV K V` set variables for later steps and for the agent and
//!   verifier. `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR:+x}` are substituted from earlier ENV/ARG
//!   lines, then from the sandbox's base environment (so `ENV PATH=/opt/bin:$PATH` works).
//! - `ARG NAME[=default]` defines a build-time variable (visible to RUN lines and substitution,
//!   not to the agent), as Docker does.
//! - `COPY`/`ADD` copy files from the build context (`environment/`); globs follow Docker's
//!   rules; a directory source copies its contents. `--chown`/`--chmod`/`--link` are ignored with
//!   a note; `--from` (multi-stage), ADD of URLs and ADD of archives are errors.
//! - `RUN` runs with the offline shims on PATH (see [`crate::shims`]); `apt-get`/`apt`/`pip`
//!   install requests become [`Requirement`](crate::requirements::Requirement)s checked against the host.
//! - `LABEL`, `USER`, `EXPOSE`, `CMD`, `ENTRYPOINT`, `MAINTAINER` are recorded and ignored with a
//!   note (they describe the image's runtime, which the harness drives itself).
//! - Anything else (`VOLUME`, `SHELL`, `HEALTHCHECK`, `ONBUILD`, `STOPSIGNAL`, unknown words) is
//!   an error naming the task, file, line and instruction.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use globset::GlobBuilder;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::TaskError;
use crate::requirements::{self, Requirement};
use harness_core::shell_words;

use crate::words::{docker_words, shell_quote};

/// WORKDIR used when a Dockerfile sets none (nearly all Harbor tasks use it).
pub const DEFAULT_WORKDIR: &str = "/app";

/// A parsed Dockerfile: one entry per logical instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// Instructions in file order.
    pub instructions: Vec<Instruction>,
}

/// One logical instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// 1-based line where it starts.
    pub line: usize,
    /// Upper-case keyword, e.g. `RUN`.
    pub keyword: String,
    /// What the instruction does.
    pub op: Op,
}

/// The instructions we know, with raw (unsubstituted) arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `FROM image [AS name]`.
    From(String),
    /// `WORKDIR path`.
    Workdir(String),
    /// `ENV ...` arguments.
    Env(String),
    /// `ARG ...` arguments.
    Arg(String),
    /// `COPY`/`ADD` arguments.
    Copy {
        /// Raw arguments.
        args: String,
        /// True for `ADD`.
        add: bool,
    },
    /// `RUN`: shell text (exec form already quoted into shell text).
    Run(String),
    /// Recorded and ignored (LABEL, USER, EXPOSE, CMD, ENTRYPOINT, MAINTAINER).
    Ignored(String),
}

/// One step of an environment build, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BuildStep {
    /// Create a directory (WORKDIR).
    MakeDir {
        /// Dockerfile line.
        line: usize,
        /// Absolute path as the task sees it.
        path: String,
    },
    /// Copy files from the build context.
    Copy {
        /// Dockerfile line.
        line: usize,
        /// `COPY` or `ADD`.
        keyword: String,
        /// Sources relative to the build context (`""` is the context itself).
        sources: Vec<String>,
        /// Absolute destination as the task sees it.
        dest: String,
        /// Whether `dest` is a directory to copy into (trailing `/`, several sources).
        into_dir: bool,
    },
    /// Run a shell command.
    Run {
        /// Dockerfile line.
        line: usize,
        /// Shell text.
        command: String,
        /// ENV and ARG values in force at this line.
        env: BTreeMap<String, String>,
        /// Working directory as the task sees it.
        cwd: String,
    },
}

/// A Dockerfile resolved into steps plus what the agent and verifier will see.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BuildPlan {
    /// The FROM image, recorded only.
    pub base_image: Option<String>,
    /// Final WORKDIR.
    pub workdir: String,
    /// Final ENV values (not ARG).
    pub env: BTreeMap<String, String>,
    /// Steps in order.
    pub steps: Vec<BuildStep>,
    /// Packages RUN lines ask apt or pip for.
    pub requirements: Vec<Requirement>,
    /// Human notes: ignored instructions, defaults applied.
    pub notes: Vec<String>,
    /// Variables that were looked up in the base environment (not defined by the Dockerfile).
    pub base_lookups: BTreeSet<String>,
}

impl Dockerfile {
    /// Split `text` into instructions. `task` and `file` name the source in errors.
    pub fn parse(text: &str, task: &str, file: &str) -> Result<Self, TaskError> {
        let err = |line: usize, instruction: &str, problem: String| TaskError::Dockerfile {
            task: task.to_owned(),
            file: file.to_owned(),
            line,
            instruction: instruction.to_owned(),
            problem,
        };
        let lines: Vec<&str> = text.lines().collect();
        let mut instructions = Vec::new();
        let mut i = 0;
        let mut seen_instruction = false;
        while i < lines.len() {
            let start = i;
            let first = lines[i].trim();
            i += 1;
            if first.is_empty() {
                continue;
            }
            if let Some(comment) = first.strip_prefix('#') {
                // Parser directives come before any instruction; only the default escape works.
                let directive = comment.trim().to_ascii_lowercase();
                if !seen_instruction
                    && let Some(value) = directive.strip_prefix("escape=")
                    && value.trim() != "\\"
                {
                    return Err(err(
                        start + 1,
                        "# escape",
                        format!("escape character `{}` is not supported", value.trim()),
                    ));
                }
                continue;
            }
            seen_instruction = true;
            let mut logical = String::new();
            let mut current = lines[start].trim_end();
            loop {
                match current.strip_suffix('\\') {
                    Some(body) => {
                        logical.push_str(body);
                        logical.push(' ');
                        // Comment and blank lines inside a continuation are dropped.
                        while i < lines.len()
                            && (lines[i].trim().is_empty()
                                || lines[i].trim_start().starts_with('#'))
                        {
                            i += 1;
                        }
                        if i >= lines.len() {
                            break;
                        }
                        current = lines[i].trim_end();
                        i += 1;
                    }
                    None => {
                        logical.push_str(current);
                        break;
                    }
                }
            }
            let logical = logical.trim();
            let (word, rest) = match logical.find(char::is_whitespace) {
                Some(at) => (&logical[..at], logical[at..].trim()),
                None => (logical, ""),
            };
            let keyword = word.to_ascii_uppercase();
            let line = start + 1;
            let op = match keyword.as_str() {
                "FROM" => Op::From(rest.to_owned()),
                "WORKDIR" => Op::Workdir(rest.to_owned()),
                "ENV" => Op::Env(rest.to_owned()),
                "ARG" => Op::Arg(rest.to_owned()),
                "COPY" | "ADD" => {
                    if !shell_words::heredocs(rest).is_empty() {
                        return Err(err(
                            line,
                            &keyword,
                            "heredoc sources are not supported".into(),
                        ));
                    }
                    Op::Copy {
                        args: rest.to_owned(),
                        add: keyword == "ADD",
                    }
                }
                "RUN" => {
                    let mut command = exec_form(rest).unwrap_or_else(|| rest.to_owned());
                    let markers = shell_words::heredocs(rest);
                    for heredoc in &markers {
                        command.push('\n');
                        loop {
                            let Some(body) = lines.get(i) else {
                                return Err(err(
                                    line,
                                    "RUN",
                                    format!("heredoc `{}` is not terminated", heredoc.delimiter),
                                ));
                            };
                            i += 1;
                            command.push_str(body);
                            if shell_words::ends_heredoc(heredoc, body.trim_end()) {
                                break;
                            }
                            command.push('\n');
                        }
                    }
                    // `RUN <<EOF` runs the heredoc as a script.
                    if !markers.is_empty() && command.starts_with("<<") {
                        command.insert_str(0, "bash ");
                    }
                    if command.trim().is_empty() {
                        return Err(err(line, "RUN", "empty command".into()));
                    }
                    Op::Run(command)
                }
                "LABEL" | "USER" | "EXPOSE" | "CMD" | "ENTRYPOINT" | "MAINTAINER" => {
                    Op::Ignored(rest.to_owned())
                }
                "VOLUME" | "SHELL" | "HEALTHCHECK" | "ONBUILD" | "STOPSIGNAL" => {
                    return Err(err(
                        line,
                        &keyword,
                        "instruction not supported by offline environment builds".into(),
                    ));
                }
                _ => {
                    return Err(err(line, word, "unknown instruction".into()));
                }
            };
            instructions.push(Instruction { line, keyword, op });
        }
        Ok(Dockerfile { instructions })
    }

    /// Resolve variables, paths and COPY sources into a [`BuildPlan`]. `context` is the build
    /// context dir (`environment/`); `base` answers variables the Dockerfile does not define
    /// (the sandbox's base environment; `|_| None` for a static plan).
    pub fn plan(
        &self,
        task: &str,
        file: &str,
        context: &Path,
        base: &dyn Fn(&str) -> Option<String>,
    ) -> Result<BuildPlan, TaskError> {
        let mut plan = BuildPlan::default();
        let mut args: BTreeMap<String, String> = BTreeMap::new();
        let mut env: BTreeMap<String, String> = BTreeMap::new();
        let mut cwd: Option<String> = None;
        let mut runs_before_workdir = Vec::new();
        let final_workdir = self.final_workdir_is_set();

        for ins in &self.instructions {
            let err = |problem: String| TaskError::Dockerfile {
                task: task.to_owned(),
                file: file.to_owned(),
                line: ins.line,
                instruction: ins.keyword.clone(),
                problem,
            };
            let mut lookups = BTreeSet::new();
            let mut lookup = |name: &str| -> Option<String> {
                if let Some(v) = env.get(name).or_else(|| args.get(name)) {
                    return Some(v.clone());
                }
                lookups.insert(name.to_owned());
                base(name)
            };
            match &ins.op {
                Op::From(text) => {
                    if plan.base_image.is_some() {
                        return Err(err("multi-stage builds are not supported".into()));
                    }
                    let image = text
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    if image.is_empty() {
                        return Err(err("missing image name".into()));
                    }
                    plan.notes.push(format!(
                        "line {}: FROM {image} recorded; the host system stands in for the image",
                        ins.line
                    ));
                    plan.base_image = Some(image);
                }
                Op::Workdir(text) => {
                    let words = docker_words(text, false, &mut lookup).map_err(&err)?;
                    let path = words.concat();
                    if path.is_empty() {
                        return Err(err("missing path".into()));
                    }
                    let joined = join_path(cwd.as_deref().unwrap_or("/"), &path);
                    plan.steps.push(BuildStep::MakeDir {
                        line: ins.line,
                        path: joined.clone(),
                    });
                    cwd = Some(joined);
                }
                Op::Env(text) => {
                    let pairs = parse_env(text, &mut lookup).map_err(&err)?;
                    env.extend(pairs);
                }
                Op::Arg(text) => {
                    let words = docker_words(text, true, &mut lookup).map_err(&err)?;
                    for w in words {
                        match w.split_once('=') {
                            Some((k, v)) => {
                                args.insert(k.to_owned(), v.to_owned());
                            }
                            None => plan.notes.push(format!(
                                "line {}: ARG {w} has no default and no build args are passed; \
                                 it stays unset",
                                ins.line
                            )),
                        }
                    }
                }
                Op::Copy { args: text, add } => {
                    let step = plan_copy(
                        text,
                        *add,
                        ins,
                        cwd.as_deref().unwrap_or(DEFAULT_WORKDIR),
                        context,
                        &mut lookup,
                        &mut plan.notes,
                    )
                    .map_err(&err)?;
                    plan.steps.push(step);
                }
                Op::Run(command) => {
                    let mut run_env = args.clone();
                    run_env.extend(env.clone());
                    plan.requirements
                        .extend(requirements::from_command(command, ins.line));
                    if cwd.is_none() {
                        runs_before_workdir.push(ins.line);
                    }
                    plan.steps.push(BuildStep::Run {
                        line: ins.line,
                        command: command.clone(),
                        env: run_env,
                        cwd: cwd.clone().unwrap_or_else(|| {
                            final_workdir
                                .clone()
                                .unwrap_or_else(|| DEFAULT_WORKDIR.to_owned())
                        }),
                    });
                }
                Op::Ignored(text) => plan.notes.push(format!(
                    "line {}: {} {} ignored (the harness drives the environment itself)",
                    ins.line,
                    ins.keyword,
                    text.chars().take(60).collect::<String>()
                )),
            }
            plan.base_lookups.extend(lookups);
        }
        plan.workdir = match cwd {
            Some(w) => w,
            None => {
                plan.notes
                    .push(format!("no WORKDIR: using {DEFAULT_WORKDIR}"));
                DEFAULT_WORKDIR.to_owned()
            }
        };
        if !runs_before_workdir.is_empty() {
            plan.notes.push(format!(
                "RUN lines before the first WORKDIR (lines {runs_before_workdir:?}) run in {}",
                plan.workdir
            ));
        }
        plan.env = env;
        Ok(plan)
    }

    /// The last WORKDIR's literal text if it is absolute and plain (used for RUN lines that come
    /// before any WORKDIR).
    fn final_workdir_is_set(&self) -> Option<String> {
        self.instructions.iter().rev().find_map(|i| match &i.op {
            Op::Workdir(p) if p.starts_with('/') && !p.contains('$') => {
                Some(normalize(p.trim_matches(['"', '\''])))
            }
            _ => None,
        })
    }
}

/// `["a", "b"]` as shell text, if `text` is a JSON array of strings.
fn exec_form(text: &str) -> Option<String> {
    if !text.trim_start().starts_with('[') {
        return None;
    }
    let argv: Vec<String> = serde_json::from_str(text.trim()).ok()?;
    Some(
        argv.iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// Parse ENV arguments (both forms) into pairs, substituting variables with the values in
/// force before this line.
fn parse_env(
    text: &str,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, String> {
    let first = text.split_whitespace().next().unwrap_or_default();
    if first.is_empty() {
        return Err("missing variable".into());
    }
    if !first.contains('=') {
        // Legacy `ENV KEY value with spaces`.
        let rest = text.trim()[first.len()..].trim();
        let value = docker_words(rest, false, lookup)?.concat();
        return Ok(vec![(first.to_owned(), value)]);
    }
    let mut pairs = Vec::new();
    for word in docker_words(text, true, lookup)? {
        let Some((k, v)) = word.split_once('=') else {
            return Err(format!("`{word}` is not KEY=VALUE"));
        };
        if k.is_empty() {
            return Err(format!("`{word}` has an empty name"));
        }
        pairs.push((k.to_owned(), v.to_owned()));
    }
    Ok(pairs)
}

fn plan_copy(
    text: &str,
    add: bool,
    ins: &Instruction,
    cwd: &str,
    context: &Path,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
    notes: &mut Vec<String>,
) -> Result<BuildStep, String> {
    let mut words: Vec<String> = Vec::new();
    let mut rest = text.trim();
    // Flags come first.
    while rest.starts_with("--") {
        let (flag, tail) = match rest.find(char::is_whitespace) {
            Some(at) => (&rest[..at], rest[at..].trim_start()),
            None => (rest, ""),
        };
        let name = flag.split('=').next().unwrap_or(flag);
        match name {
            "--chown" | "--chmod" | "--link" => notes.push(format!(
                "line {}: {} {flag} ignored (files keep the invoking user's ownership)",
                ins.line, ins.keyword
            )),
            "--from" => return Err("multi-stage COPY --from is not supported".into()),
            _ => return Err(format!("flag {flag} is not supported")),
        }
        rest = tail;
    }
    match serde_json::from_str::<Vec<String>>(rest) {
        Ok(list) if rest.starts_with('[') => {
            for item in list {
                words.push(docker_words(&item, false, lookup)?.concat());
            }
        }
        _ => words = docker_words(rest, true, lookup)?,
    }
    if words.len() < 2 {
        return Err("needs at least one source and a destination".into());
    }
    let dest_raw = words.pop().unwrap_or_default();
    let mut sources = Vec::new();
    for raw in &words {
        if add && (raw.contains("://") || raw.starts_with("git@")) {
            return Err(format!("ADD of a URL ({raw}) needs the network"));
        }
        let archive = [
            ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz",
        ];
        if add && archive.iter().any(|s| raw.ends_with(s)) {
            return Err(format!(
                "ADD would unpack the archive {raw}; use COPY and RUN tar instead"
            ));
        }
        let rel = normalize_relative(raw)
            .ok_or_else(|| format!("source {raw} leaves the build context (environment/)"))?;
        if rel.contains(['*', '?', '[']) {
            let matches = glob_context(context, &rel)?;
            if matches.is_empty() {
                return Err(format!("source {raw} matches nothing in environment/"));
            }
            sources.extend(matches);
        } else {
            if !context.join(&rel).exists() {
                return Err(format!("source {raw} does not exist in environment/"));
            }
            sources.push(rel);
        }
    }
    let into_dir = dest_raw.ends_with('/') || sources.len() > 1 || words.len() > 1;
    Ok(BuildStep::Copy {
        line: ins.line,
        keyword: ins.keyword.clone(),
        sources,
        dest: join_path(cwd, &dest_raw),
        into_dir,
    })
}

/// Paths in the build context matching a Docker-style pattern (`*` does not cross `/`).
fn glob_context(context: &Path, pattern: &str) -> Result<Vec<String>, String> {
    let matcher = GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("bad pattern {pattern}: {e}"))?
        .compile_matcher();
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(context)
        .min_depth(1)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| format!("cannot list environment/: {e}"))?;
        let Ok(rel) = entry.path().strip_prefix(context) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if matcher.is_match(&rel) {
            out.push(rel);
        }
    }
    Ok(out)
}

/// A context-relative path without `.`/`..` parts; `None` if it escapes the context.
fn normalize_relative(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// `path` resolved against `cwd` (absolute), normalised. A trailing `/` is dropped.
pub(crate) fn join_path(cwd: &str, path: &str) -> String {
    if path.starts_with('/') {
        normalize(path)
    } else {
        normalize(&format!("{cwd}/{path}"))
    }
}

/// Normalise an absolute path: collapse `//`, `.`, `..`.
pub(crate) fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Dockerfile {
        Dockerfile::parse(text, "t", "environment/Dockerfile").unwrap()
    }

    fn plan_of(text: &str) -> BuildPlan {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("setup.sh"), "echo hi").unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/a.py"), "").unwrap();
        std::fs::write(dir.path().join("src/b.py"), "").unwrap();
        parse(text)
            .plan("t", "environment/Dockerfile", dir.path(), &|n| {
                (n == "PATH").then(|| "/usr/bin:/bin".to_owned())
            })
            .unwrap()
    }

    #[test]
    fn continuations_and_comments() {
        let d = parse(
            "# syntax=docker/dockerfile:1\nFROM ubuntu:24.04\n\n# a comment\nRUN apt-get update && \\\n    # inner comment\n\n    apt-get install -y git \\\n    curl\nWORKDIR /app\n",
        );
        assert_eq!(d.instructions.len(), 3);
        assert_eq!(d.instructions[1].line, 5);
        let Op::Run(cmd) = &d.instructions[1].op else {
            panic!()
        };
        assert!(cmd.contains("apt-get update &&"));
        assert!(
            cmd.contains("install -y git") && cmd.ends_with("curl"),
            "{cmd}"
        );
        assert!(!cmd.contains("inner comment"));
    }

    #[test]
    fn exec_form_run() {
        let d = parse(r#"RUN ["bash", "-c", "echo 'a b' > out.txt"]"#);
        let Op::Run(cmd) = &d.instructions[0].op else {
            panic!()
        };
        assert_eq!(cmd, r#"bash -c 'echo '\''a b'\'' > out.txt'"#);
        // Not valid JSON: shell form, as Docker does.
        let d = parse("RUN [ -f x ] || touch x");
        assert_eq!(d.instructions[0].op, Op::Run("[ -f x ] || touch x".into()));
    }

    #[test]
    fn heredoc_run() {
        let d = parse(
            "RUN <<EOF\necho one\necho two\nEOF\nRUN cat > f.txt <<'END'\n$HOME\nEND\nWORKDIR /x\n",
        );
        assert_eq!(d.instructions.len(), 3);
        assert_eq!(
            d.instructions[0].op,
            Op::Run("bash <<EOF\necho one\necho two\nEOF".into())
        );
        assert_eq!(
            d.instructions[1].op,
            Op::Run("cat > f.txt <<'END'\n$HOME\nEND".into())
        );
        assert_eq!(d.instructions[2].line, 8);
        assert!(shell_words::heredocs("echo $((1<<2)) <<< x").is_empty());
    }

    #[test]
    fn env_forms() {
        let p = plan_of(
            "FROM python:3.13\nENV A=1 B=\"two words\" C=$A\nENV D=$A\nENV LEGACY some value here\nENV PATH=/opt/bin:$PATH\nWORKDIR /app\n",
        );
        assert_eq!(p.env["A"], "1");
        assert_eq!(p.env["B"], "two words");
        // As in Docker, one ENV line sees the values from before it.
        assert_eq!(p.env["C"], "");
        assert_eq!(p.env["D"], "1");
        assert_eq!(p.env["LEGACY"], "some value here");
        assert_eq!(p.env["PATH"], "/opt/bin:/usr/bin:/bin");
        assert!(p.base_lookups.contains("PATH"));
        assert_eq!(p.base_image.as_deref(), Some("python:3.13"));
        assert_eq!(p.workdir, "/app");
    }

    #[test]
    fn workdir_copy_run_and_args() {
        let p = plan_of(
            "FROM x\nARG V=7\nWORKDIR /app\nWORKDIR sub\nCOPY setup.sh .\nCOPY src/*.py /app/lib/\nCOPY src dst\nRUN apt-get install -y git && bash setup.sh $V\nUSER nobody\n",
        );
        assert_eq!(p.workdir, "/app/sub");
        assert!(matches!(&p.steps[0], BuildStep::MakeDir { path, .. } if path == "/app"));
        assert!(
            matches!(&p.steps[2], BuildStep::Copy { sources, dest, into_dir: false, .. }
            if sources == &["setup.sh"] && dest == "/app/sub")
        );
        assert!(
            matches!(&p.steps[3], BuildStep::Copy { sources, dest, into_dir: true, .. }
            if sources == &["src/a.py", "src/b.py"] && dest == "/app/lib")
        );
        assert!(matches!(&p.steps[4], BuildStep::Copy { sources, dest, .. }
            if sources == &["src"] && dest == "/app/sub/dst"));
        let BuildStep::Run {
            env, cwd, command, ..
        } = &p.steps[5]
        else {
            panic!()
        };
        assert_eq!(env["V"], "7");
        assert_eq!(cwd, "/app/sub");
        assert!(command.ends_with("bash setup.sh $V"));
        assert_eq!(p.requirements.len(), 1);
        assert!(p.notes.iter().any(|n| n.contains("USER")));
        assert!(!p.env.contains_key("V"));
    }

    #[test]
    fn no_workdir_defaults_to_app() {
        let p = plan_of("FROM x\nRUN echo hi\n");
        assert_eq!(p.workdir, "/app");
        assert!(matches!(&p.steps[0], BuildStep::Run { cwd, .. } if cwd == "/app"));
    }

    #[test]
    fn unsupported_instruction_names_line() {
        let e = Dockerfile::parse(
            "FROM x\nRUN true\nVOLUME /data\n",
            "t9",
            "environment/Dockerfile",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("t9") && e.contains("environment/Dockerfile"),
            "{e}"
        );
        assert!(e.contains("line 3") && e.contains("VOLUME"), "{e}");
        let e = Dockerfile::parse("FROM x\nFROBNICATE y\n", "t", "D").unwrap_err();
        assert!(e.to_string().contains("line 2: FROBNICATE"), "{e}");
    }

    #[test]
    fn plan_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = |text: &str| {
            parse(text)
                .plan("t", "D", dir.path(), &|_| None)
                .unwrap_err()
                .to_string()
        };
        assert!(err("FROM a\nFROM b\n").contains("multi-stage"));
        assert!(err("COPY missing.txt /app/\n").contains("does not exist"));
        assert!(err("COPY ../x /app/\n").contains("leaves the build context"));
        assert!(err("COPY --from=builder /x /y\n").contains("--from"));
        assert!(err("ADD https://example.com/x /app/\n").contains("network"));
        assert!(err("ENV\n").contains("line 1: ENV"));
    }
}
