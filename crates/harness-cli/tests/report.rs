//! `harness report RUN` on a real small run (the simulated model on eight bundled tasks):
//!
//! - both files are written, the HTML names no remote host and loads nothing from outside
//!   the file, and the sealed test split appears for the seed and the final harness only;
//! - a bad run directory is refused with an error naming the file;
//! - the page renders in headless Chromium without a console message, its charts survive
//!   with their shapes, and the screenshot is kept as `target/test-artifacts/report.png`
//!   (with `HARNESS_REQUIRE_CHROMIUM=1` a missing Chromium fails the test; otherwise it is
//!   skipped with a message).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::OnceLock;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

mod support;

use support::{repo, small_suite};

/// One small run shared by the tests of this file (made once, under Cargo's scratch
/// folder for integration tests).
fn run() -> &'static Path {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-test");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let suite = small_suite(&dir);
        let config = dir.join("evolve.yaml");
        std::fs::write(
            &config,
            format!(
                "suite: {}\nseed_harness: {}\nagent:\n  model: sim:explorer\nrepeats: 2\nk: 2\n\
                 generations: 2\nconcurrency: 2\nsandbox: local\nseed: 1\n",
                suite.display(),
                repo().join("examples/harnesses/minimal").display()
            ),
        )
        .unwrap();
        let run = dir.join("run");
        Command::cargo_bin("harness")
            .unwrap()
            .args(["evolve", "--config"])
            .arg(&config)
            .arg("--out")
            .arg(&run)
            .timeout(Duration::from_secs(300))
            .assert()
            .code(0);
        run
    })
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Write the report of the shared run into `out`; stdout.
fn report(out: &Path) -> String {
    let output = Command::cargo_bin("harness")
        .unwrap()
        .arg("report")
        .arg(run())
        .arg("--out")
        .arg(out)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The markup of every tag: the text between `<` and `>` (the run's own text is escaped,
/// so it holds no tags).
fn tags(page: &str) -> impl Iterator<Item = &str> {
    page.split('<').skip(1).filter_map(|t| t.split('>').next())
}

/// The cells of the rows of the first table after `heading`.
fn table_rows(page: &str, heading: &str) -> Vec<Vec<String>> {
    let start = page.find(heading).unwrap();
    let rest = &page[start..];
    let table = &rest[rest.find("<table>").unwrap()..rest.find("</table>").unwrap()];
    table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let cell = &cell[cell.find('>').unwrap() + 1..];
                    let end = cell.find("</td>").unwrap_or(cell.len());
                    strip_tags(&cell[..end])
                })
                .collect()
        })
        .collect()
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn the_report_of_a_real_run_is_self_contained_and_shows_the_test_split_for_seed_and_final_only() {
    let out = tempfile::tempdir().unwrap();
    let stdout = report(out.path());
    let html_path = out.path().join("report.html");
    let md_path = out.path().join("report.md");
    assert!(
        stdout.contains(&html_path.display().to_string()),
        "{stdout}"
    );
    assert!(stdout.contains(&md_path.display().to_string()), "{stdout}");
    assert!(
        stdout.contains("seed ") && stdout.contains("rollouts"),
        "{stdout}"
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    let md = std::fs::read_to_string(&md_path).unwrap();

    // Nothing remote, nothing loaded from outside the file, no script.
    assert!(!html.contains("http://"), "an http:// reference");
    assert!(!html.contains("https://"), "an https:// reference");
    for tag in tags(&html) {
        for attr in ["src=", "href="] {
            if let Some(at) = tag.find(attr) {
                let value = tag[at + attr.len()..].trim_start_matches(['"', '\'']);
                assert!(value.starts_with("data:"), "<{tag}> loads from outside");
            }
        }
        assert!(!tag.starts_with("script"), "a script in the page");
    }
    assert_eq!(html.matches("<svg").count(), 3, "three charts");

    // Every proposal of the run is in the table, with its diff in a <details>.
    let state = json(&run().join("state.json"));
    let ids: Vec<String> = state["history"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["proposal"]["id"].as_str().map(str::to_owned))
        .collect();
    assert!(!ids.is_empty(), "the run proposed nothing");
    for id in &ids {
        assert!(
            html.contains(id.as_str()) && md.contains(id.as_str()),
            "{id}"
        );
    }
    assert!(html.matches("<details>").count() >= ids.len());
    assert!(html.contains("Not computed; run <code>harness ablate RUN</code>"));
    assert!(md.contains("33.7 %"));

    // The test split: a value on the seed's row (the first) and the final row, a dash on
    // every other row, in the HTML and in the markdown.
    let summary = json(&run().join("summary.json"));
    let seed = &summary["seed_harness"].as_str().unwrap()[..12];
    let final_harness = &summary["final_harness"].as_str().unwrap()[..12];
    let rows = table_rows(&html, "id=\"scores\"");
    assert!(rows.len() >= 2, "{rows:?}");
    for (i, row) in rows.iter().enumerate() {
        let first_or_last = i == 0 || i + 1 == rows.len();
        assert_eq!(row[4] != "-", first_or_last, "row {i}: {row:?}");
        if first_or_last {
            assert!(row[1] == seed || row[1] == final_harness, "{row:?}");
        }
    }
    let test_means: Vec<String> = [&summary["seed"]["test"], &summary["evolved"]["test"]]
        .iter()
        .map(|v| format!("{:.3}", v.as_f64().unwrap()))
        .collect();
    assert!(rows[0][4].starts_with(&test_means[0]), "{:?}", rows[0]);
    assert!(rows[rows.len() - 1][4].starts_with(&test_means[1]));
    let md_rows: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("| harness of"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert_eq!(md_rows.len(), rows.len());
    for (i, row) in md_rows.iter().enumerate() {
        let test_cell = row.trim_end_matches('|').rsplit('|').next().unwrap().trim();
        assert_eq!(test_cell != "-", i == 0 || i + 1 == md_rows.len(), "{row}");
    }

    // And the run itself scored the test split for those two harnesses only.
    let tested: BTreeSet<String> = std::fs::read_to_string(run().join("scores.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["split"] == "test")
        .map(|r| r["key"]["harness_hash"].as_str().unwrap()[..12].to_owned())
        .collect();
    assert!(
        tested.iter().all(|h| h == seed || h == final_harness),
        "{tested:?}"
    );
}

#[test]
fn a_bad_run_directory_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("harness")
        .unwrap()
        .arg("report")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("state.json"));

    // A copy of the real run with a damaged score line.
    let copy = dir.path().join("copy");
    for entry in walkdir::WalkDir::new(run()) {
        let entry = entry.unwrap();
        let to = copy.join(entry.path().strip_prefix(run()).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    let scores = copy.join("scores.jsonl");
    let text = std::fs::read_to_string(&scores).unwrap();
    std::fs::write(&scores, format!("{{\"key\": 3}}\n{text}")).unwrap();
    Command::cargo_bin("harness")
        .unwrap()
        .arg("report")
        .arg(&copy)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("scores.jsonl line 1"));
}

/// The Chromium binary, or `None` (skip) when it is missing and not required.
fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = StdCommand::new("which").arg(name).output()
            && out.status.success()
        {
            return Some(PathBuf::from(
                String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            ));
        }
    }
    if std::env::var_os("HARNESS_REQUIRE_CHROMIUM").is_some_and(|v| v == "1") {
        panic!(
            "HARNESS_REQUIRE_CHROMIUM=1 but chromium is not installed (scripts/install-test-deps installs it)"
        );
    }
    eprintln!("skipped: chromium is not installed (scripts/install-test-deps installs it)");
    None
}

/// Run headless Chromium on `page` with `args`; (stdout, console lines of stderr).
fn headless(chromium: &Path, page: &Path, profile: &Path, args: &[&str]) -> (String, Vec<String>) {
    let output = StdCommand::new(chromium)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let console = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        console,
    )
}

#[test]
fn the_report_renders_in_headless_chromium_without_console_errors() {
    let Some(chromium) = chromium() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    report(out.path());
    let page = out.path().join("report.html").canonicalize().unwrap();
    let profile = out.path().join("profile");

    // The console catcher works: a page that logs an error is caught.
    let bad = out.path().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><body><script>console.error('caught-error')</script></body></html>",
    )
    .unwrap();
    let (_, console) = headless(&chromium, &bad, &profile, &["--dump-dom"]);
    assert!(
        console.iter().any(|l| l.contains("caught-error")),
        "console messages are not seen: {console:?}"
    );

    // The report: no console message at all, and the charts survive with their shapes.
    let (dom, console) = headless(&chromium, &page, &profile, &["--dump-dom"]);
    assert!(console.is_empty(), "console messages: {console:#?}");
    let svgs: Vec<&str> = dom
        .split("<svg")
        .skip(1)
        .map(|s| &s[..s.find("</svg>").unwrap()])
        .collect();
    assert_eq!(svgs.len(), 3, "three charts in the rendered DOM");
    for svg in &svgs {
        let shapes = svg.matches("<path").count()
            + svg.matches("<rect").count()
            + svg.matches("<circle").count()
            + svg.matches("<polyline").count()
            + svg.matches("<line").count();
        assert!(shapes > 10, "a chart without shapes: {svg}");
        assert!(svg.contains("<text"), "a chart without labels");
    }

    // The screenshot, kept as a test artifact.
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let (_, console) = headless(
        &chromium,
        &page,
        &profile,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,3200",
            "--hide-scrollbars",
        ],
    );
    assert!(console.is_empty(), "console messages: {console:#?}");
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
}
