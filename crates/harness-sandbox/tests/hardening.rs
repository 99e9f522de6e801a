//! What keeps the verifier's inputs out of the agent's reach and the host out of the
//! sandbox's: the verifier phase starts from fresh host-side directories with every earlier
//! process killed, read-only tools, processes that leave their group killed on `local`,
//! memory requests enforced, and on `bwrap` nothing of the host visible beyond the toolchain
//! and a minimal `/etc`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{bwrap, eventually, local, marker, out, processes_with, providers, spec_for, timeout};
use harness_sandbox::{Enforcement, EnvironmentSpec, MountKind, Sandbox};

async fn run(sb: &dyn Sandbox, script: &str) -> harness_sandbox::ExecOutput {
    sb.exec(script, timeout(30)).await.unwrap()
}

#[tokio::test]
async fn verifier_phase_starts_from_fresh_directories() {
    for provider in providers().await {
        let name = provider.name().to_owned();
        let sb = provider.create(&spec_for(&*provider)).await.unwrap();
        // The agent plants a reward, a user site module, a profile and a temp file, and
        // locks the verifier folder against cleaning.
        let planted = run(
            &*sb,
            "echo kept > kept.txt\n\
             mkdir -p \"$LOGS_DIR/verifier\" && echo 1 > \"$LOGS_DIR/verifier/reward.txt\"\n\
             chmod 555 \"$LOGS_DIR/verifier\"\n\
             mkdir -p \"$HOME/.local/lib\" && echo planted > \"$HOME/.local/lib/usercustomize.py\"\n\
             echo planted > \"${TMPDIR:-/tmp}/planted\"",
        )
        .await;
        assert!(planted.status.success(), "{name}: {planted:?}");
        sb.enter_verifier_phase().await.unwrap();
        let seen = run(
            &*sb,
            "cat kept.txt; ls -A \"$LOGS_DIR/verifier\" | wc -l; ls -A \"$HOME/.local\" 2>/dev/null | wc -l; \
             ls -A \"${TMPDIR:-/tmp}\" | grep -c planted; \
             echo 0 > \"$LOGS_DIR/verifier/reward.txt\" && echo writable",
        )
        .await;
        assert_eq!(
            out(&seen),
            "kept\n0\n0\n0\nwritable",
            "{name}: {}",
            seen.stderr.text_with_marker()
        );
        let logs = sb.paths().logs;
        assert_eq!(
            sb.read_file(&format!("{logs}/verifier/reward.txt"))
                .await
                .unwrap(),
            b"0\n",
            "{name}"
        );
    }
}

#[tokio::test]
async fn verifier_phase_kills_what_the_agent_left_running() {
    for provider in providers().await {
        let name = provider.name().to_owned();
        let sb = provider.create(&spec_for(&*provider)).await.unwrap();
        let tag = marker("writer");
        // A writer that left the process group keeps rewriting a reward file.
        let script = format!(
            "setsid sh -c 'while true; do echo 1 > \"$LOGS_DIR/verifier/reward.txt\" 2>/dev/null; \
             sleep 0.05; done; : {tag}' >/dev/null 2>&1 < /dev/null &\n\
             sleep 0.3; echo started"
        );
        let started = run(&*sb, &script).await;
        assert_eq!(out(&started), "started", "{name}");
        sb.enter_verifier_phase().await.unwrap();
        assert!(
            eventually(Duration::from_secs(5), || processes_with(&tag).is_empty()).await,
            "{name}: the writer survived: {:?}",
            processes_with(&tag)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let listing = run(&*sb, "ls -A \"$LOGS_DIR/verifier\"").await;
        assert_eq!(out(&listing), "", "{name}");
    }
}

#[tokio::test]
async fn local_kills_processes_that_leave_their_group() {
    let provider = local();
    let sb = provider.create(&EnvironmentSpec::default()).await.unwrap();
    let tag = marker("setsid");
    let script =
        format!("setsid sh -c 'sleep 300; : {tag}' >/dev/null 2>&1 < /dev/null & echo started");
    let started = run(&*sb, &script).await;
    assert_eq!(out(&started), "started");
    assert!(
        eventually(Duration::from_secs(5), || processes_with(&tag).is_empty()).await,
        "a setsid process outlived its command: {:?}",
        processes_with(&tag)
    );
    // Job control puts background jobs in their own groups; they end with the command too.
    let tag = marker("jobs");
    let script = format!("set -m; sh -c 'sleep 300; : {tag}' & echo started");
    let started = run(&*sb, &script).await;
    assert_eq!(out(&started), "started");
    assert!(
        eventually(Duration::from_secs(5), || processes_with(&tag).is_empty()).await,
        "a background job outlived its command: {:?}",
        processes_with(&tag)
    );
}

#[tokio::test]
async fn tools_are_read_only_inside() {
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("tool"), "#!/bin/sh\necho tool\n").unwrap();
    for provider in providers().await {
        let name = provider.name().to_owned();
        let sb = provider.create(&spec_for(&*provider)).await.unwrap();
        let inside = sb.mount(MountKind::Tools, src.path()).await.unwrap();
        assert_eq!(inside, sb.paths().tools, "{name}");
        let write = run(
            &*sb,
            &format!(
                "echo x > '{inside}/tool' || echo refused; echo y > '{inside}/new' || echo refused"
            ),
        )
        .await;
        // Mode bits do not stop root; on `local` only the bind of other backends would.
        if name != "local" || !running_as_root() {
            assert_eq!(out(&write), "refused\nrefused", "{name}");
        }
        // Mounting again replaces the read-only copy.
        sb.mount(MountKind::Tools, src.path()).await.unwrap();
    }
}

#[tokio::test]
async fn memory_request_fails_a_larger_allocation() {
    for provider in providers().await {
        let name = provider.name().to_owned();
        let spec = EnvironmentSpec {
            memory_mb: Some(2048),
            ..spec_for(&*provider)
        };
        let sb = provider.create(&spec).await.unwrap();
        let applied = sb.applied_limits();
        let memory = applied.iter().find(|l| l.resource == "memory").unwrap();
        assert_eq!(memory.enforcement, Enforcement::Rlimit, "{name}");
        assert_eq!(memory.value, Some(2048 << 20), "{name}");
        let big = run(
            &*sb,
            "python3 -c 'b = bytearray(4 << 30); print(len(b))' 2>&1 | tail -1",
        )
        .await;
        assert!(
            out(&big).contains("MemoryError"),
            "{name}: a 4 GiB allocation under 2G: {}",
            out(&big)
        );
        let small = run(&*sb, "python3 -c 'b = bytearray(64 << 20); print(len(b))'").await;
        assert_eq!(out(&small), (64u64 << 20).to_string(), "{name}");
    }
}

fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A directory under `parent` if this user may create one there.
fn dir_under(parent: &str) -> Option<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix("harness-isolation-")
        .tempdir_in(parent)
        .ok()
}

#[tokio::test]
async fn bwrap_shows_no_host_trees() {
    let Some(provider) = bwrap().await else {
        return;
    };
    let sb = provider.create(&spec_for(&*provider)).await.unwrap();
    // A suite in a checkout (this crate's own folder), in the user's home, and under /srv,
    // /opt, /var and /mnt where this user may create one.
    let mut hidden: Vec<PathBuf> = vec![
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests"),
        PathBuf::from("/etc/shadow"),
        PathBuf::from("/etc/gshadow"),
        PathBuf::from("/home"),
        PathBuf::from("/srv"),
        PathBuf::from("/opt"),
        PathBuf::from("/mnt"),
        PathBuf::from("/var/log"),
        PathBuf::from("/etc/ssh"),
        PathBuf::from("/etc/sudoers"),
    ];
    let mut made = Vec::new();
    for parent in ["/srv", "/opt", "/var", "/mnt", "/home"] {
        if let Some(dir) = dir_under(parent) {
            std::fs::create_dir_all(dir.path().join("suite/task/tests")).unwrap();
            std::fs::write(dir.path().join("suite/task/tests/test.sh"), "secret").unwrap();
            hidden.push(dir.path().join("suite/task/tests/test.sh"));
            made.push(dir);
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        hidden.push(PathBuf::from(home).join(".bash_history"));
    }
    for path in &hidden {
        let probe = run(
            &*sb,
            &format!("test -e '{}' && echo visible", path.display()),
        )
        .await;
        assert_eq!(
            out(&probe),
            "",
            "{} is visible inside the sandbox",
            path.display()
        );
    }
    // What commands need still works.
    let basics = run(
        &*sb,
        "id -un >/dev/null && echo user; getent hosts localhost >/dev/null && echo hosts; \
         test -r /etc/passwd && echo passwd; python3 -c 'import ssl; print(\"ssl\")'",
    )
    .await;
    assert_eq!(
        out(&basics),
        "user\nhosts\npasswd\nssl",
        "{}",
        basics.stderr.text_with_marker()
    );
}

#[tokio::test]
async fn commands_cannot_join_the_harness_process_group() {
    // Every command leads a session of its own; moving into the harness's group (where
    // neither the group kill nor the sweep would look) is refused by the kernel.
    let own_group = std::process::Command::new("ps")
        .args(["-o", "pgid=", "-p", &std::process::id().to_string()])
        .output()
        .unwrap();
    let own_group = String::from_utf8_lossy(&own_group.stdout).trim().to_owned();
    let sb = local().create(&EnvironmentSpec::default()).await.unwrap();
    let script = format!(
        "python3 -c 'import os\ntry:\n    os.setpgid(0, {own_group})\n    print(\"joined\")\nexcept OSError as e:\n    print(\"refused\", e.errno)'"
    );
    let tried = run(&*sb, &script).await;
    assert!(
        out(&tried).starts_with("refused"),
        "{}: {}",
        out(&tried),
        tried.stderr.text_with_marker()
    );
}

#[tokio::test]
async fn reading_a_fifo_does_not_block() {
    for provider in providers().await {
        let name = provider.name().to_owned();
        let sb = provider.create(&spec_for(&*provider)).await.unwrap();
        run(&*sb, "mkfifo pipe && ln -s pipe link").await;
        for path in ["pipe", "link"] {
            let read = tokio::time::timeout(Duration::from_secs(5), sb.read_file(path)).await;
            let Ok(result) = read else {
                panic!("{name}: reading a FIFO through `{path}` blocked");
            };
            assert!(result.is_err(), "{name}: {path}");
        }
    }
}
