//! Condition evaluation: every operator on every shape, temporal predicates, built-ins, globs.
//!
//! A condition is evaluated the way a device evaluates it: as the audience of a one-rule bundle,
//! compiled into a program as `pathwise sign` compiles it, and decided by the engine
//! ([`in_audience`]). A condition that signing refuses (an operator that cannot apply to the
//! signal's kind, an undeclared signal, nesting past the limit) never reaches a device; the
//! tables say so with [`Refused`](Expect::Refused).

// Tests may unwrap and panic: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pathwise::bundle::{parse_bundle, SignalDecl, SignalKind};
use pathwise::engine::{Context, Outcome, RenderHistory};
use pathwise::pattern::glob_match;
use pathwise::program;
use pathwise::signals::{builtin, Declarations, PageContext, Signals};
use pathwise::time::{Clock, DAY_SECONDS};
use pathwise::value::{Value, ValueKind};
use proptest::prelude::*;
use serde_json::json;

/// 2026-01-01T00:00:00Z, a Thursday.
const T0: i64 = 1_767_225_600;
const HOUR: i64 = 3_600;

fn decls() -> Declarations {
    let d = |name: &str, kind| SignalDecl {
        name: name.to_owned(),
        kind,
        ttl_days: 365,
        window_days: Some(30),
    };
    Declarations::new(&[
        d("role", SignalKind::String),
        d("seats", SignalKind::Number),
        d("beta", SignalKind::Bool),
        d("interests", SignalKind::List),
        d("plan", SignalKind::String),
        d("pricing_viewed", SignalKind::Event),
        d("signed_up", SignalKind::Event),
    ])
}

/// role = "admin", seats = 3, beta = true, interests = ["sso", "api"]; `plan` declared, never set.
fn attributes() -> Signals {
    let d = decls();
    let clock = Clock::utc(T0);
    let mut s = Signals::new();
    s.set(&d, "role", "admin".into(), &clock).unwrap();
    s.set(&d, "seats", 3.0.into(), &clock).unwrap();
    s.set(&d, "beta", true.into(), &clock).unwrap();
    s.set(
        &d,
        "interests",
        Value::List(vec!["sso".into(), "api".into()]),
        &clock,
    )
    .unwrap();
    s
}

/// The declarations of [`decls`] as bundle JSON.
fn decls_json() -> serde_json::Value {
    let kinds = [
        ("role", "string"),
        ("seats", "number"),
        ("beta", "bool"),
        ("interests", "list"),
        ("plan", "string"),
        ("pricing_viewed", "event"),
        ("signed_up", "event"),
    ];
    kinds
        .iter()
        .map(|(name, kind)| {
            let mut decl = json!({ "name": name, "kind": kind, "ttl_days": 365 });
            if *kind == "event" {
                decl["window_days"] = json!(30);
            }
            decl
        })
        .collect()
}

/// Whether the device is in the audience `condition`, as the engine decides it from a compiled
/// one-rule bundle (declaring `signals`), or why signing refuses the condition.
fn in_audience_of(
    signals_json: serde_json::Value,
    signals: &Signals,
    page: &PageContext,
    clock: &Clock,
    condition: serde_json::Value,
) -> Result<bool, String> {
    let bundle = json!({
        "schema": 1, "site": "conditions.example", "version": 1,
        "expires_at": "2100-01-01T00:00:00Z",
        "signals": signals_json,
        "slots": [{ "id": "s", "kind": "block" }],
        "rules": [{ "id": "r", "slot": "s", "objective": "activation",
                    "audience": condition, "variants": [{ "id": "v" }] }]
    });
    let bundle = parse_bundle(bundle.to_string().as_bytes()).map_err(|e| e.to_string())?;
    let compiled = program::compile(&bundle).map_err(|e| e.to_string())?;
    let program = program::read(&compiled).unwrap();
    let ctx = Context::new(signals, page, clock, "device-1");
    let explanation = program.explain(0, &ctx, &RenderHistory::new());
    match explanation.candidates[0].outcome {
        Outcome::Won => Ok(true),
        Outcome::NotInAudience => Ok(false),
        other => panic!("the rule can only fail on its audience, got {other:?}"),
    }
}

/// [`in_audience_of`] with the signals of [`decls`].
fn in_audience(
    signals: &Signals,
    page: &PageContext,
    clock: &Clock,
    condition: serde_json::Value,
) -> Result<bool, String> {
    in_audience_of(decls_json(), signals, page, clock, condition)
}

/// What a condition does on a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Signed, and the device is in the audience.
    T,
    /// Signed, and the device is not.
    F,
    /// `pathwise sign` (validation) refuses the condition: no device ever evaluates it.
    Refused,
}

fn expect(signals: &Signals, page: &PageContext, clock: &Clock, c: serde_json::Value) -> Expect {
    match in_audience(signals, page, clock, c) {
        Ok(true) => Expect::T,
        Ok(false) => Expect::F,
        Err(_) => Expect::Refused,
    }
}

/// A condition that signing accepts: whether the device is in it.
#[track_caller]
fn check(signals: &Signals, page: &PageContext, clock: &Clock, c: serde_json::Value) -> bool {
    in_audience(signals, page, clock, c.clone())
        .unwrap_or_else(|e| panic!("signing refused {c}: {e}"))
}

fn signal(name: &str, op: &str, value: serde_json::Value) -> serde_json::Value {
    json!({ "signal": { "name": name, "op": op, "value": value } })
}

// ---------------------------------------------------------------------------------------------
// Comparisons

#[test]
fn every_operator_on_every_shape() {
    let s = attributes();
    let page = PageContext::default();
    let clock = Clock::utc(T0);
    use Expect::{Refused, F, T};
    #[rustfmt::skip]
    let table: &[(&str, &str, serde_json::Value, Expect)] = &[
        // Signing refuses an operand of another shape than the operator needs on the signal's
        // kind (`Refused`): such a comparison never reaches a device.
        // eq: same shape and value; numbers exact; lists as sets.
        ("role", "eq", json!("admin"), T),
        ("role", "eq", json!("Admin"), F),
        ("role", "eq", json!(["admin"]), Refused),
        ("seats", "eq", json!(3), T),
        ("seats", "eq", json!(3.0), T),
        ("seats", "eq", json!(3.000_000_1), F),
        ("seats", "eq", json!("3"), Refused),
        ("beta", "eq", json!(true), T),
        ("beta", "eq", json!(false), F),
        ("beta", "eq", json!("true"), Refused),
        ("interests", "eq", json!(["api", "sso"]), T),
        ("interests", "eq", json!(["sso", "api", "sso"]), T),
        ("interests", "eq", json!(["sso"]), F),
        ("interests", "eq", json!("sso"), Refused),
        // ne: same shape and a different value; another shape is a non-match.
        ("role", "ne", json!("owner"), T),
        ("role", "ne", json!("admin"), F),
        ("role", "ne", json!(3), Refused),
        ("seats", "ne", json!(4), T),
        ("seats", "ne", json!(3), F),
        ("seats", "ne", json!("4"), Refused),
        ("beta", "ne", json!(false), T),
        ("beta", "ne", json!(true), F),
        ("interests", "ne", json!(["sso"]), T),
        ("interests", "ne", json!(["api", "sso"]), F),
        ("interests", "ne", json!(true), Refused),
        // in: string or list signals against a list operand.
        ("role", "in", json!(["owner", "admin"]), T),
        ("role", "in", json!(["owner"]), F),
        ("role", "in", json!([]), F),
        ("role", "in", json!("admin"), Refused),
        ("seats", "in", json!(["3"]), Refused),
        ("beta", "in", json!(["true"]), Refused),
        ("interests", "in", json!(["x", "api"]), T),
        ("interests", "in", json!(["x"]), F),
        ("interests", "in", json!([]), F),
        ("interests", "in", json!("api"), Refused),
        // lt/lte/gt/gte: numbers only.
        ("seats", "lt", json!(4), T),
        ("seats", "lt", json!(3), F),
        ("seats", "lte", json!(3), T),
        ("seats", "lte", json!(2.5), F),
        ("seats", "gt", json!(2), T),
        ("seats", "gt", json!(3), F),
        ("seats", "gte", json!(3), T),
        ("seats", "gte", json!(3.5), F),
        ("seats", "gt", json!(-1e300), T),
        ("seats", "lt", json!("4"), Refused),
        ("role", "lt", json!(4), Refused),
        ("role", "gt", json!("a"), Refused),
        ("beta", "gte", json!(0), Refused),
        ("interests", "lte", json!(100), Refused),
        // contains: substring of a string, element of a list.
        ("role", "contains", json!("dmi"), T),
        ("role", "contains", json!(""), T),
        ("role", "contains", json!("x"), F),
        ("role", "contains", json!(["dmi"]), Refused),
        ("interests", "contains", json!("api"), T),
        ("interests", "contains", json!("ap"), F),
        ("interests", "contains", json!(["api"]), Refused),
        ("seats", "contains", json!("3"), Refused),
        ("beta", "contains", json!("t"), Refused),
        // starts_with: strings, and any element of a list.
        ("role", "starts_with", json!("ad"), T),
        ("role", "starts_with", json!("admin"), T),
        ("role", "starts_with", json!("min"), F),
        ("role", "starts_with", json!(1), Refused),
        ("interests", "starts_with", json!("s"), T),
        ("interests", "starts_with", json!("ap"), T),
        ("interests", "starts_with", json!("x"), F),
        ("interests", "starts_with", json!(["s"]), Refused),
        ("seats", "starts_with", json!("3"), Refused),
        ("beta", "starts_with", json!("t"), Refused),
        // matches: a string signal (or any element of a list) against a glob.
        ("role", "matches", json!("a*n"), T),
        ("role", "matches", json!("?dmin"), T),
        ("role", "matches", json!("*"), T),
        ("role", "matches", json!("adm"), F),
        ("role", "matches", json!(["*"]), Refused),
        ("interests", "matches", json!("*"), T),
        ("interests", "matches", json!("a?i"), T),
        ("interests", "matches", json!("s"), F),
        ("seats", "matches", json!("*"), Refused),
        ("beta", "matches", json!("*"), Refused),
    ];
    let mut wrong = Vec::new();
    for (name, op, operand, expected) in table {
        let got = expect(&s, &page, &clock, signal(name, op, operand.clone()));
        if got != *expected {
            wrong.push(format!(
                "{name} {op} {operand}: expected {expected:?}, got {got:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_missing_signal_matches_no_operator_not_even_ne() {
    let s = attributes();
    let page = PageContext::default();
    let clock = Clock::utc(T0);
    let operands = [
        json!("x"),
        json!(""),
        json!("*"),
        json!(1),
        json!(true),
        json!(["x"]),
        json!([]),
    ];
    let ops = [
        "eq",
        "ne",
        "in",
        "lt",
        "lte",
        "gt",
        "gte",
        "contains",
        "starts_with",
        "matches",
    ];
    // `plan` is declared but unset: every comparison signing accepts is a non-match.
    let mut signed = 0;
    for op in ops {
        for operand in &operands {
            let c = signal("plan", op, operand.clone());
            match expect(&s, &page, &clock, c.clone()) {
                Expect::T => panic!("plan {op} {operand} matched a missing signal"),
                Expect::Refused => continue,
                Expect::F => signed += 1,
            }
            // `not` is how a condition asks for a missing signal.
            assert!(check(&s, &page, &clock, json!({ "not": c })));
        }
    }
    // eq, ne, in, contains, starts_with and matches with their string operands at least.
    assert!(signed >= 12, "{signed}");
    // `nope` is not declared: signing refuses it, whatever the operator.
    for op in ops {
        let c = signal("nope", op, json!("x"));
        assert_eq!(expect(&s, &page, &clock, c), Expect::Refused, "nope {op}");
    }
}

#[test]
fn a_stored_value_of_another_shape_matches_nothing() {
    // The device stored role, seats, beta and interests as string, number, bool and list; a
    // program declaring each of them as another kind compares them with that kind's operators.
    // (A device prunes re-kinded values when it loads its store; the evaluator is total anyway.)
    let s = attributes();
    let page = PageContext::default();
    let clock = Clock::utc(T0);
    // Tests that every value of one kind passes and no value of another kind (`eq`/`ne` need
    // the same shape; `matches` would also take a list's elements).
    let tests = [
        ("string", signal("{}", "ne", json!("zzz"))),
        ("number", signal("{}", "gte", json!(-1e300))),
        ("number", signal("{}", "ne", json!(12345))),
        (
            "bool",
            json!({ "any": [signal("{}", "eq", json!(true)), signal("{}", "eq", json!(false))] }),
        ),
        ("list", signal("{}", "ne", json!(["zzz"]))),
    ];
    for (name, stored) in [
        ("role", "string"),
        ("seats", "number"),
        ("beta", "bool"),
        ("interests", "list"),
    ] {
        for (kind, test) in &tests {
            let declared = json!([{ "name": name, "kind": kind, "ttl_days": 365 }]);
            let c: serde_json::Value =
                serde_json::from_str(&test.to_string().replace("{}", name)).unwrap();
            let got = in_audience_of(declared, &s, &page, &clock, c.clone()).unwrap();
            // The same kind matches (the tests hold for every value); another kind never does.
            assert_eq!(
                got,
                *kind == stored,
                "{name} stored as {stored}, read as {kind}: {c}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// all / any / not

#[test]
fn all_any_not_combine_as_documented() {
    let s = attributes();
    let page = PageContext::default();
    let clock = Clock::utc(T0);
    let yes = signal("role", "eq", json!("admin"));
    let no = signal("role", "eq", json!("owner"));
    let cases = [
        (json!({ "all": [] }), true),
        (json!({ "any": [] }), false),
        (json!({ "all": [yes, yes] }), true),
        (json!({ "all": [yes, no] }), false),
        (json!({ "any": [no, yes] }), true),
        (json!({ "any": [no, no] }), false),
        (json!({ "not": no }), true),
        (json!({ "not": { "not": yes } }), true),
        (
            json!({ "any": [{ "all": [yes, { "not": no }] }, no] }),
            true,
        ),
    ];
    for (c, expected) in cases {
        assert_eq!(check(&s, &page, &clock, c.clone()), expected, "{c}");
    }
}

/// `n` nested `not`s over an empty (true) `all`: `n + 1` levels of all/any/not.
fn nested_nots(n: usize) -> serde_json::Value {
    let mut c = json!({ "all": [] });
    for _ in 0..n {
        c = json!({ "not": c });
    }
    c
}

#[test]
fn nesting_is_bounded_when_signing_and_evaluates_up_to_the_bound() {
    let s = Signals::new();
    let page = PageContext::default();
    let clock = Clock::utc(T0);
    // 16 levels (the authoring limit): an even number of `not`s over a true `all` is true, an
    // odd one false.
    assert!(check(&s, &page, &clock, nested_nots(14)));
    assert!(!check(&s, &page, &clock, nested_nots(15)));
    // One level more is refused by `pathwise sign`, with the limit in the message; the program
    // reader refuses deeper nesting too (tests/program.rs), so no device recurses past it.
    let refused = in_audience(&s, &page, &clock, nested_nots(16)).unwrap_err();
    assert!(refused.contains("more than 16 levels deep"), "{refused}");
    assert_eq!(expect(&s, &page, &clock, nested_nots(200)), Expect::Refused);
    let wide = json!({ "any": [nested_nots(80), { "all": [] }] });
    assert_eq!(expect(&s, &page, &clock, wide), Expect::Refused);
}

// ---------------------------------------------------------------------------------------------
// Temporal predicates

#[test]
fn event_count_over_the_last_days() {
    let d = decls();
    let mut s = Signals::new();
    // Two views 3 days ago, one yesterday, one today.
    for back in [3, 3, 1, 0] {
        s.track(
            &d,
            "pricing_viewed",
            &Clock::utc(T0 - back * DAY_SECONDS + HOUR),
        )
        .unwrap();
    }
    let page = PageContext::default();
    let clock = Clock::utc(T0 + 12 * HOUR);
    let count = |days: u32, op: &str, value: f64| json!({ "event_count": { "event": "pricing_viewed", "days": days, "op": op, "value": value } });
    use Expect::{Refused, F, T};
    let cases = [
        (count(1, "eq", 1.0), T),
        (count(2, "eq", 2.0), T),
        (count(3, "eq", 2.0), T),
        (count(4, "eq", 4.0), T),
        (count(4, "gte", 4.0), T),
        (count(4, "gt", 4.0), F),
        (count(14, "lt", 5.0), T),
        (count(14, "lte", 3.0), F),
        (count(14, "ne", 4.0), F),
        // Zero days and the operators that do not compare numbers are refused when signing.
        (count(0, "eq", 0.0), Refused),
        (count(14, "in", 4.0), Refused),
        (count(14, "contains", 4.0), Refused),
        (count(14, "starts_with", 4.0), Refused),
        (count(14, "matches", 4.0), Refused),
    ];
    for (c, expected) in cases {
        assert_eq!(expect(&s, &page, &clock, c.clone()), expected, "{c}");
    }
    // An event never recorded has a count of 0 — a number, not a missing signal.
    let never =
        json!({ "event_count": { "event": "signed_up", "days": 30, "op": "eq", "value": 0 } });
    assert!(check(&s, &page, &clock, never));
    // Four days later the last 4 days hold no view; the last 5 reach back to the one on Jan 1.
    let later = Clock::utc(T0 + 4 * DAY_SECONDS);
    assert!(check(&s, &page, &later, count(4, "eq", 0.0)));
    assert!(check(&s, &page, &later, count(5, "eq", 1.0)));
}

#[test]
fn days_since_event_and_first_seen() {
    let d = decls();
    let mut s = Signals::new();
    let page = PageContext::default();
    let since = |op: &str, value: f64| json!({ "days_since_event": { "event": "signed_up", "op": op, "value": value } });
    let first =
        |op: &str, value: f64| json!({ "days_since_first_seen": { "op": op, "value": value } });
    let clock = Clock::utc(T0 + 3 * DAY_SECONDS + HOUR);
    // Never happened, never seen: no number, so every operator is a non-match.
    for op in ["eq", "ne", "lt", "lte", "gt", "gte"] {
        assert!(!check(&s, &page, &clock, since(op, 1.0)), "{op}");
        assert!(!check(&s, &page, &clock, first(op, 1.0)), "{op}");
    }
    s.mark_seen(&Clock::utc(T0 - 10 * DAY_SECONDS));
    s.track(&d, "signed_up", &Clock::utc(T0 + 22 * HOUR))
        .unwrap();
    use Expect::{Refused, F, T};
    let cases = [
        (since("eq", 3.0), T),
        (since("ne", 3.0), F),
        (since("gte", 3.0), T),
        (since("lt", 3.0), F),
        (since("lte", 3.0), T),
        (since("gt", 2.0), T),
        (since("in", 3.0), Refused),
        (first("eq", 13.0), T),
        (first("gt", 7.0), T),
        (first("lt", 1.0), F),
        (first("matches", 13.0), Refused),
    ];
    for (c, expected) in cases {
        assert_eq!(expect(&s, &page, &clock, c.clone()), expected, "{c}");
    }
    // Days are local: 22:00 UTC on Jan 1 is already Jan 2 at UTC+3, so only 2 days since.
    let east = Clock {
        now: clock.now,
        utc_offset_minutes: 180,
    };
    assert!(check(&s, &page, &east, since("eq", 2.0)));
    // The same day, a few hours later, is 0 days.
    let same_day = Clock::utc(T0 + 23 * HOUR);
    assert!(check(&s, &page, &same_day, since("eq", 0.0)));
}

// ---------------------------------------------------------------------------------------------
// Built-ins

fn full_page() -> PageContext {
    PageContext {
        path: "/pricing/team".into(),
        referrer_domain: Some("news.example".into()),
        utm_source: Some("newsletter".into()),
        utm_medium: Some("email".into()),
        utm_campaign: Some("spring".into()),
        utm_term: Some("sso".into()),
        utm_content: Some("hero".into()),
        device: Some("mobile".into()),
        language: Some("de-CH".into()),
    }
}

#[test]
fn every_builtin_attribute_resolves_with_its_shape() {
    let s = Signals::new();
    let page = full_page();
    let clock = Clock::utc(T0);
    for (name, kind) in builtin::ATTRIBUTES {
        // A test every value of the attribute's shape passes, and no value of another shape.
        let (op, operand) = match kind {
            ValueKind::String => ("matches", json!("*")),
            ValueKind::Number => ("gte", json!(-1e300)),
            ValueKind::Bool => ("ne", json!(true)),
            ValueKind::List => ("matches", json!("*")),
        };
        assert!(
            check(&s, &page, &clock, signal(name, op, operand)),
            "{name} is not a {kind:?}"
        );
    }
}

#[test]
fn builtins_read_the_page_the_clock_and_the_store() {
    let d = decls();
    let mut s = attributes();
    for _ in 0..3 {
        s.track(&d, builtin::VISIT, &Clock::utc(T0)).unwrap();
    }
    let page = full_page();
    // 23:30 UTC on Thursday Jan 1 is 00:30 on Friday at UTC+1.
    let clock = Clock {
        now: T0 + 23 * HOUR + 30 * 60,
        utc_offset_minutes: 60,
    };
    let cases = [
        (signal("page_path", "eq", json!("/pricing/team")), true),
        (signal("page_path", "matches", json!("/pricing/*")), true),
        (signal("page_path", "starts_with", json!("/blog")), false),
        (signal("referrer_domain", "eq", json!("news.example")), true),
        (
            signal("utm_source", "in", json!(["newsletter", "ads"])),
            true,
        ),
        (signal("utm_medium", "eq", json!("email")), true),
        (signal("utm_campaign", "contains", json!("ring")), true),
        (signal("utm_term", "eq", json!("sso")), true),
        (signal("utm_content", "eq", json!("hero")), true),
        (signal("device", "ne", json!("desktop")), true),
        (signal("language", "starts_with", json!("de")), true),
        (signal("hour", "eq", json!(0)), true),
        (signal("weekday", "eq", json!(4)), true),
        (signal("visits", "eq", json!(3)), true),
        (signal("visits", "gte", json!(4)), false),
    ];
    for (c, expected) in cases {
        assert_eq!(check(&s, &page, &clock, c.clone()), expected, "{c}");
    }
    // In UTC the same instant is Thursday 23:00.
    let utc = Clock::utc(clock.now);
    assert!(check(&s, &page, &utc, signal("hour", "eq", json!(23))));
    assert!(check(&s, &page, &utc, signal("weekday", "eq", json!(3))));
}

#[test]
fn absent_or_empty_page_fields_are_missing_but_visits_is_zero() {
    let s = Signals::new();
    let page = PageContext {
        utm_source: Some(String::new()),
        ..PageContext::default()
    };
    let clock = Clock::utc(T0);
    for name in [
        "page_path",
        "referrer_domain",
        "utm_source",
        "utm_medium",
        "device",
        "language",
    ] {
        assert!(
            !check(&s, &page, &clock, signal(name, "matches", json!("*"))),
            "{name}"
        );
        assert!(
            !check(&s, &page, &clock, signal(name, "ne", json!("x"))),
            "{name}"
        );
    }
    assert!(check(&s, &page, &clock, signal("visits", "eq", json!(0))));
}

// ---------------------------------------------------------------------------------------------
// Glob

#[test]
fn glob_table() {
    #[rustfmt::skip]
    let table: &[(&str, &str, bool)] = &[
        ("", "", true),
        ("", "a", false),
        ("*", "", true),
        ("*", "anything/at/all", true),
        ("**", "", true),
        ("?", "", false),
        ("?", "a", true),
        ("?", "ab", false),
        ("?", "é", true),
        ("?", "✓", true),
        ("??", "é", false),
        ("a?c", "aéc", true),
        ("/blog/*", "/blog/", true),
        ("/blog/*", "/blog/2026/01/post", true),
        ("/blog/*", "/blog", false),
        ("/blog/*/edit", "/blog/a/b/edit", true),
        ("/blog/*/edit", "/blog/a/b/edit/x", false),
        ("*.html", "index.html", true),
        ("*.html", "index.htm", false),
        ("*a*b", "xxaxxbxxb", true),
        ("*a*b", "xxaxxbxxc", false),
        ("a*b*c", "abc", true),
        ("a*b*c", "acb", false),
        ("*abc*", "ababcab", true),
        ("*aab", "aaaab", true),
        ("ab*", "a", false),
        ("Pricing", "pricing", false),
        (r"\*", "*", true),
        (r"\*", "x", false),
        (r"\?", "?", true),
        (r"\?", "a", false),
        (r"a\\b", r"a\b", true),
        (r"\a", "a", true),
        ("trailing\\", "trailing\\", true),
        (r"*\*", "xyz*", true),
        (r"*\*", "xyz", false),
        ("?*?", "ab", true),
        ("?*?", "a", false),
    ];
    for (pattern, text, expected) in table {
        assert_eq!(
            glob_match(pattern, text),
            *expected,
            "{pattern:?} vs {text:?}"
        );
    }
}

#[test]
fn pathological_globs_finish() {
    let text = "a".repeat(20_000);
    assert!(!glob_match("*a*a*a*a*a*a*a*a*b", &text));
    assert!(glob_match("*a*a*a*a*a*a*a*a*a", &text));
    let stars = "*a".repeat(500) + "b";
    assert!(!glob_match(&stars, &text));
    let many_stars = "*".repeat(10_000) + "b";
    assert!(!glob_match(&many_stars, &text));
}

/// A plainly correct (quadratic-space) matcher to compare against.
fn reference(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum T {
        Star,
        One,
        Lit(char),
    }
    let mut p = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        p.push(match c {
            '*' => T::Star,
            '?' => T::One,
            '\\' => T::Lit(chars.next().unwrap_or('\\')),
            c => T::Lit(c),
        });
    }
    let t: Vec<char> = text.chars().collect();
    // m[i][j]: p[i..] matches t[j..].
    let mut m = vec![vec![false; t.len() + 1]; p.len() + 1];
    m[p.len()][t.len()] = true;
    for i in (0..p.len()).rev() {
        for j in (0..=t.len()).rev() {
            m[i][j] = match p[i] {
                T::Star => m[i + 1][j] || (j < t.len() && m[i][j + 1]),
                T::One => j < t.len() && m[i + 1][j + 1],
                T::Lit(c) => j < t.len() && t[j] == c && m[i + 1][j + 1],
            };
        }
    }
    m[0][0]
}

proptest! {
    #[test]
    fn glob_agrees_with_a_reference_matcher(
        pattern in "[ab*?\\\\é]{0,10}",
        text in "[abé*?\\\\]{0,12}",
    ) {
        prop_assert_eq!(glob_match(&pattern, &text), reference(&pattern, &text));
    }

    #[test]
    fn glob_never_panics(pattern in "\\PC{0,40}", text in "\\PC{0,80}") {
        let _ = glob_match(&pattern, &text);
    }

    #[test]
    fn a_pattern_without_wildcards_matches_only_itself(text in "[^*?\\\\]{0,30}", other in "\\PC{0,30}") {
        prop_assert!(glob_match(&text, &text));
        prop_assert_eq!(glob_match(&text, &other), text == other);
    }
}
