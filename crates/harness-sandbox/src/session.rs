//! Persistent shell sessions by state replay.
//!
//! Every call is a fresh process, so timeouts and kills work per command exactly as for
//! [`Sandbox::exec`](crate::Sandbox::exec), on every backend. The session keeps the shell
//! state that matters to agents and replays it in front of the next command:
//!
//! - persists: the working directory and the exported environment (new, changed and unset
//!   variables);
//! - does not persist: shell functions, aliases, unexported variables, shell options
//!   (`set -e`, ...), traps, and background jobs (they end with the call that started them).
//!
//! Mechanics: the script installs an EXIT trap, replays the saved state (`unset`, `export`,
//! `cd`), then runs the command as written. The trap writes `$PWD` and `env -0` to descriptor
//! 3, which the process layer reads. A call that is killed (timeout) or that replaces the
//! shell (`exec prog`), closes descriptor 3 or resets the EXIT trap leaves the saved state as
//! it was. Variables given in [`ExecOptions::env`] apply to that call only, unless the
//! command itself changes them.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use harness_core::shell_words::quote;

use crate::backend::valid_env_name;
use crate::{ExecOptions, ExecOutput, SandboxError, ShellSession};

const HEADER: &str = "HARNESS_SESSION_STATE_V1";
const TRAILER: &str = "HARNESS_SESSION_STATE_END";

/// Variables the shell manages itself, or that cannot be re-exported.
const VOLATILE: &[&str] = &["PWD", "OLDPWD", "SHLVL", "_", "SHELLOPTS", "BASHOPTS"];

/// What a session needs from its sandbox.
#[async_trait]
pub(crate) trait ScriptHost: Send + Sync {
    /// WORKDIR as commands see it.
    fn workdir(&self) -> String;

    /// The environment a command starts with when given `call_env`.
    fn start_env(&self, call_env: &BTreeMap<String, String>) -> BTreeMap<String, String>;

    /// Run `script` as a command, returning its output and what it wrote to descriptor 3.
    async fn run_script(
        &self,
        script: &str,
        options: ExecOptions,
    ) -> Result<(ExecOutput, Option<Vec<u8>>), SandboxError>;
}

/// The replayed state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct State {
    /// Working directory at the end of the last call.
    pub cwd: String,
    /// Exported environment at the end of the last call.
    pub env: BTreeMap<String, String>,
}

/// A [`ShellSession`] that replays working directory and exported variables.
pub(crate) struct ReplaySession {
    host: Arc<dyn ScriptHost>,
    state: Option<State>,
}

impl ReplaySession {
    /// A session with nothing saved yet: the first call starts like a plain exec.
    pub(crate) fn new(host: Arc<dyn ScriptHost>) -> Self {
        Self { host, state: None }
    }
}

/// The script for one call: trap, replayed state, then the command on its own lines.
pub(crate) fn build_script(
    state: Option<&State>,
    start_env: &BTreeMap<String, String>,
    options: &ExecOptions,
    command: &str,
) -> String {
    let mut script = format!(
        "trap '__harness_rc=$?; {{ printf \"%s\\0%s\\0\" {HEADER} \"$PWD\"; env -0; \
         printf \"%s\\0\" {TRAILER}; }} >&3 2>/dev/null; exit $__harness_rc' EXIT\n"
    );
    if let Some(state) = state {
        let unset: Vec<&str> = start_env
            .keys()
            .filter(|k| !state.env.contains_key(*k) && !options.env.contains_key(*k))
            .filter(|k| valid_env_name(k))
            .map(String::as_str)
            .collect();
        if !unset.is_empty() {
            script.push_str(&format!("unset {}\n", unset.join(" ")));
        }
        for (key, value) in &state.env {
            if options.env.contains_key(key) || start_env.get(key) == Some(value) {
                continue;
            }
            script.push_str(&format!("export {key}={}\n", quote(value)));
        }
        if options.cwd.is_none() {
            script.push_str(&format!(
                "cd -- {} 2>/dev/null || echo \"session: saved directory is gone; \
                 staying in $PWD\" >&2\n",
                quote(&state.cwd)
            ));
        }
    }
    script.push_str(command);
    script.push('\n');
    script
}

/// Parse what the EXIT trap wrote; `None` when it is missing or incomplete.
pub(crate) fn parse_state(raw: &[u8]) -> Option<State> {
    let mut fields = raw.split(|b| *b == 0);
    if fields.next()? != HEADER.as_bytes() {
        return None;
    }
    let cwd = String::from_utf8(fields.next()?.to_vec()).ok()?;
    let mut env = BTreeMap::new();
    let mut complete = false;
    for field in fields {
        if field == TRAILER.as_bytes() {
            complete = true;
            break;
        }
        let Ok(entry) = std::str::from_utf8(field) else {
            continue;
        };
        let Some((key, value)) = entry.split_once('=') else {
            continue;
        };
        if valid_env_name(key) && !VOLATILE.contains(&key) {
            env.insert(key.to_owned(), value.to_owned());
        }
    }
    complete.then_some(State { cwd, env })
}

/// Keep variables given for one call out of the saved state unless the command changed them.
fn unscope_call_env(
    new: &mut State,
    previous: Option<&State>,
    base_env: &BTreeMap<String, String>,
    call_env: &BTreeMap<String, String>,
) {
    for (key, value) in call_env {
        if new.env.get(key) != Some(value) {
            continue;
        }
        let prior = match previous {
            Some(state) => state.env.get(key),
            None => base_env.get(key),
        };
        match prior {
            Some(prior) => new.env.insert(key.clone(), prior.clone()),
            None => new.env.remove(key),
        };
    }
}

#[async_trait]
impl ShellSession for ReplaySession {
    async fn exec(
        &mut self,
        command: &str,
        options: ExecOptions,
    ) -> Result<ExecOutput, SandboxError> {
        let start_env = self.host.start_env(&options.env);
        let script = build_script(self.state.as_ref(), &start_env, &options, command);
        let call_env = options.env.clone();
        let (output, raw) = self.host.run_script(&script, options).await?;
        match raw.as_deref().and_then(parse_state) {
            Some(mut state) => {
                let base_env = self.host.start_env(&BTreeMap::new());
                unscope_call_env(&mut state, self.state.as_ref(), &base_env, &call_env);
                self.state = Some(state);
            }
            None if !output.timed_out => {
                tracing::debug!("session call left no state; keeping the previous state");
            }
            None => {}
        }
        Ok(output)
    }

    fn cwd(&self) -> Option<String> {
        Some(
            self.state
                .as_ref()
                .map_or_else(|| self.host.workdir(), |s| s.cwd.clone()),
        )
    }

    fn exported_env(&self) -> Option<BTreeMap<String, String>> {
        self.state.as_ref().map(|s| s.env.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn parses_complete_state_only() {
        let raw = b"HARNESS_SESSION_STATE_V1\0/app/x\0A=1\0PWD=/app/x\0BASH_FUNC_f%%=() {}\0B=x=y\0HARNESS_SESSION_STATE_END\0";
        let state = parse_state(raw).unwrap();
        assert_eq!(state.cwd, "/app/x");
        assert_eq!(state.env, env(&[("A", "1"), ("B", "x=y")]));
        let cut = &raw[..raw.len() - 10];
        assert!(parse_state(cut).is_none());
        assert!(parse_state(b"").is_none());
    }

    #[test]
    fn first_script_replays_nothing() {
        let script = build_script(None, &env(&[("A", "1")]), &ExecOptions::default(), "ls");
        assert!(script.starts_with("trap "));
        assert!(script.ends_with("\nls\n"));
        assert!(!script.contains("export"));
        assert!(!script.contains("cd --"));
    }

    #[test]
    fn replays_exports_unsets_and_cwd() {
        let state = State {
            cwd: "/app/sub dir".into(),
            env: env(&[("A", "1"), ("NEW", "it's")]),
        };
        let start = env(&[("A", "1"), ("GONE", "x")]);
        let script = build_script(Some(&state), &start, &ExecOptions::default(), "pwd");
        assert!(script.contains("unset GONE\n"));
        assert!(script.contains("export NEW='it'\\''s'\n"));
        assert!(!script.contains("export A="));
        assert!(script.contains("cd -- '/app/sub dir'"));
    }

    #[test]
    fn call_env_wins_and_is_not_saved() {
        let previous = State {
            cwd: "/app".into(),
            env: env(&[("A", "session")]),
        };
        let call = env(&[("A", "call")]);
        let options = ExecOptions {
            env: call.clone(),
            ..ExecOptions::default()
        };
        let script = build_script(Some(&previous), &env(&[("A", "call")]), &options, "true");
        assert!(!script.contains("export A="));

        let mut after = State {
            cwd: "/app".into(),
            env: env(&[("A", "call")]),
        };
        unscope_call_env(&mut after, Some(&previous), &BTreeMap::new(), &call);
        assert_eq!(after.env, env(&[("A", "session")]));

        let mut changed = State {
            cwd: "/app".into(),
            env: env(&[("A", "changed")]),
        };
        unscope_call_env(&mut changed, Some(&previous), &BTreeMap::new(), &call);
        assert_eq!(changed.env, env(&[("A", "changed")]));
    }
}
