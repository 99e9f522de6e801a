//! The tools against the real `local` sandbox backend and the example harnesses
//! (`examples/harnesses/minimal` and `rich`, which has every builtin and the script tool
//! `json_query`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use harness_agent::model::{ToolCall, ToolDefinition};
use harness_agent::tools::{
    BuiltinTools, GrepTool, RuntimeConfig, Tool, ToolBuildError, ToolContext, ToolOutput, ToolSet,
};
use harness_core::{Harness, HarnessPath, KindRegistry, KindSpec};
use harness_sandbox::{
    EnvironmentSpec, ExecOptions, LocalProvider, Sandbox, SandboxProvider, ShellSession,
};
use serde_json::{Value, json};

/// One trial's worth of tool state: a fresh sandbox, a harness and its tool set.
struct Fixture {
    sandbox: Box<dyn Sandbox>,
    harness: Harness,
    session: tokio::sync::Mutex<Option<Box<dyn ShellSession>>>,
    config: RuntimeConfig,
    tools: ToolSet,
}

fn example(name: &str) -> Harness {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/harnesses")
        .join(name);
    Harness::load(&dir, &KindRegistry::builtin()).unwrap()
}

impl Fixture {
    async fn with_harness(harness: Harness, builtins: &BuiltinTools) -> Self {
        let sandbox = LocalProvider::default()
            .create(&EnvironmentSpec::default())
            .await
            .unwrap();
        let tools = ToolSet::from_harness(&harness, builtins).unwrap();
        Self {
            sandbox,
            harness,
            session: tokio::sync::Mutex::new(None),
            config: RuntimeConfig::default(),
            tools,
        }
    }

    async fn new(example_name: &str) -> Self {
        Self::with_harness(example(example_name), &BuiltinTools::standard()).await
    }

    fn ctx(&self) -> ToolContext<'_> {
        ToolContext {
            sandbox: self.sandbox.as_ref(),
            harness: &self.harness,
            session: &self.session,
            config: &self.config,
        }
    }

    async fn call(&self, name: &str, arguments: Value) -> ToolOutput {
        self.tools
            .call(&self.ctx(), &ToolCall::new("c1", name, arguments))
            .await
    }

    async fn sh(&self, command: &str) -> ToolOutput {
        self.call("shell", json!({ "command": command })).await
    }

    /// Run a setup command directly in the sandbox.
    async fn setup(&self, command: &str) {
        let out = self
            .sandbox
            .exec(command, ExecOptions::default())
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{command}: {}",
            out.stderr.text_with_marker()
        );
    }

    async fn read(&self, path: &str) -> String {
        String::from_utf8(self.sandbox.read_file(path).await.unwrap()).unwrap()
    }
}

#[tokio::test]
async fn plain_shell_forgets_cd_and_export() {
    let f = Fixture::new("minimal").await;
    let out = f.sh("mkdir sub && cd sub && export FOO=bar").await;
    assert!(!out.is_error, "{}", out.content);
    let out = f.sh("basename \"$PWD\"; echo \"foo=$FOO\"").await;
    assert_eq!(out.content, "work\nfoo=\n[exit code 0]");
    assert!(f.session.lock().await.is_none(), "no session opened");
}

#[tokio::test]
async fn persistent_shell_keeps_cd_and_export() {
    // `rich` sets `persistent: true` on its shell.
    let f = Fixture::new("rich").await;
    f.sh("mkdir sub && cd sub && export FOO=bar").await;
    let out = f.sh("basename \"$PWD\"; echo \"foo=$FOO\"").await;
    assert_eq!(out.content, "sub\nfoo=bar\n[exit code 0]");

    // The runtime switch (set by the `persistent_env` middleware) does the same for `minimal`.
    let mut f = Fixture::new("minimal").await;
    f.config.persistent_shell = true;
    f.sh("mkdir sub && cd sub && export FOO=bar").await;
    let out = f.sh("basename \"$PWD\"; echo \"foo=$FOO\"").await;
    assert_eq!(out.content, "sub\nfoo=bar\n[exit code 0]");
}

#[tokio::test]
async fn command_not_found_shows_the_shells_own_text() {
    let f = Fixture::new("rich").await;
    let out = f.sh("definitely-not-a-command-xyz --flag").await;
    assert!(out.is_error);
    assert_eq!(out.exit_code, Some(127));
    assert!(
        out.content
            .contains("definitely-not-a-command-xyz: command not found"),
        "{}",
        out.content
    );
    assert!(out.content.ends_with("[exit code 127]"));
}

#[tokio::test]
async fn non_zero_exits_and_timeouts_are_errors() {
    let f = Fixture::new("minimal").await;
    let out = f.sh("echo out; echo err >&2; exit 3").await;
    assert!(out.is_error);
    assert_eq!(out.exit_code, Some(3));
    assert_eq!(out.content, "[stdout]\nout\n[stderr]\nerr\n[exit code 3]");
    assert_eq!(out.full_len, 8);

    let out = f.sh("true").await;
    assert!(!out.is_error);
    assert_eq!(out.content, "(no output)\n[exit code 0]");

    let f = Fixture::new("rich").await;
    let out = f
        .call("shell", json!({"command": "sleep 5", "timeout_sec": 1}))
        .await;
    assert!(out.is_error);
    assert!(
        out.content.contains("[timed out after 1 s"),
        "{}",
        out.content
    );
    assert!(out.duration.as_secs_f64() < 4.0);
}

#[tokio::test]
async fn read_file_ranges_and_truncation() {
    let f = Fixture::new("rich").await;
    f.setup("seq 1000 > big.txt; printf 'a\\nb\\n' > small.txt")
        .await;

    let out = f.call("read_file", json!({"path": "small.txt"})).await;
    assert_eq!(out.content, "1\ta\n2\tb\n[end of file: 2 lines]");

    let out = f
        .call(
            "read_file",
            json!({"path": "big.txt", "start_line": 10, "end_line": 12}),
        )
        .await;
    assert_eq!(out.content, "10\t10\n11\t11\n12\t12\n[lines 10-12 of 1000]");

    // `rich` bounds read_file at 400 lines.
    let out = f.call("read_file", json!({"path": "big.txt"})).await;
    assert!(!out.is_error);
    assert!(out.content.starts_with("1\t1\n"));
    assert!(out.content.contains("400\t400\n"));
    assert!(!out.content.contains("401\t401"));
    assert!(
        out.content.ends_with(
            "[lines 1-400 of 1000; truncated at 400 lines; read on with start_line=401]"
        )
    );

    let out = f
        .call("read_file", json!({"path": "big.txt", "start_line": 990}))
        .await;
    assert!(
        out.content
            .ends_with("1000\t1000\n[lines 990-1000 of 1000]")
    );

    let out = f
        .call("read_file", json!({"path": "big.txt", "start_line": 2000}))
        .await;
    assert!(out.is_error);
    assert!(out.content.contains("past the end"), "{}", out.content);
    assert!(out.content.contains("1000 lines"));

    let out = f.call("read_file", json!({"path": "missing.txt"})).await;
    assert!(out.is_error);
    assert_eq!(
        out.content,
        "cannot read `missing.txt`: no such file or directory"
    );

    let out = f
        .call("read_file", json!({"path": "../../../etc/passwd"}))
        .await;
    assert!(out.is_error);
    assert!(out.content.contains("not allowed"), "{}", out.content);
}

#[tokio::test]
async fn write_then_edit_exactly_one_occurrence() {
    let f = Fixture::new("rich").await;
    let out = f
        .call(
            "write_file",
            json!({"path": "deep/new/a.py", "content": "x = 1\ny = 1\nz = 2\n"}),
        )
        .await;
    assert!(!out.is_error, "{}", out.content);
    assert_eq!(out.content, "wrote 18 bytes (3 lines) to `deep/new/a.py`");

    let out = f
        .call(
            "edit_file",
            json!({"path": "deep/new/a.py", "old": "w = 1", "new": "w = 0"}),
        )
        .await;
    assert!(out.is_error);
    assert!(out.content.contains("0 occurrences"), "{}", out.content);

    let out = f
        .call(
            "edit_file",
            json!({"path": "deep/new/a.py", "old": " = 1", "new": " = 0"}),
        )
        .await;
    assert!(out.is_error);
    assert!(out.content.contains("occurs 2 times"), "{}", out.content);
    assert_eq!(
        f.read("deep/new/a.py").await,
        "x = 1\ny = 1\nz = 2\n",
        "unchanged"
    );

    let out = f
        .call(
            "edit_file",
            json!({"path": "deep/new/a.py", "old": "y = 1", "new": "y = 10"}),
        )
        .await;
    assert!(!out.is_error, "{}", out.content);
    assert!(out.content.contains("2\ty = 10"), "{}", out.content);
    assert_eq!(f.read("deep/new/a.py").await, "x = 1\ny = 10\nz = 2\n");

    let out = f
        .call(
            "edit_file",
            json!({"path": "nope.py", "old": "a", "new": "b"}),
        )
        .await;
    assert!(out.is_error);
    assert!(out.content.contains("no such file"), "{}", out.content);
}

#[tokio::test]
async fn grep_is_bounded_and_says_so() {
    let f = Fixture::new("rich").await;
    f.setup(
        "mkdir -p src .git && for i in $(seq 300); do echo \"needle $i\"; done > src/hay.txt \
         && echo 'needle in git' > .git/config && echo 'other needle' > top.txt",
    )
    .await;

    let out = f.call("grep", json!({"pattern": "needle [0-9]+$"})).await;
    assert!(!out.is_error, "{}", out.content);
    let lines: Vec<&str> = out.content.lines().collect();
    assert_eq!(lines.len(), 201);
    assert_eq!(lines[0], "src/hay.txt:1:needle 1");
    assert!(lines[200].starts_with("[first 200 matches shown; there are more"));
    assert!(!out.content.contains(".git"));

    let out = f
        .call("grep", json!({"pattern": "needle", "path": "top.txt"}))
        .await;
    assert_eq!(out.content, "top.txt:1:other needle\n[1 match]");

    let out = f.call("grep", json!({"pattern": "haystack"})).await;
    assert!(!out.is_error);
    assert_eq!(out.content, "no matches for `haystack` in `.`");

    let out = f.call("grep", json!({"pattern": "a("})).await;
    assert!(out.is_error, "{}", out.content);

    // A tighter bound, on a tool built directly.
    let grep = GrepTool::new(f.tools.get("grep").unwrap().definition().clone(), 5);
    let out = grep
        .call(&f.ctx(), &json!({"pattern": "needle", "path": "src"}))
        .await;
    assert_eq!(out.content.lines().count(), 6);
    assert!(out.content.contains("[first 5 matches shown"));
}

#[tokio::test]
async fn find_is_bounded_sorted_and_skips_git() {
    let f = Fixture::new("rich").await;
    f.setup("mkdir -p logs .git && for i in $(seq 250); do touch logs/f$i.log; done && touch .git/x.log")
        .await;

    let out = f.call("find", json!({"name": "*.log"})).await;
    let lines: Vec<&str> = out.content.lines().collect();
    assert_eq!(lines.len(), 201);
    assert_eq!(lines[0], "logs/f1.log");
    assert_eq!(lines[1], "logs/f10.log", "sorted bytewise");
    assert!(lines[200].starts_with("[first 200 results shown; there are more"));
    assert!(!out.content.contains(".git"));

    let out = f
        .call("find", json!({"name": "f7.log", "path": "logs"}))
        .await;
    assert_eq!(out.content, "logs/f7.log\n[1 result]");

    let out = f.call("find", json!({"name": "*.rs"})).await;
    assert!(!out.is_error);
    assert_eq!(out.content, "no files named `*.rs` under `.`");

    let out = f
        .call("find", json!({"name": "*", "path": "no-such-dir"}))
        .await;
    assert!(out.is_error);
    assert!(
        out.content
            .contains("no such file or directory: no-such-dir")
    );
}

#[tokio::test]
async fn load_skill_returns_the_body_and_copies_resources() {
    let f = Fixture::new("rich").await;
    let out = f
        .call("load_skill", json!({"name": "python-debugging"}))
        .await;
    assert!(!out.is_error, "{}", out.content);
    assert!(
        out.content
            .starts_with("# Skill: python-debugging\n\n# Python debugging")
    );
    let line = out
        .content
        .lines()
        .find(|l| l.starts_with("- scripts/trace_calls.py: "))
        .unwrap();
    let installed = line.trim_start_matches("- scripts/trace_calls.py: ");
    assert!(installed.contains("/.harness-skills/python-debugging/scripts/trace_calls.py"));
    assert_eq!(
        f.read(installed).await,
        f.harness
            .file("skills/python-debugging/scripts/trace_calls.py")
            .unwrap()
    );

    let out = f
        .call("load_skill", json!({"name": "rust-debugging"}))
        .await;
    assert!(out.is_error);
    assert!(
        out.content
            .starts_with("unknown skill `rust-debugging`; known skills: ")
    );
    assert!(out.content.contains("git-recovery"));
    assert!(out.content.contains("python-debugging"));
}

#[tokio::test]
async fn finish_is_the_finish_tool() {
    let f = Fixture::new("rich").await;
    assert!(f.tools.is_finish("finish"));
    assert!(!f.tools.is_finish("shell"));
    assert_eq!(f.tools.finish_tool_name(), Some("finish"));
    let out = f.call("finish", json!({"summary": "all tests pass"})).await;
    assert!(!out.is_error);
    assert_eq!(out.content, "all tests pass");
    assert_eq!(f.call("finish", json!({})).await.content, "");
}

#[tokio::test]
async fn script_tool_reads_json_arguments_on_stdin() {
    let f = Fixture::new("rich").await;
    f.setup("echo '{\"items\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}' > data.json")
        .await;
    let out = f
        .call(
            "json_query",
            json!({"file": "data.json", "path": "items.1.name"}),
        )
        .await;
    assert!(!out.is_error, "{}", out.content);
    assert_eq!(out.content, "\"b\"\n");
    assert_eq!(out.exit_code, Some(0));

    // A failing script is an error showing its stderr.
    let out = f
        .call(
            "json_query",
            json!({"file": "data.json", "path": "items.0.missing"}),
        )
        .await;
    assert!(out.is_error);
    assert!(out.content.starts_with("[exit code 1]"), "{}", out.content);
    assert!(out.content.contains("KeyError"), "{}", out.content);

    // The script lives outside WORKDIR.
    let out = f.sh("ls -A").await;
    assert_eq!(out.content, "data.json\n[exit code 0]");
}

#[tokio::test]
async fn bad_calls_get_errors_the_model_can_act_on() {
    let f = Fixture::new("rich").await;

    let out = f.call("nope", json!({})).await;
    assert!(out.is_error);
    assert_eq!(
        out.content,
        "unknown tool `nope`; available tools: edit_file, find, finish, grep, json_query, \
         load_skill, read_file, shell, write_file"
    );

    let call = ToolCall::from_raw("c2", "shell", r#"{"command": "ls"#);
    let out = f.tools.call(&f.ctx(), &call).await;
    assert!(out.is_error);
    assert!(
        out.content
            .starts_with("invalid arguments for `shell`: arguments are not valid JSON")
    );
    assert!(out.content.contains("Expected arguments (a JSON object):"));
    assert!(
        out.content
            .contains("\n  command: string, required. The bash command to run.")
    );

    let out = f.call("shell", json!({"cmd": "ls"})).await;
    assert!(out.is_error);
    assert!(
        out.content.contains("missing required argument `command`"),
        "{}",
        out.content
    );
    assert!(
        out.content.contains("unknown argument `cmd`"),
        "{}",
        out.content
    );

    let out = f
        .call("shell", json!({"command": "ls", "timeout_sec": 900}))
        .await;
    assert!(out.is_error);
    assert!(
        out.content
            .contains("argument `timeout_sec` must be at most 600, found 900")
    );
    assert!(
        out.content
            .contains("timeout_sec: integer, optional, 1 to 600. Time limit")
    );

    let out = f.call("read_file", json!({"path": 3})).await;
    assert!(
        out.content
            .contains("argument `path` must be a string, found an integer (3)")
    );
}

#[tokio::test]
async fn definitions_come_from_the_harness() {
    let f = Fixture::new("rich").await;
    let definitions = f.tools.definitions();
    assert_eq!(definitions.len(), f.harness.tools().len());
    for (definition, tool) in definitions.iter().zip(f.harness.tools().values()) {
        assert_eq!(
            definition,
            &harness_agent::tools::tool_definition(&tool.spec)
        );
    }
}

/// A user-registered builtin: echoes its `text` argument.
struct Echo(ToolDefinition);

#[async_trait::async_trait]
impl Tool for Echo {
    fn definition(&self) -> &ToolDefinition {
        &self.0
    }

    async fn call(&self, _ctx: &ToolContext<'_>, arguments: &Value) -> ToolOutput {
        ToolOutput::ok(arguments["text"].as_str().unwrap_or_default())
    }
}

#[tokio::test]
async fn applications_register_their_own_builtins() {
    let mut registry = KindRegistry::builtin();
    registry.register_tool(KindSpec::new(
        "echo",
        "Echoes text.",
        json!({"type": "object", "additionalProperties": false}),
    ));
    let files: BTreeMap<HarnessPath, String> = [
        ("harness.yaml", "schema_version: 1\nname: custom\n"),
        ("prompts/system.md", "Work in {{workdir}}.\n"),
        (
            "tools/say.yaml",
            "name: say\ndescription: Say something.\nparameters:\n  type: object\n  \
             required: [text]\n  properties:\n    text:\n      type: string\n\
             implementation:\n  kind: builtin\n  builtin: echo\n",
        ),
    ]
    .into_iter()
    .map(|(p, t)| (HarnessPath::parse(p).unwrap(), t.to_owned()))
    .collect();
    let harness = Harness::from_files(files, &registry).unwrap();

    let error = ToolSet::from_harness(&harness, &BuiltinTools::standard()).unwrap_err();
    assert!(matches!(&error, ToolBuildError::UnknownBuiltin { builtin, .. } if builtin == "echo"));
    assert!(
        error.to_string().contains("known: edit_file, find"),
        "{error}"
    );

    let mut builtins = BuiltinTools::standard();
    builtins.register("echo", |tool: &harness_core::Tool| {
        Ok(Arc::new(Echo(harness_agent::tools::tool_definition(&tool.spec))) as Arc<dyn Tool>)
    });
    let f = Fixture::with_harness(harness, &builtins).await;
    let out = f.call("say", json!({"text": "hi"})).await;
    assert_eq!(out.content, "hi");
    assert_eq!(f.tools.finish_tool_name(), None);
}
