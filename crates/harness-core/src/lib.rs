//! The harness component model.
//!
//! A *harness* is everything around a fixed model: system prompt, tools, middleware, skills,
//! memory, limits. On disk it is a directory (see `docs/harness-format.md`); in memory a
//! [`Harness`]: canonical file texts plus the components parsed from them, always valid.
//!
//! - [`Harness`] loads, validates, saves and hashes a harness directory.
//! - [`EditSet`] changes one, all or nothing, inside the declared [`Surfaces`].
//! - [`render_diff`] / [`diff_to_edits`] speak unified diffs.
//! - [`KindRegistry`] lists the middleware kinds and builtin tools a harness may name.
//! - [`ContentHash`] identifies harnesses and components (cache keys, version ids).
//! - [`shell_words`] reads shell text (quoting, words, operators, heredocs) the POSIX way.
//! - [`clip_head_tail`] keeps the head and tail of long output.
//! - [`check_config`] / [`read_config`] bound every YAML and TOML text before it is parsed.

pub mod agents;
pub mod bounded;
pub mod canonical;
pub mod component;
pub mod diff;
pub mod edit;
pub mod error;
mod fs_io;
pub mod harness;
pub mod hash;
pub mod head_tail;
pub mod locate;
pub mod manifest;
pub mod memory;
pub mod middleware;
pub mod middleware_params;
mod parse;
pub mod path;
pub mod registry;
pub mod schema;
pub mod shell_words;
pub mod skill;
pub mod surface;
pub mod template;
pub mod tool;
mod validate;

pub use agents::{SubAgent, SubAgentConfig};
pub use bounded::{
    ConfigFormat, MAX_CONFIG_BYTES, MAX_NESTING_DEPTH, check_config, parse_config, read_config,
};
pub use component::ComponentKind;
pub use diff::{diff_to_edits, render_diff};
pub use edit::{Edit, EditSet};
pub use error::{CoreError, Diagnostic, EditRejection};
pub use fs_io::MAX_FILE_BYTES;
pub use harness::Harness;
pub use hash::ContentHash;
pub use head_tail::{HeadTail, clip_head_tail, split_head_tail};
pub use locate::locate_field;
pub use manifest::{HarnessManifest, Limits, ModelSettings, SCHEMA_VERSION};
pub use memory::{Hint, HintTrigger, Memory, Substitution};
pub use middleware::{Action, MiddlewareConfig, MiddlewareInstance, Rule, Trigger};
pub use path::HarnessPath;
pub use registry::{KindRegistry, KindSpec};
pub use skill::Skill;
pub use surface::{Surface, SurfaceMatcher, Surfaces};
pub use template::{TEMPLATE_VARIABLES, check_template, render_template};
pub use tool::{Tool, ToolImplementation, ToolSpec};
