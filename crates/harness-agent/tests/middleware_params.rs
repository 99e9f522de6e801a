//! The builtin middleware kinds' parameter schemas (published by harness-core's registry) and
//! the kinds' constructors agree: the schema is the one generated from the params struct the
//! constructor deserializes into, and every probe value is accepted by both or by neither.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use harness_agent::middleware::MiddlewareRegistry;
use harness_core::KindRegistry;
use harness_core::middleware_params::*;
use serde_json::{Value, json};

/// `(kind, schema generated from its params struct)` for every builtin kind.
fn struct_schemas() -> Vec<(&'static str, Value)> {
    fn of<T: schemars::JsonSchema>() -> Value {
        Value::from(schemars::schema_for!(T))
    }
    vec![
        ("loop_breaker", of::<LoopBreakerParams>()),
        ("retry_discipline", of::<RetryDisciplineParams>()),
        ("persistent_env", of::<PersistentEnvParams>()),
        ("output_truncation", of::<OutputTruncationParams>()),
        ("context_compaction", of::<ContextCompactionParams>()),
        ("turn_reminder", of::<TurnReminderParams>()),
        ("verify_before_finish", of::<VerifyBeforeFinishParams>()),
        ("tool_error_hint", of::<ToolErrorHintParams>()),
        ("similar_failure_recall", of::<SimilarFailureRecallParams>()),
    ]
}

/// Values tried for every parameter: boundaries of the integer and ratio limits, blank and
/// non-blank text, the enum's words, hint lists well and badly formed.
fn probes() -> Vec<Value> {
    vec![
        json!(null),
        json!(0),
        json!(1),
        json!(2),
        json!(3),
        json!(-1),
        json!(0.5),
        json!(1.5),
        json!(4_294_967_295_u64),
        json!(4_294_967_296_u64),
        json!(""),
        json!("   "),
        json!("x"),
        json!(true),
        json!("inject"),
        json!("stop"),
        json!("halt"),
        json!([]),
        json!([{"pattern": "No such file", "hint": "check the path"}]),
        json!([{"pattern": " ", "hint": "h"}]),
        json!([{"pattern": "p", "hint": ""}]),
        json!([{"pattern": "p"}]),
        json!([{"pattern": "p", "hint": "h", "extra": 1}]),
        json!({}),
    ]
}

#[test]
fn registry_schemas_are_the_structs_schemas() {
    let registry = KindRegistry::builtin();
    let runtime = MiddlewareRegistry::builtin();
    let schemas = struct_schemas();
    let names: BTreeSet<&str> = schemas.iter().map(|(name, _)| *name).collect();
    let registered: BTreeSet<&str> = registry
        .middleware_kinds()
        .map(|k| k.name.as_str())
        .collect();
    let built: BTreeSet<&str> = runtime.specs().map(|k| k.name.as_str()).collect();
    assert_eq!(names, registered, "every builtin kind has a params struct");
    assert_eq!(names, built, "every builtin kind has a constructor");
    for (name, schema) in schemas {
        let spec = registry.middleware(name).unwrap();
        assert_eq!(spec.params_schema, schema, "{name}");
        assert_eq!(runtime.spec(name).unwrap().params_schema, schema, "{name}");
    }
}

#[test]
fn schema_and_constructor_accept_the_same_params() {
    let registry = KindRegistry::builtin();
    let runtime = MiddlewareRegistry::builtin();
    for spec in registry.middleware_kinds() {
        let validator = jsonschema::validator_for(&spec.params_schema).unwrap();
        let mut samples = vec![json!({}), json!({"no_such_param": 1})];
        // A kind without parameters has no `properties`.
        let properties = spec.params_schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for field in properties.keys() {
            for probe in probes() {
                samples.push(json!({ field: probe }));
            }
        }
        let (mut accepted, mut rejected) = (0, 0);
        for params in samples {
            let schema_ok = validator.is_valid(&params);
            let built = runtime.build_layer(&spec.name, &params);
            assert_eq!(
                schema_ok,
                built.is_ok(),
                "{}: {params} is {} by the schema but {} by the constructor ({:?})",
                spec.name,
                if schema_ok { "accepted" } else { "rejected" },
                if built.is_ok() {
                    "accepted"
                } else {
                    "rejected"
                },
                built.err()
            );
            if schema_ok {
                accepted += 1;
            } else {
                rejected += 1;
            }
        }
        assert!(
            accepted > 0 && rejected > 0,
            "{}: probes too weak",
            spec.name
        );
    }
}

#[test]
fn loop_breaker_needs_two_identical_calls() {
    let schema = &KindRegistry::builtin()
        .middleware("loop_breaker")
        .unwrap()
        .params_schema
        .clone();
    assert_eq!(
        schema["properties"]["max_identical_calls"]["minimum"],
        json!(MIN_IDENTICAL_CALLS)
    );
    let runtime = MiddlewareRegistry::builtin();
    let err = runtime
        .build_layer("loop_breaker", &json!({"max_identical_calls": 1}))
        .err()
        .unwrap();
    assert!(err.contains("at least 2"), "{err}");
    assert!(
        runtime
            .build_layer("loop_breaker", &json!({"max_identical_calls": 2}))
            .is_ok()
    );
}
