//! Deterministic synthetic traces for tests, examples and benchmarks.
//!
//! These are fixtures, not a model of real agents: a fixed vocabulary, a handful of error
//! templates and a seeded generator, so the same arguments always give the same bytes.

use std::collections::BTreeMap;

use harness_core::ContentHash;
use time::{Duration, OffsetDateTime};

use crate::event::{
    AgentInfo, CallError, ContextEvent, ContextKind, Event, Finish, FinishStatus, Intervention,
    InterventionAction, Message, Messages, ModelCall, ModelInfo, OutcomeClass, Role, Split,
    TRACE_FORMAT, TokenUsage, ToolCall, ToolCallRequest, ToolOutput, TraceHeader, VerifierOutcome,
};
use crate::layout::TrialId;
use crate::trace::TrialTrace;

/// The start time of synthetic trials: 2026-01-01T00:00:00Z.
pub const EPOCH: OffsetDateTime = time::macros::datetime!(2026-01-01 00:00:00 UTC);

/// A header for `trial` of run `synthetic`.
pub fn sample_header(trial: TrialId) -> TraceHeader {
    TraceHeader {
        format: TRACE_FORMAT.to_owned(),
        run_id: "synthetic".to_owned(),
        trial_id: trial,
        harness_hash: ContentHash::of_bytes(b"sample harness"),
        task_id: "fix-git".to_owned(),
        task_checksum: ContentHash::of_bytes(b"sample task").to_hex(),
        agent: AgentInfo {
            name: "reference".to_owned(),
            version: "0.1.0".to_owned(),
        },
        model: ModelInfo {
            name: "sim-1".to_owned(),
            provider: Some("harness-sim".to_owned()),
        },
        seed: 7,
        repeat: 0,
        split: Split::HeldIn,
        labels: BTreeMap::new(),
    }
}

/// A small trace with one event of every kind: a model call asking for two tool calls, one
/// of which fails, a middleware intervention, a compaction, a second model call, finish and
/// the verifier's outcome.
pub fn sample_trace() -> TrialTrace {
    let mut trace = TrialTrace::new(sample_header(TrialId::numbered(0)), EPOCH);
    let ts = |s: i64| EPOCH + Duration::seconds(s);
    trace.push(
        ts(2),
        Event::ModelCall(ModelCall {
            retries: Vec::new(),
            turn: 1,
            model: None,
            input: Messages::Inline {
                messages: vec![
                    Message::text(Role::System, "You are a careful engineer."),
                    Message::text(Role::User, "Fix the git repository in /app."),
                ],
            },
            response: Some(Message {
                role: Role::Assistant,
                content: "Let me look at the repository.".to_owned(),
                reasoning: Some("Start by checking the state.".to_owned()),
                tool_calls: vec![
                    ToolCallRequest {
                        id: "call_1".to_owned(),
                        name: "shell".to_owned(),
                        arguments: serde_json::json!({"command": "git status"}),
                    },
                    ToolCallRequest {
                        id: "call_2".to_owned(),
                        name: "shell".to_owned(),
                        arguments: serde_json::json!({"command": "python3 check.py"}),
                    },
                ],
                tool_call_id: None,
            }),
            usage: TokenUsage {
                input_tokens: 120,
                output_tokens: 40,
                cached_tokens: 0,
            },
            latency_ms: 850,
            cost_usd: Some(0.0012),
            finish_reason: Some("tool_calls".to_owned()),
            error: None,
        }),
    );
    trace.push(
        ts(3),
        Event::ToolCall(ToolCall {
            call_id: "call_1".to_owned(),
            name: "shell".to_owned(),
            arguments: serde_json::json!({"command": "git status"}),
            output: ToolOutput::inline(
                "fatal: not a git repository (or any of the parent directories): .git",
            ),
            exit_code: Some(128),
            duration_ms: 15,
            error: None,
        }),
    );
    trace.push(
        ts(4),
        Event::ToolCall(ToolCall {
            call_id: "call_2".to_owned(),
            name: "shell".to_owned(),
            arguments: serde_json::json!({"command": "python3 check.py"}),
            output: ToolOutput::inline("checks passed: 3 of 3"),
            exit_code: Some(0),
            duration_ms: 230,
            error: None,
        }),
    );
    trace.push(
        ts(5),
        Event::Intervention(Intervention {
            kind: "tool_error_hint".to_owned(),
            rule: None,
            trigger: "tool_error(fatal: not a git repository)".to_owned(),
            action: InterventionAction::Inject,
            message: Some(
                "The repository may need `git init` or a restored .git folder.".to_owned(),
            ),
            call_id: Some("call_1".to_owned()),
        }),
    );
    trace.push(
        ts(6),
        Event::Context(ContextEvent {
            kind: ContextKind::Compaction,
            tokens_before: Some(9000),
            tokens_after: Some(1200),
            messages_removed: Some(4),
            note: Some("summarized the first turn".to_owned()),
        }),
    );
    trace.push(
        ts(8),
        Event::ModelCall(ModelCall {
            retries: Vec::new(),
            turn: 2,
            model: None,
            input: Messages::Inline {
                messages: vec![Message::text(
                    Role::User,
                    "The repository may need `git init` or a restored .git folder.",
                )],
            },
            response: Some(Message::text(
                Role::Assistant,
                "Restored the .git folder; done.",
            )),
            usage: TokenUsage {
                input_tokens: 1300,
                output_tokens: 25,
                cached_tokens: 1100,
            },
            latency_ms: 640,
            cost_usd: Some(0.0009),
            finish_reason: Some("stop".to_owned()),
            error: None,
        }),
    );
    trace.push(
        ts(9),
        Event::Finish(Finish {
            status: FinishStatus::Finished,
            turns: 2,
            message: Some("Restored the .git folder; done.".to_owned()),
        }),
    );
    trace.push(
        ts(20),
        Event::Verifier(VerifierOutcome {
            outcome: OutcomeClass::Pass,
            rewards: BTreeMap::from([("reward".to_owned(), 1.0)]),
            reward: Some(1.0),
            duration_ms: Some(11_000),
        }),
    );
    trace
}

/// SplitMix64: small, fast, good enough for fixtures.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// True with probability `per_million / 1_000_000`.
    pub fn chance(&mut self, per_million: u64) -> bool {
        self.below(1_000_000) < per_million
    }

    /// One element of a non-empty slice (the first for an empty one is impossible; returns
    /// an empty string then).
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items
            .get(self.below(items.len() as u64) as usize)
            .copied()
            .unwrap_or("")
    }
}

/// Words the synthetic messages and outputs are made of.
pub const VOCABULARY: &[&str] = &[
    "build",
    "test",
    "install",
    "package",
    "module",
    "import",
    "config",
    "server",
    "client",
    "request",
    "response",
    "handler",
    "parser",
    "token",
    "buffer",
    "stream",
    "socket",
    "thread",
    "process",
    "kernel",
    "memory",
    "cache",
    "index",
    "query",
    "schema",
    "table",
    "column",
    "row",
    "commit",
    "branch",
    "merge",
    "rebase",
    "remote",
    "origin",
    "upstream",
    "patch",
    "diff",
    "compile",
    "linker",
    "binary",
    "library",
    "header",
    "source",
    "target",
    "artifact",
    "release",
    "debug",
    "verbose",
    "warning",
    "notice",
    "retry",
    "timeout",
    "deadline",
    "budget",
    "limit",
    "python",
    "pytest",
    "cargo",
    "rustc",
    "npm",
    "node",
    "docker",
    "shell",
    "bash",
    "grep",
    "sed",
    "awk",
    "curl",
    "wget",
    "tar",
    "gzip",
    "json",
    "yaml",
    "toml",
    "csv",
    "sqlite",
    "postgres",
    "redis",
    "nginx",
    "flask",
    "django",
    "numpy",
    "pandas",
    "matrix",
    "vector",
    "tensor",
    "model",
    "layer",
    "weight",
    "gradient",
    "loss",
    "epoch",
    "batch",
    "sample",
    "dataset",
    "split",
    "score",
    "metric",
    "result",
    "output",
    "input",
    "file",
    "directory",
    "path",
    "permission",
    "owner",
    "group",
    "user",
    "password",
    "secret",
    "key",
    "certificate",
    "protocol",
    "version",
    "update",
    "upgrade",
    "downgrade",
    "dependency",
    "conflict",
    "resolve",
    "lock",
    "unlock",
    "checksum",
    "hash",
    "digest",
    "encode",
    "decode",
    "format",
    "render",
    "template",
    "script",
    "function",
    "method",
    "class",
    "object",
    "struct",
    "trait",
    "interface",
    "closure",
    "iterator",
    "generator",
    "async",
    "await",
    "future",
    "promise",
    "callback",
    "event",
    "signal",
    "queue",
    "worker",
    "pool",
    "scheduler",
    "cron",
    "daemon",
    "service",
    "endpoint",
    "route",
    "middleware",
    "session",
    "cookie",
];

/// Failure texts of synthetic tool calls; `{}` is replaced by a number or a vocabulary word.
pub const ERROR_TEMPLATES: &[&str] = &[
    "ModuleNotFoundError: No module named '{}'",
    "fatal: not a git repository (or any of the parent directories): .git",
    "bash: {}: command not found",
    "FileNotFoundError: [Errno 2] No such file or directory: '/app/{}.txt'",
    "make: *** [Makefile:{}: all] Error 2",
    "error[E0308]: mismatched types --> src/main.rs:{}:5",
    "AssertionError: expected {} but got 0",
    "PermissionError: [Errno 13] Permission denied: '/etc/{}'",
];

/// A word that occurs in about one synthetic event in 100,000: a needle for benchmarks.
pub const RARE_WORD: &str = "quokkasentinel";

/// One synthetic trial: a header and `steps` events (model and tool calls alternating, with
/// failures, interventions and compactions sprinkled in; finish and verifier last), each with
/// its timestamp. Trial `i` of run `run` gets the id `TrialId::numbered(i)`.
pub fn synthetic_trial(
    run: &str,
    i: u64,
    steps: usize,
    seed: u64,
) -> (TraceHeader, OffsetDateTime, Vec<(OffsetDateTime, Event)>) {
    let mut rng = Rng::new(seed ^ i.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let mut header = sample_header(TrialId::numbered(i));
    header.run_id = run.to_owned();
    header.task_id = format!("task-{:03}", i % 64);
    header.harness_hash = ContentHash::of_bytes(&(i % 3).to_le_bytes());
    header.repeat = (i / 64) as u32;
    header.seed = seed;
    header.split = [Split::HeldIn, Split::Validation, Split::Test][(i % 3) as usize];
    let start = EPOCH + Duration::hours(i as i64);
    let mut events = Vec::with_capacity(steps);
    let body = steps.saturating_sub(2);
    let mut turn = 0;
    let mut pending_call: Option<(String, serde_json::Value)> = None;
    for k in 0..body {
        let ts = start + Duration::seconds(k as i64 + 1);
        let event = if rng.chance(20_000) {
            Event::Intervention(Intervention {
                kind: "loop_breaker".to_owned(),
                rule: None,
                trigger: format!("identical_calls({})", 3 + rng.below(3)),
                action: InterventionAction::Inject,
                message: Some(format!(
                    "You repeated {} three times; try another approach.",
                    rng.pick(VOCABULARY)
                )),
                call_id: None,
            })
        } else if rng.chance(10_000) {
            Event::Context(ContextEvent {
                kind: ContextKind::Compaction,
                tokens_before: Some(30_000 + rng.below(10_000)),
                tokens_after: Some(4_000),
                messages_removed: Some(10),
                note: Some(sentence(&mut rng, 8)),
            })
        } else if let Some((id, arguments)) = pending_call.take() {
            let failed = rng.chance(150_000);
            let mut text = sentence(&mut rng, 24);
            if failed {
                let template = rng.pick(ERROR_TEMPLATES);
                let filler = if rng.chance(500_000) {
                    rng.below(1000).to_string()
                } else {
                    rng.pick(VOCABULARY).to_owned()
                };
                text.push('\n');
                text.push_str(&template.replace("{}", &filler));
            }
            if rng.chance(10) {
                text.push_str(&format!(" {RARE_WORD}"));
            }
            Event::ToolCall(ToolCall {
                call_id: id,
                name: "shell".to_owned(),
                arguments,
                output: ToolOutput::inline(text),
                exit_code: Some(if failed { 1 } else { 0 }),
                duration_ms: rng.below(2000),
                error: None,
            })
        } else {
            turn += 1;
            let id = format!("call_{k}");
            let arguments = serde_json::json!({
                "command": format!("{} {} {}", rng.pick(VOCABULARY), rng.pick(VOCABULARY), rng.pick(VOCABULARY))
            });
            pending_call = Some((id.clone(), arguments.clone()));
            Event::ModelCall(ModelCall {
                retries: Vec::new(),
                turn,
                model: None,
                input: Messages::Inline {
                    messages: vec![Message::text(Role::User, sentence(&mut rng, 6))],
                },
                response: Some(Message {
                    role: Role::Assistant,
                    content: sentence(&mut rng, 16),
                    reasoning: None,
                    tool_calls: vec![ToolCallRequest {
                        id,
                        name: "shell".to_owned(),
                        arguments,
                    }],
                    tool_call_id: None,
                }),
                usage: TokenUsage {
                    input_tokens: 1000 + rng.below(20_000),
                    output_tokens: 20 + rng.below(400),
                    cached_tokens: rng.below(1000),
                },
                latency_ms: 200 + rng.below(3000),
                cost_usd: Some(0.0001 * (1 + rng.below(30)) as f64),
                finish_reason: Some("tool_calls".to_owned()),
                error: None,
            })
        };
        events.push((ts, event));
    }
    let end = start + Duration::seconds(body as i64 + 1);
    if steps >= 1 {
        let status = if rng.chance(800_000) {
            FinishStatus::Finished
        } else {
            FinishStatus::MaxTurns
        };
        events.push((
            end,
            Event::Finish(Finish {
                status,
                turns: turn,
                message: None,
            }),
        ));
    }
    if steps >= 2 {
        let reward = if rng.chance(400_000) { 1.0 } else { 0.0 };
        events.push((
            end + Duration::seconds(5),
            Event::Verifier(VerifierOutcome {
                outcome: OutcomeClass::from_reward(reward),
                rewards: BTreeMap::from([("reward".to_owned(), reward)]),
                reward: Some(reward),
                duration_ms: Some(5000),
            }),
        ));
    }
    (header, start, events)
}

/// A model error for tests of model-error fingerprints.
pub fn rate_limit_error(seconds: u64) -> CallError {
    CallError {
        kind: "rate_limit".to_owned(),
        message: format!("429 Too Many Requests: retry after {seconds}s"),
    }
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut out = String::new();
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(rng.pick(VOCABULARY));
    }
    out
}
