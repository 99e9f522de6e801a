//! The loop of one trial: model turn, tool calls through middleware, until finish or a limit.

use std::time::{Duration, Instant};

use harness_sandbox::ShellSession;
use harness_tasks::{AgentContext, AgentError, AgentOutcome, AgentStatus};
use harness_trace::{FinishStatus, RedactingSink, TraceSink};

use super::BuiltinAgent;
use super::hints::{HINTS_KIND, HintLayer};
use super::prompt::render_system_prompt;
use super::recorder::Recorder;
use crate::middleware::{Effect, HookContext, HookPoint, Middleware, MiddlewareStack, tag_note};
use crate::model::{Message, ModelError, ToolCall, TrialModelContext, Usage};
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
}

fn agent_error(_ctx: &AgentContext<'_>, message: String) -> AgentError {
    AgentError::failed(message)
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

pub(super) async fn run_trial(
    agent: &BuiltinAgent,
    ctx: AgentContext<'_>,
) -> Result<AgentOutcome, AgentError> {
    let harness = agent.harness.as_ref();
    let stack = agent
        .middleware
        .build(harness.middleware())
        .map_err(|e| agent_error(&ctx, format!("middleware.yaml: {e}")))?;
    let mut config = RuntimeConfig::default();
    stack.configure(&mut config);
    let tools = ToolSet::from_harness(harness, &agent.tools)
        .map_err(|e| agent_error(&ctx, e.to_string()))?;
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
        .map_err(|e| agent_error(&ctx, e.to_string()))?;
    let mut recorder = Recorder::new(trace_sink(agent, &ctx));

    let workdir = ctx.sandbox.paths().workdir.clone();
    let limits = harness.manifest().limits.clone();
    let mut state = RunState::new(
        &ctx.task.id,
        &ctx.task.instruction,
        &workdir,
        limits.clone(),
    );
    let session: tokio::sync::Mutex<Option<Box<dyn ShellSession>>> = tokio::sync::Mutex::new(None);
    let tool_ctx = ToolContext {
        sandbox: ctx.sandbox,
        harness,
        session: &session,
        config: &config,
    };
    let definitions = tools.definitions();
    let settings = harness.manifest().model.clone();
    let deadline = ctx.timeout.min(Duration::from_secs(limits.wall_time_sec));
    let started = Instant::now();

    let mut first = ctx.task.instruction.trim_end().to_owned();
    for note in hints.task_notes(&ctx.task.instruction) {
        first.push_str("\n\n");
        first.push_str(&tag_note(HINTS_KIND, &note));
    }
    let mut messages = vec![
        Message::system(render_system_prompt(
            harness,
            &ctx.task.instruction,
            &workdir,
        )),
        Message::user(first),
    ];

    let trace_err = |e: harness_trace::TraceError| agent_error(&ctx, format!("trace: {e}"));
    let ending = loop {
        if state.turn >= limits.max_turns {
            break Ending::new(
                FinishStatus::MaxTurns,
                format!("turn limit {} reached", limits.max_turns),
            );
        }
        if started.elapsed() >= deadline {
            break Ending::new(
                FinishStatus::Timeout,
                format!("wall-time limit {} s reached", deadline.as_secs()),
            );
        }
        if state.tokens_in + state.tokens_out >= limits.token_budget {
            break Ending::new(
                FinishStatus::Stopped,
                format!("token budget {} spent", limits.token_budget),
            );
        }
        state.turn += 1;
        state.context_tokens = conversation_tokens(&messages);

        // Before the model: middleware may compact, inject, or stop.
        let before = state.context_tokens;
        let effects = {
            let hook = HookContext {
                state: &state,
                sandbox: ctx.sandbox,
                recall: agent.recall.as_deref(),
            };
            stack.before_model(&hook, &mut messages).await
        };
        let mut stop = None;
        for (layer, point, effect) in &effects {
            recorder
                .intervention(layer, *point, effect, None)
                .map_err(trace_err)?;
            match effect {
                Effect::Inject { message, .. } => {
                    messages.push(Message::user(tag_note(layer, message)));
                }
                Effect::Stop { reason, .. } => stop = Some(reason.clone()),
                Effect::Note { what, .. } => {
                    let after = conversation_tokens(&messages);
                    if after != before {
                        recorder
                            .context(harness_trace::ContextKind::Compaction, before, after, what)
                            .map_err(trace_err)?;
                    }
                }
                Effect::Block { .. } => {}
            }
        }
        if let Some(reason) = stop {
            break Ending::new(FinishStatus::Stopped, reason);
        }
        state.context_tokens = conversation_tokens(&messages);
        if state.context_tokens > limits.context_window {
            break Ending::new(
                FinishStatus::ContextOverflow,
                format!(
                    "conversation of ~{} tokens exceeds the {}-token window",
                    state.context_tokens, limits.context_window
                ),
            );
        }

        let call_started = Instant::now();
        let remaining = deadline.saturating_sub(started.elapsed());
        let reply =
            tokio::time::timeout(remaining, client.chat(&messages, &definitions, &settings)).await;
        let latency_ms = u64::try_from(call_started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let response = match reply {
            Err(_) => {
                break Ending::new(
                    FinishStatus::Timeout,
                    "wall-time limit reached during a model call",
                );
            }
            Ok(Err(error)) => {
                recorder
                    .model_call(
                        state.turn,
                        &agent.model_name,
                        &messages,
                        None,
                        None,
                        latency_ms,
                        None,
                        Some(&error),
                    )
                    .map_err(trace_err)?;
                break match error {
                    ModelError::ContextOverflow { message } => {
                        Ending::new(FinishStatus::ContextOverflow, message)
                    }
                    other => Ending {
                        model_unavailable: other.is_model_unavailable(),
                        ..Ending::new(FinishStatus::ModelError, other.to_string())
                    },
                };
            }
            Ok(Ok(response)) => response,
        };
        let usage = if response.usage.prompt_tokens + response.usage.completion_tokens > 0 {
            response.usage
        } else {
            Usage::new(
                state.context_tokens,
                estimate_tokens(response.message.text_or_empty()),
            )
        };
        state.tokens_in += usage.prompt_tokens;
        state.tokens_out += usage.completion_tokens;
        let mut reply = response.message.clone();
        let effects = {
            let hook = HookContext {
                state: &state,
                sandbox: ctx.sandbox,
                recall: agent.recall.as_deref(),
            };
            stack.after_model(&hook, &mut reply).await
        };
        let reply_message = Message::Assistant(reply.clone());
        recorder
            .model_call(
                state.turn,
                &agent.model_name,
                &messages,
                Some(&reply_message),
                Some(&usage),
                latency_ms,
                Some(response.finish_reason.as_str()),
                None,
            )
            .map_err(trace_err)?;
        messages.push(reply_message);
        let mut notes: Vec<String> = Vec::new();
        let mut stop = None;
        for (layer, point, effect) in &effects {
            recorder
                .intervention(layer, *point, effect, None)
                .map_err(trace_err)?;
            match effect {
                Effect::Inject { message, .. } => notes.push(tag_note(layer, message)),
                Effect::Stop { reason, .. } => stop = Some(reason.clone()),
                _ => {}
            }
        }
        if reply.tool_calls.is_empty() && stop.is_none() {
            notes.push(NO_TOOL_CALL.to_owned());
        }

        let mut finished = None;
        for original in &reply.tool_calls {
            if stop.is_some() || finished.is_some() {
                messages.push(Message::tool(
                    original.id.clone(),
                    "not run: the run ended before this call",
                ));
                continue;
            }
            state.tool_calls += 1;
            let mut call = original.clone();
            let (output, blocked) = if state.tool_calls > limits.max_tool_calls {
                stop = Some(format!("tool-call limit {} reached", limits.max_tool_calls));
                (
                    ToolOutput::error(format!(
                        "not run: tool-call limit {} reached",
                        limits.max_tool_calls
                    )),
                    true,
                )
            } else {
                let effects =
                    tool_hooks_before(&stack, &hints, &state, &ctx, agent, &mut call).await;
                let mut block = None;
                for (layer, point, effect) in &effects {
                    recorder
                        .intervention(layer, *point, effect, Some(&call.id))
                        .map_err(trace_err)?;
                    match effect {
                        Effect::Block { message, .. } => block = Some(tag_note(layer, message)),
                        Effect::Stop { reason, .. } => stop = Some(reason.clone()),
                        Effect::Inject { message, .. } => notes.push(tag_note(layer, message)),
                        Effect::Note { .. } => {}
                    }
                }
                if let Some(message) = block {
                    (ToolOutput::error(message), true)
                } else if stop.is_some() {
                    (ToolOutput::error("not run: the run was stopped"), true)
                } else if tools.is_finish(&call.name) {
                    state.finish_attempts += 1;
                    let effects = {
                        let hook = HookContext {
                            state: &state,
                            sandbox: ctx.sandbox,
                            recall: agent.recall.as_deref(),
                        };
                        stack.on_finish(&hook).await
                    };
                    let mut refused = None;
                    for (layer, point, effect) in &effects {
                        recorder
                            .intervention(layer, *point, effect, Some(&call.id))
                            .map_err(trace_err)?;
                        match effect {
                            Effect::Block { message, .. } => {
                                refused = Some(tag_note(layer, message));
                            }
                            Effect::Inject { message, .. } => notes.push(tag_note(layer, message)),
                            Effect::Stop { reason, .. } => stop = Some(reason.clone()),
                            Effect::Note { .. } => {}
                        }
                    }
                    match refused {
                        Some(message) => (ToolOutput::error(message), true),
                        None => {
                            let output = tools.call(&tool_ctx, &call).await;
                            // A finish with bad arguments is a tool error, not an ending.
                            if !output.is_error {
                                finished = Some(output.content.clone());
                            }
                            (output, false)
                        }
                    }
                } else {
                    let mut output = tools.call(&tool_ctx, &call).await;
                    let effects =
                        tool_hooks_after(&stack, &hints, &state, &ctx, agent, &call, &mut output)
                            .await;
                    for (layer, point, effect) in &effects {
                        recorder
                            .intervention(layer, *point, effect, Some(&call.id))
                            .map_err(trace_err)?;
                        match effect {
                            Effect::Inject { message, .. } => notes.push(tag_note(layer, message)),
                            Effect::Stop { reason, .. } => stop = Some(reason.clone()),
                            Effect::Block { .. } | Effect::Note { .. } => {}
                        }
                    }
                    (output, false)
                }
            };
            recorder.tool_call(&call, &output).map_err(trace_err)?;
            state.history.push(CallRecord {
                turn: state.turn,
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
            messages.push(Message::tool(call.id.clone(), output.content));
        }
        // Notes go after every tool result: chat APIs want tool results right after the call.
        for note in notes {
            messages.push(Message::user(note));
        }
        if let Some(summary) = finished {
            break Ending {
                status: FinishStatus::Finished,
                message: Some(summary).filter(|s| !s.is_empty()),
                model_unavailable: false,
            };
        }
        if let Some(reason) = stop {
            break Ending::new(FinishStatus::Stopped, reason);
        }
    };

    let mut ending = ending;
    if let Some(message) = &mut ending.message {
        agent.redactor.redact_in_place(message);
    }
    recorder
        .finish(ending.status, state.turn, ending.message.clone())
        .map_err(trace_err)?;
    let status = match ending.status {
        FinishStatus::ModelError if ending.model_unavailable => AgentStatus::ModelError {
            message: ending.message.unwrap_or_default(),
        },
        FinishStatus::Finished => AgentStatus::Finished,
        FinishStatus::Timeout => AgentStatus::Timeout,
        other => AgentStatus::Error {
            message: format!("{}: {}", other.as_str(), ending.message.unwrap_or_default()),
        },
    };
    let mut outcome = AgentOutcome::with_status(status);
    outcome.n_input_tokens = state.tokens_in;
    outcome.n_output_tokens = state.tokens_out;
    Ok(outcome)
}

type Effects = Vec<(String, HookPoint, Effect)>;

async fn tool_hooks_before(
    stack: &MiddlewareStack,
    hints: &HintLayer,
    state: &RunState,
    ctx: &AgentContext<'_>,
    agent: &BuiltinAgent,
    call: &mut ToolCall,
) -> Effects {
    let hook = HookContext {
        state,
        sandbox: ctx.sandbox,
        recall: agent.recall.as_deref(),
    };
    let mut effects = stack.before_tool(&hook, call).await;
    if !effects
        .iter()
        .any(|(_, _, e)| matches!(e, Effect::Block { .. } | Effect::Stop { .. }))
    {
        for effect in hints.before_tool(&hook, call).await {
            effects.push((HINTS_KIND.to_owned(), HookPoint::BeforeTool, effect));
        }
    }
    effects
}

async fn tool_hooks_after(
    stack: &MiddlewareStack,
    hints: &HintLayer,
    state: &RunState,
    ctx: &AgentContext<'_>,
    agent: &BuiltinAgent,
    call: &ToolCall,
    output: &mut ToolOutput,
) -> Effects {
    let hook = HookContext {
        state,
        sandbox: ctx.sandbox,
        recall: agent.recall.as_deref(),
    };
    let mut effects = stack.after_tool(&hook, call, output).await;
    for effect in hints.after_tool(&hook, call, output).await {
        effects.push((HINTS_KIND.to_owned(), HookPoint::AfterTool, effect));
    }
    effects
}
