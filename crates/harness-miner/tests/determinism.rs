//! The same input gives the same report, byte for byte, however many traces are read at
//! once (they arrive in a different order each time).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use harness_miner::{MinableSplit, MineScope, MinerConfig, StoreMiner};
use harness_trace::synth::synthetic_trial;
use harness_trace::{RunStore, TraceStore, TrialTrace};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_do_not_depend_on_reading_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path()).unwrap();
    for i in 0..150 {
        let (header, start, events) = synthetic_trial("det", i, 60, 3);
        let mut trace = TrialTrace::new(header, start);
        for (ts, event) in events {
            trace.push(ts, event);
        }
        store.put(&trace).await.unwrap();
    }
    let scope = MineScope::new([MinableSplit::HeldIn, MinableSplit::Validation]);
    let mut outputs = Vec::new();
    for readers in [1, 3, 16, 16] {
        let mut config = MinerConfig::new(scope.clone()).with_budget(3_000);
        config.readers = readers;
        let mined = StoreMiner::new(config).mine_detailed(&store).await.unwrap();
        assert!(mined.report.rendered_tokens <= 3_000);
        outputs.push((
            serde_json::to_string(&mined.report).unwrap(),
            mined.markdown,
        ));
    }
    assert!(!outputs[0].0.is_empty());
    for other in &outputs[1..] {
        assert_eq!(other, &outputs[0]);
    }
}
