//! The embedded store: listing, full-text search, similar failures, index rebuild and sync.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::{NUMPY_ERROR_1, fixture_run, harness};
use harness_trace::synth::{EPOCH, sample_header};
use harness_trace::{
    Event, FailureQuery, Fingerprint, JsonlSink, OutcomeClass, QuerySyntax, RunLayout, RunStore,
    SearchQuery, SimilarBy, SinkOptions, Split, SplitScope, ToolCall, ToolOutput, TraceError,
    TraceSink, TraceStore, TrialFilter, TrialId,
};

fn ids<T>(items: &[T], id: impl Fn(&T) -> &TrialId) -> Vec<String> {
    items.iter().map(|x| id(x).to_string()).collect()
}

fn list(store: &RunStore, filter: TrialFilter) -> Vec<String> {
    ids(&store.list_trials(&filter).unwrap(), |t| &t.trial_id)
}

fn all_splits(text: &str) -> SearchQuery {
    let mut query = SearchQuery::words(text);
    query.filter = query.filter.splits(SplitScope::All);
    query
}

async fn capybaras(store: &dyn TraceStore) -> Vec<harness_trace::SearchHit> {
    let search = store.search().unwrap();
    search.search_steps(&all_splits("capybara")).await.unwrap()
}

/// Search every split, the sealed test split included.
fn search(store: &RunStore, text: &str) -> Vec<(String, u64, String)> {
    store
        .search_steps(&all_splits(text))
        .unwrap()
        .into_iter()
        .map(|h| (h.trial_id.to_string(), h.seq, h.kind))
        .collect()
}

#[test]
fn lists_by_run_task_harness_split_and_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_run(dir.path());
    // The default filter leaves out the test split (t3); it is listed only on request.
    assert_eq!(list(&store, TrialFilter::default()), ["t1", "t2", "t4"]);
    assert_eq!(
        list(&store, TrialFilter::new().splits(SplitScope::All)),
        ["t1", "t2", "t3", "t4"]
    );
    assert_eq!(list(&store, TrialFilter::new().split(Split::Test)), ["t3"]);
    let by = |f: fn(TrialFilter) -> TrialFilter| {
        list(&store, f(TrialFilter::new().splits(SplitScope::All)))
    };
    assert_eq!(by(|f| f.run("run-1")).len(), 4);
    assert!(by(|f| f.run("other")).is_empty());
    assert_eq!(by(|f| f.task("task-a")), ["t1", "t3"]);
    assert_eq!(by(|f| f.harness(harness(2))), ["t3", "t4"]);
    assert_eq!(by(|f| f.split(Split::HeldIn)), ["t1", "t4"]);
    assert_eq!(
        by(|f| f.splits(SplitScope::Only(vec![Split::HeldIn, Split::Test]))),
        ["t1", "t3", "t4"]
    );
    assert!(by(|f| f.splits(SplitScope::Only(Vec::new()))).is_empty());
    assert_eq!(by(|f| f.outcome(OutcomeClass::Fail)), ["t1", "t2"]);
    assert_eq!(by(|f| f.outcome(OutcomeClass::Pass).task("task-a")), ["t3"]);
    assert_eq!(by(|f| f.limit(2)), ["t1", "t2"]);

    let t3 = &store
        .list_trials(
            &TrialFilter::new()
                .task("task-a")
                .harness(harness(2))
                .split(Split::Test),
        )
        .unwrap()[0];
    assert_eq!(t3.steps, 6);
    assert_eq!(t3.totals.model_calls, 2);
    assert_eq!(t3.totals.failed_tool_calls, 1);
    assert_eq!(t3.totals.input_tokens, 200);
    assert_eq!(t3.reward, Some(1.0));
    assert_eq!(t3.split, Split::Test);
    assert_eq!(t3.started_at, EPOCH);
    assert!(!t3.torn);
}

#[test]
fn full_text_search_covers_messages_outputs_and_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_run(dir.path());
    // Punctuation in words queries is harmless.
    let hits = search(&store, "ModuleNotFoundError: 'numpy'");
    let trials: Vec<&str> = hits.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(trials.contains(&"t1") && trials.contains(&"t2"));
    assert!(hits.iter().all(|h| h.2 == "tool_call"));
    // Stored message lists and full outputs in blobs are indexed.
    assert_eq!(
        search(&store, "zebracorn"),
        [("t4".into(), 1, "model_call".into())]
    );
    assert_eq!(
        search(&store, "hippogriff"),
        [("t4".into(), 2, "tool_call".into())]
    );
    // Responses, reasoning and model errors too.
    assert_eq!(search(&store, "Install pandas first")[0].0, "t3");
    // ... but not by default: t3 is in the test split.
    assert!(
        store
            .search_steps(&SearchQuery::words("Install pandas first"))
            .unwrap()
            .iter()
            .all(|h| h.trial_id.as_str() != "t3")
    );
    assert_eq!(search(&store, "grep is enough")[0].0, "t4");
    assert_eq!(
        search(&store, "Too Many Requests")[0],
        ("t4".into(), 3, "model_call".into())
    );
    assert!(search(&store, "nothing-like-this-anywhere").is_empty());

    let hit = &store
        .search_steps(&SearchQuery::words("hippogriff"))
        .unwrap()[0];
    assert!(hit.snippet.contains("[hippogriff]"), "{}", hit.snippet);
    assert!(hit.score > 0.0);

    // Filters and kinds.
    let mut query = SearchQuery::words("numpy");
    query.filter = query.filter.split(Split::Validation);
    let hits = store.search_steps(&query).unwrap();
    assert_eq!(ids(&hits, |h| &h.trial_id), ["t2"]);
    let mut query = all_splits("pandas");
    query.kinds = vec!["model_call".into()];
    let hits = store.search_steps(&query).unwrap();
    assert!(hits.iter().all(|h| h.kind == "model_call") && !hits.is_empty());

    // Any of the words; quotes and operators in the text are words, not syntax.
    let mut query = SearchQuery::words("zebracorn hippogriff");
    assert!(store.search_steps(&query).unwrap().is_empty());
    query.syntax = QuerySyntax::AnyWords;
    assert_eq!(store.search_steps(&query).unwrap().len(), 2);
    query.text = "\"unbalanced NOT zebracorn*".into();
    let hits = store.search_steps(&query).unwrap();
    assert!(hits.iter().any(|h| h.trial_id.as_str() == "t4"), "{hits:?}");
    let err = store.search_steps(&SearchQuery::words(" -- ")).unwrap_err();
    assert!(matches!(err, TraceError::BadQuery { .. }), "{err}");
}

#[test]
fn verifier_outcomes_are_not_searchable_text() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_run(dir.path());
    let mut query = SearchQuery::words("reward");
    query.kinds = vec!["verifier".into()];
    assert!(store.search_steps(&query).unwrap().is_empty());
}

#[test]
fn similar_failures_put_same_fingerprint_first_then_text() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_run(dir.path());
    let t1 = store.get_trace(&TrialId::new("t1").unwrap()).unwrap();
    let failed: &ToolCall = t1.tool_calls().next().unwrap();
    let mut query = FailureQuery::for_tool_call(failed).unwrap();
    query.exclude_trial = Some(TrialId::new("t1").unwrap());
    // By default the test split (t3) is out of sight.
    let found = store.find_similar_failures(&query).unwrap();
    assert!(
        found.iter().all(|f| f.trial_id.as_str() != "t3"),
        "{found:?}"
    );
    assert!(!found.is_empty());
    query.splits = SplitScope::All;
    let found = store.find_similar_failures(&query).unwrap();
    let order: Vec<(String, u64)> = found
        .iter()
        .map(|f| (f.trial_id.to_string(), f.seq))
        .collect();
    assert_eq!(order[0], ("t2".into(), 2), "{found:?}");
    assert_eq!(found[0].by, SimilarBy::Fingerprint);
    assert_eq!(
        found[0].fingerprint,
        Some(Fingerprint::of("shell", NUMPY_ERROR_1))
    );
    assert_eq!(order[1], ("t3".into(), 2), "{found:?}");
    assert!(matches!(found[1].by, SimilarBy::Text { score } if score > 0.0));
    // Only failed steps: t3's successful `pip install pandas` is not a similar failure.
    assert!(!order.contains(&("t3".into(), 4)));

    // Model errors have fingerprints too.
    let query = FailureQuery::for_model_error(&harness_trace::synth::rate_limit_error(45));
    let found = store.find_similar_failures(&query).unwrap();
    assert_eq!((found[0].trial_id.as_str(), found[0].seq), ("t4", 3));
    assert_eq!(found[0].by, SimilarBy::Fingerprint);
}

#[test]
fn rebuilt_index_answers_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_run(dir.path());
    let answers = |store: &RunStore| {
        let mut out = Vec::new();
        for text in [
            "numpy",
            "pandas",
            "zebracorn",
            "hippogriff",
            "shell",
            "turn",
        ] {
            out.push(format!(
                "{:?}",
                store.search_steps(&SearchQuery::words(text)).unwrap()
            ));
        }
        out.push(format!(
            "{:?}",
            store.list_trials(&TrialFilter::default()).unwrap()
        ));
        let t1 = store.get_trace(&TrialId::new("t1").unwrap()).unwrap();
        let query = FailureQuery::for_tool_call(t1.tool_calls().next().unwrap()).unwrap();
        out.push(format!(
            "{:?}",
            store.find_similar_failures(&query).unwrap()
        ));
        out
    };
    let before = answers(&store);

    let report = store.rebuild_index().unwrap();
    assert_eq!(report.indexed.len(), 4);
    assert!(report.skipped.is_empty());
    assert_eq!(answers(&store), before);

    // Deleting the index file entirely: reopening rebuilds it from the JSONL.
    drop(store);
    let layout = RunLayout::new(dir.path());
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", layout.index_path().display()));
    }
    let store = RunStore::open(dir.path()).unwrap();
    assert_eq!(answers(&store), before);

    // A corrupt index file is replaced.
    drop(store);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", layout.index_path().display()));
    }
    std::fs::write(
        layout.index_path(),
        b"this is not a database, just bytes ......",
    )
    .unwrap();
    let store = RunStore::open(dir.path()).unwrap();
    assert_eq!(answers(&store), before);
}

#[test]
fn open_catches_up_with_unindexed_and_grown_traces() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_run(dir.path());
    let layout = store.layout().clone();
    // A writer that never closes (killed, say): its trial is not indexed yet.
    let mut sink = JsonlSink::create(
        &layout,
        sample_header(TrialId::new("t9").unwrap()),
        SinkOptions::default(),
    )
    .unwrap();
    sink.append(common::tool_call("c1", "ls", "a wombat appears", 0))
        .unwrap();
    assert!(search(&store, "wombat").is_empty());
    let reopened = RunStore::open(dir.path()).unwrap();
    assert_eq!(
        search(&reopened, "wombat"),
        [("t9".into(), 1, "tool_call".into())]
    );
    // It grows; the next open sees the new event.
    sink.append(common::tool_call("c2", "ls", "and a numbat", 0))
        .unwrap();
    let reopened = RunStore::open(dir.path()).unwrap();
    assert_eq!(
        search(&reopened, "numbat"),
        [("t9".into(), 2, "tool_call".into())]
    );
    // A removed file leaves the index.
    std::fs::remove_file(layout.trace_path(&TrialId::new("t9").unwrap())).unwrap();
    let report = reopened.sync_index().unwrap();
    assert_eq!(ids(&report.removed, |t| t), ["t9"]);
    assert!(search(&reopened, "wombat").is_empty());
    // An unreadable trace file is reported, the rest indexed.
    std::fs::write(
        layout.trace_path(&TrialId::new("bad").unwrap()),
        "garbage\n",
    )
    .unwrap();
    let report = reopened.rebuild_index().unwrap();
    assert_eq!(report.indexed.len(), 4);
    assert_eq!(report.skipped.len(), 1);
    assert!(
        report.skipped[0].1.contains("bad.jsonl:1"),
        "{:?}",
        report.skipped
    );
}

#[test]
fn steps_are_read_back_by_offset() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_run(dir.path());
    let trial = TrialId::new("t3").unwrap();
    let trace = store.get_trace(&trial).unwrap();
    for step in &trace.steps {
        assert_eq!(&store.get_step(&trial, step.seq).unwrap(), step);
    }
    assert!(matches!(
        store.get_step(&trial, 99),
        Err(TraceError::NotFound { .. })
    ));
    assert!(matches!(
        store.get_trace(&TrialId::new("nope").unwrap()),
        Err(TraceError::NotFound { .. })
    ));
}

#[tokio::test]
async fn the_async_trait_works_through_a_trait_object() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn TraceStore> = Arc::new(fixture_run(dir.path()));
    let mut sink = store
        .open_sink(common::header("t5", "task-d", 3, Split::Test))
        .await
        .unwrap();
    let blob = sink.store_blob(b"full output with a capybara").unwrap();
    sink.append(Event::ToolCall(ToolCall {
        call_id: "c1".into(),
        name: "shell".into(),
        arguments: serde_json::json!({"command": "cat big.log"}),
        output: ToolOutput {
            excerpt: "full output".into(),
            total_bytes: 27,
            full: Some(blob),
        },
        exit_code: Some(0),
        duration_ms: 3,
        error: None,
    }))
    .unwrap();
    sink.close().unwrap();
    let hits = capybaras(store.as_ref()).await;
    assert_eq!(ids(&hits, |h| &h.trial_id), ["t5"]);
    assert_eq!(
        store.get_blob(&blob).await.unwrap(),
        b"full output with a capybara"
    );
    let trace = store.get(&TrialId::new("t5").unwrap()).await.unwrap();
    assert_eq!(trace.steps.len(), 1);
    let listed = store
        .list(&TrialFilter::new().split(Split::Test))
        .await
        .unwrap();
    assert_eq!(ids(&listed, |t| &t.trial_id), ["t3", "t5"]);

    // put: a whole trace at once, not twice.
    let mut copy = trace.clone();
    copy.header.trial_id = TrialId::new("t6").unwrap();
    store.put(&copy).await.unwrap();
    assert!(store.put(&copy).await.is_err());
    assert_eq!(store.get(&TrialId::new("t6").unwrap()).await.unwrap(), copy);
    let hits = capybaras(store.as_ref()).await;
    assert_eq!(hits.len(), 2);

    let found = store
        .search()
        .unwrap()
        .similar_failures(
            &FailureQuery::for_tool_call(
                store
                    .get(&TrialId::new("t1").unwrap())
                    .await
                    .unwrap()
                    .tool_calls()
                    .next()
                    .unwrap(),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(found[0].trial_id.as_str(), "t1");
}

#[test]
fn the_store_works_without_a_runtime() {
    // The async methods run inline when no tokio runtime is around.
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_run(dir.path());
    let hits = futures_lite_block_on(
        store
            .search()
            .unwrap()
            .search_steps(&SearchQuery::words("zebracorn")),
    )
    .unwrap();
    assert_eq!(hits.len(), 1);
}

/// A minimal executor for a future that never waits (the inline path completes at once).
fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the inline path should not wait"),
    }
}

#[tokio::test]
async fn a_trace_set_aside_is_kept_but_no_longer_listed_and_the_trial_can_start_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_run(dir.path());
    let t1 = TrialId::new("t1").unwrap();
    let first = store.get_trace(&t1).unwrap();
    let header = first.header.clone();
    // Starting a trial whose trace exists is refused: traces are written once.
    assert!(store.create_sink(header.clone()).is_err());
    TraceStore::set_aside(&store, &t1).await.unwrap();
    let all = || TrialFilter::new().splits(SplitScope::All);
    assert_eq!(list(&store, all()), ["t2", "t3", "t4"]);
    let kept = dir.path().join("attempts/t1.1.jsonl");
    assert!(kept.is_file(), "the earlier attempt is kept");
    // The new attempt starts afresh under the same id; a second set-aside keeps both.
    let mut sink = store.create_sink(header).unwrap();
    sink.close().unwrap();
    assert_eq!(list(&store, all()), ["t1", "t2", "t3", "t4"]);
    TraceStore::set_aside(&store, &t1).await.unwrap();
    assert!(dir.path().join("attempts/t1.2.jsonl").is_file());
    assert!(kept.is_file());
    // Nothing to set aside is no error.
    TraceStore::set_aside(&store, &t1).await.unwrap();
    // A rebuilt index does not pick the attempts up either.
    store.rebuild_index().unwrap();
    assert_eq!(list(&store, all()), ["t2", "t3", "t4"]);
}
