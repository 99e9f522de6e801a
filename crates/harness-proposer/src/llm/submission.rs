//! Reading a `submit_proposals` call into change lists, leniently: the arguments, the list and
//! each change list may arrive as JSON, as a JSON string, or as JSON in a Markdown code fence
//! inside a string; a single change list may stand for a list of one. What cannot be read is
//! an error naming the change list and the field, for the model to fix.

use std::sync::LazyLock;

use harness_model::ToolCall;
use jsonschema::paths::LocationSegment;
use serde_json::Value;

use crate::proposal::ChangeList;

/// Most schema problems named per change list.
const MAX_PROBLEMS: usize = 5;
/// Most bytes of one problem's text (schema messages may quote the whole value).
const PROBLEM_BYTES: usize = 300;

/// The change list schema, compiled once.
static CHANGE_LIST: LazyLock<Option<jsonschema::Validator>> =
    LazyLock::new(|| jsonschema::validator_for(&ChangeList::json_schema()).ok());

/// The submitted items, each a JSON value or why it is not one; or why nothing could be read.
pub(crate) fn items(call: &ToolCall) -> Result<Vec<Result<Value, String>>, String> {
    let arguments = match &call.parse_error {
        None => call.arguments.clone(),
        Some(error) => from_text(&call.raw_arguments).map_err(|_| {
            format!(
                "the arguments could not be read: {error}; nothing was checked. Send a JSON \
                 object {{\"proposals\": [change list, ...]}}"
            )
        })?,
    };
    let list = match arguments {
        Value::Object(mut map) => match map.remove("proposals") {
            Some(list) => unwrap_text(list).map_err(|e| format!("`proposals` {e}"))?,
            None if map.contains_key("edits") => Value::Object(map),
            None => {
                return Err(
                    "missing field `proposals`: send {\"proposals\": [change list, ...]}"
                        .to_owned(),
                );
            }
        },
        other => other,
    };
    match list {
        Value::Array(items) => Ok(items
            .into_iter()
            .map(|item| unwrap_text(item).map_err(|e| format!("the change list {e}")))
            .collect()),
        Value::Object(map) => Ok(vec![Ok(Value::Object(map))]),
        Value::Null => Err("`proposals` is empty: send at least one change list".to_owned()),
        other => Err(format!(
            "`proposals` must be an array of change lists, found {}",
            kind(&other)
        )),
    }
}

/// A change list from `value`, or every problem found, each naming the field under `label`
/// (`proposals[1]`). `edits` may be the list of edits itself rather than an object holding it.
pub(crate) fn change_list(mut value: Value, label: &str) -> Result<ChangeList, String> {
    if let Some(edits) = value.get_mut("edits")
        && edits.is_array()
    {
        let list = edits.take();
        *edits = serde_json::json!({ "edits": list });
    }
    let problems: Vec<String> = match CHANGE_LIST.as_ref() {
        Some(validator) => validator
            .iter_errors(&value)
            .take(MAX_PROBLEMS)
            .map(|e| {
                format!(
                    "{label}{}: {}",
                    field_of(e.instance_path()),
                    harness_core::clip_head_tail(&e.to_string(), PROBLEM_BYTES, 0)
                )
            })
            .collect(),
        None => Vec::new(),
    };
    serde_json::from_value::<ChangeList>(value).map_err(|error| {
        let mut out = format!("{label} could not be read: {error}");
        for problem in problems {
            out.push_str("\n  - ");
            out.push_str(&problem);
        }
        out
    })
}

/// A value that may be JSON text (fenced or not) inside a string.
fn unwrap_text(value: Value) -> Result<Value, String> {
    match value {
        Value::String(text) => {
            from_text(&text).map_err(|e| format!("is a string that does not hold JSON: {e}"))
        }
        other => Ok(other),
    }
}

/// JSON from text, inside a Markdown code fence or not.
fn from_text(text: &str) -> Result<Value, serde_json::Error> {
    let trimmed = text.trim();
    serde_json::from_str(trimmed).or_else(|error| match fenced(trimmed) {
        Some(body) => serde_json::from_str(body),
        None => Err(error),
    })
}

/// The body of the first Markdown code fence in `text`, without its info string.
fn fenced(text: &str) -> Option<&str> {
    let start = text.find("```")?;
    let after = &text[start + 3..];
    let end = after.rfind("```")?;
    let body = &after[..end];
    // Drop an info string such as `json` on the opening line.
    let body = match body.find('\n') {
        Some(newline) if !body[..newline].contains(['{', '[']) => &body[newline + 1..],
        _ => body,
    };
    Some(body.trim())
}

/// A schema error's instance location as a field path (`.edits.edits[0].op`).
fn field_of(location: &jsonschema::paths::Location) -> String {
    location
        .segments()
        .map(|segment| match segment {
            LocationSegment::Index(index) => format!("[{index}]"),
            LocationSegment::Property(name) => format!(".{name}"),
        })
        .collect()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn change() -> Value {
        json!({
            "cluster": "c", "root_cause": "r", "surface": "prompt", "why_this_component": "w",
            "edits": {"edits": [{"op": "replace", "path": "prompts/system.md", "content": "x"}]},
            "rationale": "because"
        })
    }

    fn read(call: &ToolCall) -> Vec<Result<ChangeList, String>> {
        items(call)
            .unwrap()
            .into_iter()
            .enumerate()
            .map(|(i, item)| item.and_then(|v| change_list(v, &format!("proposals[{i}]"))))
            .collect()
    }

    #[test]
    fn accepts_json_json_strings_and_fenced_json() {
        let plain = ToolCall::new("1", "submit_proposals", json!({"proposals": [change()]}));
        let as_string = ToolCall::new(
            "2",
            "submit_proposals",
            json!({"proposals": json!([change()]).to_string()}),
        );
        let fenced = ToolCall::new(
            "3",
            "submit_proposals",
            json!({"proposals": format!("Here they are:\n```json\n{}\n```\n", json!([change()]))}),
        );
        let item_string = ToolCall::new(
            "4",
            "submit_proposals",
            json!({"proposals": [change().to_string()]}),
        );
        let bare = ToolCall::new("5", "submit_proposals", change());
        let mut flat = change();
        flat["edits"] = flat["edits"]["edits"].take();
        let flat_edits = ToolCall::new("7", "submit_proposals", json!({"proposals": [flat]}));
        let raw_fenced = ToolCall::from_raw(
            "6",
            "submit_proposals",
            format!("Sure.\n```json\n{}\n```", json!({"proposals": [change()]})),
        );
        for call in [
            plain,
            as_string,
            fenced,
            item_string,
            bare,
            raw_fenced,
            flat_edits,
        ] {
            let read = read(&call);
            assert_eq!(read.len(), 1, "{}", call.id);
            assert_eq!(read[0].as_ref().unwrap().surface, "prompt", "{}", call.id);
        }
    }

    #[test]
    fn problems_name_the_change_list_and_the_field() {
        let mut missing = change();
        missing.as_object_mut().unwrap().remove("root_cause");
        let mut wrong = change();
        wrong["edits"]["edits"][0]["op"] = json!("modify");
        let call = ToolCall::new(
            "1",
            "submit_proposals",
            json!({"proposals": [missing, wrong, "not json {"]}),
        );
        let read = read(&call);
        let first = read[0].as_ref().unwrap_err();
        assert!(
            first.contains("proposals[0]") && first.contains("root_cause"),
            "{first}"
        );
        let second = read[1].as_ref().unwrap_err();
        assert!(second.contains("proposals[1].edits.edits[0]"), "{second}");
        assert!(second.contains("modify"), "{second}");
        let third = read[2].as_ref().unwrap_err();
        assert!(third.contains("does not hold JSON"), "{third}");
    }

    #[test]
    fn unreadable_arguments_say_why() {
        let broken = ToolCall::from_raw("1", "submit_proposals", "{\"proposals\": [");
        assert!(items(&broken).unwrap_err().contains("could not be read"));
        let missing = ToolCall::new("2", "submit_proposals", json!({"changes": []}));
        assert!(
            items(&missing)
                .unwrap_err()
                .contains("missing field `proposals`")
        );
        let number = ToolCall::new("3", "submit_proposals", json!({"proposals": 3}));
        assert!(items(&number).unwrap_err().contains("found a number"));
    }
}
