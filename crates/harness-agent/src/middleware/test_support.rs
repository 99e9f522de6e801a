//! Test helpers: an in-memory sandbox, call records and run states.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use async_trait::async_trait;
use harness_core::Limits;
use harness_sandbox::{
    DirEntry, ExecOptions, ExecOutput, MountKind, Sandbox, SandboxError, SandboxPaths, ShellSession,
};

use super::HookContext;
use crate::state::{CallRecord, RunState};

/// A sandbox that only stores written files in memory.
pub(crate) struct FakeSandbox {
    paths: SandboxPaths,
    pub(crate) files: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl FakeSandbox {
    pub(crate) fn new() -> Self {
        Self {
            paths: SandboxPaths {
                workdir: "/app".into(),
                logs: "/logs".into(),
                tests: "/tests".into(),
                solution: "/solution".into(),
                tools: "/.harness-tools".into(),
            },
            files: Mutex::new(BTreeMap::new()),
        }
    }

    pub(crate) fn file(&self, path: &str) -> Option<String> {
        self.files
            .lock()
            .unwrap()
            .get(path)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

fn unsupported() -> SandboxError {
    SandboxError::Unsupported {
        backend: "fake".into(),
        reason: "not needed by middleware tests".into(),
    }
}

#[async_trait]
impl Sandbox for FakeSandbox {
    fn backend(&self) -> &str {
        "fake"
    }
    fn paths(&self) -> SandboxPaths {
        self.paths.clone()
    }
    async fn enter_verifier_phase(
        &self,
    ) -> Result<harness_sandbox::VerifierPhaseReport, SandboxError> {
        Err(unsupported())
    }
    async fn exec(&self, _: &str, _: ExecOptions) -> Result<ExecOutput, SandboxError> {
        Err(unsupported())
    }
    async fn read_file(&self, path: &str) -> Result<Vec<u8>, SandboxError> {
        self.files
            .lock()
            .unwrap()
            .get(path)
            .cloned()
            .ok_or_else(unsupported)
    }
    async fn write_file(&self, path: &str, contents: &[u8]) -> Result<(), SandboxError> {
        self.files
            .lock()
            .unwrap()
            .insert(path.to_owned(), contents.to_vec());
        Ok(())
    }
    async fn list_dir(&self, _: &str) -> Result<Vec<DirEntry>, SandboxError> {
        Err(unsupported())
    }
    async fn copy_in(&self, _: &Path, _: &str) -> Result<(), SandboxError> {
        Err(unsupported())
    }
    async fn copy_out(&self, _: &str, _: &Path) -> Result<(), SandboxError> {
        Err(unsupported())
    }
    async fn mount(&self, _: MountKind, _: &Path) -> Result<String, SandboxError> {
        Err(unsupported())
    }
    async fn session(&self) -> Result<Box<dyn ShellSession>, SandboxError> {
        Err(unsupported())
    }
}

/// A past call; `command` is taken from the `command` argument.
pub(crate) fn record(name: &str, arguments: serde_json::Value, failed: bool) -> CallRecord {
    CallRecord {
        turn: 1,
        name: name.to_owned(),
        command: arguments
            .get("command")
            .and_then(|c| c.as_str())
            .map(str::to_owned),
        arguments,
        failed,
        exit_code: Some(i32::from(failed)),
        output_excerpt: if failed { "boom".into() } else { "ok".into() },
        blocked: false,
    }
}

/// A run state with this history.
pub(crate) fn state_with(history: Vec<CallRecord>) -> RunState {
    let mut state = RunState::new("t", "do it", "/app", Limits::default());
    state.turn = 1;
    state.tool_calls = u32::try_from(history.len()).unwrap();
    state.history = history;
    state
}

/// A context without recall.
pub(crate) fn ctx<'a>(state: &'a RunState, sandbox: &'a FakeSandbox) -> HookContext<'a> {
    HookContext {
        state,
        sandbox,
        recall: None,
    }
}
