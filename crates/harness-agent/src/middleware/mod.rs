//! The middleware engine: ordered layers with typed hooks around every model call, tool call
//! and finish attempt, plus the declarative `trigger -> action` rules of the harness.
//!
//! Shape: each hook gets a read-only [`HookContext`] and a mutable view of what it may change
//! (the outgoing messages, the model's reply, the tool call, the tool output) and returns
//! [`Effect`]s. The loop applies effects in layer order and traces each one as an
//! intervention: `Inject` adds a user-role note, `Block` answers a tool call (or refuses a
//! finish) with a message instead of running it (both tagged `[<layer>] ...`, see
//! [`tag_note`]), `Stop` ends the run, `Note` records that the
//! layer changed something in place.
//!
//! What is built on it: [`MiddlewareRegistry`] (kind name -> parameter schema and factory, the
//! nine built-in kinds of [`kinds`] plus any kind an application registers),
//! [`MiddlewareStack`] (the built layers, then the [`RuleLayer`] of `middleware.yaml`'s rules,
//! run in order with `Block`/`Stop` short-circuiting later layers).
//!
//! Contract with the loop. A stack holds per-run state (counters such as how many finishes a
//! layer already refused), so build one stack per run; building is cheap. While a tool call is
//! in `before_tool` and `after_tool`, [`RunState::history`] holds the calls *before* it (the
//! loop appends the call's [`crate::state::CallRecord`] once the model's view of it is final);
//! [`call_number`] gives the 1-based number of the call under way.

mod calls;
mod error;
pub mod kinds;
mod note;
mod params;
mod registry;
mod rules;
mod stack;
#[cfg(test)]
mod test_support;
mod writes;

pub use calls::{call_number, repeats_previous, same_call};
pub use error::BuildError;
pub use note::{parse_note, tag_note};
pub use registry::{MiddlewareFactory, MiddlewareRegistry};
pub use rules::RuleLayer;
pub use stack::{Fired, MiddlewareStack, block_message, stop_reason};
pub use writes::{command_writes_files, is_file_write};

use async_trait::async_trait;
use harness_sandbox::Sandbox;

use crate::model::{AssistantMessage, Message, ToolCall};
use crate::state::RunState;
use crate::tools::{RuntimeConfig, ToolOutput};

/// Which hook produced an effect (recorded in traces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookPoint {
    /// Before a model call.
    BeforeModel,
    /// After a model reply.
    AfterModel,
    /// Before a tool call runs.
    BeforeTool,
    /// After a tool call ran.
    AfterTool,
    /// When the agent tries to finish.
    OnFinish,
}

impl HookPoint {
    /// Snake-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            HookPoint::BeforeModel => "before_model",
            HookPoint::AfterModel => "after_model",
            HookPoint::BeforeTool => "before_tool",
            HookPoint::AfterTool => "after_tool",
            HookPoint::OnFinish => "on_finish",
        }
    }
}

/// What a layer asks the loop to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Add a user-role note to the conversation.
    Inject {
        /// Why the layer fired (e.g. `3 identical calls`).
        trigger: String,
        /// The note.
        message: String,
    },
    /// Do not run the tool call (or refuse the finish); the model sees `message`.
    Block {
        /// Why the layer fired.
        trigger: String,
        /// What the model sees instead.
        message: String,
    },
    /// End the run.
    Stop {
        /// Why the layer fired.
        trigger: String,
        /// Recorded reason.
        reason: String,
    },
    /// The layer changed something in place (messages, reply, call or output).
    Note {
        /// Why the layer fired.
        trigger: String,
        /// What it changed.
        what: String,
    },
}

/// Looks up past failures similar to an error text (backed by a trace store).
#[async_trait]
pub trait FailureRecall: Send + Sync {
    /// Up to `limit` short summaries of similar past failures, best first.
    async fn similar(&self, error_text: &str, limit: usize) -> Vec<String>;
}

/// What every hook may read.
pub struct HookContext<'a> {
    /// The run so far.
    pub state: &'a RunState,
    /// The trial's sandbox (e.g. to spill long outputs to a file).
    pub sandbox: &'a dyn Sandbox,
    /// Past-failure lookup, when a trace store is attached.
    pub recall: Option<&'a dyn FailureRecall>,
}

/// One middleware layer. Every hook defaults to doing nothing.
#[async_trait]
pub trait Middleware: Send + Sync {
    /// The registered kind name (e.g. `loop_breaker`), recorded in traces.
    fn kind(&self) -> &str;

    /// Adjust the tool runtime before the run starts (e.g. make the shell persistent).
    fn configure(&self, _config: &mut RuntimeConfig) {}

    /// Before each model call; may rewrite the outgoing messages (compaction).
    async fn before_model(
        &self,
        _ctx: &HookContext<'_>,
        _messages: &mut Vec<Message>,
    ) -> Vec<Effect> {
        Vec::new()
    }

    /// After each model reply; may edit the reply.
    async fn after_model(
        &self,
        _ctx: &HookContext<'_>,
        _reply: &mut AssistantMessage,
    ) -> Vec<Effect> {
        Vec::new()
    }

    /// Before each tool call; may rewrite the call or block it.
    async fn before_tool(&self, _ctx: &HookContext<'_>, _call: &mut ToolCall) -> Vec<Effect> {
        Vec::new()
    }

    /// After each tool call; may edit the output the model will see.
    async fn after_tool(
        &self,
        _ctx: &HookContext<'_>,
        _call: &ToolCall,
        _output: &mut ToolOutput,
    ) -> Vec<Effect> {
        Vec::new()
    }

    /// When the agent calls finish; `Block` refuses the finish with a message.
    async fn on_finish(&self, _ctx: &HookContext<'_>) -> Vec<Effect> {
        Vec::new()
    }
}
