//! `list_harness_files` and `read_harness_file`: the parent harness's files, read from the
//! harness in memory (never from disk), with where each stands among the surfaces.

use std::fmt::Write as _;

use harness_core::{Harness, HarnessPath, SurfaceMatcher};

use crate::llm::sections::standing;
use crate::llm::tools::ReadFileArgs;

/// Room kept for the header and paging note of a file window.
const HEADER_BYTES: usize = 300;

/// Every file with its size and standing.
pub(crate) fn list(harness: &Harness) -> String {
    let matcher = SurfaceMatcher::new(&harness.manifest().surfaces).ok();
    let mut out = format!("{} files:\n", harness.files().len());
    for (path, text) in harness.files() {
        let _ = writeln!(
            out,
            "- {path} ({} bytes, {} lines): {}",
            text.len(),
            text.lines().count(),
            standing(matcher.as_ref(), path)
        );
    }
    out
}

/// One file, or a window of its lines within `cap` bytes.
pub(crate) fn read(harness: &Harness, args: &ReadFileArgs, cap: usize) -> String {
    let Some(text) = harness.file(args.path.trim()) else {
        return format!(
            "no file `{}` in the harness; `list_harness_files` lists them",
            args.path
        );
    };
    let path = HarnessPath::parse(args.path.trim()).ok();
    let matcher = SurfaceMatcher::new(&harness.manifest().surfaces).ok();
    let standing_text = path
        .as_ref()
        .map(|p| standing(matcher.as_ref(), p))
        .unwrap_or_default();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let first = args.from_line.unwrap_or(1).max(1);
    if first > lines.len().max(1) {
        return format!(
            "`{}` has {} lines; `from_line` {first} is past its end",
            args.path,
            lines.len()
        );
    }
    let room = cap.saturating_sub(HEADER_BYTES);
    let mut body = String::new();
    let mut last = first - 1;
    for line in lines.iter().skip(first - 1) {
        if !body.is_empty() && body.len() + line.len() > room {
            break;
        }
        body.push_str(line);
        last += 1;
    }
    if body.len() > room {
        body = harness_core::clip_head_tail(&body, room, 0);
    }
    let mut out = if first == 1 && last >= lines.len() {
        format!("{} ({standing_text}, {} lines):\n", args.path, lines.len())
    } else {
        format!(
            "{} ({standing_text}), lines {first}-{last} of {}:\n",
            args.path,
            lines.len()
        )
    };
    out.push_str(&body);
    if last < lines.len() {
        let _ = write!(
            out,
            "\n[... more lines: call read_harness_file with from_line {}]",
            last + 1
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use harness_core::{Edit, EditSet, KindRegistry};

    use super::*;

    /// The shipped minimal harness with `prompt` as its system prompt.
    fn harness(prompt: &str) -> Harness {
        let registry = KindRegistry::builtin();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/harnesses/minimal");
        let minimal = Harness::load(&dir, &registry).unwrap();
        let edits = EditSet {
            edits: vec![Edit::Replace {
                path: "prompts/system.md".to_owned(),
                content: prompt.to_owned(),
            }],
        };
        edits.apply(&minimal, &registry).unwrap()
    }

    #[test]
    fn lists_files_with_their_standing() {
        let out = list(&harness("Do {{instruction}}.\n"));
        assert!(out.contains("- harness.yaml ("), "{out}");
        assert!(out.contains("read-only (`harness.yaml`)"), "{out}");
        assert!(out.contains("read-only (`tools/finish.yaml`)"), "{out}");
        assert!(
            out.contains("prompts/system.md (20 bytes, 1 lines): surface `prompt`"),
            "{out}"
        );
    }

    #[test]
    fn pages_through_a_long_file() {
        let prompt: String = (1..=400)
            .map(|i| format!("line {i} {{{{instruction}}}}\n"))
            .collect();
        let h = harness(&prompt);
        let args = |from_line| ReadFileArgs {
            path: "prompts/system.md".to_owned(),
            from_line,
        };
        let first = read(&h, &args(None), 2_000);
        assert!(first.len() <= 2_000, "{}", first.len());
        assert!(first.contains("lines 1-"), "{first}");
        let next: usize = first
            .rsplit("from_line ")
            .next()
            .and_then(|n| n.trim_end_matches(']').parse().ok())
            .unwrap();
        let second = read(&h, &args(Some(next)), 2_000);
        assert!(second.contains(&format!("\nline {next} ")), "{second}");
        assert!(read(&h, &args(Some(9_999)), 2_000).contains("past its end"));
        let missing = ReadFileArgs {
            path: "nope.md".into(),
            from_line: None,
        };
        assert!(read(&h, &missing, 100).starts_with("no file `nope.md`"));
    }
}
