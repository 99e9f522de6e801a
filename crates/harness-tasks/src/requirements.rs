//! Declared requirements: packages a Dockerfile's RUN lines install with `apt-get`, `apt` or
//! `pip`. Offline builds cannot install anything, so each request is checked against what the
//! sandbox (the host system) already has: present in any version passes with a note, missing is
//! reported by name.

use std::fmt;

use harness_sandbox::{ExecOptions, Sandbox, SandboxError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use harness_core::shell_words::simple_commands;

use crate::words::shell_quote;

/// Which package manager a requirement is for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PackageManager {
    /// Debian packages (`apt-get install`, `apt install`).
    Apt,
    /// Python distributions (`pip install`, `python -m pip install`, `uv pip install`).
    Pip,
}

impl fmt::Display for PackageManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PackageManager::Apt => "apt",
            PackageManager::Pip => "pip",
        })
    }
}

/// One package a RUN line asks for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Requirement {
    /// Package manager.
    pub manager: PackageManager,
    /// Package name without version, e.g. `pytest`.
    pub name: String,
    /// The request as written, e.g. `pytest==8.4.1`.
    pub spec: String,
    /// Dockerfile line of the RUN instruction.
    pub line: usize,
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.manager, self.spec)
    }
}

/// Result of checking requirements in a sandbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RequirementReport {
    /// Requirements found (any version).
    pub present: Vec<Requirement>,
    /// Requirements not found.
    pub missing: Vec<Requirement>,
}

/// Requirements declared by one shell command line (a RUN instruction).
pub fn from_command(command: &str, line: usize) -> Vec<Requirement> {
    let mut out = Vec::new();
    for words in simple_commands(command) {
        let words = strip_prefixes(&words);
        let Some(program) = words.first() else {
            continue;
        };
        let program = program.rsplit('/').next().unwrap_or(program);
        let rest = &words[1..];
        if matches!(program, "apt-get" | "apt" | "aptitude") {
            apt_install(rest, line, &mut out);
        } else if is_pip(program) {
            pip_install(rest, line, &mut out);
        } else if is_python(program) && rest.len() >= 2 && rest[0] == "-m" && rest[1] == "pip" {
            pip_install(&rest[2..], line, &mut out);
        } else if program == "uv" && rest.first().map(String::as_str) == Some("pip") {
            pip_install(&rest[1..], line, &mut out);
        }
    }
    out
}

/// Drop leading `VAR=value` assignments and wrappers such as `sudo`, `env`, `time`.
fn strip_prefixes(words: &[String]) -> &[String] {
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let is_assignment = w.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_')
        });
        let is_wrapper = matches!(w, "sudo" | "env" | "time" | "nohup" | "exec" | "command");
        let is_wrapper_flag =
            w.starts_with('-') && i > 0 && matches!(words[i - 1].as_str(), "sudo" | "env");
        if !(is_assignment || is_wrapper || is_wrapper_flag) {
            break;
        }
        i += 1;
    }
    &words[i..]
}

fn is_pip(program: &str) -> bool {
    program
        .strip_prefix("pip")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

fn is_python(program: &str) -> bool {
    program
        .strip_prefix("python")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The words after the first non-flag word, if that word is `install`.
fn install_args<'a>(args: &'a [String], flags_with_value: &[&str]) -> Option<Vec<&'a str>> {
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') {
        if flags_with_value.contains(&args[i].as_str()) {
            i += 1;
        }
        i += 1;
    }
    if args.get(i).map(String::as_str) != Some("install") {
        return None;
    }
    let mut out = Vec::new();
    let mut j = i + 1;
    while j < args.len() {
        let a = args[j].as_str();
        if a.starts_with('-') {
            if flags_with_value.contains(&a) {
                j += 1;
            }
        } else {
            out.push(a);
        }
        j += 1;
    }
    Some(out)
}

fn apt_install(args: &[String], line: usize, out: &mut Vec<Requirement>) {
    const FLAGS: &[&str] = &[
        "-o",
        "-t",
        "-c",
        "--option",
        "--target-release",
        "--config-file",
    ];
    let Some(packages) = install_args(args, FLAGS) else {
        return;
    };
    for spec in packages {
        if spec.contains('$') || spec.ends_with(".deb") || spec.starts_with('.') {
            continue;
        }
        let name = spec
            .split(['=', '/'])
            .next()
            .unwrap_or(spec)
            .trim_end_matches(['+', '-']);
        if !name.is_empty() {
            out.push(Requirement {
                manager: PackageManager::Apt,
                name: name.to_owned(),
                spec: spec.to_owned(),
                line,
            });
        }
    }
}

fn pip_install(args: &[String], line: usize, out: &mut Vec<Requirement>) {
    const FLAGS: &[&str] = &[
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--trusted-host",
        "--src",
        "-e",
        "--editable",
        "--cache-dir",
        "--progress-bar",
        "--python",
        "-p",
    ];
    let Some(packages) = install_args(args, FLAGS) else {
        return;
    };
    for spec in packages {
        let looks_like_path = spec.starts_with('.')
            || spec.starts_with('/')
            || spec.contains("://")
            || spec.ends_with(".whl")
            || spec.ends_with(".tar.gz")
            || spec.ends_with(".zip");
        if looks_like_path || spec.contains('$') {
            continue;
        }
        let name = spec
            .split(['=', '<', '>', '!', '~', ';', '[', ' ', '@'])
            .next()
            .unwrap_or(spec)
            .trim();
        if !name.is_empty() {
            out.push(Requirement {
                manager: PackageManager::Pip,
                name: name.to_owned(),
                spec: spec.to_owned(),
                line,
            });
        }
    }
}

/// A shell script that prints `present <manager> <name>` or `missing <manager> <name>` for each
/// requirement. Apt packages count as present when dpkg knows them as installed or a command of
/// that name exists; pip distributions when `python3` can find their metadata.
pub fn check_script(requirements: &[Requirement]) -> String {
    let mut script = String::from(
        "have_apt() { dpkg-query -W -f='${Status}' \"$1\" 2>/dev/null | grep -q 'ok installed' \
         || command -v \"$1\" >/dev/null 2>&1; }\n",
    );
    let mut pip_names = Vec::new();
    for r in requirements {
        match r.manager {
            PackageManager::Apt => {
                let n = shell_quote(&r.name);
                script.push_str(&format!(
                    "if have_apt {n}; then echo present apt {n}; else echo missing apt {n}; fi\n"
                ));
            }
            PackageManager::Pip => pip_names.push(shell_quote(&r.name)),
        }
    }
    if !pip_names.is_empty() {
        let names = pip_names.join(" ");
        script.push_str(&format!(
            "if command -v python3 >/dev/null 2>&1; then python3 - {names} <<'PYEOF'\n\
             import sys, importlib.metadata as m\n\
             for n in sys.argv[1:]:\n\
             \x20   try:\n\
             \x20       m.version(n)\n\
             \x20       print('present pip', n)\n\
             \x20   except Exception:\n\
             \x20       print('missing pip', n)\n\
             PYEOF\n\
             else for n in {names}; do echo missing pip \"$n\"; done; fi\n"
        ));
    }
    script
}

/// Check requirements inside the sandbox (without the offline shims on PATH, so the real
/// system is asked).
pub async fn check(
    sandbox: &dyn Sandbox,
    requirements: &[Requirement],
    options: ExecOptions,
) -> Result<RequirementReport, SandboxError> {
    let mut report = RequirementReport::default();
    if requirements.is_empty() {
        return Ok(report);
    }
    let out = sandbox.exec(&check_script(requirements), options).await?;
    let text = String::from_utf8_lossy(&out.stdout.bytes);
    let mut seen = std::collections::BTreeSet::new();
    for r in requirements {
        if !seen.insert((r.manager, r.name.clone())) {
            continue;
        }
        let present = format!("present {} {}", r.manager, r.name);
        if text.lines().any(|l| l.trim() == present) {
            report.present.push(r.clone());
        } else {
            report.missing.push(r.clone());
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(cmd: &str) -> Vec<String> {
        from_command(cmd, 3)
            .into_iter()
            .map(|r| r.to_string())
            .collect()
    }

    #[test]
    fn apt_forms() {
        assert_eq!(
            names(
                "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git curl=7.1 && rm -rf /var/lib/apt/lists/*"
            ),
            ["apt:git", "apt:curl=7.1"]
        );
        assert_eq!(
            names("sudo apt install -y -o Dpkg::Options::=x tmux"),
            ["apt:tmux"]
        );
        assert!(names("apt-get update").is_empty());
        assert!(names("apt-get install -y ./local.deb $PKGS").is_empty());
    }

    #[test]
    fn pip_forms() {
        assert_eq!(
            names("pip install --no-cache-dir numpy==1.26 'pandas>=2' -r requirements.txt"),
            ["pip:numpy==1.26", "pip:pandas>=2"]
        );
        assert_eq!(names("python3 -m pip install -U pytest"), ["pip:pytest"]);
        assert_eq!(
            names("uv pip install --system requests[socks]"),
            ["pip:requests[socks]"]
        );
        assert_eq!(names("pip3.11 install -e . flask"), ["pip:flask"]);
        assert!(names("pip list").is_empty());
        let r = &from_command("pip install pytest==8.4.1", 9)[0];
        assert_eq!((r.name.as_str(), r.line), ("pytest", 9));
    }

    #[test]
    fn check_script_runs_on_the_host() {
        let reqs = [
            from_command("apt-get install -y bash", 1),
            from_command("apt-get install -y no-such-package-xyz", 1),
            from_command("pip install no-such-dist-xyz", 1),
        ]
        .concat();
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(check_script(&reqs))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("present apt bash"), "{text}");
        assert!(text.contains("missing apt no-such-package-xyz"), "{text}");
        assert!(text.contains("missing pip no-such-dist-xyz"), "{text}");
    }
}
