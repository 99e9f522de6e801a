//! `ask_advisor`: one call of a second model with the question and the context the proposer
//! chose to share (and nothing else), charged to the meter under `advisor` and recorded in
//! the batch's usage, answer or error alike.

use harness_miner::estimate_tokens;
use harness_model::{Message, ModelClient, ModelSettings};

use crate::llm::tools::AdvisorArgs;
use crate::proposer::{AdvisorCall, ProposerUsage, SpendMeter};

/// The meter's heading for advisor tokens.
pub(crate) const ADVISOR_HEADING: &str = "advisor";

/// What the advisor is told it is.
const ADVISOR_SYSTEM: &str = "You advise an engineer who improves the harness of a language-model \
    agent (its prompt, tools, middleware, skills and memory) from mined failures of its trials. \
    Answer the question from the context given; be concrete and brief, and say when the \
    context is not enough to tell.";

/// Ask the advisor; the answer (or why there is none) is the tool result.
pub(crate) async fn ask(
    client: &dyn ModelClient,
    meter: &dyn SpendMeter,
    settings: &ModelSettings,
    args: &AdvisorArgs,
    usage: &mut ProposerUsage,
) -> String {
    let question = args.question.trim();
    if question.is_empty() {
        return "the question is empty: say what you want to know".to_owned();
    }
    let context = args.context.trim();
    let sent = if context.is_empty() {
        question.to_owned()
    } else {
        format!("{question}\n\nContext:\n{context}")
    };
    let estimate = (estimate_tokens(ADVISOR_SYSTEM) + estimate_tokens(&sent)) as u64
        + u64::from(settings.max_output_tokens);
    if !meter.allows(ADVISOR_HEADING, estimate) {
        return "the advisor's budget is spent: no more questions can be asked; decide on \
                your own"
            .to_owned();
    }
    let messages = [Message::system(ADVISOR_SYSTEM), Message::user(sent.clone())];
    let response = match client.chat(&messages, &[], settings).await {
        Ok(response) => response,
        Err(error) => {
            let answer = format!("the advisor could not answer: {error}");
            usage
                .advisor_calls
                .push(AdvisorCall::new(sent, answer.clone(), 0));
            return answer;
        }
    };
    let tokens = response.usage.total();
    usage.advisor_tokens = usage.advisor_tokens.saturating_add(tokens);
    let answer = response.message.text_or_empty().trim().to_owned();
    usage
        .advisor_calls
        .push(AdvisorCall::new(sent, answer.clone(), tokens));
    let mut out = if answer.is_empty() {
        "the advisor gave no answer".to_owned()
    } else {
        format!("The advisor says:\n{answer}")
    };
    if let Err(refusal) = meter.charge(ADVISOR_HEADING, tokens) {
        out.push_str(&format!(
            "\n\n(The advisor's budget is now spent ({refusal}): no more questions can be \
             asked.)"
        ));
    }
    out
}
