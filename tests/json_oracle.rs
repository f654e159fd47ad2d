//! The SDK's hand-written JSON reader and writer (`pathwise::json`) held against the serde view of
//! the bundle types (feature `schema`, which also generates `bundle.schema.json`): both must read
//! every bundle the same way, and each must read what the other writes.
#![cfg(feature = "schema")]
// Tests may stop at the first surprise; the crate-wide deny is for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use pathwise::bundle::{
    AfterEvent, Audience, AudienceRef, Bundle, FrequencyCap, Objective, Rule, SignalDecl,
    SignalKind, Slot, TextReplacement, Trigger, Variant,
};
use pathwise::condition::{
    Condition, DaysSinceEvent, EventCount, NumberTest, Op, SignalComparison,
};
use pathwise::json::{self, ToJson};
use pathwise::time::Timestamp;
use pathwise::value::Value;
use proptest::prelude::*;
use serde_json::json;

fn both(
    text: &str,
) -> (
    Result<Bundle, json::Error>,
    Result<Bundle, serde_json::Error>,
) {
    (json::from_str(text), serde_json::from_str(text))
}

#[test]
fn every_bundle_in_the_repository_reads_the_same_both_ways() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for dir in ["tests/golden/bundles", "tests/data/bundles"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let (ours, serde) = both(&text);
            let ours = ours.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(ours, serde.unwrap(), "{}", path.display());
            assert_eq!(json::from_str::<Bundle>(&ours.to_json()).unwrap(), ours);
            seen += 1;
        }
    }
    assert!(seen >= 5, "only {seen} bundles found");
}

#[test]
fn shape_errors_are_refused_by_both_readers() {
    let base = json!({
        "schema": 1, "site": "s", "version": 1, "expires_at": 1,
        "slots": [{ "kind": "block", "id": "hero" }],
        "rules": [{ "id": "r", "slot": "hero", "objective": "activation", "trigger": {},
                    "audience": { "signal": { "name": "a", "op": "eq", "value": "x" } },
                    "variants": [{ "id": "v" }] }]
    });
    assert!(both(&base.to_string()).0.is_ok());
    let breakages: &[(&str, serde_json::Value)] = &[
        ("/rules/0/variants/0/weight", json!(1.5)),
        ("/rules/0/variants/0/weight", json!(-1)),
        ("/rules/0/variants/0/weight", json!(4_294_967_296_u64)),
        ("/rules/0/variants/0/weight", json!("1")),
        ("/rules/0/variants/0/weight", json!(null)),
        ("/rules/0/priority", json!(2_147_483_648_u64)),
        ("/rules/0/goals", json!(null)),
        ("/rules/0/goals", json!([1])),
        ("/rules/0/trigger", json!(null)),
        ("/rules/0/trigger/start", json!(1.5)),
        ("/rules/0/trigger/start", json!(true)),
        ("/rules/0/trigger/start", json!("tomorrow")),
        ("/rules/0/audience", json!(5)),
        ("/rules/0/audience", json!({})),
        ("/rules/0/audience", json!({ "all": [], "any": [] })),
        ("/rules/0/audience/signal/value", json!(null)),
        ("/rules/0/audience/signal/value", json!({})),
        ("/rules/0/audience/signal/value", json!(["a", 1])),
        ("/rules/0/audience/signal/op", json!("equals")),
        ("/rules/0/objective", json!("growth")),
        ("/slots/0/kind", json!("banner")),
        ("/slots/0/kind", json!(null)),
        ("/slots/0/steps", json!(["a"])),
        ("/expires_at", json!(9_223_372_036_854_775_808_u64)),
        ("/version", json!(-1)),
        ("/holdout", json!("5")),
        ("/extra", json!(1)),
    ];
    for (pointer, value) in breakages {
        let mut doc = base.clone();
        match doc.pointer_mut(pointer) {
            Some(slot) => *slot = value.clone(),
            None => {
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                doc.pointer_mut(parent)
                    .unwrap()
                    .as_object_mut()
                    .unwrap()
                    .insert(key.to_owned(), value.clone());
            }
        }
        let (ours, serde) = both(&doc.to_string());
        assert!(
            ours.is_err(),
            "{pointer} = {value}: accepted by pathwise::json"
        );
        assert!(serde.is_err(), "{pointer} = {value}: accepted by serde");
    }
    // Null is "absent" for optional fields, in both.
    let mut doc = base.clone();
    doc["rules"][0]["layer"] = json!(null);
    doc["rules"][0]["audience"] = json!(null);
    let (ours, serde) = both(&doc.to_string());
    assert_eq!(ours.unwrap(), serde.unwrap());
}

// ---------------------------------------------------------------------------------------------
// Generated bundles

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{1,8}",
        any::<String>(),
        Just("quote \" backslash \\ newline \n tab \t nul \u{0} é 😀".to_owned()),
    ]
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
        (0u32..10_000).prop_map(|n| f64::from(n) / 100.0),
        Just(0.1),
        Just(-0.0),
        Just(1e300),
        Just(5e-324),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Eq),
        Just(Op::Ne),
        Just(Op::In),
        Just(Op::Lt),
        Just(Op::Lte),
        Just(Op::Gt),
        Just(Op::Gte),
        Just(Op::Contains),
        Just(Op::StartsWith),
        Just(Op::Matches),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        number().prop_map(Value::Number),
        text().prop_map(Value::String),
        prop::collection::vec(text(), 0..3).prop_map(Value::List),
    ]
}

fn condition() -> impl Strategy<Value = Condition> {
    let leaf =
        prop_oneof![
            (text(), op(), value()).prop_map(|(name, op, value)| Condition::Signal(
                SignalComparison { name, op, value }
            )),
            (text(), any::<u32>(), op(), number()).prop_map(|(event, days, op, value)| {
                Condition::EventCount(EventCount {
                    event,
                    days,
                    op,
                    value,
                })
            }),
            (text(), op(), number()).prop_map(|(event, op, value)| Condition::DaysSinceEvent(
                DaysSinceEvent { event, op, value }
            )),
            (op(), number())
                .prop_map(|(op, value)| Condition::DaysSinceFirstSeen(NumberTest { op, value })),
        ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Condition::All),
            prop::collection::vec(inner.clone(), 0..3).prop_map(Condition::Any),
            inner.prop_map(|c| Condition::Not(Box::new(c))),
        ]
    })
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    any::<i64>().prop_map(Timestamp)
}

fn signal() -> impl Strategy<Value = SignalDecl> {
    let kind = prop_oneof![
        Just(SignalKind::String),
        Just(SignalKind::Number),
        Just(SignalKind::Bool),
        Just(SignalKind::List),
        Just(SignalKind::Event),
    ];
    (text(), kind, any::<u32>(), any::<Option<u32>>()).prop_map(
        |(name, kind, ttl_days, window_days)| SignalDecl {
            name,
            kind,
            ttl_days,
            window_days,
        },
    )
}

fn slot() -> impl Strategy<Value = Slot> {
    prop_oneof![
        (text(), text()).prop_map(|(id, default)| Slot::Block { id, default }),
        (text(), prop::collection::vec(text(), 0..3))
            .prop_map(|(id, steps)| Slot::Path { id, steps }),
    ]
}

fn trigger() -> impl Strategy<Value = Trigger> {
    (
        prop::collection::vec(text(), 0..2),
        prop::option::of((text(), any::<Option<u32>>())),
        prop::option::of(timestamp()),
        prop::option::of(timestamp()),
        prop::option::of((any::<u32>(), any::<Option<u32>>())),
    )
        .prop_map(|(pages, after, start, end, cap)| Trigger {
            pages,
            after: after.map(|(event, within_days)| AfterEvent { event, within_days }),
            start,
            end,
            cap: cap.map(|(max, per_days)| FrequencyCap { max, per_days }),
        })
}

fn variant() -> impl Strategy<Value = Variant> {
    (
        text(),
        any::<u32>(),
        prop::collection::vec((text(), text()), 0..2),
        prop::option::of(prop::collection::vec(text(), 0..3)),
    )
        .prop_map(|(id, weight, text, steps)| Variant {
            id,
            weight,
            text: text
                .into_iter()
                .map(|(selector, text)| TextReplacement { selector, text })
                .collect(),
            steps,
        })
}

fn rule() -> impl Strategy<Value = Rule> {
    let objective = prop_oneof![
        Just(Objective::Activation),
        Just(Objective::Retention),
        Just(Objective::Reengagement),
        Just(Objective::Expansion),
        Just(Objective::Advocacy),
        Just(Objective::Insight),
    ];
    let audience = prop::option::of(prop_oneof![
        text().prop_map(AudienceRef::Named),
        condition().prop_map(AudienceRef::Inline),
    ]);
    (
        (
            text(),
            text(),
            objective,
            prop::collection::vec(text(), 0..2),
        ),
        (audience, trigger(), prop::collection::vec(variant(), 0..3)),
        (number(), number(), prop::option::of(text()), any::<i32>()),
        prop::option::of(text()),
    )
        .prop_map(
            |(
                (id, slot, objective, goals),
                (audience, trigger, variants),
                (rollout, control, layer, priority),
                salt,
            )| Rule {
                id,
                slot,
                objective,
                goals,
                audience,
                trigger,
                variants,
                rollout,
                control,
                layer,
                priority,
                salt,
            },
        )
}

fn bundle() -> impl Strategy<Value = Bundle> {
    (
        (any::<u32>(), text(), any::<u64>(), timestamp()),
        prop::collection::vec(signal(), 0..3),
        prop::collection::vec(
            (text(), prop::option::of(text()), condition()).prop_map(
                |(id, description, condition)| Audience {
                    id,
                    description,
                    condition,
                },
            ),
            0..3,
        ),
        prop::collection::vec(slot(), 0..3),
        prop::collection::vec(rule(), 0..3),
        number(),
    )
        .prop_map(
            |((schema, site, version, expires_at), signals, audiences, slots, rules, holdout)| {
                Bundle {
                    schema,
                    site,
                    version,
                    expires_at,
                    signals,
                    audiences,
                    slots,
                    rules,
                    holdout,
                }
            },
        )
}

fn numbers_as_floats(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::Number(n) => json!(n.as_f64()),
        J::Array(items) => J::Array(items.into_iter().map(numbers_as_floats).collect()),
        J::Object(map) => J::Object(
            map.into_iter()
                .map(|(k, v)| (k, numbers_as_floats(v)))
                .collect(),
        ),
        other => other,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_bundles_round_trip_and_agree_with_serde(b in bundle()) {
        let ours = b.to_json();
        prop_assert_eq!(&json::from_str::<Bundle>(&ours).unwrap(), &b, "{}", ours);
        prop_assert_eq!(&serde_json::from_str::<Bundle>(&ours).unwrap(), &b, "{}", ours);
        let theirs = serde_json::to_string(&b).unwrap();
        prop_assert_eq!(&json::from_str::<Bundle>(&theirs).unwrap(), &b, "{}", theirs);
        // The same JSON value, whoever wrote it (numbers compared as numbers: serde_json writes
        // `1.0` where Rust writes `1`).
        let a: serde_json::Value = serde_json::from_str(&ours).unwrap();
        let t: serde_json::Value = serde_json::from_str(&theirs).unwrap();
        prop_assert_eq!(numbers_as_floats(a), numbers_as_floats(t));
    }
}
