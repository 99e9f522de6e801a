//! The leakage guard: the test split is never mined, even when a caller or a store tries,
//! and no verifier output reaches a report.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use async_trait::async_trait;
use harness_miner::{MinableSplit, MineScope, MinerConfig, StoreMiner};
use harness_trace::synth::synthetic_trial;
use harness_trace::{
    BlobRef, RunStore, Split, SplitScope, TraceError, TraceHeader, TraceSink, TraceStore,
    TrialFilter, TrialId, TrialSummary, TrialTrace,
};

/// A store that ignores the split filter and lists every trial: a buggy or hostile store.
struct LeakyStore(RunStore);

#[async_trait]
impl TraceStore for LeakyStore {
    async fn open_sink(&self, header: TraceHeader) -> Result<Box<dyn TraceSink>, TraceError> {
        self.0.open_sink(header).await
    }
    async fn put(&self, trace: &TrialTrace) -> Result<(), TraceError> {
        self.0.put(trace).await
    }
    async fn put_blob(&self, bytes: Vec<u8>) -> Result<BlobRef, TraceError> {
        self.0.put_blob(bytes).await
    }
    async fn get(&self, trial: &TrialId) -> Result<TrialTrace, TraceError> {
        self.0.get(trial).await
    }
    async fn get_blob(&self, blob: &BlobRef) -> Result<Vec<u8>, TraceError> {
        self.0.get_blob(blob).await
    }
    async fn list(&self, _filter: &TrialFilter) -> Result<Vec<TrialSummary>, TraceError> {
        self.0
            .list(&TrialFilter::new().splits(SplitScope::All))
            .await
    }
}

async fn store_with_all_splits() -> (tempfile::TempDir, RunStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path()).unwrap();
    for i in 0..60 {
        let (header, start, events) = synthetic_trial("guard", i, 40, 7);
        let mut trace = TrialTrace::new(header, start);
        for (ts, event) in events {
            trace.push(ts, event);
        }
        store.put(&trace).await.unwrap();
    }
    (dir, store)
}

#[test]
fn the_test_split_cannot_be_named() {
    assert!("test".parse::<MinableSplit>().is_err());
    let scope = MineScope::new([
        MinableSplit::HeldIn,
        MinableSplit::Validation,
        MinableSplit::Unassigned,
    ]);
    assert!(!scope.admits(Split::Test));
    assert!(!scope.split_scope().admits(Split::Test));
}

#[tokio::test]
async fn a_store_that_ignores_the_filter_still_leaks_nothing() {
    let (_dir, store) = store_with_all_splits().await;
    let all = store
        .list(&TrialFilter::new().splits(SplitScope::All))
        .await
        .unwrap();
    let held_in = all.iter().filter(|t| t.split == Split::HeldIn).count();
    assert!(all.iter().any(|t| t.split == Split::Test));
    let leaky = LeakyStore(store);
    let mined = StoreMiner::new(MinerConfig::default())
        .mine_detailed(&leaky)
        .await
        .unwrap();
    assert_eq!(mined.report.trials, held_in);
    let test_ids: Vec<String> = all
        .iter()
        .filter(|t| t.split != Split::HeldIn)
        .map(|t| t.trial_id.to_string())
        .collect();
    let json = serde_json::to_string(&mined.report).unwrap();
    for id in &test_ids {
        assert!(
            !mined.signatures.iter().any(|s| &s.trial.trial_id == id),
            "{id} mined"
        );
        assert!(!json.contains(&format!("\"{id}\"")), "{id} in the report");
    }
}

#[tokio::test]
async fn report_carries_no_verifier_text() {
    // A verifier verdict can only hold numbers and a class: there is nothing to leak. The
    // report's schema says the same: no field is named after the verifier's output.
    let schema = harness_miner::WeaknessReport::json_schema().to_string();
    for word in ["stdout", "test_output", "verifier_output"] {
        assert!(!schema.contains(word), "{word}");
    }
}
