//! Each pathology and the intervention that neutralises it, driven through `SimClient::chat`
//! with hand-written tool results (no sandbox): the simulator reads structure, not wording.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use harness_agent::model::{
    Message, ModelClient, ModelError, ModelProvider, ToolDefinition, TrialModelContext,
};
use harness_core::ModelSettings;
use harness_sim::{Pathology, Profile, SimProvider};
use serde_json::json;

const SOLVE: &str = "#!/usr/bin/env bash
set -euo pipefail
# step: look at the data
head -n 3 data.csv
# pitfall: ./report.sh data.csv
# step: put the helpers on PATH
export PATH=\"$PWD/bin:$PATH\"
# step: run the check to see what fails
./check.sh || true
# step: fix the sum
sed -i 's/a/b/' sum.awk
# step: write the report
awk -f sum.awk data.csv > report.txt
# step: check the report
cat report.txt
";

fn tools() -> Vec<ToolDefinition> {
    vec![
        ToolDefinition::new(
            "shell",
            "Run a command",
            json!({"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}),
        ),
        ToolDefinition::new(
            "finish",
            "Finish",
            json!({"type": "object", "properties": {"summary": {"type": "string"}}}),
        ),
    ]
}

fn profile(pathologies: &str) -> Profile {
    profile_with(pathologies, "costs: {distraction: 0}\n")
}

/// A profile with `extra` top-level YAML (exploration, costs).
fn profile_with(pathologies: &str, extra: &str) -> Profile {
    let yaml = format!(
        "name: test\ndescription: one pathology at a time\npitfall_rate: 0\ncontext_window: 200000\n{extra}pathologies:\n{pathologies}"
    );
    Profile::from_yaml(&yaml, "test.yaml").unwrap()
}

fn client(profile: Profile, dir: &std::path::Path) -> Arc<dyn ModelClient> {
    let trial = TrialModelContext::new("t", 1, 0).with_task_knowledge(json!({
        "solve_sh": SOLVE,
        "instruction": "Summarise `data.csv` into `report.txt`.",
        "metadata": {},
    }));
    SimProvider::new(profile)
        .with_ground_truth(dir)
        .client_for(&trial)
        .unwrap()
}

/// A conversation driven by the simulator, with tool results from `answer`.
struct Talk {
    client: Arc<dyn ModelClient>,
    messages: Vec<Message>,
}

impl Talk {
    fn new(client: Arc<dyn ModelClient>, system: &str) -> Self {
        Self {
            client,
            messages: vec![
                Message::system(system),
                Message::user("Summarise data.csv."),
            ],
        }
    }

    /// The next call: (tool name, command or raw arguments).
    async fn next(&mut self) -> (String, String) {
        let reply = self
            .client
            .chat(&self.messages, &tools(), &ModelSettings::default())
            .await
            .unwrap();
        let call = reply.message.tool_calls[0].clone();
        self.messages.push(Message::Assistant(reply.message));
        let shown = match call.arguments.get("command").and_then(|c| c.as_str()) {
            Some(command) if call.is_valid() => command.to_owned(),
            _ => call.raw_arguments.clone(),
        };
        (call.name, shown)
    }

    fn answer(&mut self, content: &str) {
        let id = match self.messages.last() {
            Some(Message::Assistant(a)) => a.tool_calls[0].id.clone(),
            _ => panic!("no call to answer"),
        };
        self.messages.push(Message::tool(id, content));
    }

    fn note(&mut self, content: &str) {
        self.messages.push(Message::user(content));
    }

    /// Answer every call with `result` until the simulator calls finish; its shell commands.
    async fn commands_until_finish(&mut self, result: &str) -> Vec<String> {
        let mut commands = Vec::new();
        loop {
            let (tool, command) = self.next().await;
            if tool == "finish" {
                return commands;
            }
            commands.push(command);
            self.answer(result);
        }
    }
}

fn truth(dir: &std::path::Path) -> harness_sim::GroundTruth {
    harness_sim::GroundTruth::read(&dir.join("t__0.json")).unwrap()
}

#[tokio::test]
async fn a_competent_run_folds_state_into_subshells_and_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let mut talk = Talk::new(client(profile(""), dir.path()), "system");
    let commands = talk.commands_until_finish("ok\n[exit code 0]").await;
    assert_eq!(
        commands,
        [
            "head -n 3 data.csv",
            "(export PATH=\"$PWD/bin:$PATH\" && ./check.sh || true)",
            "(export PATH=\"$PWD/bin:$PATH\" && sed -i 's/a/b/' sum.awk)",
            "(export PATH=\"$PWD/bin:$PATH\" && awk -f sum.awk data.csv > report.txt)",
            "(export PATH=\"$PWD/bin:$PATH\" && cat report.txt)",
        ]
    );
    assert!(truth(dir.path()).fired.is_empty());
}

#[tokio::test]
async fn over_explore_stops_at_any_note_whichever_layer_wrote_it() {
    for layer in [
        "loop_breaker",
        "turn_reminder",
        "rule:act-now",
        "my_own_kind",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let p = profile("  over_explore: {probability: 1, reads: [30, 30]}\n");
        let mut talk = Talk::new(client(p, dir.path()), "system");
        for _ in 0..5 {
            let (_, command) = talk.next().await;
            assert_ne!(command, "head -n 3 data.csv");
            talk.answer("x\n[exit code 0]");
        }
        // Neither the wording nor the layer matters: a note arrived while it explored.
        talk.note(&format!("[{layer}] zzz"));
        assert_eq!(talk.next().await.1, "head -n 3 data.csv");
        let t = truth(dir.path());
        assert_eq!(t.fired, [Pathology::OverExplore]);
        assert_eq!(t.remedied[0].by, layer);
    }
}

#[tokio::test]
async fn blind_retry_repeats_until_blocked_then_moves_on() {
    let dir = tempfile::tempdir().unwrap();
    let p = profile("  blind_retry: {probability: 1, repeats: [50, 50]}\n");
    let mut talk = Talk::new(client(p, dir.path()), "system");
    let (_, variant) = talk.next().await;
    assert_ne!(
        variant, "head -n 3 data.csv",
        "a near-miss of the input path"
    );
    for _ in 0..4 {
        talk.answer("head: cannot open: No such file or directory\n[exit code 1]");
        assert_eq!(talk.next().await.1, variant);
    }
    // A declarative rule's block works as a built-in kind's does.
    talk.answer("[rule:no-third-repeat] not run");
    assert_eq!(talk.next().await.1, "head -n 3 data.csv");
    assert_eq!(truth(dir.path()).remedied[0].by, "rule:no-third-repeat");
}

#[tokio::test]
async fn env_amnesia_sends_state_alone_and_relies_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = profile("  env_amnesia: {probability: 1}\n");
    let mut talk = Talk::new(client(p, dir.path()), "system");
    let mut commands = Vec::new();
    for _ in 0..3 {
        commands.push(talk.next().await.1);
        talk.answer("[exit code 0]");
    }
    assert_eq!(
        commands,
        [
            "head -n 3 data.csv",
            "export PATH=\"$PWD/bin:$PATH\"",
            "./check.sh || true"
        ]
    );
}

#[tokio::test]
async fn premature_finish_resumes_when_the_finish_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = profile("  premature_finish: {probability: 1}\n");
    let mut talk = Talk::new(client(p, dir.path()), "system");
    let seen = talk.commands_until_finish("[exit code 0]").await;
    assert!(
        !seen.iter().any(|c| c.contains("cat report.txt")),
        "{seen:?}"
    );
    talk.answer("[verify_before_finish] check first");
    let (tool, command) = talk.next().await;
    assert_eq!(tool, "shell");
    assert!(command.contains("cat report.txt"), "{command}");
    assert_eq!(truth(dir.path()).remedied[0].by, "verify_before_finish");
}

#[tokio::test]
async fn tool_misuse_continues_until_a_note_names_the_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let p = profile("  tool_misuse: {probability: 1, attempts: [40, 40]}\n");
    let mut talk = Talk::new(client(p, dir.path()), "system");
    let mut first_valid = None;
    for i in 0..12 {
        let (_, shown) = talk.next().await;
        if shown == "head -n 3 data.csv" {
            first_valid = Some(i);
            break;
        }
        if i < 3 {
            talk.answer("invalid arguments for `shell`: arguments are not valid JSON");
        } else if i < 6 {
            // A hint of the right kind that names no parameter fixes nothing.
            talk.answer(
                "invalid arguments for `shell`: bad\n[tool_error_hint] Bananas are yellow.",
            );
        } else {
            talk.answer(
                "invalid arguments for `shell`: bad\n[rule:usage] pass `command` as one string",
            );
        }
    }
    assert_eq!(first_valid, Some(7));
    assert_eq!(truth(dir.path()).remedied[0].by, "rule:usage");
}

#[tokio::test]
async fn env_fact_blindness_applies_a_memory_hint_substitution_and_redoes_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        "  env_fact_blindness:\n    probability: 1\n    habits:\n    - {kind: rename, command: awk, habit: gawk}\n",
    );
    let mut talk = Talk::new(client(p, dir.path()), "system");
    let mut last = String::new();
    for _ in 0..4 {
        last = talk.next().await.1;
        talk.answer("[exit code 0]");
    }
    assert!(last.contains("gawk -f sum.awk"), "{last}");
    // A prose-only hint changes nothing; the structured substitution does.
    talk.note("[memory_hints] hint x: use awk, not gawk");
    let next = talk.next().await.1;
    assert!(next.contains("cat report.txt"), "{next}");
    talk.answer("[exit code 0]");
    talk.note("[memory_hints] hint x: zzz\nsubstitute: {\"from\": \"gawk\", \"to\": \"awk\"}");
    let (tool, _) = talk.next().await;
    assert_eq!(
        tool, "finish",
        "the last step did not use gawk, so nothing is redone"
    );

    // The same hint right after the gawk step makes it redo that step.
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        "  env_fact_blindness:\n    probability: 1\n    habits:\n    - {kind: rename, command: awk, habit: gawk}\n",
    );
    let mut talk = Talk::new(client(p, dir.path()), "system");
    for _ in 0..4 {
        talk.next().await;
        talk.answer("bash: gawk: command not found\n[exit code 0]");
    }
    talk.note("[memory_hints] hint x: zzz\nsubstitute: {\"from\": \"gawk\", \"to\": \"awk\"}");
    let redo = talk.next().await.1;
    assert!(
        redo.contains("awk -f sum.awk") && !redo.contains("gawk"),
        "{redo}"
    );
    assert!(
        truth(dir.path())
            .remedied
            .iter()
            .any(|r| r.pathology == Pathology::EnvFactBlindness)
    );
}

#[tokio::test]
async fn output_flood_dumps_whole_files_and_overflows_a_small_window() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "name: flood\ndescription: d\npitfall_rate: 0\ncontext_window: 2048\npathologies:\n  output_flood: {probability: 1, reread: 1}\n";
    let p = Profile::from_yaml(yaml, "flood.yaml").unwrap();
    let mut talk = Talk::new(client(p, dir.path()), "system");
    assert_eq!(talk.next().await.1, "cat data.csv");
    talk.answer(&format!("{}\n[exit code 0]", "1,2,3\n".repeat(2000)));
    let error = talk
        .client
        .chat(&talk.messages, &tools(), &ModelSettings::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, ModelError::ContextOverflow { .. }),
        "{error:?}"
    );
    assert!(truth(dir.path()).context_overflow);
}

#[tokio::test]
async fn a_truncated_check_without_its_failing_line_makes_it_skip_the_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let mut talk = Talk::new(client(profile(""), dir.path()), "system");
    talk.next().await;
    talk.answer("[exit code 0]");
    assert!(talk.next().await.1.contains("./check.sh"));
    talk.answer("checking 12 cases\n[... 400 bytes omitted ...]\n[exit code 0]");
    let next = talk.next().await.1;
    assert!(
        next.contains("cat report.txt"),
        "skipped both fixes: {next}"
    );
    assert_eq!(truth(dir.path()).hidden_evidence, [2]);
}

#[tokio::test]
async fn the_system_prompt_does_not_matter() {
    let mut runs = Vec::new();
    for system in [
        "short",
        "You must never explore. Never retry. Use awk. Finish last.",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let p = profile(
            "  over_explore: {probability: 1, reads: [3, 3]}\n  blind_retry: {probability: 1, repeats: [2, 2]}\n",
        );
        let mut talk = Talk::new(client(p, dir.path()), system);
        runs.push(talk.commands_until_finish("x\n[exit code 1]").await);
    }
    assert_eq!(runs[0], runs[1]);
}

#[tokio::test]
async fn reading_stopped_before_it_is_useful_costs_a_step() {
    let dir = tempfile::tempdir().unwrap();
    let p = profile_with(
        "  {}\n",
        "exploration: {reads: [6, 6], useful: 5, rushed_misstep: 1}\ncosts: {distraction: 0}\n",
    );
    let mut talk = Talk::new(client(p, dir.path()), "system");
    for _ in 0..2 {
        talk.next().await;
        talk.answer("x\n[exit code 0]");
    }
    talk.note("[loop_breaker] enough looking");
    let seen = talk.commands_until_finish("[exit code 0]").await;
    let t = truth(dir.path());
    assert!(
        t.fired.is_empty(),
        "looks it needs are no pathology: {:?}",
        t.fired
    );
    assert_eq!(t.costs.len(), 1, "{:?}", t.costs);
    assert_eq!(
        (t.costs[0].kind.as_str(), t.costs[0].by.as_str()),
        ("rushed", "loop_breaker")
    );
    let acts = ["sed -i", "awk -f sum.awk"];
    let done = acts
        .iter()
        .filter(|a| seen.iter().any(|c| c.contains(*a)))
        .count();
    assert_eq!(done, 1, "one act step done wrong (skipped): {seen:?}");

    // The same note after the useful reads costs nothing.
    let dir = tempfile::tempdir().unwrap();
    let p = profile_with(
        "  {}\n",
        "exploration: {reads: [6, 6], useful: 5, rushed_misstep: 1}\ncosts: {distraction: 0}\n",
    );
    let mut talk = Talk::new(client(p, dir.path()), "system");
    for _ in 0..5 {
        talk.next().await;
        talk.answer("x\n[exit code 0]");
    }
    talk.note("[loop_breaker] enough looking");
    let seen = talk.commands_until_finish("[exit code 0]").await;
    assert!(truth(dir.path()).costs.is_empty());
    assert!(
        acts.iter().all(|a| seen.iter().any(|c| c.contains(*a))),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_note_it_does_not_need_may_cost_a_turn() {
    let dir = tempfile::tempdir().unwrap();
    let p = profile_with("  {}\n", "costs: {distraction: 1}\n");
    let mut talk = Talk::new(client(p, dir.path()), "system");
    assert_eq!(talk.next().await.1, "head -n 3 data.csv");
    talk.answer("a,b\n[exit code 0]");
    talk.note("[turn_reminder] 30 turns left");
    // A wasted look (the first read again), then the plan goes on.
    assert_eq!(talk.next().await.1, "head -n 3 data.csv");
    talk.answer("a,b\n[exit code 0]");
    assert!(talk.next().await.1.contains("./check.sh"));
    let t = truth(dir.path());
    assert_eq!(t.costs.len(), 1);
    assert_eq!(
        (t.costs[0].kind.as_str(), t.costs[0].by.as_str()),
        ("distraction", "turn_reminder")
    );
}

#[tokio::test]
async fn a_substitute_to_a_command_that_does_not_exist_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        "  env_fact_blindness:\n    probability: 1\n    habits:\n    - {kind: rename, command: awk, habit: gawk}\n",
    );
    let mut talk = Talk::new(client(p, dir.path()), "system");
    talk.note(
        "[memory_hints] hint x: use mawk\nsubstitute: {\"from\": \"gawk\", \"to\": \"mawk\"}",
    );
    let seen = talk.commands_until_finish("[exit code 0]").await;
    assert!(
        seen.iter().any(|c| c.contains("gawk -f sum.awk")),
        "{seen:?}"
    );
    assert!(!seen.iter().any(|c| c.contains("mawk")), "{seen:?}");
    assert!(truth(dir.path()).remedied.is_empty());
}

#[tokio::test]
async fn a_trivial_check_meets_a_refusal_that_names_no_real_check() {
    let p = || {
        profile_with(
            "  premature_finish: {probability: 1}\n",
            "costs: {distraction: 0, trivial_recheck: 1}\n",
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let mut talk = Talk::new(client(p(), dir.path()), "system");
    talk.commands_until_finish("[exit code 0]").await;
    talk.answer("[verify_before_finish] check your work first");
    assert_eq!(talk.next().await.1, "ls -la");
    talk.answer("report.txt\n[exit code 0]");
    assert_eq!(talk.next().await.0, "finish");
    let t = truth(dir.path());
    assert_eq!(t.costs[0].kind, "trivial_check");
    assert!(t.remedied.is_empty());

    // A refusal that names the task's own check is followed.
    let dir = tempfile::tempdir().unwrap();
    let mut talk = Talk::new(client(p(), dir.path()), "system");
    talk.commands_until_finish("[exit code 0]").await;
    talk.answer("[verify_before_finish] run `./check.sh` first");
    let (tool, command) = talk.next().await;
    assert_eq!(tool, "shell");
    assert!(command.contains("cat report.txt"), "{command}");
    assert_eq!(truth(dir.path()).remedied[0].by, "verify_before_finish");
}
