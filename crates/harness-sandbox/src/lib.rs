//! Sandboxes in which agents, environment builds, verifiers and oracles run.
//!
//! A [`Sandbox`] is one isolated working area for one trial; a [`SandboxProvider`] makes them
//! for a task's [`EnvironmentSpec`]. Backends: [`local`] (a temp directory and a cleaned-up
//! process group), [`bwrap`] (bubblewrap namespaces) and [`auto`] (bwrap when it works here).
//!
//! Both built-in backends share one implementation of process hygiene (cleared environment,
//! own process group killed on timeout and on drop, resource limits, output capped while the
//! pipes keep draining), of host-side file operations (paths checked against escapes and
//! symlinks) and of persistent shell sessions (working directory and exported variables
//! replayed before each command; see [`ShellSession`]). They differ only in how a command is
//! launched and which paths it sees.

pub mod auto;
pub mod bwrap;
pub mod error;
pub mod exec;
pub mod limits;
pub mod local;
pub mod provider;
pub mod sandbox;

mod backend;
mod capture;
mod fsops;
mod host_sandbox;
mod hostenv;
mod layout;
mod links;
mod paths;
mod process;
mod reaper;
mod session;
mod sys;

pub use auto::{AutoOptions, AutoProvider};
pub use bwrap::{BwrapOptions, BwrapProvider};
pub use error::SandboxError;
pub use exec::{ExecOptions, ExecOutput, ExitStatus, StreamOutput};
pub use layout::remove_stale as remove_stale_sandboxes;
pub use limits::Limits;
pub use local::{LocalOptions, LocalProvider};
pub use provider::{EnvironmentSpec, SandboxProvider};
pub use sandbox::{
    AppliedLimit, DirEntry, Enforcement, MountKind, Sandbox, SandboxPaths, ShellSession,
    VerifierPhaseReport,
};
