//! Bundle validation as an author meets it: each problem reported at its JSON path, with a
//! message that says what would be valid; every problem at once; parse caps that fail cleanly.
//!
//! Most tests start from `data/bundles/onboarding.json` (a realistic, valid bundle of an onboarding
//! SaaS), break exactly one thing, and assert that exactly one problem comes back —
//! which also proves the check does not cascade into follow-on errors.
// Tests may stop at the first surprise; the crate-wide deny is for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use pathwise::bundle::limits::{
    MAX_AUDIENCES, MAX_BUNDLE_BYTES, MAX_LIST_ITEMS, MAX_RULES, MAX_SIGNALS, MAX_SLOTS, MAX_STEPS,
    MAX_STRING_BYTES,
};
use pathwise::bundle::validate::validate;
use pathwise::bundle::{
    load, parse_bundle, AudienceRef, Bundle, BundleError, ParseError, SignalDecl, SignalKind, Slot,
    TextReplacement, ValidationError,
};
use pathwise::condition::{Condition, Op, SignalComparison};
use pathwise::value::Value as Operand;
use proptest::prelude::*;
use serde_json::{json, Value};

const ONBOARDING: &str = include_str!("data/bundles/onboarding.json");
const MANY_PROBLEMS: &str = include_str!("data/bundles/many-problems.json");

fn fixture() -> Value {
    serde_json::from_str(ONBOARDING).expect("fixture is JSON")
}

fn fixture_bundle() -> Bundle {
    parse_bundle(ONBOARDING.as_bytes()).expect("fixture parses")
}

/// Sets the value at a JSON pointer; the last step may name a new object key or the array end.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, last) = pointer.rsplit_once('/').expect("pointer has a '/'");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(last.to_owned(), value);
        }
        Some(Value::Array(items)) => {
            let i: usize = last.parse().expect("array index");
            if i == items.len() {
                items.push(value);
            } else {
                items[i] = value;
            }
        }
        _ => panic!("no object or array at {parent}"),
    }
}

fn push(doc: &mut Value, pointer: &str, value: Value) {
    doc.pointer_mut(pointer)
        .and_then(Value::as_array_mut)
        .unwrap_or_else(|| panic!("no array at {pointer}"))
        .push(value);
}

fn remove(doc: &mut Value, pointer: &str) {
    let (parent, last) = pointer.rsplit_once('/').expect("pointer has a '/'");
    doc.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .and_then(|m| m.remove(last))
        .unwrap_or_else(|| panic!("nothing at {pointer}"));
}

/// The validation problems of a JSON document that parses (none when it loads).
fn problems(doc: &Value) -> Vec<ValidationError> {
    match load(doc.to_string().as_bytes()) {
        Ok(_) => Vec::new(),
        Err(BundleError::Invalid(errors)) => errors.0,
        Err(other) => panic!("expected validation problems, got a parse error: {other}"),
    }
}

/// Breaks the fixture with `edit` and asserts exactly one problem, at `path`, whose message
/// contains every needle. Returns the message.
fn single(edit: impl FnOnce(&mut Value), path: &str, needles: &[&str]) -> String {
    let mut doc = fixture();
    edit(&mut doc);
    let errors = problems(&doc);
    assert_eq!(
        errors.len(),
        1,
        "expected one problem at {path}: {errors:#?}"
    );
    assert_eq!(errors[0].path, path, "{errors:#?}");
    for needle in needles {
        assert!(
            errors[0].message.contains(needle),
            "message {:?} lacks {needle:?}",
            errors[0].message
        );
    }
    errors[0].message.clone()
}

/// Validates a bundle built in Rust (for sizes the byte cap would stop before validation).
fn rust_problems(bundle: &Bundle) -> Vec<ValidationError> {
    validate(bundle).err().map(|e| e.0).unwrap_or_default()
}

fn paths(errors: &[ValidationError]) -> BTreeSet<String> {
    errors.iter().map(|e| e.path.clone()).collect()
}

fn assert_only_at(errors: &[ValidationError], path: &str, needle: &str) {
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].path, path);
    assert!(
        errors[0].message.contains(needle),
        "{:?}",
        errors[0].message
    );
}

// ---------------------------------------------------------------------------------------------
// The valid bundle

#[test]
fn the_full_onboarding_bundle_validates_clean() {
    let bundle = load(ONBOARDING.as_bytes()).expect("valid bundle loads");
    assert_eq!(bundle.rules.len(), 9);
    // Every kind of slot, audience reference, trigger part and condition node is exercised.
    assert!(bundle.slots.iter().any(|s| matches!(s, Slot::Path { .. })));
    assert!(bundle
        .rules
        .iter()
        .any(|r| matches!(r.audience, Some(AudienceRef::Inline(_)))));
    assert!(bundle.rules.iter().any(|r| r.trigger.after.is_some()
        && r.trigger.start.is_some()
        && r.trigger.end.is_some()));
}

#[test]
fn a_valid_bundle_still_validates_after_a_json_round_trip() {
    let bundle = fixture_bundle();
    let text = pathwise::json::ToJson::to_json(&bundle);
    assert_eq!(load(text.as_bytes()).expect("reloads"), bundle);
}

// ---------------------------------------------------------------------------------------------
// Header

#[test]
fn an_empty_site_is_reported() {
    single(
        |d| set(d, "/site", json!("")),
        "site",
        &["site is empty", "example.com"],
    );
}

#[test]
fn a_site_with_spaces_is_reported() {
    single(
        |d| set(d, "/site", json!("app.teamflow.example ")),
        "site",
        &["' '"],
    );
}

#[test]
fn version_zero_is_reported() {
    single(|d| set(d, "/version", json!(0)), "version", &["start at 1"]);
}

#[test]
fn holdout_outside_0_to_100_is_reported() {
    single(
        |d| set(d, "/holdout", json!(101)),
        "holdout",
        &["holdout 101 is outside 0 to 100", "e.g. 12.5"],
    );
}

#[test]
fn holdout_with_three_decimals_is_reported() {
    single(
        |d| set(d, "/holdout", json!(12.345)),
        "holdout",
        &["more than two decimals"],
    );
}

#[test]
fn rollout_with_three_decimals_is_reported() {
    single(
        |d| set(d, "/rules/2/rollout", json!(33.333)),
        "rules[2].rollout",
        &["rollout 33.333", "at most two decimals"],
    );
}

#[test]
fn negative_control_is_reported() {
    single(
        |d| set(d, "/rules/4/control", json!(-1)),
        "rules[4].control",
        &["control -1 is outside 0 to 100"],
    );
}

#[test]
fn a_rust_built_bundle_with_a_nan_percentage_is_reported() {
    let mut bundle = fixture_bundle();
    bundle.rules[0].rollout = f64::NAN;
    let errors = rust_problems(&bundle);
    assert_only_at(&errors, "rules[0].rollout", "not a finite number");
}

// ---------------------------------------------------------------------------------------------
// Ids

#[test]
fn a_colon_in_an_id_is_reserved_for_templates() {
    single(
        |d| set(d, "/rules/3/variants/0/id", json!("hero:invite")),
        "rules[3].variants[0].id",
        &["':'", "SLOT:VARIANT"],
    );
}

#[test]
fn an_id_over_64_bytes_is_reported() {
    single(
        |d| set(d, "/rules/0/id", json!("a".repeat(65))),
        "rules[0].id",
        &["65 bytes", "limit is 64"],
    );
}

#[test]
fn an_empty_salt_is_reported() {
    single(
        |d| set(d, "/rules/1/salt", json!("")),
        "rules[1].salt",
        &["salt is empty", "ASCII letters"],
    );
}

#[test]
fn a_layer_with_a_space_is_reported() {
    single(
        |d| set(d, "/rules/0/layer", json!("onboarding tests")),
        "rules[0].layer",
        &["' '", "'_', '-' and '.'"],
    );
}

#[test]
fn a_signal_name_with_a_slash_is_reported() {
    single(
        |d| {
            push(
                d,
                "/signals",
                json!({"name": "plan/tier", "kind": "string", "ttl_days": 30}),
            )
        },
        "signals[10].name",
        &["'/'"],
    );
}

#[test]
fn a_step_id_with_a_space_is_reported() {
    single(
        |d| push(d, "/slots/0/steps", json!("sso setup")),
        "slots[0].steps[7]",
        &["step id"],
    );
}

#[test]
fn an_invalid_audience_id_is_reported() {
    single(
        |d| {
            push(
                d,
                "/audiences",
                json!({"id": "ops team", "condition": {"all": []}}),
            )
        },
        "audiences[7].id",
        &["audience id"],
    );
}

// ---------------------------------------------------------------------------------------------
// Duplicates: the duplicate's path, and where the first one is

#[test]
fn a_duplicate_signal_name_points_at_the_first() {
    single(
        |d| {
            push(
                d,
                "/signals",
                json!({"name": "role", "kind": "number", "ttl_days": 1}),
            )
        },
        "signals[10].name",
        &[
            "duplicate signal name \"role\"",
            "first is at signals[0].name",
        ],
    );
}

#[test]
fn a_duplicate_audience_id_points_at_the_first() {
    single(
        |d| {
            push(
                d,
                "/audiences",
                json!({"id": "admins", "condition": {"all": []}}),
            )
        },
        "audiences[7].id",
        &["duplicate audience id \"admins\"", "audiences[0].id"],
    );
}

#[test]
fn a_duplicate_slot_id_points_at_the_first() {
    single(
        |d| push(d, "/slots", json!({"id": "hero", "kind": "block"})),
        "slots[4].id",
        &["duplicate slot id \"hero\"", "slots[1].id"],
    );
}

#[test]
fn a_duplicate_rule_id_points_at_the_first() {
    single(
        |d| set(d, "/rules/1/id", json!("admin-onboarding")),
        "rules[1].id",
        &["duplicate rule id", "rules[0].id"],
    );
}

#[test]
fn a_duplicate_variant_id_in_a_rule_points_at_the_first() {
    single(
        |d| set(d, "/rules/0/variants/1/id", json!("sso-first")),
        "rules[0].variants[1].id",
        &[
            "duplicate variant id \"sso-first\"",
            "rules[0].variants[0].id",
        ],
    );
}

#[test]
fn the_same_variant_id_in_two_rules_is_fine() {
    let mut doc = fixture();
    set(&mut doc, "/rules/1/variants/0/id", json!("sso-first"));
    assert_eq!(problems(&doc), vec![]);
}

#[test]
fn a_duplicate_step_in_a_slot_points_at_the_first() {
    single(
        |d| push(d, "/slots/0/steps", json!("welcome")),
        "slots[0].steps[7]",
        &["duplicate step \"welcome\"", "slots[0].steps[0]"],
    );
}

#[test]
fn a_duplicate_step_in_a_variant_points_at_the_first() {
    single(
        |d| set(d, "/rules/0/variants/0/steps/4", json!("role")),
        "rules[0].variants[0].steps[4]",
        &["duplicate step \"role\"", "rules[0].variants[0].steps[1]"],
    );
}

// ---------------------------------------------------------------------------------------------
// Signal declarations

#[test]
fn a_signal_named_like_a_built_in_is_reported() {
    single(
        |d| {
            push(
                d,
                "/signals",
                json!({"name": "visits", "kind": "number", "ttl_days": 30}),
            )
        },
        "signals[10].name",
        &["reserved for a built-in", "page_path"],
    );
}

#[test]
fn ttl_days_must_be_1_to_730() {
    single(
        |d| set(d, "/signals/0/ttl_days", json!(0)),
        "signals[0].ttl_days",
        &["ttl_days is 0", "1 to 730"],
    );
    single(
        |d| set(d, "/signals/0/ttl_days", json!(731)),
        "signals[0].ttl_days",
        &["ttl_days is 731"],
    );
}

#[test]
fn window_days_on_an_attribute_is_reported() {
    single(
        |d| set(d, "/signals/0/window_days", json!(30)),
        "signals[0].window_days",
        &["only to event signals"],
    );
}

#[test]
fn window_days_must_be_1_to_365() {
    single(
        |d| set(d, "/signals/4/window_days", json!(366)),
        "signals[4].window_days",
        &["window_days is 366", "1 to 365"],
    );
    single(
        |d| set(d, "/signals/4/window_days", json!(0)),
        "signals[4].window_days",
        &["window_days is 0"],
    );
}

// ---------------------------------------------------------------------------------------------
// Rules: references

#[test]
fn an_unknown_slot_is_named_without_cascading_into_step_errors() {
    // The variants name steps of "onboarding"; with the slot misspelt they are not re-checked.
    single(
        |d| set(d, "/rules/0/slot", json!("onbaording")),
        "rules[0].slot",
        &[
            "unknown slot \"onbaording\"",
            "did you mean \"onboarding\"",
            "declared slots: onboarding, hero, pricing, upgrade_banner",
        ],
    );
}

#[test]
fn an_unknown_audience_lists_the_declared_ones() {
    single(
        |d| set(d, "/rules/0/audience", json!("admns")),
        "rules[0].audience",
        &[
            "unknown audience \"admns\" (did you mean \"admins\"?)",
            "declared audiences: admins, operators, champions",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Rules: variants and weights

#[test]
fn a_rule_without_variants_is_reported() {
    single(
        |d| set(d, "/rules/3/variants", json!([])),
        "rules[3].variants",
        &["no variants"],
    );
}

#[test]
fn more_than_20_variants_is_reported() {
    let variants: Vec<Value> = (0..21).map(|i| json!({"id": format!("v{i}")})).collect();
    single(
        |d| set(d, "/rules/4/variants", json!(variants)),
        "rules[4].variants",
        &["too many variants: 21", "at most 20"],
    );
}

#[test]
fn weights_summing_to_zero_are_reported() {
    single(
        |d| {
            set(d, "/rules/4/variants/0/weight", json!(0));
            set(d, "/rules/4/variants/1/weight", json!(0));
        },
        "rules[4].variants",
        &["weight of every variant is 0", "a weight of 1 or more"],
    );
}

#[test]
fn zero_weights_are_fine_when_everyone_is_control() {
    let mut doc = fixture();
    set(&mut doc, "/rules/4/variants/0/weight", json!(0));
    set(&mut doc, "/rules/4/variants/1/weight", json!(0));
    set(&mut doc, "/rules/4/control", json!(100));
    assert_eq!(problems(&doc), vec![]);
}

#[test]
fn a_total_weight_beyond_u32_is_reported() {
    single(
        |d| {
            set(d, "/rules/4/variants/0/weight", json!(u32::MAX));
            set(d, "/rules/4/variants/1/weight", json!(1));
        },
        "rules[4].variants",
        &["weights sum to 4294967296"],
    );
}

#[test]
fn a_variant_named_like_the_slot_default_is_ambiguous() {
    single(
        |d| set(d, "/rules/5/variants/1/id", json!("monthly")),
        "rules[5].variants[1].id",
        &["\"monthly\" is the id of slot \"pricing\"'s default content"],
    );
    single(
        |d| set(d, "/rules/4/variants/0/id", json!("default")),
        "rules[4].variants[0].id",
        &["default content"],
    );
    single(
        |d| set(d, "/rules/0/variants/0/id", json!("default")),
        "rules[0].variants[0].id",
        &["default content"],
    );
}

#[test]
fn a_block_variant_with_steps_is_reported() {
    single(
        |d| set(d, "/rules/3/variants/0/steps", json!(["welcome"])),
        "rules[3].variants[0].steps",
        &[
            "is a block",
            "cannot have steps",
            "data-pw-variant=\"hero:invite-cta\"",
        ],
    );
}

#[test]
fn a_path_variant_without_steps_is_reported() {
    single(
        |d| remove(d, "/rules/1/variants/0/steps"),
        "rules[1].variants[0]",
        &["needs steps", "welcome, role, invite"],
    );
}

#[test]
fn a_path_variant_with_empty_steps_is_reported() {
    single(
        |d| set(d, "/rules/1/variants/0/steps", json!([])),
        "rules[1].variants[0].steps",
        &["steps is empty"],
    );
}

#[test]
fn a_path_variant_naming_a_step_its_slot_lacks_is_reported() {
    single(
        |d| set(d, "/rules/0/variants/0/steps/2", json!("sso-setup")),
        "rules[0].variants[0].steps[2]",
        &[
            "step \"sso-setup\"",
            "is not a step of slot \"onboarding\"",
            "its steps are: welcome, role, invite, integrations, sso, first_project, done",
        ],
    );
}

#[test]
fn a_path_variant_with_text_is_reported() {
    single(
        |d| {
            set(
                d,
                "/rules/1/variants/0/text",
                json!([{"selector": "h1", "text": "Hi"}]),
            )
        },
        "rules[1].variants[0].text",
        &["is a path", "cannot have text"],
    );
}

#[test]
fn a_path_slot_without_steps_is_reported() {
    let mut bundle = fixture_bundle();
    bundle.slots.push(Slot::Path {
        id: "empty".into(),
        steps: vec![],
    });
    assert_only_at(
        &rust_problems(&bundle),
        "slots[4].steps",
        "at least one step",
    );
}

#[test]
fn an_empty_selector_is_reported() {
    single(
        |d| set(d, "/rules/3/variants/0/text/0/selector", json!(" ")),
        "rules[3].variants[0].text[0].selector",
        &["selector is empty"],
    );
}

// ---------------------------------------------------------------------------------------------
// Rules: goals

#[test]
fn an_undeclared_goal_is_reported_with_the_governance_reason() {
    single(
        |d| set(d, "/rules/0/goals/0", json!("invited_teem")),
        "rules[0].goals[0]",
        &[
            "unknown event \"invited_teem\" (did you mean \"invited_team\"?)",
            "declared events: invited_team, pricing_viewed",
            "built-in events: visit, page_view",
            "only tracks events the bundle declares",
        ],
    );
}

#[test]
fn a_goal_naming_an_attribute_is_reported() {
    single(
        |d| set(d, "/rules/0/goals/1", json!("role")),
        "rules[0].goals[1]",
        &["\"role\" is a string signal, not an event"],
    );
}

#[test]
fn a_built_in_event_is_a_valid_goal() {
    let mut doc = fixture();
    set(&mut doc, "/rules/0/goals/0", json!("page_view"));
    assert_eq!(problems(&doc), vec![]);
}

// ---------------------------------------------------------------------------------------------
// Rules: triggers

#[test]
fn a_schedule_that_ends_before_it_starts_is_reported() {
    single(
        |d| set(d, "/rules/5/trigger/end", json!("2026-01-01T00:00:00Z")),
        "rules[5].trigger.end",
        &[
            "ends before it starts",
            "end 2026-01-01T00:00:00Z is not after start 2026-01-05T08:00:00Z",
        ],
    );
}

#[test]
fn a_schedule_that_ends_when_it_starts_is_reported() {
    single(
        |d| set(d, "/rules/5/trigger/end", json!("2026-01-05T08:00:00Z")),
        "rules[5].trigger.end",
        &["ends before it starts"],
    );
}

#[test]
fn a_cap_of_zero_renders_is_reported() {
    single(
        |d| set(d, "/rules/3/trigger/cap/max", json!(0)),
        "rules[3].trigger.cap.max",
        &["cap.max is 0", "1 or more"],
    );
}

#[test]
fn a_cap_window_of_zero_days_is_reported() {
    single(
        |d| set(d, "/rules/3/trigger/cap/per_days", json!(0)),
        "rules[3].trigger.cap.per_days",
        &["per_days is 0"],
    );
}

#[test]
fn an_after_trigger_on_an_unknown_event_is_reported() {
    single(
        |d| set(d, "/rules/5/trigger/after/event", json!("pricing_view")),
        "rules[5].trigger.after.event",
        &["unknown event \"pricing_view\"", "declared events:"],
    );
}

#[test]
fn an_after_trigger_within_zero_days_is_reported() {
    single(
        |d| set(d, "/rules/5/trigger/after/within_days", json!(0)),
        "rules[5].trigger.after.within_days",
        &["within_days is 0"],
    );
}

#[test]
fn page_patterns_must_be_paths() {
    single(
        |d| set(d, "/rules/0/trigger/pages/0", json!("")),
        "rules[0].trigger.pages[0]",
        &["page pattern is empty"],
    );
    single(
        |d| {
            set(
                d,
                "/rules/0/trigger/pages/0",
                json!("https://app.teamflow.example/onboarding"),
            )
        },
        "rules[0].trigger.pages[0]",
        &["must start with '/' or '*'"],
    );
    single(
        |d| {
            set(
                d,
                "/rules/0/trigger/pages/0",
                json!(format!("/{}", "x".repeat(MAX_STRING_BYTES))),
            )
        },
        "rules[0].trigger.pages[0]",
        &["1025 bytes", "limit is 1024"],
    );
}

// ---------------------------------------------------------------------------------------------
// Conditions

#[test]
fn an_undeclared_signal_in_a_condition_is_reported() {
    single(
        |d| set(d, "/audiences/0/condition/signal/name", json!("rol")),
        "audiences[0].condition.signal.name",
        &[
            "unknown signal \"rol\" (did you mean \"role\"?)",
            "declared attributes: role, team_size, on_trial, interests",
            "built-in attributes: page_path",
        ],
    );
}

#[test]
fn an_event_compared_as_an_attribute_gets_a_hint() {
    single(
        |d| {
            set(
                d,
                "/audiences/0/condition/signal/name",
                json!("invited_team"),
            )
        },
        "audiences[0].condition.signal.name",
        &["is an event signal", "event_count", "days_since_event"],
    );
    single(
        |d| set(d, "/audiences/0/condition/signal/name", json!("visit")),
        "audiences[0].condition.signal.name",
        &["built-in event", "event_count"],
    );
}

#[test]
fn an_operator_that_does_not_apply_to_the_kind_is_reported() {
    single(
        |d| set(d, "/audiences/0/condition/signal/op", json!("lt")),
        "audiences[0].condition.signal.op",
        &[
            "\"lt\" does not apply to string signal \"role\"",
            "eq, ne, in, contains, starts_with or matches",
        ],
    );
    single(
        |d| set(d, "/audiences/6/condition/all/6/signal/op", json!("gt")),
        "audiences[6].condition.all[6].signal.op",
        &["bool signals take eq or ne"],
    );
    single(
        |d| set(d, "/audiences/4/condition/any/1/signal/op", json!("gte")),
        "audiences[4].condition.any[1].signal.op",
        &["list signals take eq, ne, in, contains, starts_with or matches"],
    );
    single(
        |d| {
            set(
                d,
                "/audiences/4/condition/any/0/signal/op",
                json!("contains"),
            )
        },
        "audiences[4].condition.any[0].signal.op",
        &["number signals take eq, ne, lt, lte, gt or gte"],
    );
}

#[test]
fn in_takes_a_list() {
    single(
        |d| set(d, "/audiences/1/condition/signal/value", json!("operator")),
        "audiences[1].condition.signal.value",
        &[
            "\"in\" on string signal \"role\" takes a list of strings",
            "got a string",
        ],
    );
}

#[test]
fn numeric_operators_take_a_number() {
    single(
        |d| set(d, "/audiences/4/condition/any/0/signal/value", json!("50")),
        "audiences[4].condition.any[0].signal.value",
        &["takes a number", "got a string"],
    );
}

#[test]
fn contains_on_a_list_takes_a_string() {
    single(
        |d| {
            set(
                d,
                "/audiences/4/condition/any/1/signal/value",
                json!(["sso"]),
            )
        },
        "audiences[4].condition.any[1].signal.value",
        &["\"contains\" on list signal \"interests\" takes a string"],
    );
}

#[test]
fn matches_takes_a_string_pattern() {
    single(
        |d| set(d, "/audiences/6/condition/all/0/signal/value", json!(3)),
        "audiences[6].condition.all[0].signal.value",
        &["\"matches\"", "takes a string"],
    );
}

#[test]
fn eq_takes_the_signal_s_own_shape() {
    single(
        |d| set(d, "/audiences/6/condition/all/6/signal/value", json!("no")),
        "audiences[6].condition.all[6].signal.value",
        &["on bool signal \"on_trial\" takes true or false"],
    );
}

#[test]
fn event_count_needs_a_declared_event() {
    single(
        |d| {
            set(
                d,
                "/audiences/2/condition/all/1/event_count/event",
                json!("invites"),
            )
        },
        "audiences[2].condition.all[1].event_count.event",
        &["unknown event \"invites\"", "declared events: invited_team"],
    );
}

#[test]
fn event_count_takes_comparison_operators_only() {
    single(
        |d| {
            set(
                d,
                "/audiences/2/condition/all/1/event_count/op",
                json!("in"),
            )
        },
        "audiences[2].condition.all[1].event_count.op",
        &[
            "\"in\" does not apply to event_count",
            "eq, ne, lt, lte, gt or gte",
        ],
    );
}

#[test]
fn event_count_value_must_not_be_negative() {
    single(
        |d| {
            set(
                d,
                "/audiences/2/condition/all/1/event_count/value",
                json!(-1),
            )
        },
        "audiences[2].condition.all[1].event_count.value",
        &["negative"],
    );
}

#[test]
fn event_count_days_must_fit_the_event_s_window() {
    single(
        |d| {
            set(
                d,
                "/audiences/2/condition/all/1/event_count/days",
                json!(91),
            )
        },
        "audiences[2].condition.all[1].event_count.days",
        &["days is 91", "keeps only 90 days", "give 1 to 90"],
    );
    single(
        |d| set(d, "/audiences/2/condition/all/1/event_count/days", json!(0)),
        "audiences[2].condition.all[1].event_count.days",
        &["days is 0"],
    );
}

#[test]
fn an_event_without_window_days_keeps_30_days() {
    single(
        |d| {
            set(
                d,
                "/audiences/5/condition/all/1/not/event_count/days",
                json!(31),
            )
        },
        "audiences[5].condition.all[1].not.event_count.days",
        &["keeps only 30 days"],
    );
}

#[test]
fn built_in_events_keep_90_days() {
    let mut doc = fixture();
    set(
        &mut doc,
        "/audiences/5/condition/all/1/not/event_count/event",
        json!("page_view"),
    );
    set(
        &mut doc,
        "/audiences/5/condition/all/1/not/event_count/days",
        json!(90),
    );
    assert_eq!(problems(&doc), vec![]);
    set(
        &mut doc,
        "/audiences/5/condition/all/1/not/event_count/days",
        json!(91),
    );
    let errors = problems(&doc);
    assert_only_at(
        &errors,
        "audiences[5].condition.all[1].not.event_count.days",
        "the window of built-in events",
    );
}

#[test]
fn days_since_event_needs_an_event() {
    single(
        |d| {
            set(
                d,
                "/audiences/5/condition/all/0/days_since_event/event",
                json!("role"),
            )
        },
        "audiences[5].condition.all[0].days_since_event.event",
        &["\"role\" is a string signal, not an event"],
    );
    single(
        |d| {
            set(
                d,
                "/audiences/5/condition/all/0/days_since_event/event",
                json!("hour"),
            )
        },
        "audiences[5].condition.all[0].days_since_event.event",
        &["built-in number attribute, not an event"],
    );
}

#[test]
fn days_since_first_seen_takes_a_numeric_operator() {
    single(
        |d| {
            set(
                d,
                "/audiences/3/condition/days_since_first_seen/op",
                json!("contains"),
            )
        },
        "audiences[3].condition.days_since_first_seen.op",
        &["does not apply to days_since_first_seen"],
    );
}

#[test]
fn inline_audiences_report_paths_under_the_rule() {
    single(
        |d| set(d, "/rules/8/audience/signal/name", json!("trial")),
        "rules[8].audience.signal.name",
        &["unknown signal \"trial\""],
    );
    single(
        |d| set(d, "/rules/5/audience/all/1/event_count/days", json!(31)),
        "rules[5].audience.all[1].event_count.days",
        &["keeps only 30 days"],
    );
}

fn nested_nots(levels: usize) -> Value {
    let mut node = json!({"days_since_first_seen": {"op": "lt", "value": 7}});
    for _ in 0..levels {
        node = json!({ "not": node });
    }
    node
}

#[test]
fn conditions_nested_deeper_than_16_are_reported_at_the_17th_level() {
    let mut doc = fixture();
    set(&mut doc, "/audiences/3/condition", nested_nots(16));
    assert_eq!(problems(&doc), vec![]);
    let path = format!("audiences[3].condition{}", ".not".repeat(16));
    single(
        |d| set(d, "/audiences/3/condition", nested_nots(17)),
        &path,
        &["more than 16 levels"],
    );
}

#[test]
fn a_deeply_nested_rust_condition_is_reported_without_overflowing() {
    let mut condition = Condition::All(vec![]);
    for _ in 0..5_000 {
        condition = Condition::Not(Box::new(condition));
    }
    let mut bundle = fixture_bundle();
    bundle.audiences[3].condition = condition;
    let errors = rust_problems(&bundle);
    assert_eq!(paths(&errors).len(), 2, "{errors:#?}");
    assert!(errors.iter().any(|e| e.message.contains("5001 nodes")));
    assert!(errors
        .iter()
        .any(|e| e.message.contains("more than 16 levels")));
}

fn any_of_leaves(n: usize) -> Value {
    let leaf = json!({"signal": {"name": "hour", "op": "gte", "value": 9}});
    json!({ "any": vec![leaf; n] })
}

#[test]
fn conditions_with_more_than_256_nodes_are_reported() {
    let mut doc = fixture();
    set(&mut doc, "/audiences/3/condition", any_of_leaves(255));
    assert_eq!(problems(&doc), vec![]);
    single(
        |d| set(d, "/audiences/3/condition", any_of_leaves(256)),
        "audiences[3].condition",
        &["257 nodes", "limit is 256"],
    );
}

// ---------------------------------------------------------------------------------------------
// Limits (built in Rust where the JSON would exceed the byte cap first)

#[test]
fn more_rules_than_the_limit_is_reported() {
    let mut bundle = fixture_bundle();
    let template = bundle.rules[3].clone();
    bundle.rules = (0..=MAX_RULES)
        .map(|i| {
            let mut r = template.clone();
            r.id = format!("r{i}");
            r
        })
        .collect();
    assert_only_at(
        &rust_problems(&bundle),
        "rules",
        "too many rules: 2001; at most 2000",
    );
}

#[test]
fn more_slots_audiences_and_signals_than_the_limits_are_reported() {
    let mut bundle = fixture_bundle();
    bundle.slots.extend((0..MAX_SLOTS).map(|i| Slot::Block {
        id: format!("s{i}"),
        default: "default".into(),
    }));
    let audience = bundle.audiences[3].clone();
    bundle.audiences.extend((0..MAX_AUDIENCES).map(|i| {
        let mut a = audience.clone();
        a.id = format!("a{i}");
        a
    }));
    bundle.signals.extend((0..MAX_SIGNALS).map(|i| SignalDecl {
        name: format!("g{i}"),
        kind: SignalKind::Bool,
        ttl_days: 1,
        window_days: None,
    }));
    let errors = rust_problems(&bundle);
    assert_eq!(
        paths(&errors),
        ["audiences", "signals", "slots"].map(String::from).into()
    );
    assert!(errors
        .iter()
        .any(|e| e.message.contains("too many slots: 504; at most 500")));
}

#[test]
fn more_steps_than_the_limit_are_reported_in_slots_and_variants() {
    let mut bundle = fixture_bundle();
    let steps: Vec<String> = (0..=MAX_STEPS).map(|i| format!("step{i}")).collect();
    bundle.slots[0] = Slot::Path {
        id: "onboarding".into(),
        steps: steps.clone(),
    };
    for rule in bundle.rules.iter_mut().filter(|r| r.slot == "onboarding") {
        for v in &mut rule.variants {
            v.steps = Some(vec!["step0".into()]);
        }
    }
    bundle.rules[0].variants[0].steps = Some(steps);
    let errors = rust_problems(&bundle);
    assert_eq!(
        paths(&errors),
        ["rules[0].variants[0].steps", "slots[0].steps"]
            .map(String::from)
            .into()
    );
    assert!(errors
        .iter()
        .all(|e| e.message.contains("too many steps: 51; at most 50")));
}

#[test]
fn lists_longer_than_the_limit_are_reported() {
    let mut bundle = fixture_bundle();
    bundle.rules[0].goals = vec!["visit".into(); MAX_LIST_ITEMS + 1];
    bundle.rules[0].trigger.pages = vec!["/x".into(); MAX_LIST_ITEMS + 1];
    bundle.rules[3].variants[0].text = vec![
        TextReplacement {
            selector: "h1".into(),
            text: "t".into()
        };
        MAX_LIST_ITEMS + 1
    ];
    bundle.audiences[1].condition = Condition::Signal(SignalComparison {
        name: "role".into(),
        op: Op::In,
        value: Operand::List(vec!["x".into(); MAX_LIST_ITEMS + 1]),
    });
    let errors = rust_problems(&bundle);
    assert_eq!(
        paths(&errors),
        [
            "audiences[1].condition.signal.value",
            "rules[0].goals",
            "rules[0].trigger.pages",
            "rules[3].variants[0].text",
        ]
        .map(String::from)
        .into()
    );
    assert!(errors
        .iter()
        .all(|e| e.message.contains("101") && e.message.contains("at most 100")));
}

#[test]
fn strings_longer_than_the_limit_are_reported_with_path_and_limit() {
    let long = "x".repeat(MAX_STRING_BYTES + 1);
    let mut doc = fixture();
    set(&mut doc, "/rules/3/variants/0/text/0/text", json!(long));
    set(&mut doc, "/rules/3/variants/0/text/1/selector", json!(long));
    set(&mut doc, "/audiences/0/condition/signal/value", json!(long));
    set(&mut doc, "/audiences/0/description", json!(long));
    set(
        &mut doc,
        "/audiences/1/condition/signal/value/1",
        json!(long),
    );
    let errors = problems(&doc);
    assert_eq!(
        paths(&errors),
        [
            "audiences[0].condition.signal.value",
            "audiences[0].description",
            "audiences[1].condition.signal.value[1]",
            "rules[3].variants[0].text[0].text",
            "rules[3].variants[0].text[1].selector",
        ]
        .map(String::from)
        .into()
    );
    assert!(errors
        .iter()
        .all(|e| e.message.contains("1025 bytes; the limit is 1024 bytes")));
}

// ---------------------------------------------------------------------------------------------
// Every problem at once

#[test]
fn a_bundle_with_many_problems_reports_all_of_them() {
    let errors = match load(MANY_PROBLEMS.as_bytes()) {
        Err(BundleError::Invalid(errors)) => errors.0,
        other => panic!("expected validation problems, got {other:?}"),
    };
    let expected: BTreeSet<String> = [
        "site",
        "holdout",
        "signals[0].ttl_days",
        "signals[1].name",
        "signals[2].name",
        "audiences[0].condition.signal.op",
        "audiences[1].condition.event_count.days",
        "slots[2].id",
        "rules[0].goals[1]",
        "rules[0].audience",
        "rules[0].variants[0].steps[1]",
        "rules[1].slot",
        "rules[2].id",
        "rules[2].trigger.pages[0]",
        "rules[2].trigger.end",
        "rules[2].variants",
        "rules[2].rollout",
    ]
    .map(String::from)
    .into();
    assert_eq!(paths(&errors), expected, "{errors:#?}");
    assert_eq!(
        errors.len(),
        expected.len(),
        "one problem per path: {errors:#?}"
    );
}

#[test]
fn errors_display_as_path_colon_message() {
    let Err(BundleError::Invalid(errors)) = load(MANY_PROBLEMS.as_bytes()) else {
        panic!("expected validation problems");
    };
    assert_eq!(
        errors.0[0].to_string(),
        format!("site: {}", errors.0[0].message)
    );
    let all = BundleError::Invalid(errors.clone()).to_string();
    assert_eq!(all, errors.to_string(), "BundleError is transparent");
    assert!(all.starts_with("bundle has 17 problem(s): site: site is empty"));
    assert_eq!(BundleError::Invalid(errors).code(), "bundle_invalid");
}

// ---------------------------------------------------------------------------------------------
// Parsing: caps, shapes and codes

fn parse_error(bytes: &[u8]) -> BundleError {
    load(bytes).expect_err("must not load")
}

#[test]
fn a_bundle_over_the_size_cap_is_refused_before_parsing() {
    let mut text = ONBOARDING.to_owned();
    text.push_str(&" ".repeat(MAX_BUNDLE_BYTES));
    let e = parse_error(text.as_bytes());
    assert_eq!(e.code(), "bundle_too_large");
    assert!(e
        .to_string()
        .contains(&format!("the limit is {MAX_BUNDLE_BYTES} bytes")));
}

#[test]
fn ten_thousand_levels_of_nesting_is_an_error_not_a_crash() {
    for text in [
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)),
        format!(
            "{{\"schema\":1,\"audiences\":[{{\"id\":\"a\",\"condition\":{}{}}}]}}",
            "{\"not\":".repeat(10_000),
            "}".repeat(10_000)
        ),
    ] {
        let e = parse_error(text.as_bytes());
        assert_eq!(e.code(), "bundle_too_deep", "{e}");
        assert!(matches!(
            e,
            BundleError::Parse(ParseError::TooDeep { limit: 64, .. })
        ));
    }
}

#[test]
fn bytes_that_are_not_utf8_or_not_json_have_their_own_codes() {
    assert_eq!(
        parse_error(b"{\"site\": \"\xff\"}").code(),
        "bundle_not_utf8"
    );
    let e = parse_error(b"{\"schema\": 1,");
    assert_eq!(e.code(), "bundle_not_json");
    let text = e.to_string();
    assert!(text.contains("(line 1, column 13)"), "{text}");
    assert!(
        !text.contains(" at line "),
        "position is not repeated: {text}"
    );
}

#[test]
fn another_schema_version_is_reported_as_unsupported_even_with_new_fields() {
    let mut doc = fixture();
    set(&mut doc, "/schema", json!(2));
    set(&mut doc, "/personas", json!([]));
    let e = parse_error(doc.to_string().as_bytes());
    assert_eq!(e.code(), "bundle_schema_unsupported");
    assert_eq!(
        e.to_string(),
        "bundle schema 2 is not supported; this SDK reads schema 1"
    );
}

fn shape_error(doc: &Value) -> (String, String) {
    match parse_error(doc.to_string().as_bytes()) {
        BundleError::Parse(ParseError::Shape { path, message, .. }) => (path, message),
        other => panic!("expected a shape error, got {other}"),
    }
}

#[test]
fn unknown_fields_are_rejected_with_the_field_and_its_path() {
    let mut doc = fixture();
    set(&mut doc, "/rules/0/variants/1/wieght", json!(2));
    let (path, message) = shape_error(&doc);
    assert_eq!(path, "rules[0].variants[1].wieght");
    assert!(message.contains("unknown field `wieght`"), "{message}");
    assert!(message.contains("`weight`"), "{message}");

    let mut doc = fixture();
    set(&mut doc, "/rules/3/trigger/page", json!(["/"]));
    let (path, message) = shape_error(&doc);
    assert_eq!(path, "rules[3].trigger.page");
    assert!(message.contains("unknown field `page`"), "{message}");

    let mut doc = fixture();
    set(&mut doc, "/holdout_percent", json!(5));
    let (path, message) = shape_error(&doc);
    assert_eq!(path, "holdout_percent");
    assert!(message.contains("`holdout`"), "{message}");
}

#[test]
fn shape_errors_in_multi_line_text_point_at_the_right_line_and_path() {
    let text = ONBOARDING.replace(
        "{ \"id\": \"sso-early\", \"weight\": 3,",
        "{ \"id\": \"sso-early\", \"wieght\": 3,",
    );
    assert_ne!(text, ONBOARDING);
    match parse_error(text.as_bytes()) {
        BundleError::Parse(ParseError::Shape { path, line, .. }) => {
            assert_eq!(path, "rules[2].variants[0].wieght");
            assert_eq!(line, 122);
        }
        other => panic!("expected a shape error, got {other}"),
    }
}

#[test]
fn shape_errors_inside_slots_and_inline_audiences_name_the_exact_value() {
    let mut doc = fixture();
    set(&mut doc, "/slots/1/colour", json!("red"));
    let (path, message) = shape_error(&doc);
    // The key itself, like every other unknown field.
    assert_eq!(path, "slots[1].colour");
    assert!(message.contains("unknown field `colour`"), "{message}");

    let mut doc = fixture();
    set(
        &mut doc,
        "/rules/5/audience/all/1",
        json!({"event_cuont": {}}),
    );
    let (path, message) = shape_error(&doc);
    assert_eq!(path, "rules[5].audience.all[1]");
    assert!(
        message.contains("unknown variant `event_cuont`"),
        "{message}"
    );

    let mut doc = fixture();
    set(&mut doc, "/audiences/0/condition/signal/value", json!(null));
    let (path, message) = shape_error(&doc);
    assert_eq!(path, "audiences[0].condition.signal.value");
    assert!(message.contains("a string, a number, true or false, or a list of strings"));

    let mut doc = fixture();
    set(&mut doc, "/rules/5/trigger/start", json!("next monday"));
    let (path, message) = shape_error(&doc);
    assert_eq!(path, "rules[5].trigger.start");
    assert!(message.contains("RFC 3339"), "{message}");
}

#[test]
fn a_missing_field_names_the_object_that_lacks_it() {
    let mut doc = fixture();
    remove(&mut doc, "/rules/4/variants/0/id");
    let (path, message) = shape_error(&doc);
    assert_eq!(path, "rules[4].variants[0]");
    assert!(message.contains("missing field `id`"), "{message}");
    assert_eq!(
        parse_error(doc.to_string().as_bytes()).code(),
        "bundle_shape_invalid"
    );
}

// ---------------------------------------------------------------------------------------------
// Robustness

/// Replaces, removes or adds one value somewhere in the document, steered by `choices`.
fn mutate(node: &mut Value, choices: &[usize], replacement: Value) {
    let Some((&choice, rest)) = choices.split_first() else {
        *node = replacement;
        return;
    };
    match node {
        Value::Object(map) if !map.is_empty() => {
            let key = map
                .keys()
                .nth(choice % map.len())
                .cloned()
                .unwrap_or_default();
            if rest.is_empty() {
                match choice % 3 {
                    0 => {
                        map.remove(&key);
                    }
                    1 => {
                        map.insert(key, replacement);
                    }
                    _ => {
                        map.insert(format!("{key}_extra"), replacement);
                    }
                }
            } else if let Some(child) = map.get_mut(&key) {
                mutate(child, rest, replacement);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = choice % items.len();
            if rest.is_empty() {
                match choice % 3 {
                    0 => {
                        items.remove(i);
                    }
                    1 => items[i] = replacement,
                    _ => {
                        let copy = items[i].clone();
                        items.push(copy);
                    }
                }
            } else {
                mutate(&mut items[i], rest, replacement);
            }
        }
        other => *other = replacement,
    }
}

/// Replaces one scalar with another of the same JSON type, or drops or duplicates an array
/// item, so most results still parse and exercise validation rather than the parser.
fn mutate_in_kind(node: &mut Value, choices: &[usize]) {
    const STRINGS: &[&str] = &[
        "",
        "admin",
        "welcome",
        "sso",
        "hero",
        "onboarding",
        "visit",
        "page_view",
        "role",
        "invited_team",
        "a:b",
        "with space",
        "/pricing",
        "pricing",
        "*",
        "default",
        "monthly",
    ];
    const NUMBERS: &[f64] = &[0.0, -1.0, 1.0, 7.0, 12.5, 12.345, 91.0, 100.0, 366.0, 1e12];
    let Some((&choice, rest)) = choices.split_first() else {
        return;
    };
    match node {
        Value::Object(map) if !map.is_empty() => {
            let key = map
                .keys()
                .nth(choice % map.len())
                .cloned()
                .unwrap_or_default();
            if let Some(child) = map.get_mut(&key) {
                mutate_in_kind(child, rest);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = choice % items.len();
            match (rest.is_empty(), choice % 4) {
                (true, 0) => {
                    items.remove(i);
                }
                (true, 1) => {
                    let copy = items[i].clone();
                    items.push(copy);
                }
                _ => mutate_in_kind(&mut items[i], rest),
            }
        }
        Value::String(s) => *s = STRINGS[choice % STRINGS.len()].to_owned(),
        Value::Number(_) => {
            let n = NUMBERS[choice % NUMBERS.len()];
            *node = if n.fract() == 0.0 && n >= 0.0 {
                json!(n as u64)
            } else {
                json!(n)
            };
        }
        Value::Bool(b) => *b = !*b,
        _ => {}
    }
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e3f64..1e3).prop_map(Value::from),
        Just(json!(0)),
        Just(json!(100.001)),
        "[a-z:_ ]{0,8}".prop_map(Value::from),
        Just(json!("admin")),
        Just(json!("welcome")),
        Just(json!("visit")),
        Just(json!([])),
        Just(json!({})),
        Just(json!({"not": {"all": []}})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = load(&bytes);
    }

    #[test]
    fn in_kind_mutations_are_validated_without_panic(
        steps in proptest::collection::vec(proptest::collection::vec(any::<usize>(), 1..10), 1..6),
    ) {
        let mut doc = fixture();
        for choices in &steps {
            mutate_in_kind(&mut doc, choices);
        }
        let text = doc.to_string();
        if let Err(BundleError::Invalid(errors)) = load(text.as_bytes()) {
            for e in &errors.0 {
                prop_assert!(!e.message.is_empty());
                prop_assert!(!e.path.is_empty() && !e.path.starts_with('.'), "{e}");
            }
            // The same bundle, validated again, gives the same problems in the same order.
            let again = parse_bundle(text.as_bytes()).map(|b| validate(&b));
            prop_assert_eq!(again, Ok(Err(errors)));
        }
    }

    #[test]
    fn mutated_bundles_never_panic_and_errors_carry_paths(
        steps in proptest::collection::vec(proptest::collection::vec(any::<usize>(), 1..8), 1..4),
        leaves in proptest::collection::vec(json_leaf(), 4),
    ) {
        let mut doc = fixture();
        for (choices, leaf) in steps.iter().zip(leaves) {
            mutate(&mut doc, choices, leaf);
        }
        match load(doc.to_string().as_bytes()) {
            Ok(bundle) => prop_assert!(validate(&bundle).is_ok()),
            Err(BundleError::Invalid(errors)) => {
                prop_assert!(!errors.0.is_empty());
                for e in &errors.0 {
                    prop_assert!(!e.message.is_empty());
                    prop_assert!(!e.path.is_empty() && !e.path.starts_with('.'), "{e}");
                }
            }
            Err(BundleError::Parse(e)) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
