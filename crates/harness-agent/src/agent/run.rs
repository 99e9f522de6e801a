//! The loop of one trial: model turn, tool calls through middleware, until finish or a limit.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use harness_core::{Limits, ModelSettings};
use harness_sandbox::ShellSession;
use harness_tasks::{AgentContext, AgentError, AgentOutcome, AgentStatus};
use harness_trace::{ContextKind, FinishStatus, RedactingSink, TraceError, TraceSink};

use super::BuiltinAgent;
use super::hints::{HINTS_KIND, HintLayer};
use super::prompt::render_system_prompt;
use super::recorder::Recorder;
use crate::middleware::{Effect, HookContext, HookPoint, Middleware, MiddlewareStack, tag_note};
use crate::model::{
    AssistantMessage, ChatResponse, Message, ModelClient, ModelError, ToolCall, ToolDefinition,
    TrialModelContext, Usage,
};
use crate::state::{CallRecord, RunState, conversation_tokens, estimate_tokens};
use crate::tools::{RuntimeConfig, ToolContext, ToolOutput, ToolSet};

/// Nudge sent when a reply has no tool call: the loop only advances through tools.
const NO_TOOL_CALL: &str = "Your last reply called no tool. Use the tools to make progress, or call finish when the task is done.";

/// How the loop ended.
struct Ending {
    status: FinishStatus,
    message: Option<String>,
    /// The model server failed the run ([`ModelError::is_model_unavailable`]): reported as
    /// [`AgentStatus::ModelError`], not as the agent's failure.
    model_unavailable: bool,
}

impl Ending {
    fn new(status: FinishStatus, message: impl Into<String>) -> Self {
        Self {
            status,
            message: Some(message.into()),
            model_unavailable: false,
        }
    }

    /// The runner's view of the ending: an unavailable model server is reported as such, every
    /// other ending short of finish or timeout as the agent's error.
    fn into_status(self) -> AgentStatus {
        match self.status {
            FinishStatus::ModelError if self.model_unavailable => AgentStatus::ModelError {
                message: self.message.unwrap_or_default(),
            },
            FinishStatus::Finished => AgentStatus::Finished,
            FinishStatus::Timeout => AgentStatus::Timeout,
            other => AgentStatus::Error {
                message: format!("{}: {}", other.as_str(), self.message.unwrap_or_default()),
            },
        }
    }
}

fn agent_error(message: String) -> AgentError {
    AgentError::failed(message)
}

fn trace_error(error: TraceError) -> AgentError {
    agent_error(format!("trace: {error}"))
}

/// The trial's trace as the runner opened it, behind this agent's redactor.
fn trace_sink(agent: &BuiltinAgent, ctx: &AgentContext<'_>) -> Option<Box<dyn TraceSink>> {
    let sink: Box<dyn TraceSink> = Box::new(ctx.trace.clone()?);
    if agent.redactor.is_empty() {
        return Some(sink);
    }
    Some(Box::new(RedactingSink::new(sink, agent.redactor.clone())))
}

/// Task-side knowledge for a simulated model: the solution script and the task metadata.
fn task_knowledge(ctx: &AgentContext<'_>) -> Option<serde_json::Value> {
    let solution = ctx.solution?;
    let solve = std::fs::read_to_string(solution.dir.join("solve.sh")).ok()?;
    Some(serde_json::json!({
        "solve_sh": solve,
        "metadata": ctx.task.metadata,
        "instruction": ctx.task.instruction,
    }))
}

/// Runs one trial: model turns and their tool calls until an ending, then the outcome.
pub(super) async fn run_trial(
    agent: &BuiltinAgent,
    ctx: AgentContext<'_>,
) -> Result<AgentOutcome, AgentError> {
    let mut trial = Trial::start(agent, ctx)?;
    let ending = loop {
        let (reply, mut decisions) = match trial.model_turn().await? {
            ControlFlow::Break(ending) => break ending,
            ControlFlow::Continue(turn) => turn,
        };
        let finished = trial.tool_calls(&reply.tool_calls, &mut decisions).await?;
        if let Some(ending) = trial.close_turn(decisions, finished) {
            break ending;
        }
    };
    trial.end(ending)
}

type Effects = Vec<(String, HookPoint, Effect)>;

/// What the hooks of one turn decided: notes for the model and whether to stop the run.
#[derive(Default)]
struct Decisions {
    notes: Vec<String>,
    stop: Option<String>,
}

impl Decisions {
    /// Traces `effects` in order and folds them in (see [`Decisions::fold_one`]); returns the
    /// last Block's tagged message.
    fn fold(
        &mut self,
        recorder: &mut Recorder,
        effects: &[(String, HookPoint, Effect)],
        call_id: Option<&str>,
    ) -> Result<Option<String>, AgentError> {
        let mut block = None;
        for (layer, point, effect) in effects {
            if let Some(message) = self.fold_one(recorder, layer, *point, effect, call_id)? {
                block = Some(message);
            }
        }
        Ok(block)
    }

    /// Traces one effect; Inject adds a tagged note, Stop sets the reason (the last wins), and
    /// a Block comes back as its tagged message for the caller to honour or drop.
    fn fold_one(
        &mut self,
        recorder: &mut Recorder,
        layer: &str,
        point: HookPoint,
        effect: &Effect,
        call_id: Option<&str>,
    ) -> Result<Option<String>, AgentError> {
        recorder
            .intervention(layer, point, effect, call_id)
            .map_err(trace_error)?;
        Ok(match effect {
            Effect::Inject { message, .. } => {
                self.notes.push(tag_note(layer, message));
                None
            }
            Effect::Stop { reason, .. } => {
                self.stop = Some(reason.clone());
                None
            }
            Effect::Block { message, .. } => Some(tag_note(layer, message)),
            Effect::Note { .. } => None,
        })
    }
}

/// What one tool call came to.
struct ToolRun {
    output: ToolOutput,
    /// The call did not run (blocked, refused, stopped or over the limit).
    blocked: bool,
    /// The finish tool ran: its summary.
    finished: Option<String>,
}

impl ToolRun {
    fn ran(output: ToolOutput) -> Self {
        Self {
            output,
            blocked: false,
            finished: None,
        }
    }

    fn blocked(message: impl Into<String>) -> Self {
        Self {
            output: ToolOutput::error(message),
            blocked: true,
            finished: None,
        }
    }
}

/// What a trial's loop reads but never changes.
struct Setup<'a> {
    agent: &'a BuiltinAgent,
    ctx: AgentContext<'a>,
    stack: MiddlewareStack,
    config: RuntimeConfig,
    tools: ToolSet,
    hints: HintLayer,
    client: Arc<dyn ModelClient>,
    session: tokio::sync::Mutex<Option<Box<dyn ShellSession>>>,
    definitions: Vec<ToolDefinition>,
    settings: ModelSettings,
    limits: Limits,
    deadline: Duration,
    started: Instant,
}

impl<'a> Setup<'a> {
    fn new(agent: &'a BuiltinAgent, ctx: AgentContext<'a>) -> Result<Self, AgentError> {
        let harness = agent.harness.as_ref();
        let stack = agent
            .middleware
            .build(harness.middleware())
            .map_err(|e| agent_error(format!("middleware.yaml: {e}")))?;
        let mut config = RuntimeConfig::default();
        stack.configure(&mut config);
        let tools =
            ToolSet::from_harness(harness, &agent.tools).map_err(|e| agent_error(e.to_string()))?;
        let hints = HintLayer::new(harness.hints());

        let mut model_ctx = TrialModelContext::new(&ctx.task.id, ctx.trial.seed, ctx.trial.repeat);
        if agent.solution_to_model
            && let Some(knowledge) = task_knowledge(&ctx)
        {
            model_ctx = model_ctx.with_task_knowledge(knowledge);
        }
        let client = agent
            .models
            .client_for(&model_ctx)
            .map_err(|e| agent_error(e.to_string()))?;

        let limits = harness.manifest().limits.clone();
        let deadline = ctx.timeout.min(Duration::from_secs(limits.wall_time_sec));
        Ok(Self {
            agent,
            ctx,
            stack,
            config,
            definitions: tools.definitions(),
            tools,
            hints,
            client,
            session: tokio::sync::Mutex::new(None),
            settings: harness.manifest().model.clone(),
            limits,
            deadline,
            started: Instant::now(),
        })
    }

    fn hook<'s>(&'s self, state: &'s RunState) -> HookContext<'s> {
        HookContext {
            state,
            sandbox: self.ctx.sandbox,
            recall: self.agent.recall.as_deref(),
        }
    }

    fn tool_context(&self) -> ToolContext<'_> {
        ToolContext {
            sandbox: self.ctx.sandbox,
            harness: self.agent.harness.as_ref(),
            session: &self.session,
            config: &self.config,
        }
    }

    async fn tool_hooks_before(&self, state: &RunState, call: &mut ToolCall) -> Effects {
        let hook = self.hook(state);
        let mut effects = self.stack.before_tool(&hook, call).await;
        if !effects
            .iter()
            .any(|(_, _, e)| matches!(e, Effect::Block { .. } | Effect::Stop { .. }))
        {
            for effect in self.hints.before_tool(&hook, call).await {
                effects.push((HINTS_KIND.to_owned(), HookPoint::BeforeTool, effect));
            }
        }
        effects
    }

    async fn tool_hooks_after(
        &self,
        state: &RunState,
        call: &ToolCall,
        output: &mut ToolOutput,
    ) -> Effects {
        let hook = self.hook(state);
        let mut effects = self.stack.after_tool(&hook, call, output).await;
        for effect in self.hints.after_tool(&hook, call, output).await {
            effects.push((HINTS_KIND.to_owned(), HookPoint::AfterTool, effect));
        }
        effects
    }
}

/// One trial in progress: its setup, trace, counters and conversation.
struct Trial<'a> {
    setup: Setup<'a>,
    recorder: Recorder,
    state: RunState,
    messages: Vec<Message>,
}

impl<'a> Trial<'a> {
    /// Sets the trial up: middleware, tools, hints, model client, trace, and the first
    /// messages (system prompt, then the instruction with the task's hint notes).
    fn start(agent: &'a BuiltinAgent, ctx: AgentContext<'a>) -> Result<Self, AgentError> {
        let setup = Setup::new(agent, ctx)?;
        let ctx = &setup.ctx;
        let harness = agent.harness.as_ref();
        let recorder = Recorder::new(trace_sink(agent, ctx));
        let workdir = ctx.sandbox.paths().workdir.clone();
        let state = RunState::new(
            &ctx.task.id,
            &ctx.task.instruction,
            &workdir,
            setup.limits.clone(),
        );
        let mut first = ctx.task.instruction.trim_end().to_owned();
        for note in setup.hints.task_notes(&ctx.task.instruction) {
            first.push_str("\n\n");
            first.push_str(&tag_note(HINTS_KIND, &note));
        }
        let messages = vec![
            Message::system(render_system_prompt(
                harness,
                &ctx.task.instruction,
                &workdir,
            )),
            Message::user(first),
        ];
        Ok(Self {
            setup,
            recorder,
            state,
            messages,
        })
    }

    /// The turn, wall-time or token limit that ends the run before another model call.
    fn limit_reached(&self) -> Option<Ending> {
        let limits = &self.setup.limits;
        if self.state.turn >= limits.max_turns {
            return Some(Ending::new(
                FinishStatus::MaxTurns,
                format!("turn limit {} reached", limits.max_turns),
            ));
        }
        if self.setup.started.elapsed() >= self.setup.deadline {
            return Some(Ending::new(
                FinishStatus::Timeout,
                format!(
                    "wall-time limit {} s reached",
                    self.setup.deadline.as_secs()
                ),
            ));
        }
        if self.state.tokens_in + self.state.tokens_out >= limits.token_budget {
            return Some(Ending::new(
                FinishStatus::Stopped,
                format!("token budget {} spent", limits.token_budget),
            ));
        }
        None
    }

    /// One model turn: limits, before-model hooks, the call, after-model hooks. Continues
    /// with the (possibly rewritten) reply and what the hooks decided.
    async fn model_turn(
        &mut self,
    ) -> Result<ControlFlow<Ending, (AssistantMessage, Decisions)>, AgentError> {
        if let Some(ending) = self.limit_reached() {
            return Ok(ControlFlow::Break(ending));
        }
        self.state.turn += 1;
        self.state.context_tokens = conversation_tokens(&self.messages);
        if let Some(ending) = self.before_model().await? {
            return Ok(ControlFlow::Break(ending));
        }
        let (response, latency_ms) = match self.call_model().await? {
            ControlFlow::Break(ending) => return Ok(ControlFlow::Break(ending)),
            ControlFlow::Continue(reply) => reply,
        };
        self.after_model(response, latency_ms)
            .await
            .map(ControlFlow::Continue)
    }

    /// Before the model: middleware may compact, inject, or stop; then the context check.
    async fn before_model(&mut self) -> Result<Option<Ending>, AgentError> {
        let before = self.state.context_tokens;
        let effects = {
            let hook = self.setup.hook(&self.state);
            self.setup
                .stack
                .before_model(&hook, &mut self.messages)
                .await
        };
        let mut decisions = Decisions::default();
        for (layer, point, effect) in &effects {
            // Block has nothing to block before the model.
            decisions.fold_one(&mut self.recorder, layer, *point, effect, None)?;
            // Notes join the conversation at once, so a compaction after them counts them.
            self.messages
                .extend(decisions.notes.drain(..).map(Message::user));
            if let Effect::Note { what, .. } = effect {
                let after = conversation_tokens(&self.messages);
                if after != before {
                    self.recorder
                        .context(ContextKind::Compaction, before, after, what)
                        .map_err(trace_error)?;
                }
            }
        }
        if let Some(reason) = decisions.stop {
            return Ok(Some(Ending::new(FinishStatus::Stopped, reason)));
        }
        self.state.context_tokens = conversation_tokens(&self.messages);
        let window = self.setup.limits.context_window;
        if self.state.context_tokens > window {
            return Ok(Some(Ending::new(
                FinishStatus::ContextOverflow,
                format!(
                    "conversation of ~{} tokens exceeds the {}-token window",
                    self.state.context_tokens, window
                ),
            )));
        }
        Ok(None)
    }

    /// The model call within the remaining wall time; a failed call is traced and ends the
    /// run. Continues with the response and its latency in milliseconds.
    async fn call_model(&mut self) -> Result<ControlFlow<Ending, (ChatResponse, u64)>, AgentError> {
        let setup = &self.setup;
        let call_started = Instant::now();
        let remaining = setup.deadline.saturating_sub(setup.started.elapsed());
        let reply = tokio::time::timeout(
            remaining,
            setup
                .client
                .chat(&self.messages, &setup.definitions, &setup.settings),
        )
        .await;
        let latency_ms = u64::try_from(call_started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let error = match reply {
            Err(_) => {
                return Ok(ControlFlow::Break(Ending::new(
                    FinishStatus::Timeout,
                    "wall-time limit reached during a model call",
                )));
            }
            Ok(Err(error)) => error,
            Ok(Ok(response)) => return Ok(ControlFlow::Continue((response, latency_ms))),
        };
        self.recorder
            .model_call(
                self.state.turn,
                &setup.agent.model_name,
                &self.messages,
                None,
                None,
                latency_ms,
                None,
                Some(&error),
            )
            .map_err(trace_error)?;
        Ok(ControlFlow::Break(match error {
            ModelError::ContextOverflow { message } => {
                Ending::new(FinishStatus::ContextOverflow, message)
            }
            other => Ending {
                model_unavailable: other.is_model_unavailable(),
                ..Ending::new(FinishStatus::ModelError, other.to_string())
            },
        }))
    }

    /// Counts the tokens, runs the after-model hooks on the reply, traces the call and adds
    /// the reply to the conversation.
    async fn after_model(
        &mut self,
        response: ChatResponse,
        latency_ms: u64,
    ) -> Result<(AssistantMessage, Decisions), AgentError> {
        let usage = if response.usage.prompt_tokens + response.usage.completion_tokens > 0 {
            response.usage
        } else {
            Usage::new(
                self.state.context_tokens,
                estimate_tokens(response.message.text_or_empty()),
            )
        };
        self.state.tokens_in += usage.prompt_tokens;
        self.state.tokens_out += usage.completion_tokens;
        let mut reply = response.message.clone();
        let effects = {
            let hook = self.setup.hook(&self.state);
            self.setup.stack.after_model(&hook, &mut reply).await
        };
        let reply_message = Message::Assistant(reply.clone());
        // Attempts the retry layer made before this reply go into the same trace event.
        self.recorder.note_retries(&response.retries);
        self.recorder
            .model_call(
                self.state.turn,
                &self.setup.agent.model_name,
                &self.messages,
                Some(&reply_message),
                Some(&usage),
                latency_ms,
                Some(response.finish_reason.as_str()),
                None,
            )
            .map_err(trace_error)?;
        self.messages.push(reply_message);
        let mut decisions = Decisions::default();
        // The reply exists already: a Block after the model has nothing to block.
        decisions.fold(&mut self.recorder, &effects, None)?;
        if reply.tool_calls.is_empty() && decisions.stop.is_none() {
            decisions.notes.push(NO_TOOL_CALL.to_owned());
        }
        Ok((reply, decisions))
    }

    /// The reply's tool calls in order; once the run stops or finishes, the rest get a
    /// "not run" result (chat APIs want a result for every call). Returns the finish summary.
    async fn tool_calls(
        &mut self,
        calls: &[ToolCall],
        decisions: &mut Decisions,
    ) -> Result<Option<String>, AgentError> {
        let mut finished = None;
        for original in calls {
            if decisions.stop.is_some() || finished.is_some() {
                self.messages.push(Message::tool(
                    original.id.clone(),
                    "not run: the run ended before this call",
                ));
                continue;
            }
            finished = self.tool_call(original, decisions).await?;
        }
        Ok(finished)
    }

    /// One tool call: the limit, the hooks and the call, then its trace and history record.
    async fn tool_call(
        &mut self,
        original: &ToolCall,
        decisions: &mut Decisions,
    ) -> Result<Option<String>, AgentError> {
        self.state.tool_calls += 1;
        let mut call = original.clone();
        let limit = self.setup.limits.max_tool_calls;
        let run = if self.state.tool_calls > limit {
            decisions.stop = Some(format!("tool-call limit {limit} reached"));
            ToolRun::blocked(format!("not run: tool-call limit {limit} reached"))
        } else {
            self.run_tool(&mut call, decisions).await?
        };
        self.record_call(&call, run.output, run.blocked)?;
        Ok(run.finished)
    }

    /// Before-tool hooks, then the finish handling or the call with its after-tool hooks.
    async fn run_tool(
        &mut self,
        call: &mut ToolCall,
        decisions: &mut Decisions,
    ) -> Result<ToolRun, AgentError> {
        let effects = self.setup.tool_hooks_before(&self.state, call).await;
        let block = decisions.fold(&mut self.recorder, &effects, Some(&call.id))?;
        if let Some(message) = block {
            return Ok(ToolRun::blocked(message));
        }
        if decisions.stop.is_some() {
            return Ok(ToolRun::blocked("not run: the run was stopped"));
        }
        if self.setup.tools.is_finish(&call.name) {
            return self.finish(call, decisions).await;
        }
        let mut output = self
            .setup
            .tools
            .call(&self.setup.tool_context(), call)
            .await;
        let effects = self
            .setup
            .tool_hooks_after(&self.state, call, &mut output)
            .await;
        // The call ran already: a Block after it has nothing to block.
        decisions.fold(&mut self.recorder, &effects, Some(&call.id))?;
        Ok(ToolRun::ran(output))
    }

    /// A finish call: on-finish hooks may refuse it; otherwise the finish tool runs.
    async fn finish(
        &mut self,
        call: &ToolCall,
        decisions: &mut Decisions,
    ) -> Result<ToolRun, AgentError> {
        self.state.finish_attempts += 1;
        let effects = {
            let hook = self.setup.hook(&self.state);
            self.setup.stack.on_finish(&hook).await
        };
        if let Some(message) = decisions.fold(&mut self.recorder, &effects, Some(&call.id))? {
            return Ok(ToolRun::blocked(message));
        }
        let output = self
            .setup
            .tools
            .call(&self.setup.tool_context(), call)
            .await;
        // A finish with bad arguments is a tool error, not an ending.
        let finished = (!output.is_error).then(|| output.content.clone());
        Ok(ToolRun {
            output,
            blocked: false,
            finished,
        })
    }

    /// Traces the call, adds it to the run's history and its result to the conversation.
    fn record_call(
        &mut self,
        call: &ToolCall,
        output: ToolOutput,
        blocked: bool,
    ) -> Result<(), AgentError> {
        self.recorder
            .tool_call(call, &output)
            .map_err(trace_error)?;
        self.state.history.push(CallRecord {
            turn: self.state.turn,
            name: call.name.clone(),
            arguments: call.arguments.clone(),
            command: call
                .arguments
                .get("command")
                .and_then(|c| c.as_str())
                .map(str::to_owned),
            failed: output.is_error || call.parse_error.is_some(),
            exit_code: output.exit_code,
            output_excerpt: output.content.chars().take(400).collect(),
            blocked,
        });
        self.messages
            .push(Message::tool(call.id.clone(), output.content));
        Ok(())
    }

    /// Adds the turn's notes and decides whether the run ends here.
    fn close_turn(&mut self, decisions: Decisions, finished: Option<String>) -> Option<Ending> {
        // Notes go after every tool result: chat APIs want tool results right after the call.
        for note in decisions.notes {
            self.messages.push(Message::user(note));
        }
        if let Some(summary) = finished {
            return Some(Ending {
                status: FinishStatus::Finished,
                message: Some(summary).filter(|s| !s.is_empty()),
                model_unavailable: false,
            });
        }
        decisions
            .stop
            .map(|reason| Ending::new(FinishStatus::Stopped, reason))
    }

    /// Redacts the ending's message, traces the finish and reports the outcome.
    fn end(mut self, mut ending: Ending) -> Result<AgentOutcome, AgentError> {
        if let Some(message) = &mut ending.message {
            self.setup.agent.redactor.redact_in_place(message);
        }
        self.recorder
            .finish(ending.status, self.state.turn, ending.message.clone())
            .map_err(trace_error)?;
        let mut outcome = AgentOutcome::with_status(ending.into_status());
        outcome.n_input_tokens = self.state.tokens_in;
        outcome.n_output_tokens = self.state.tokens_out;
        Ok(outcome)
    }
}
