//! The LLM proposer: a bounded, tool-using loop in which a model studies the weakness report,
//! the parent harness and the traces it may see, optionally consults an advisor, and submits
//! change lists that every guard checks on the spot.
//!
//! # The loop
//!
//! [`LlmProposer::propose`] sends the rendered instruction template as the system message and
//! a short request for up to k change lists, offering the tools below through
//! [`ModelClient::chat`](harness_model::ModelClient::chat). Each reply is one turn. Every tool
//! call is answered with a tool result, cut to a head and tail of at most
//! [`tool_output_bytes`](LlmProposerConfig::tool_output_bytes) (default 6,000). Problems the
//! model can fix (arguments that are not JSON or miss a field, an unknown cluster or trial, a
//! regular expression that does not compile, a change list a guard refuses) come back as
//! tool results, never as errors of the proposer. A reply without a tool call gets one
//! reminder to call `submit_proposals` (it counts as a turn); a second such reply ends the
//! loop.
//!
//! The loop ends when k change lists are accepted, or with a note in
//! [`ProposalBatch::note`](crate::ProposalBatch::note) saying why fewer were: the turn limit
//! ([`max_turns`](LlmProposerConfig::max_turns), default 16), the submission limit
//! ([`max_submissions`](LlmProposerConfig::max_submissions), default 3, malformed calls
//! included), the budget, or the model's silence. Proposals accepted before the end are kept.
//! A model backend that fails (after its own retries) ends the loop too: with proposals
//! accepted, the batch carries them and a note; with none, the error is returned as
//! [`ProposerError::Model`](crate::ProposerError::Model).
//!
//! # Tools
//!
//! Every tool but `submit_proposals` only reads.
//!
//! | tool | arguments | answers |
//! |---|---|---|
//! | `list_harness_files` | none | each file of the parent with its size and its surface, or that it is read-only |
//! | `read_harness_file` | `path`, `from_line`? | the file, a window of lines when it is long |
//! | `show_report` | `cluster_id`? | the report's markdown, or one cluster's |
//! | `search_traces` | `query`, `regex`?, `limit`? | steps whose command, error or output has a matching line (case-insensitive), with trial ids |
//! | `show_trial` | `trial_id`, `from_step`? | the trial's actions with bounded outputs, how it ended, its class and reward |
//! | `list_similar_failures` | `cluster_id` | the cluster's member trials, their tasks and what the miner saw |
//! | `ask_advisor` | `question`, `context` | the advisor's answer (offered only with an advisor) |
//! | `submit_proposals` | `proposals`: change lists | per change list: accepted (with its id) or every reason it was refused |
//!
//! `submit_proposals` reads its arguments leniently: the arguments, the list and each change
//! list may be JSON, a JSON string, or JSON in a Markdown code fence inside a string; a
//! change list's `edits` may be the list of edits itself; and its `evidence` may give trial
//! ids as plain strings (resolved to full references from the report or the visible traces,
//! an unknown id being a problem to fix). A change list that cannot be read is answered with
//! the problem, naming the change list and the field (`proposals[1].edits.edits[0]`). One that
//! can is passed through [`ProposalGuard::check`](crate::ProposalGuard::check) with the
//! proposals accepted so far, so duplicates within the batch are caught as well as changes
//! outside the editable surfaces, over the edit budget, naming task-specific identifiers, or
//! repeating a change the gate rejected. Refused change lists go to
//! [`ProposalBatch::rejected`](crate::ProposalBatch::rejected) with their reasons.
//!
//! # Template
//!
//! The instructions are a markdown file, `templates/llm-proposer.md`, compiled in as
//! [`DEFAULT_TEMPLATE`](crate::llm::DEFAULT_TEMPLATE) and replaceable with
//! [`LlmProposer::with_template`] or [`LlmProposer::with_template_file`]. Placeholders are
//! `{{ name }}`, from a fixed set ([`TEMPLATE_VARIABLES`](crate::llm::TEMPLATE_VARIABLES));
//! an unknown or unclosed one is a [`ProposerError::Template`](crate::ProposerError::Template)
//! naming the file, line and column, raised when the template is read.
//!
//! | variable | value |
//! |---|---|
//! | `k` | how many change lists are asked for |
//! | `surfaces` | editable surfaces (name, description, paths, current files) and read-only globs, from `harness.yaml` |
//! | `budget` | the edit budget per change list, and whether task-specific identifiers are refused |
//! | `report` | the weakness report as markdown |
//! | `history` | earlier proposals, newest first: fate, verdict, the gate's reason and evidence, and the diff of every rejected change (the rejected-edit ledger) |
//! | `preserve` | behaviours to preserve |
//! | `generation` | the generation, from 1 |
//! | `max_turns`, `max_submissions` | the limits |
//! | `advisor` | how to consult the advisor, or that there is none |
//!
//! # Charging
//!
//! Before each proposer call the [`SpendMeter`](crate::SpendMeter) is asked whether an
//! estimate (the conversation and tool definitions as JSON text at four bytes a token, plus
//! [`max_tokens`](LlmProposerConfig::max_tokens)) may be spent under `proposer`; after it, the
//! call's reported usage (prompt plus completion tokens) is charged there. A refusal either
//! way ends the loop with a note. Advisor calls are checked and charged the same way under
//! `advisor`, with [`advisor_max_tokens`](LlmProposerConfig::advisor_max_tokens); a refusal
//! becomes a tool result saying the advisor's budget is spent. Turns, both token counts and
//! every advisor call (question as sent, answer or error, tokens) are in
//! [`ProposalBatch::usage`](crate::ProposalBatch::usage).
//!
//! # What the model never sees
//!
//! Nothing of the test split and no verifier output. Traces are read only through the
//! context's [`TraceAccess`](crate::TraceAccess), whose scope cannot name the test split and
//! which answers a trial outside it as if it did not exist: `show_trial` of a test trial says
//! there is no such trial in the visible splits, and `search_traces` searches visible trials
//! only. Trials are shown as the miner's [`TrialView`](harness_miner::TrialView): the agent's
//! actions, how the loop ended, and the verifier's class and reward (the trace model has no
//! field for the verifier's output). Files are read from the harness in memory, never from
//! disk. Without trace access the trace tools say so and the report is the only evidence.
//! The advisor sees only what the model puts in its question and context.

mod advisor;
mod config;
mod harness_files;
mod proposer;
mod report_tools;
mod run;
mod sections;
mod submission;
mod submit;
mod template;
mod tools;
mod traces;

pub use config::LlmProposerConfig;
pub use proposer::LlmProposer;
pub use template::{DEFAULT_TEMPLATE, InstructionTemplate, TEMPLATE_VARIABLES};
