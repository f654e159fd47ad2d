//! Condition evaluation: every operator on every shape, temporal predicates, built-ins, globs.

// Tests may unwrap and panic: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::borrow::Cow;

use pathwise::bundle::{SignalDecl, SignalKind};
use pathwise::condition::eval::{evaluate, MAX_EVAL_DEPTH};
use pathwise::condition::Condition;
use pathwise::pattern::glob_match;
use pathwise::signals::{builtin, Declarations, EvalContext, PageContext, Signals};
use pathwise::time::{Clock, DAY_SECONDS};
use pathwise::value::Value;
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

fn condition(json: serde_json::Value) -> Condition {
    pathwise::json::from_str(&json.to_string()).unwrap()
}

fn check(signals: &Signals, page: &PageContext, clock: &Clock, json: serde_json::Value) -> bool {
    let ctx = EvalContext {
        signals,
        page,
        clock,
    };
    evaluate(&condition(json), &ctx)
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
    #[rustfmt::skip]
    let table: &[(&str, &str, serde_json::Value, bool)] = &[
        // eq: same shape and value; numbers exact; lists as sets.
        ("role", "eq", json!("admin"), true),
        ("role", "eq", json!("Admin"), false),
        ("role", "eq", json!(["admin"]), false),
        ("seats", "eq", json!(3), true),
        ("seats", "eq", json!(3.0), true),
        ("seats", "eq", json!(3.000_000_1), false),
        ("seats", "eq", json!("3"), false),
        ("beta", "eq", json!(true), true),
        ("beta", "eq", json!(false), false),
        ("beta", "eq", json!("true"), false),
        ("interests", "eq", json!(["api", "sso"]), true),
        ("interests", "eq", json!(["sso", "api", "sso"]), true),
        ("interests", "eq", json!(["sso"]), false),
        ("interests", "eq", json!("sso"), false),
        // ne: same shape and a different value; another shape is a non-match.
        ("role", "ne", json!("owner"), true),
        ("role", "ne", json!("admin"), false),
        ("role", "ne", json!(3), false),
        ("seats", "ne", json!(4), true),
        ("seats", "ne", json!(3), false),
        ("seats", "ne", json!("4"), false),
        ("beta", "ne", json!(false), true),
        ("beta", "ne", json!(true), false),
        ("interests", "ne", json!(["sso"]), true),
        ("interests", "ne", json!(["api", "sso"]), false),
        ("interests", "ne", json!(true), false),
        // in: string or list signals against a list operand.
        ("role", "in", json!(["owner", "admin"]), true),
        ("role", "in", json!(["owner"]), false),
        ("role", "in", json!([]), false),
        ("role", "in", json!("admin"), false),
        ("seats", "in", json!(["3"]), false),
        ("beta", "in", json!(["true"]), false),
        ("interests", "in", json!(["x", "api"]), true),
        ("interests", "in", json!(["x"]), false),
        ("interests", "in", json!([]), false),
        ("interests", "in", json!("api"), false),
        // lt/lte/gt/gte: numbers only.
        ("seats", "lt", json!(4), true),
        ("seats", "lt", json!(3), false),
        ("seats", "lte", json!(3), true),
        ("seats", "lte", json!(2.5), false),
        ("seats", "gt", json!(2), true),
        ("seats", "gt", json!(3), false),
        ("seats", "gte", json!(3), true),
        ("seats", "gte", json!(3.5), false),
        ("seats", "gt", json!(-1e300), true),
        ("seats", "lt", json!("4"), false),
        ("role", "lt", json!(4), false),
        ("role", "gt", json!("a"), false),
        ("beta", "gte", json!(0), false),
        ("interests", "lte", json!(100), false),
        // contains: substring of a string, element of a list.
        ("role", "contains", json!("dmi"), true),
        ("role", "contains", json!(""), true),
        ("role", "contains", json!("x"), false),
        ("role", "contains", json!(["dmi"]), false),
        ("interests", "contains", json!("api"), true),
        ("interests", "contains", json!("ap"), false),
        ("interests", "contains", json!(["api"]), false),
        ("seats", "contains", json!("3"), false),
        ("beta", "contains", json!("t"), false),
        // starts_with: strings, and any element of a list.
        ("role", "starts_with", json!("ad"), true),
        ("role", "starts_with", json!("admin"), true),
        ("role", "starts_with", json!("min"), false),
        ("role", "starts_with", json!(1), false),
        ("interests", "starts_with", json!("s"), true),
        ("interests", "starts_with", json!("ap"), true),
        ("interests", "starts_with", json!("x"), false),
        ("interests", "starts_with", json!(["s"]), false),
        ("seats", "starts_with", json!("3"), false),
        ("beta", "starts_with", json!("t"), false),
        // matches: a string signal (or any element of a list) against a glob.
        ("role", "matches", json!("a*n"), true),
        ("role", "matches", json!("?dmin"), true),
        ("role", "matches", json!("*"), true),
        ("role", "matches", json!("adm"), false),
        ("role", "matches", json!(["*"]), false),
        ("interests", "matches", json!("*"), true),
        ("interests", "matches", json!("a?i"), true),
        ("interests", "matches", json!("s"), false),
        ("seats", "matches", json!("*"), false),
        ("beta", "matches", json!("*"), false),
    ];
    for (name, op, operand, expected) in table {
        let got = check(&s, &page, &clock, signal(name, op, operand.clone()));
        assert_eq!(got, *expected, "{name} {op} {operand}");
    }
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
    // `plan` is declared but unset; `nope` is not even declared (evaluation is still total).
    for name in ["plan", "nope"] {
        for op in ops {
            for operand in &operands {
                let c = signal(name, op, operand.clone());
                assert!(
                    !check(&s, &page, &clock, c.clone()),
                    "{name} {op} {operand}"
                );
                // `not` is how a condition asks for a missing signal.
                assert!(check(&s, &page, &clock, json!({ "not": c })));
            }
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

fn nested_nots(n: usize) -> Condition {
    let mut c = Condition::All(vec![]);
    for _ in 0..n {
        c = Condition::Not(Box::new(c));
    }
    c
}

#[test]
fn evaluation_too_deep_is_false_as_a_whole() {
    let s = Signals::new();
    let page = PageContext::default();
    let clock = Clock::utc(T0);
    let ctx = EvalContext {
        signals: &s,
        page: &page,
        clock: &clock,
    };
    assert_eq!(MAX_EVAL_DEPTH, 64);
    // An even number of `not`s over a true `all`: true while within the guard.
    assert!(evaluate(&nested_nots(64), &ctx));
    assert!(!evaluate(&nested_nots(63), &ctx));
    // Past it, false whatever the parity (a `not` above the guard does not turn it into true).
    assert!(!evaluate(&nested_nots(65), &ctx));
    assert!(!evaluate(&nested_nots(66), &ctx));
    // And no stack overflow on a condition no validator has seen.
    assert!(!evaluate(&nested_nots(2_000), &ctx));
    let wide = Condition::Any(vec![nested_nots(80), Condition::All(vec![])]);
    assert!(
        !evaluate(&wide, &ctx),
        "the too-deep child is reached first"
    );
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
    let cases = [
        (count(1, "eq", 1.0), true),
        (count(2, "eq", 2.0), true),
        (count(3, "eq", 2.0), true),
        (count(4, "eq", 4.0), true),
        (count(4, "gte", 4.0), true),
        (count(4, "gt", 4.0), false),
        (count(14, "lt", 5.0), true),
        (count(14, "lte", 3.0), false),
        (count(14, "ne", 4.0), false),
        (count(0, "eq", 0.0), true),
        (count(14, "in", 4.0), false),
        (count(14, "contains", 4.0), false),
        (count(14, "starts_with", 4.0), false),
        (count(14, "matches", 4.0), false),
    ];
    for (c, expected) in cases {
        assert_eq!(check(&s, &page, &clock, c.clone()), expected, "{c}");
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
    let cases = [
        (since("eq", 3.0), true),
        (since("ne", 3.0), false),
        (since("gte", 3.0), true),
        (since("lt", 3.0), false),
        (since("lte", 3.0), true),
        (since("gt", 2.0), true),
        (since("in", 3.0), false),
        (first("eq", 13.0), true),
        (first("gt", 7.0), true),
        (first("lt", 1.0), false),
        (first("matches", 13.0), false),
    ];
    for (c, expected) in cases {
        assert_eq!(check(&s, &page, &clock, c.clone()), expected, "{c}");
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
    let ctx = EvalContext {
        signals: &s,
        page: &page,
        clock: &clock,
    };
    for (name, kind) in builtin::ATTRIBUTES {
        let value = ctx.lookup(name);
        assert_eq!(value.map(|v| v.kind()), Some(*kind), "{name}");
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

#[test]
fn stored_attributes_are_borrowed_not_copied() {
    let s = attributes();
    let page = PageContext::default();
    let clock = Clock::utc(T0);
    let ctx = EvalContext {
        signals: &s,
        page: &page,
        clock: &clock,
    };
    assert!(matches!(ctx.lookup("role"), Some(Cow::Borrowed(Value::String(r))) if r == "admin"));
    assert!(ctx.lookup("plan").is_none());
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
