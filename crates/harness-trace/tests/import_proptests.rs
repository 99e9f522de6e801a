//! The importers never panic or hang on arbitrary input: arbitrary bytes, near-valid text
//! spliced from real files, and structured trajectories with arbitrary contents. Whatever
//! they accept is a trace whose events all validate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::OnceLock;

use harness_testkit::{arbitrary_text, bounded};
use harness_trace::import::outcomes::Outcomes;
use harness_trace::import::{ImportOptions, ImportedTrial, harbor_job, mini_swe};
use proptest::prelude::*;

fn seeds() -> &'static [String] {
    static S: OnceLock<Vec<String>> = OnceLock::new();
    S.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/harbor-job");
        let mut out = Vec::new();
        for trial in ["count-words__0", "count-words__1"] {
            out.push(std::fs::read_to_string(dir.join(trial).join("result.json")).unwrap());
            out.push(std::fs::read_to_string(dir.join(trial).join("agent/trajectory.json")).unwrap());
        }
        out.push(
            r#"{"instance_id": "x", "trajectory_format": "mini-swe-agent-1", "info": {"exit_status": "Submitted", "config": {"model": {"model_name": "m"}}},
               "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"},
               {"role": "assistant", "content": "THOUGHT\n```bash\nls\n```"}, {"role": "user", "content": "<returncode>0</returncode><output>a</output>"}]}"#
                .to_owned(),
        );
        out
    })
}

fn valid(trial: &ImportedTrial) {
    for line in &trial.trace.steps {
        line.event.validate().unwrap();
    }
}

fn message() -> impl Strategy<Value = serde_json::Value> {
    let role = prop_oneof![
        Just("system"),
        Just("user"),
        Just("assistant"),
        Just("tool"),
        Just("robot")
    ];
    let content = prop_oneof![
        arbitrary_text(),
        "[a-z ]{0,20}\n```bash\n[a-z <>|&;]{0,30}\n```[a-z]{0,5}".prop_map(String::from),
        "<returncode>-?[0-9]{1,12}</returncode>\n<output>[a-z\n]{0,30}</output>"
            .prop_map(String::from),
    ];
    (role, content)
        .prop_map(|(role, content)| serde_json::json!({"role": role, "content": content}))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mini_swe_never_panics_on_bytes(text in arbitrary_text()) {
        bounded(move || {
            if let Ok(trial) = mini_swe::parse(text.as_bytes(), "x", &Outcomes::none(), &ImportOptions::new("r")) {
                valid(&trial);
            }
        })?;
    }

    #[test]
    fn mini_swe_never_panics_on_spliced_files(text in harness_testkit::spliced(seeds, arbitrary_text(), 2000)) {
        bounded(move || {
            let _ = mini_swe::parse(text.as_bytes(), "", &Outcomes::none(), &ImportOptions::new("r"));
        })?;
    }

    #[test]
    fn mini_swe_accepts_any_conversation(messages in proptest::collection::vec(message(), 0..12), status in arbitrary_text()) {
        bounded(move || {
            let doc = serde_json::json!({"instance_id": "i", "info": {"exit_status": status}, "messages": messages});
            if let Ok(trial) = mini_swe::parse(doc.to_string().as_bytes(), "", &Outcomes::none(), &ImportOptions::new("r")) {
                valid(&trial);
            }
        })?;
    }

    #[test]
    fn harbor_never_panics(result in harness_testkit::spliced(seeds, arbitrary_text(), 1500), trajectory in harness_testkit::spliced(seeds, arbitrary_text(), 1500)) {
        bounded(move || {
            if let Ok(trial) = harbor_job::parse(result.as_bytes(), trajectory.as_bytes(), "t__0", &ImportOptions::new("r")) {
                valid(&trial);
            }
        })?;
    }

    #[test]
    fn outcome_sidecars_never_panic(text in arbitrary_text()) {
        bounded(move || {
            let _ = Outcomes::parse_json(text.as_bytes(), "i");
            let _ = Outcomes::parse_csv(&text);
        })?;
    }
}
