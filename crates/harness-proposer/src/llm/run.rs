//! One run of the proposer's loop: the conversation, the turn and submission limits, the
//! reminder after a reply without a tool call, the meter checked before and charged after
//! every call, and each tool call answered with a bounded result.

use harness_miner::estimate_tokens;
use harness_model::{FinishReason, Message, ModelClient, ModelError, ToolCall, ToolDefinition};

use crate::context::ProposalContext;
use crate::error::ProposerError;
use crate::guard::ProposalGuard;
use crate::llm::config::LlmProposerConfig;
use crate::llm::submit::{Judge, Submissions};
use crate::llm::tools::{
    self, ASK_ADVISOR, AdvisorArgs, LIST_FILES, READ_FILE, ReadFileArgs, SEARCH_TRACES,
    SHOW_REPORT, SHOW_TRIAL, SIMILAR_FAILURES, SUBMIT, SearchArgs, ShowReportArgs, ShowTrialArgs,
    SimilarArgs,
};
use crate::llm::traces::TraceReader;
use crate::llm::{advisor, harness_files, report_tools};
use crate::proposer::{ProposalBatch, ProposerUsage, SpendMeter};

/// The meter's heading for the proposer's own tokens.
pub(crate) const PROPOSER_HEADING: &str = "proposer";

/// The proposer's name.
pub(crate) const NAME: &str = "llm";

/// The models and limits of a run.
pub(crate) struct Setup<'a> {
    /// The proposer's model.
    pub client: &'a dyn ModelClient,
    /// The advisor, if any.
    pub advisor: Option<&'a dyn ModelClient>,
    /// Where tokens are charged.
    pub meter: &'a dyn SpendMeter,
    /// Limits and sampling.
    pub config: &'a LlmProposerConfig,
    /// The guards.
    pub guard: &'a ProposalGuard,
}

/// Why a run ended.
enum Stop {
    Done,
    OutOfTurns,
    OutOfSubmissions,
    Budget(String),
    Silent,
    ModelFailed(ModelError),
}

/// Run the loop with `instructions` as the system message; the batch of what was accepted.
pub(crate) async fn run(
    setup: &Setup<'_>,
    context: &ProposalContext,
    k: usize,
    instructions: String,
) -> Result<ProposalBatch, ProposerError> {
    let config = setup.config;
    let judge = Judge {
        context,
        guard: setup.guard,
        k,
        limit: config.submissions(),
    };
    let mut state = State {
        setup,
        judge,
        traces: TraceReader::new(context.traces.as_ref()),
        submissions: Submissions::default(),
        usage: ProposerUsage::default(),
    };
    let tools = tools::definitions(setup.advisor.is_some());
    let tool_tokens = json_tokens(&tools);
    let mut messages = vec![
        Message::system(instructions),
        Message::user(format!(
            "Propose up to {k} change list(s) for this harness. Gather the evidence you need \
             with the read-only tools, then call `submit_proposals`."
        )),
    ];
    let stop = state.converse(&mut messages, &tools, tool_tokens).await;
    state.finish(stop)
}

/// What a run keeps besides the conversation.
struct State<'a, 'c> {
    setup: &'a Setup<'a>,
    judge: Judge<'c>,
    traces: TraceReader<'c>,
    submissions: Submissions,
    usage: ProposerUsage,
}

impl State<'_, '_> {
    /// Turns until a limit, the budget or the model ends the run.
    async fn converse(
        &mut self,
        messages: &mut Vec<Message>,
        tools: &[ToolDefinition],
        tool_tokens: u64,
    ) -> Stop {
        let config = self.setup.config;
        let settings = config.settings();
        let cap = config.output_cap();
        let mut reminded = false;
        loop {
            if self.usage.turns >= config.turns() {
                return Stop::OutOfTurns;
            }
            let estimate = json_tokens(messages)
                .saturating_add(tool_tokens)
                .saturating_add(u64::from(settings.max_output_tokens));
            if !self.setup.meter.allows(PROPOSER_HEADING, estimate) {
                return Stop::Budget(format!(
                    "the meter allows no further call of about {estimate} tokens"
                ));
            }
            let response = match self.setup.client.chat(messages, tools, &settings).await {
                Ok(response) => response,
                Err(error) => return Stop::ModelFailed(error),
            };
            self.usage.turns += 1;
            let tokens = response.usage.total();
            self.usage.proposer_tokens = self.usage.proposer_tokens.saturating_add(tokens);
            if let Err(refusal) = self.setup.meter.charge(PROPOSER_HEADING, tokens) {
                return Stop::Budget(refusal);
            }
            let mut reply = response.message;
            reply.reasoning = None;
            let calls = reply.tool_calls.clone();
            messages.push(Message::Assistant(reply));
            if calls.is_empty() {
                if reminded {
                    return Stop::Silent;
                }
                reminded = true;
                messages.push(Message::user(reminder(
                    response.finish_reason,
                    settings.max_output_tokens,
                )));
                continue;
            }
            for call in &calls {
                let answer = self.answer(call).await;
                messages.push(Message::tool(call.id.clone(), tools::bound(&answer, cap)));
                if self.submissions.complete(self.judge.k) {
                    return Stop::Done;
                }
            }
            if self.submissions.attempts >= self.judge.limit {
                return Stop::OutOfSubmissions;
            }
        }
    }

    /// The result of one tool call (unbounded; the caller bounds it).
    async fn answer(&mut self, call: &ToolCall) -> String {
        let context = self.judge.context;
        let cap = self.setup.config.output_cap();
        match call.name.as_str() {
            LIST_FILES => harness_files::list(&context.harness),
            READ_FILE => match tools::arguments::<ReadFileArgs>(call) {
                Ok(args) => harness_files::read(&context.harness, &args, cap),
                Err(message) => message,
            },
            SHOW_REPORT => match tools::arguments::<ShowReportArgs>(call) {
                Ok(args) => report_tools::show(&context.report, args.cluster_id.as_deref()),
                Err(message) => message,
            },
            SIMILAR_FAILURES => match tools::arguments::<SimilarArgs>(call) {
                Ok(args) => report_tools::similar_failures(&context.report, &args.cluster_id),
                Err(message) => message,
            },
            SEARCH_TRACES => match tools::arguments::<SearchArgs>(call) {
                Ok(args) => self.traces.search(&args).await,
                Err(message) => message,
            },
            SHOW_TRIAL => match tools::arguments::<ShowTrialArgs>(call) {
                Ok(args) => self.traces.show_trial(&args, cap).await,
                Err(message) => message,
            },
            ASK_ADVISOR => match (self.setup.advisor, tools::arguments::<AdvisorArgs>(call)) {
                (None, _) => "no advisor is configured: `ask_advisor` is not available".to_owned(),
                (Some(_), Err(message)) => message,
                (Some(client), Ok(args)) => {
                    let settings = self.setup.config.advisor_settings();
                    advisor::ask(client, self.setup.meter, &settings, &args, &mut self.usage).await
                }
            },
            SUBMIT if self.submissions.attempts >= self.judge.limit => {
                "no submissions are left: this call was not checked".to_owned()
            }
            SUBMIT => {
                self.submissions
                    .submit(call, &self.judge, &mut self.traces)
                    .await
            }
            other => {
                let names: Vec<String> = tools::definitions(self.setup.advisor.is_some())
                    .into_iter()
                    .map(|d| d.name)
                    .collect();
                format!(
                    "unknown tool `{other}`; the tools are: {}",
                    names.join(", ")
                )
            }
        }
    }

    /// The batch, with a note when fewer than k proposals were accepted.
    fn finish(self, stop: Stop) -> Result<ProposalBatch, ProposerError> {
        let k = self.judge.k;
        let accepted = self.submissions.accepted.len();
        let turns = self.usage.turns;
        let tally = format!("{accepted} of {k} proposals accepted");
        let note = match stop {
            Stop::Done => None,
            Stop::OutOfTurns => Some(format!(
                "out of turns: the {turns} turns allowed were used with {tally}"
            )),
            Stop::OutOfSubmissions => Some(format!(
                "submission limit reached: {} submissions made, {tally}",
                self.submissions.attempts
            )),
            Stop::Budget(reason) => Some(format!(
                "the proposer's budget is spent ({reason}) after {turns} turns; {tally}"
            )),
            Stop::Silent => Some(format!(
                "the model stopped calling tools after a reminder, after {turns} turns; {tally}"
            )),
            Stop::ModelFailed(error) if accepted == 0 => return Err(ProposerError::Model(error)),
            Stop::ModelFailed(error) => Some(format!(
                "the model failed after {turns} turns ({error}); {tally}"
            )),
        };
        let mut batch = ProposalBatch::new(NAME);
        batch.proposals = self.submissions.accepted;
        batch.rejected = self.submissions.rejected;
        batch.note = note;
        batch.usage = self.usage;
        Ok(batch)
    }
}

/// The reminder after a reply that called no tool.
fn reminder(finish: FinishReason, max_tokens: u32) -> String {
    let mut out = String::from("Your reply called no tool. ");
    if finish == FinishReason::Length {
        out.push_str(&format!(
            "It was cut off at the limit of {max_tokens} output tokens: keep prose short. "
        ));
    }
    out.push_str(
        "Call `submit_proposals` with your change lists now (or a read-only tool if you still \
         need evidence); a reply without a tool call ends the work.",
    );
    out
}

/// Estimated tokens of `value` as sent: its JSON text (which overestimates a little, on the
/// safe side of a budget).
fn json_tokens(value: &impl serde::Serialize) -> u64 {
    serde_json::to_string(value).map_or(0, |text| estimate_tokens(&text) as u64)
}
