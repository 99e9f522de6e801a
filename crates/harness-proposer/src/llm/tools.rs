//! The tools offered to the proposer's model: names, descriptions, argument types (whose
//! JSON Schemas the model sees) and the reading of a call's arguments into them.

use harness_model::{ToolCall, ToolDefinition};
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::proposal::ChangeList;

/// `list_harness_files`.
pub(crate) const LIST_FILES: &str = "list_harness_files";
/// `read_harness_file`.
pub(crate) const READ_FILE: &str = "read_harness_file";
/// `show_report`.
pub(crate) const SHOW_REPORT: &str = "show_report";
/// `search_traces`.
pub(crate) const SEARCH_TRACES: &str = "search_traces";
/// `show_trial`.
pub(crate) const SHOW_TRIAL: &str = "show_trial";
/// `list_similar_failures`.
pub(crate) const SIMILAR_FAILURES: &str = "list_similar_failures";
/// `ask_advisor`.
pub(crate) const ASK_ADVISOR: &str = "ask_advisor";
/// `submit_proposals`.
pub(crate) const SUBMIT: &str = "submit_proposals";

/// No arguments.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct NoArgs {}

/// Arguments of `read_harness_file`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct ReadFileArgs {
    /// The file's path inside the harness, as `list_harness_files` shows it.
    pub path: String,
    /// The first line to show (1-based; default 1), to page through a long file.
    #[serde(default)]
    pub from_line: Option<usize>,
}

/// Arguments of `show_report`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct ShowReportArgs {
    /// One cluster's id, to show only that cluster; the whole report without it.
    #[serde(default)]
    pub cluster_id: Option<String>,
}

/// Arguments of `search_traces`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct SearchArgs {
    /// Text to find in the commands, outputs and errors of the trials (case-insensitive).
    pub query: String,
    /// Read `query` as a regular expression instead of plain text.
    #[serde(default)]
    pub regex: bool,
    /// Most matching steps to show (default 20, at most 50).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// Arguments of `show_trial`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct ShowTrialArgs {
    /// The trial id (from the report, `list_similar_failures` or `search_traces`).
    pub trial_id: String,
    /// The first step to show (its sequence number), to page through a long trial.
    #[serde(default)]
    pub from_step: Option<u64>,
}

/// Arguments of `list_similar_failures`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct SimilarArgs {
    /// A cluster id of the report.
    pub cluster_id: String,
}

/// Arguments of `ask_advisor`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct AdvisorArgs {
    /// The question.
    pub question: String,
    /// What the advisor needs to answer it (excerpts of the report, a trial, a file): it sees
    /// nothing else.
    #[serde(default)]
    pub context: String,
}

/// Arguments of `submit_proposals` (for the schema only: submissions are read leniently).
#[derive(Debug, JsonSchema)]
#[allow(dead_code)]
struct SubmitArgs {
    /// The change lists, best first. `evidence` may list trial ids as plain strings.
    proposals: Vec<ChangeList>,
}

/// The tool definitions, in the order offered; `ask_advisor` only with an advisor.
pub(crate) fn definitions(advisor: bool) -> Vec<ToolDefinition> {
    let mut out = vec![
        ToolDefinition::for_type::<NoArgs>(
            LIST_FILES,
            "List the files of the harness with their size and whether an edit may touch them \
             (the surface they belong to) or not (read-only).",
        ),
        ToolDefinition::for_type::<ReadFileArgs>(
            READ_FILE,
            "Read one file of the harness (a window of lines when it is long).",
        ),
        ToolDefinition::for_type::<ShowReportArgs>(
            SHOW_REPORT,
            "Show the weakness report, or one cluster of it, as markdown.",
        ),
        ToolDefinition::for_type::<SearchArgs>(
            SEARCH_TRACES,
            "Search the commands, outputs and errors of the trials you may see; answers the \
             matching steps with their trial ids.",
        ),
        ToolDefinition::for_type::<ShowTrialArgs>(
            SHOW_TRIAL,
            "Show what the agent did in one trial, step by step (commands, exit codes, \
             bounded outputs), and how the trial ended.",
        ),
        ToolDefinition::for_type::<SimilarArgs>(
            SIMILAR_FAILURES,
            "List the failed trials of one report cluster with their tasks and what the miner \
             saw in them.",
        ),
    ];
    if advisor {
        out.push(ToolDefinition::for_type::<AdvisorArgs>(
            ASK_ADVISOR,
            "Ask a second model for advice. It sees only `question` and `context`: include \
             what it needs. Its tokens count against the budget.",
        ));
    }
    out.push(ToolDefinition::for_type::<SubmitArgs>(
        SUBMIT,
        "Submit change lists. Each is checked at once (edits inside the editable surfaces, \
         within the edit budget, naming nothing task-specific, no repeat of a rejected or \
         earlier change); the answer says which were accepted and why the others were \
         refused.",
    ));
    out
}

/// The arguments of `call` read as `T`, or the message the model should see.
pub(crate) fn arguments<T: DeserializeOwned>(call: &ToolCall) -> Result<T, String> {
    if let Some(error) = &call.parse_error {
        return Err(format!(
            "the arguments of `{}` could not be read: {error}. Send a JSON object that \
             follows the tool's schema.",
            call.name
        ));
    }
    serde_json::from_value(call.arguments.clone()).map_err(|e| {
        format!(
            "the arguments of `{}` do not fit its schema: {e}. Send a JSON object that \
             follows the tool's schema.",
            call.name
        )
    })
}

/// `text` within `cap` bytes: its head and tail, with a marker saying what was left out.
pub(crate) fn bound(text: &str, cap: usize) -> String {
    const MARKER: usize = 48;
    let room = cap.saturating_sub(MARKER);
    harness_core::clip_head_tail(text, room * 3 / 4, room / 4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_tool_has_an_object_schema_and_the_advisor_is_offered_only_when_configured() {
        let with = definitions(true);
        let without = definitions(false);
        assert_eq!(with.len(), without.len() + 1);
        assert!(without.iter().all(|d| d.name != ASK_ADVISOR));
        for definition in &with {
            assert_eq!(
                definition.parameters["type"], "object",
                "{}",
                definition.name
            );
        }
        let submit = with.iter().find(|d| d.name == SUBMIT).unwrap();
        assert!(submit.parameters["properties"]["proposals"].is_object());
    }

    #[test]
    fn arguments_that_do_not_fit_name_the_tool_and_the_problem() {
        let call = ToolCall::new("c1", READ_FILE, json!({"file": "x"}));
        let error = arguments::<ReadFileArgs>(&call).unwrap_err();
        assert!(
            error.contains("`read_harness_file`") && error.contains("path"),
            "{error}"
        );
        let call = ToolCall::from_raw("c2", READ_FILE, "{\"path\": ");
        let error = arguments::<ReadFileArgs>(&call).unwrap_err();
        assert!(error.contains("could not be read"), "{error}");
    }

    #[test]
    fn long_text_is_bounded_with_head_and_tail() {
        let text = format!("HEAD{}TAIL", "x".repeat(10_000));
        let out = bound(&text, 1_000);
        assert!(out.len() <= 1_000, "{}", out.len());
        assert!(out.starts_with("HEAD") && out.ends_with("TAIL"));
        assert_eq!(bound("short", 1_000), "short");
    }
}
