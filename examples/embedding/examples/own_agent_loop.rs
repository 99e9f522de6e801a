//! Your own agent, evolved by the loop. `MiniAgent` is a small agent written the way users
//! write theirs: its own loop, its own `shell` and `finish` tools, its own trace events. It
//! reads the parts of a `Harness` it understands: the system prompt, the memory notes and the
//! memory hints (it applies a hint's substitution note when a command matches), the limits,
//! and the harness's middleware, which it runs through the toolkit's middleware traits
//! (`MiddlewareStack`: `before_tool`, `after_tool`, `on_finish`). `MiniAgentFactory` hands
//! it to the evolution loop as an `AgentFactory`, so every candidate harness is run by this
//! agent. The program embeds the loop without the command line, on its own task list (six
//! held-in, two validation and two test tasks copied from the bundled suite), against the
//! simulated model with a profile written here, and prints the scores before and after.
//!
//! ```sh
//! cargo run -p harness-examples --example own_agent_loop
//! ```
//!
//! The simulated model is a documented test double: it makes this reproducible offline and
//! says nothing about how a real model would score.

use std::collections::BTreeMap;
use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use harness_agent::middleware::{
    HookContext, MiddlewareRegistry, MiddlewareStack, block_message, tag_note,
};
use harness_agent::state::{CallRecord, RunState};
use harness_agent::tools::ToolOutput;
use harness_agent_api::{
    Agent, AgentContext, AgentError, AgentFactory, AgentOutcome, AgentStatus, RunContext,
};
use harness_core::{Harness, HintTrigger, KindRegistry};
use harness_eval::{LocalEvaluator, ScoreCache};
use harness_evolve::{AgentConfig, EvolutionParts, EvolveConfig, EvolveSummary, jobs_dir};
use harness_model::{
    BackendOptions, Message, ModelProvider, ModelRegistry, ModelSettings, ToolCall, ToolDefinition,
    TrialModelContext,
};
use harness_sandbox::{ExecOptions, ExitStatus, LocalProvider};
use harness_tasks::{JobOptions, Suite};
use harness_trace::{Event, Finish, FinishStatus, RunStoreFactory, SharedSink, TraceSink};
use harness_types::{ContentHash, ModelId};
use serde_json::{Value, json};

/// The agent.
#[derive(Clone)]
struct MiniAgent {
    harness: Arc<Harness>,
    models: Arc<dyn ModelProvider>,
    model: String,
}

/// One trial's state: the conversation, the middleware stack, what middleware may read.
struct Trial<'a> {
    agent: &'a MiniAgent,
    ctx: &'a AgentContext<'a>,
    stack: MiddlewareStack,
    state: RunState,
    trace: Option<SharedSink>,
}

impl MiniAgent {
    /// The system prompt: the harness's template with the task filled in, then every memory
    /// note.
    fn system_prompt(&self, ctx: &AgentContext<'_>) -> String {
        let values: BTreeMap<&str, String> = [
            ("instruction", ctx.task.instruction.clone()),
            ("workdir", ctx.task.workdir.clone()),
        ]
        .into();
        let mut prompt = harness_core::render_template(self.harness.system_prompt(), &values);
        for note in self.harness.memory().notes.values() {
            prompt.push_str("\n\n");
            prompt.push_str(note);
        }
        prompt
    }

    fn tools() -> Vec<ToolDefinition> {
        vec![
            ToolDefinition::new(
                "shell",
                "Run a bash command in the working directory.",
                json!({"type": "object", "properties": {"command": {"type": "string",
                    "description": "The bash command to run."}}, "required": ["command"]}),
            ),
            ToolDefinition::new(
                "finish",
                "Say that the task is done.",
                json!({"type": "object", "properties": {}}),
            ),
        ]
    }
}

impl Trial<'_> {
    fn hook(&self) -> HookContext<'_> {
        HookContext {
            state: &self.state,
            sandbox: self.ctx.sandbox,
            recall: None,
        }
    }

    fn trace(&mut self, event: Event) {
        if let Some(sink) = self.trace.as_mut() {
            // The trace is evidence for the miner; a write that fails loses evidence, not
            // the trial.
            let _ = sink.append(event);
        }
    }

    /// Memory hints on commands: the advice, and the substitution in the machine-readable
    /// line any reader may apply.
    fn hint_notes(&self, command: &str) -> Vec<String> {
        self.agent
            .harness
            .hints()
            .iter()
            .filter(|h| match &h.trigger {
                HintTrigger::Command { pattern } => {
                    regex::Regex::new(pattern).is_ok_and(|re| re.is_match(command))
                }
                _ => false,
            })
            .map(|h| {
                let mut text = h.advice.clone();
                if let Some(s) = &h.substitute {
                    text.push_str(&format!(
                        "\nsubstitute: {}",
                        json!({"from": s.from, "to": s.to})
                    ));
                }
                tag_note("memory", &text)
            })
            .collect()
    }

    /// Run one `shell` call through the middleware: before, the command, after.
    async fn shell(&mut self, call: &mut ToolCall, turn: u32) -> String {
        let Some(command) = call
            .arguments
            .get("command")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            let text = "invalid arguments for `shell`: expected a JSON object with a string \
                        `command`"
                .to_owned();
            self.record(call, turn, None, true, None, &text, false);
            return text;
        };
        let fired = self.stack.before_tool(&self.hook(), call).await;
        if let Some(message) = block_message(&fired) {
            let text = tag_note("middleware", message);
            self.record(call, turn, Some(&command), true, None, &text, true);
            return text;
        }
        let options = ExecOptions {
            timeout: std::time::Duration::from_secs(60),
            ..ExecOptions::default()
        };
        let started = Instant::now();
        let (mut output, code) = match self.ctx.sandbox.exec(&command, options).await {
            Ok(out) => {
                let code = match out.status {
                    ExitStatus::Code(c) => c,
                    ExitStatus::Signal(s) => 128 + s,
                };
                let mut text = out.stdout.text_with_marker();
                text.push_str(&out.stderr.text_with_marker());
                text.push_str(&format!("[exit code {code}]"));
                (text, Some(code))
            }
            Err(e) => (format!("the command could not run: {e}"), None),
        };
        let mut tool_output = ToolOutput {
            content: output.clone(),
            is_error: code != Some(0),
            exit_code: code,
            duration: started.elapsed(),
            full_len: output.len(),
        };
        let fired = self
            .stack
            .after_tool(&self.hook(), call, &mut tool_output)
            .await;
        output = tool_output.content;
        let mut notes: Vec<String> = fired
            .iter()
            .filter_map(|(layer, _, effect)| match effect {
                harness_agent::middleware::Effect::Inject { message, .. } => {
                    Some(tag_note(layer, message))
                }
                _ => None,
            })
            .collect();
        notes.extend(self.hint_notes(&command));
        for note in notes {
            output.push('\n');
            output.push_str(&note);
        }
        self.record(
            call,
            turn,
            Some(&command),
            code != Some(0),
            code,
            &output,
            false,
        );
        output
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        call: &ToolCall,
        turn: u32,
        command: Option<&str>,
        failed: bool,
        exit_code: Option<i32>,
        output: &str,
        blocked: bool,
    ) {
        self.state.tool_calls += 1;
        self.state.history.push(CallRecord {
            turn,
            name: call.name.clone(),
            arguments: call.arguments.clone(),
            command: command.map(str::to_owned),
            failed,
            exit_code,
            output_excerpt: output.chars().take(400).collect(),
            blocked,
        });
        let error = (command.is_none() && call.name == "shell").then(|| output.to_owned());
        self.trace(Event::ToolCall(harness_trace::ToolCall {
            call_id: call.id.clone(),
            name: call.name.clone(),
            arguments: call.arguments.clone(),
            output: harness_trace::ToolOutput::inline(output),
            exit_code,
            duration_ms: 0,
            error,
        }));
    }
}

#[async_trait]
impl Agent for MiniAgent {
    fn name(&self) -> &str {
        "mini-agent"
    }

    fn version(&self) -> &str {
        "1"
    }

    // Only a test double takes the solution: the simulated model's competence comes from it.
    fn needs_solution(&self) -> bool {
        self.models.accepts_task_solution()
    }

    fn harness_hash(&self) -> ContentHash {
        self.harness.content_hash()
    }

    fn model(&self) -> ModelId {
        ModelId::new(&self.model)
    }

    async fn run(&self, ctx: AgentContext<'_>) -> Result<AgentOutcome, AgentError> {
        let mut model_ctx = TrialModelContext::new(&ctx.task.id, ctx.trial.seed, ctx.trial.repeat);
        if let Some(solution) = ctx.solution
            && let Ok(solve) = std::fs::read_to_string(solution.dir.join("solve.sh"))
        {
            model_ctx = model_ctx.with_task_knowledge(json!({
                "solve_sh": solve, "metadata": ctx.task.metadata, "instruction": ctx.task.instruction,
            }));
        }
        let client = self
            .models
            .client_for(&model_ctx)
            .map_err(|e| AgentError::failed(e.to_string()))?;
        let stack = MiddlewareRegistry::builtin()
            .build(self.harness.middleware())
            .map_err(|e| AgentError::failed(format!("middleware.yaml: {e}")))?;
        let limits = self.harness.manifest().limits.clone();
        let state = RunState::new(
            &ctx.task.id,
            &ctx.task.instruction,
            &ctx.task.workdir,
            limits.clone(),
        );
        let trace = ctx.trace.clone();
        let mut trial = Trial {
            agent: self,
            ctx: &ctx,
            stack,
            state,
            trace,
        };
        let mut messages = vec![
            Message::system(self.system_prompt(&ctx)),
            Message::user(ctx.task.instruction.clone()),
        ];
        let settings = ModelSettings {
            temperature: self.harness.manifest().model.temperature,
            max_output_tokens: self.harness.manifest().model.max_output_tokens,
        };
        let (mut tokens_in, mut tokens_out) = (0, 0);
        let mut ending = FinishStatus::MaxTurns;
        'turns: for turn in 1..=limits.max_turns {
            trial.state.turn = turn;
            let reply = match client.chat(&messages, &MiniAgent::tools(), &settings).await {
                Ok(reply) => reply,
                Err(_) => {
                    ending = FinishStatus::ModelError;
                    break;
                }
            };
            tokens_in += reply.usage.prompt_tokens;
            tokens_out += reply.usage.completion_tokens;
            let calls = reply.message.tool_calls.clone();
            messages.push(Message::Assistant(reply.message));
            if calls.is_empty() {
                messages.push(Message::user("Use the tools, then call finish."));
                continue;
            }
            for mut call in calls {
                let answer = if call.name == "finish" {
                    trial.state.finish_attempts += 1;
                    let fired = trial.stack.on_finish(&trial.hook()).await;
                    match block_message(&fired) {
                        Some(message) => tag_note("middleware", message),
                        None => {
                            ending = FinishStatus::Finished;
                            break 'turns;
                        }
                    }
                } else if call.name == "shell" {
                    trial.shell(&mut call, turn).await
                } else {
                    format!("unknown tool `{}`", call.name)
                };
                messages.push(Message::tool(call.id.clone(), answer));
            }
        }
        trial.trace(Event::Finish(Finish {
            status: ending,
            turns: trial.state.turn,
            message: None,
        }));
        // Out of turns is an ordinary ending: the verifier decides what the run achieved.
        let status = match ending {
            FinishStatus::ModelError => AgentStatus::ModelError {
                message: "the model failed".into(),
            },
            _ => AgentStatus::Finished,
        };
        Ok(AgentOutcome::with_status(status).with_usage(tokens_in, 0, tokens_out, 0.0))
    }
}

/// Builds `MiniAgent` for any candidate harness: the loop's only way to run one.
struct MiniAgentFactory {
    models: Arc<dyn ModelProvider>,
    model: String,
}

impl AgentFactory for MiniAgentFactory {
    fn agent_for(
        &self,
        harness: Arc<Harness>,
        _run: &RunContext,
    ) -> Result<Arc<dyn Agent>, AgentError> {
        // A harness whose middleware this agent cannot build is a configuration error, before
        // any trial runs.
        MiddlewareRegistry::builtin()
            .build(harness.middleware())
            .map_err(|e| AgentError::failed(format!("middleware.yaml: {e}")))?;
        Ok(Arc::new(MiniAgent {
            harness,
            models: Arc::clone(&self.models),
            model: self.model.clone(),
        }))
    }
}

/// A profile of the simulated model written here, shipped nowhere: it finishes before checking
/// its work and reaches for programs the environment lacks.
const PROFILE: &str = r"name: careless
description: Finishes early and uses programs the environment lacks.
pitfall_rate: 0.3
pathologies:
  premature_finish:
    probability: 0.7
  env_fact_blindness:
    probability: 0.7
    habits:
      - {kind: rename, command: awk, habit: gawk}
      - {kind: prefix, prefix: 'sudo ', commands: [chmod, mkdir, make, tar, rm, cp, mv]}
";

/// Evolve the minimal harness for `MiniAgent` on its own tasks.
async fn evolve_own_agent() -> Result<EvolveSummary, Box<dyn Error>> {
    let work = tempfile::tempdir()?;
    let suite_dir = harness_examples::small_suite(
        work.path(),
        &[
            "misnamed-bundle",
            "out-of-tree-build",
            "docs-whitespace-cleanup",
            "git-untrack-artifacts",
            "http-status-summary",
            "report-helpers-path",
        ],
        &["site-backup", "release-tarball-check"],
        &["build-stats-tool", "fix-tally-build"],
    )?;
    let profile = work.path().join("careless.yaml");
    std::fs::write(&profile, PROFILE)?;
    let model = format!("sim:{}", profile.display());
    let run_dir = work.path().join("run");
    let mut models = ModelRegistry::new();
    harness_sim::register(&mut models);
    let built = models.build_str(&model, &BackendOptions::new().with_records_dir(&run_dir))?;

    let registry = KindRegistry::builtin();
    let seed = Harness::load(&harness_examples::bundled_harness("minimal"), &registry)?;
    let suite = Suite::load(&suite_dir)?;
    let mut config = EvolveConfig::new(
        suite_dir.clone(),
        harness_examples::bundled_harness("minimal"),
        AgentConfig::builtin(model.clone()),
    );
    config.generations = 2;
    config.repeats = 3;
    config.k = 3;
    let mut options = JobOptions::new("own-agent");
    options.jobs = 2;
    options.resume = true;
    let factory = Arc::new(MiniAgentFactory {
        models: built.provider,
        model: model.clone(),
    });
    let evaluator = LocalEvaluator::new(
        Arc::new(LocalProvider::default()),
        factory,
        Arc::new(ScoreCache::open(&run_dir)?),
        jobs_dir(&run_dir),
        options,
    )
    .with_traces(Arc::new(RunStoreFactory::default()));
    let evolution = harness_evolve::Evolution::new(EvolutionParts {
        config,
        run_dir: run_dir.clone(),
        suite,
        seed,
        registry,
        evaluator: Arc::new(evaluator),
        miner: Arc::new(harness_miner::StoreMiner::new(
            harness_miner::MinerConfig::default(),
        )),
        proposer: Arc::new(harness_proposer::CatalogProposer::builtin()?),
        gate: Arc::new(harness_gate::RuleGate::default_gate()),
    })?;
    Ok(evolution.run().await?)
}

fn print(summary: &EvolveSummary) {
    let s = |x: Option<f64>| x.map_or("-".to_owned(), |v| format!("{v:.3}"));
    println!("split        before  after");
    println!(
        "held_in      {}   {}",
        s(summary.seed.held_in),
        s(summary.evolved.held_in)
    );
    println!(
        "validation   {}   {}",
        s(summary.seed.validation),
        s(summary.evolved.validation)
    );
    println!(
        "test         {}   {}",
        s(summary.seed.test),
        s(summary.evolved.test)
    );
    println!(
        "accepted changes: {} ({}); rollouts {} (baseline protocol {})",
        summary.accepted_changes,
        summary.accepted.join(", "),
        summary.rollouts,
        summary.baseline_rollouts
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let summary = evolve_own_agent().await?;
    print(&summary);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_loop_improves_a_users_own_agent_on_its_own_tasks() {
        let summary = super::evolve_own_agent().await.unwrap();
        super::print(&summary);
        assert!(summary.accepted_changes >= 1, "{summary:?}");
        let before = summary.seed.held_in.unwrap() + summary.seed.validation.unwrap();
        let after = summary.evolved.held_in.unwrap() + summary.evolved.validation.unwrap();
        assert!(after > before, "{summary:?}");
    }
}
