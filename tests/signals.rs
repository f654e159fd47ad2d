//! The local signal store: governance, events over local days, TTL pruning, snapshots.

// Tests may unwrap and panic: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pathwise::bundle::limits::{MAX_LIST_ITEMS, MAX_STRING_BYTES};
use pathwise::bundle::{SignalDecl, SignalKind};
use pathwise::codec::Writer;
use pathwise::signals::{
    builtin, Declarations, Declared, SignalError, Signals, SnapshotError, MAX_SNAPSHOT_BYTES,
    SNAPSHOT_VERSION,
};
use pathwise::time::{Clock, DAY_SECONDS};
use pathwise::value::{Value, ValueKind};
use proptest::prelude::*;

/// 2026-01-01T00:00:00Z, local day 20454 in UTC.
const T0: i64 = 1_767_225_600;
const HOUR: i64 = 3_600;

fn decl(name: &str, kind: SignalKind, ttl_days: u32, window_days: Option<u32>) -> SignalDecl {
    SignalDecl {
        name: name.to_owned(),
        kind,
        ttl_days,
        window_days,
    }
}

/// role: string, seats: number, beta: bool, interests: list (all TTL 30 days);
/// pricing_viewed: event, TTL 60, window 14; signed_up: event, TTL 30, default window.
fn decls() -> Declarations {
    Declarations::new(&[
        decl("role", SignalKind::String, 30, None),
        decl("seats", SignalKind::Number, 30, None),
        decl("beta", SignalKind::Bool, 30, None),
        decl("interests", SignalKind::List, 30, None),
        decl("pricing_viewed", SignalKind::Event, 60, Some(14)),
        decl("signed_up", SignalKind::Event, 30, None),
    ])
}

fn at(now: i64) -> Clock {
    Clock::utc(now)
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| (*s).to_owned()).collect())
}

// ---------------------------------------------------------------------------------------------
// Declarations

#[test]
fn declarations_add_builtin_events_and_default_the_window() {
    let d = decls();
    for event in builtin::EVENTS {
        assert_eq!(
            d.get(event),
            Some(&Declared {
                kind: SignalKind::Event,
                ttl_days: builtin::EVENT_TTL_DAYS,
                window_days: builtin::EVENT_WINDOW_DAYS,
            })
        );
    }
    assert_eq!(d.get("signed_up").map(|x| x.window_days), Some(30));
    assert_eq!(d.get("pricing_viewed").map(|x| x.window_days), Some(14));
    assert_eq!(d.get("unknown"), None);
    assert_eq!(
        Declarations::default().iter().count(),
        builtin::EVENTS.len()
    );
}

#[test]
fn declarations_cannot_shadow_builtins() {
    let d = Declarations::new(&[
        decl("visit", SignalKind::String, 5, None),
        decl("page_path", SignalKind::String, 5, None),
    ]);
    assert_eq!(d.get("visit").map(|x| x.kind), Some(SignalKind::Event));
    assert_eq!(
        d.get("visit").map(|x| x.ttl_days),
        Some(builtin::EVENT_TTL_DAYS)
    );
    assert_eq!(d.get("page_path"), None);
}

// ---------------------------------------------------------------------------------------------
// Writes and governance

#[test]
fn set_stores_declared_attributes_with_their_write_time() {
    let d = decls();
    let mut s = Signals::new();
    s.set(&d, "role", "admin".into(), &at(T0)).unwrap();
    s.set(&d, "seats", 12.0.into(), &at(T0)).unwrap();
    s.set(&d, "beta", true.into(), &at(T0)).unwrap();
    s.set(&d, "interests", list(&["sso", "api"]), &at(T0 + 5))
        .unwrap();
    assert_eq!(s.attribute("role"), Some(&Value::from("admin")));
    assert_eq!(s.attribute("seats"), Some(&Value::Number(12.0)));
    assert_eq!(s.attribute("beta"), Some(&Value::Bool(true)));
    assert_eq!(
        s.attribute_record("interests").map(|r| r.written_at()),
        Some(T0 + 5)
    );
    assert_eq!(s.attributes().count(), 4);
    s.set(&d, "role", "owner".into(), &at(T0 + 9)).unwrap();
    let record = s.attribute_record("role").unwrap();
    assert_eq!(
        (record.value(), record.written_at()),
        (&Value::from("owner"), T0 + 9)
    );
}

#[test]
fn undeclared_signals_are_refused_and_not_stored() {
    let d = decls();
    let mut s = Signals::new();
    let err = s.set(&d, "email", "a@b.c".into(), &at(T0)).unwrap_err();
    assert_eq!(
        err,
        SignalError::Undeclared {
            name: "email".into()
        }
    );
    assert!(err.to_string().contains("not declared"));
    assert_eq!(s.attribute("email"), None);
    assert_eq!(
        s.track(&d, "clicked", &at(T0)),
        Err(SignalError::Undeclared {
            name: "clicked".into()
        })
    );
    assert!(s.event("clicked").is_none());
    assert_eq!(s, Signals::new());
}

#[test]
fn builtins_are_read_only() {
    let d = decls();
    let mut s = Signals::new();
    for name in ["page_path", "visits", "hour", "visit", "page_view"] {
        assert_eq!(
            s.set(&d, name, "x".into(), &at(T0)),
            Err(SignalError::BuiltIn { name: name.into() }),
            "{name}"
        );
    }
    assert_eq!(s, Signals::new());
}

#[test]
fn set_refuses_another_kind_and_says_which() {
    let d = decls();
    let mut s = Signals::new();
    let err = s.set(&d, "seats", "twelve".into(), &at(T0)).unwrap_err();
    assert_eq!(
        err,
        SignalError::WrongKind {
            name: "seats".into(),
            declared: ValueKind::Number,
            given: ValueKind::String
        }
    );
    assert_eq!(
        err.to_string(),
        "signal `seats` is declared as number, but the value is a string"
    );
    assert!(s.attribute("seats").is_none());
}

#[test]
fn events_and_attributes_are_not_interchangeable() {
    let d = decls();
    let mut s = Signals::new();
    assert_eq!(
        s.set(&d, "signed_up", true.into(), &at(T0)),
        Err(SignalError::IsEvent {
            name: "signed_up".into()
        })
    );
    assert_eq!(
        s.track(&d, "role", &at(T0)),
        Err(SignalError::NotEvent {
            name: "role".into(),
            declared: ValueKind::String
        })
    );
    assert_eq!(s, Signals::new());
}

#[test]
fn set_enforces_value_limits() {
    let d = decls();
    let mut s = Signals::new();
    let clock = at(T0);
    let longest = "x".repeat(MAX_STRING_BYTES);
    s.set(&d, "role", longest.clone().into(), &clock).unwrap();
    assert!(matches!(
        s.set(&d, "role", format!("{longest}y").into(), &clock),
        Err(SignalError::StringTooLong { len, max, .. }) if len == MAX_STRING_BYTES + 1 && max == MAX_STRING_BYTES
    ));
    // Multi-byte characters count in bytes.
    assert!(s.set(&d, "role", "é".repeat(513).into(), &clock).is_err());

    let full = Value::List(vec!["a".to_owned(); MAX_LIST_ITEMS]);
    s.set(&d, "interests", full, &clock).unwrap();
    assert!(matches!(
        s.set(&d, "interests", Value::List(vec!["a".to_owned(); MAX_LIST_ITEMS + 1]), &clock),
        Err(SignalError::ListTooLong { len, .. }) if len == MAX_LIST_ITEMS + 1
    ));
    assert!(matches!(
        s.set(
            &d,
            "interests",
            Value::List(vec![format!("{longest}y")]),
            &clock
        ),
        Err(SignalError::StringTooLong { .. })
    ));
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(
            s.set(&d, "seats", bad.into(), &clock),
            Err(SignalError::NonFinite {
                name: "seats".into()
            })
        );
    }
    // The refused writes left the last good values in place.
    assert_eq!(s.attribute("role"), Some(&Value::String(longest)));
    assert!(s.attribute("seats").is_none());
}

#[test]
fn unset_removes_an_attribute_only() {
    let d = decls();
    let mut s = Signals::new();
    s.set(&d, "role", "admin".into(), &at(T0)).unwrap();
    s.track(&d, "signed_up", &at(T0)).unwrap();
    assert!(s.unset("role"));
    assert!(!s.unset("role"));
    assert!(!s.unset("signed_up"));
    assert!(s.attribute("role").is_none());
    assert!(s.event("signed_up").is_some());
}

// ---------------------------------------------------------------------------------------------
// Events over local days

#[test]
fn track_keeps_first_last_total_and_day_counts() {
    let d = decls();
    let mut s = Signals::new();
    s.track(&d, "pricing_viewed", &at(T0 + HOUR)).unwrap();
    s.track(&d, "pricing_viewed", &at(T0 + 2 * HOUR)).unwrap();
    s.track(&d, "pricing_viewed", &at(T0 + DAY_SECONDS + HOUR))
        .unwrap();
    let e = s.event("pricing_viewed").unwrap();
    assert_eq!(e.first_seen(), T0 + HOUR);
    assert_eq!(e.last_seen(), T0 + DAY_SECONDS + HOUR);
    assert_eq!(e.total(), 3);
    let today = at(T0).local_day();
    assert_eq!(
        e.day_counts().collect::<Vec<_>>(),
        vec![(today, 2), (today + 1, 1)]
    );
    assert_eq!(e.day_count(today), 2);
    assert_eq!(e.day_count(today - 1), 0);
}

#[test]
fn event_count_sums_the_last_n_local_days_today_included() {
    let d = decls();
    let mut s = Signals::new();
    // One view 4 days ago, two 2 days ago, one today.
    for offset_days in [0, 2, 2, 4] {
        s.track(&d, "pricing_viewed", &at(T0 - offset_days * DAY_SECONDS))
            .unwrap();
    }
    let now = at(T0 + 10 * HOUR);
    assert_eq!(s.event_count("pricing_viewed", 0, &now), 0);
    assert_eq!(s.event_count("pricing_viewed", 1, &now), 1);
    assert_eq!(s.event_count("pricing_viewed", 2, &now), 1);
    assert_eq!(s.event_count("pricing_viewed", 3, &now), 3);
    assert_eq!(s.event_count("pricing_viewed", 4, &now), 3);
    assert_eq!(s.event_count("pricing_viewed", 5, &now), 4);
    assert_eq!(s.event_count("pricing_viewed", 500, &now), 4);
    assert_eq!(s.event_count("signed_up", 5, &now), 0);
    assert_eq!(s.event_count("nothing", 5, &now), 0);
    // Tomorrow, today's view is "yesterday": the 1-day window is empty.
    assert_eq!(s.event_count("pricing_viewed", 1, &at(T0 + DAY_SECONDS)), 0);
}

#[test]
fn local_days_follow_the_utc_offset() {
    let d = decls();
    let mut s = Signals::new();
    // 22:30 UTC on Jan 1 is 00:30 on Jan 2 at UTC+2.
    let plus_two = |now| Clock {
        now,
        utc_offset_minutes: 120,
    };
    let late_evening_utc = T0 + 22 * HOUR + 30 * 60;
    s.track(&d, "pricing_viewed", &plus_two(late_evening_utc))
        .unwrap();
    let day = s
        .event("pricing_viewed")
        .unwrap()
        .day_counts()
        .next()
        .unwrap()
        .0;
    assert_eq!(
        day,
        at(T0).local_day() + 1,
        "counted on the local day, Jan 2"
    );
    // At 01:00 local on Jan 2 it is today; at 23:00 UTC on Jan 1 in UTC it would be "tomorrow".
    let one_am_local = plus_two(T0 + 23 * HOUR);
    assert_eq!(s.event_count("pricing_viewed", 1, &one_am_local), 1);
    assert_eq!(s.days_since_event("pricing_viewed", &one_am_local), Some(0));
    // At 23:59 local on Jan 2 still today; one minute later it was yesterday.
    let end_of_day = plus_two(T0 + DAY_SECONDS + 21 * HOUR + 59 * 60);
    assert_eq!(s.days_since_event("pricing_viewed", &end_of_day), Some(0));
    let next_day = plus_two(T0 + DAY_SECONDS + 22 * HOUR);
    assert_eq!(s.days_since_event("pricing_viewed", &next_day), Some(1));
    assert_eq!(s.event_count("pricing_viewed", 1, &next_day), 0);
    assert_eq!(s.event_count("pricing_viewed", 2, &next_day), 1);

    // West of UTC: 02:00 UTC on Jan 2 is still Jan 1 at UTC-5.
    let mut west = Signals::new();
    let minus_five = |now| Clock {
        now,
        utc_offset_minutes: -300,
    };
    west.track(
        &d,
        "pricing_viewed",
        &minus_five(T0 + DAY_SECONDS + 2 * HOUR),
    )
    .unwrap();
    let day = west
        .event("pricing_viewed")
        .unwrap()
        .day_counts()
        .next()
        .unwrap()
        .0;
    assert_eq!(day, at(T0).local_day());
}

#[test]
fn days_since_counts_local_days_not_hours() {
    let d = decls();
    let mut s = Signals::new();
    let clock = at(T0 + 23 * HOUR + 59 * 60);
    s.track(&d, "signed_up", &clock).unwrap();
    assert_eq!(s.days_since_event("signed_up", &clock), Some(0));
    // Two minutes later it is a new day: 1 day since, though only 2 minutes passed.
    assert_eq!(
        s.days_since_event("signed_up", &at(T0 + DAY_SECONDS + 60)),
        Some(1)
    );
    assert_eq!(
        s.days_since_event("signed_up", &at(T0 + 9 * DAY_SECONDS)),
        Some(9)
    );
    assert_eq!(s.days_since_event("pricing_viewed", &clock), None);
    // A clock moved backwards never yields negative days.
    assert_eq!(
        s.days_since_event("signed_up", &at(T0 - 3 * DAY_SECONDS)),
        Some(0)
    );
}

#[test]
fn mark_seen_records_the_first_visit_once() {
    let mut s = Signals::new();
    assert_eq!(s.first_seen(), None);
    assert_eq!(s.days_since_first_seen(&at(T0)), None);
    s.mark_seen(&at(T0 + HOUR));
    s.mark_seen(&at(T0 + 5 * DAY_SECONDS));
    assert_eq!(s.first_seen(), Some(T0 + HOUR));
    assert_eq!(s.days_since_first_seen(&at(T0 + 5 * DAY_SECONDS)), Some(5));
}

#[test]
fn visits_are_the_lifetime_total_beyond_the_window() {
    let d = decls();
    let mut s = Signals::new();
    assert_eq!(s.visits(), 0);
    let step = 7 * DAY_SECONDS;
    for week in 0..20 {
        s.track(&d, builtin::VISIT, &at(T0 + week * step)).unwrap();
    }
    let now = at(T0 + 19 * step);
    s.prune(&d, &now);
    assert_eq!(s.visits(), 20);
    // Only the 90-day window of day counts is kept.
    let kept = s.event(builtin::VISIT).unwrap().day_counts().count();
    assert_eq!(kept, 13, "visits on days 0, 7, …, 84 days ago");
    assert_eq!(s.event_count(builtin::VISIT, 90, &now), 13);
}

#[test]
fn track_drops_day_counts_that_left_the_window() {
    let d = decls();
    let mut s = Signals::new();
    // pricing_viewed keeps 14 days.
    for day in 0..20 {
        s.track(&d, "pricing_viewed", &at(T0 + day * DAY_SECONDS))
            .unwrap();
    }
    let e = s.event("pricing_viewed").unwrap();
    let days: Vec<i64> = e.day_counts().map(|(day, _)| day).collect();
    let today = at(T0).local_day() + 19;
    assert_eq!(days, ((today - 13)..=today).collect::<Vec<_>>());
    assert_eq!(e.total(), 20);
}

// ---------------------------------------------------------------------------------------------
// Pruning

#[test]
fn attributes_expire_ttl_days_after_their_last_write() {
    let d = decls();
    let mut s = Signals::new();
    s.set(&d, "role", "admin".into(), &at(T0)).unwrap();
    s.set(&d, "seats", 3.0.into(), &at(T0)).unwrap();
    // Rewriting restarts the TTL.
    s.set(&d, "seats", 4.0.into(), &at(T0 + 10 * DAY_SECONDS))
        .unwrap();
    let ttl = 30 * DAY_SECONDS;
    let mut before = s.clone();
    before.prune(&d, &at(T0 + ttl - 1));
    assert_eq!(before, s, "nothing expires one second before the TTL");
    s.prune(&d, &at(T0 + ttl));
    assert_eq!(s.attribute("role"), None);
    assert_eq!(s.attribute("seats"), Some(&Value::Number(4.0)));
    s.prune(&d, &at(T0 + 10 * DAY_SECONDS + ttl));
    assert_eq!(s.attribute("seats"), None);
}

#[test]
fn events_expire_ttl_days_after_they_last_happened() {
    let d = decls();
    let mut s = Signals::new();
    s.track(&d, "signed_up", &at(T0)).unwrap();
    s.track(&d, "pricing_viewed", &at(T0)).unwrap();
    s.track(&d, "pricing_viewed", &at(T0 + 40 * DAY_SECONDS))
        .unwrap();
    s.prune(&d, &at(T0 + 30 * DAY_SECONDS));
    assert!(s.event("signed_up").is_none(), "TTL 30 days");
    let e = s.event("pricing_viewed").unwrap();
    assert_eq!(e.total(), 2);
    s.prune(&d, &at(T0 + 99 * DAY_SECONDS));
    assert!(
        s.event("pricing_viewed").is_some(),
        "TTL 60 days from the last view"
    );
    s.prune(&d, &at(T0 + 100 * DAY_SECONDS));
    assert!(s.event("pricing_viewed").is_none());
}

#[test]
fn prune_drops_what_the_bundle_no_longer_declares_as_such() {
    let d = decls();
    let mut s = Signals::new();
    s.set(&d, "role", "admin".into(), &at(T0)).unwrap();
    s.set(&d, "seats", 2.0.into(), &at(T0)).unwrap();
    s.track(&d, "signed_up", &at(T0)).unwrap();
    s.track(&d, builtin::VISIT, &at(T0)).unwrap();
    s.mark_seen(&at(T0));
    // The next bundle drops `role`, turns `seats` into a string and `signed_up` into a bool.
    let next = Declarations::new(&[
        decl("seats", SignalKind::String, 30, None),
        decl("signed_up", SignalKind::Bool, 30, None),
    ]);
    s.prune(&next, &at(T0 + HOUR));
    assert_eq!(s.attributes().count(), 0);
    assert_eq!(
        s.events().map(|(n, _)| n).collect::<Vec<_>>(),
        vec![builtin::VISIT]
    );
    assert_eq!(s.first_seen(), Some(T0));
}

#[test]
fn prune_trims_day_counts_to_the_current_window() {
    let mut s = Signals::new();
    let wide = Declarations::new(&[decl("e", SignalKind::Event, 365, Some(60))]);
    for day in 0..60 {
        s.track(&wide, "e", &at(T0 + day * DAY_SECONDS)).unwrap();
    }
    let narrow = Declarations::new(&[decl("e", SignalKind::Event, 365, Some(7))]);
    let now = at(T0 + 59 * DAY_SECONDS);
    s.prune(&narrow, &now);
    assert_eq!(s.event("e").unwrap().day_counts().count(), 7);
    assert_eq!(s.event_count("e", 60, &now), 7);
    assert_eq!(s.event("e").unwrap().total(), 60);
}

// ---------------------------------------------------------------------------------------------
// Snapshots

fn full_store(now: i64) -> Signals {
    let d = decls();
    let mut s = Signals::new();
    s.mark_seen(&at(now - 20 * DAY_SECONDS));
    s.set(
        &d,
        "role",
        "admin \"quoted\" é ✓".into(),
        &at(now - DAY_SECONDS),
    )
    .unwrap();
    s.set(&d, "seats", (-0.1).into(), &at(now - HOUR)).unwrap();
    s.set(&d, "beta", false.into(), &at(now)).unwrap();
    s.set(&d, "interests", list(&["sso", "", "api"]), &at(now))
        .unwrap();
    for day in 0..5 {
        let clock = at(now - day * DAY_SECONDS);
        s.track(&d, builtin::VISIT, &clock).unwrap();
        s.track(&d, "pricing_viewed", &clock).unwrap();
        s.track(&d, "pricing_viewed", &clock).unwrap();
    }
    s
}

#[test]
fn snapshot_round_trips() {
    let now = T0 + 12 * HOUR;
    let s = full_store(now);
    let bytes = s.to_snapshot();
    assert_eq!(&bytes[..2], b"S\x02", "tag and format version");
    let back = Signals::from_snapshot(&bytes, &decls(), &at(now)).unwrap();
    assert_eq!(back, s);
    assert_eq!(back.to_snapshot(), bytes);
    // Compact: a store of 4 attributes and 2 events over 5 days in well under 200 bytes (its
    // JSON debug view, what the snapshot used to be, is several times larger).
    assert!(bytes.len() < 200, "{} bytes", bytes.len());
    assert!(s.to_json().len() > 2 * bytes.len(), "{}", s.to_json());
    // An empty store too.
    let empty = Signals::new();
    assert_eq!(
        Signals::from_snapshot(&empty.to_snapshot(), &decls(), &at(now)).unwrap(),
        empty
    );
}

#[test]
fn the_json_view_shows_what_the_store_holds() {
    let s = full_store(T0);
    let json: serde_json::Value = serde_json::from_str(&s.to_json()).unwrap();
    assert_eq!(json["seen"], T0 - 20 * DAY_SECONDS);
    assert_eq!(json["attrs"]["role"]["v"], "admin \"quoted\" é ✓");
    assert_eq!(json["attrs"]["role"]["t"], T0 - DAY_SECONDS);
    assert_eq!(
        json["attrs"]["interests"]["v"],
        serde_json::json!(["sso", "", "api"])
    );
    assert_eq!(json["events"]["visit"]["total"], 5);
    assert_eq!(
        json["events"]["pricing_viewed"]["days"][4],
        serde_json::json!([20454, 2])
    );
}

#[test]
fn loading_a_snapshot_prunes_it() {
    let now = T0;
    let bytes = full_store(now).to_snapshot();
    let fewer = Declarations::new(&[decl("seats", SignalKind::Number, 30, None)]);
    let s = Signals::from_snapshot(&bytes, &fewer, &at(now)).unwrap();
    assert_eq!(
        s.attributes().map(|(n, _)| n).collect::<Vec<_>>(),
        vec!["seats"]
    );
    assert!(s.event("pricing_viewed").is_none());
    assert_eq!(s.visits(), 5);
    // 40 days later the attributes (TTL 30) are gone, the visits (TTL 400) are not.
    let later = Signals::from_snapshot(&bytes, &decls(), &at(now + 40 * DAY_SECONDS)).unwrap();
    assert_eq!(later.attributes().count(), 0);
    assert_eq!(later.visits(), 5);
}

#[test]
fn snapshots_from_a_clock_skewed_by_up_to_a_day_are_accepted() {
    let now = T0;
    let bytes = full_store(now).to_snapshot();
    // The device clock was set back by almost a day since the snapshot was written.
    let back = Signals::from_snapshot(&bytes, &decls(), &at(now - DAY_SECONDS + 60)).unwrap();
    assert_eq!(back.visits(), 5);
}

/// An attribute value as the snapshot writes it, or a tag no value has.
enum Stored<'a> {
    Value(Value),
    Number(f64),
    Tag(u8),
    Text(&'a [u8]),
}

/// One event as the snapshot writes it: name, first, last, total, (day, count) oldest first.
type StoredEvent<'a> = (&'a str, i64, i64, u64, &'a [(i64, u64)]);

/// A snapshot written by hand in the format documented on `Signals::to_snapshot`:
/// `"S" 2`, `seen: 0 | 1 i`, `attrs: n { name written_at:i value }`, `events: n { name first:i
/// last:i total:u days: n { day count:u } }`, the first day whole and the others as steps.
fn snapshot(seen: Option<i64>, attrs: &[(&str, i64, Stored)], events: &[StoredEvent]) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(&[b'S', SNAPSHOT_VERSION]);
    match seen {
        Some(t) => {
            w.u8(1);
            w.int(t);
        }
        None => w.u8(0),
    }
    w.uint(attrs.len() as u64);
    for (name, written_at, value) in attrs {
        w.text(name);
        w.int(*written_at);
        match value {
            Stored::Value(Value::String(s)) => {
                w.u8(0);
                w.text(s);
            }
            Stored::Value(Value::Number(n)) | Stored::Number(n) => {
                w.u8(1);
                w.f64(*n);
            }
            Stored::Value(Value::Bool(b)) => w.u8(2 + u8::from(*b)),
            Stored::Value(Value::List(items)) => {
                w.u8(4);
                w.uint(items.len() as u64);
                for item in items {
                    w.text(item);
                }
            }
            Stored::Tag(tag) => w.u8(*tag),
            Stored::Text(bytes) => {
                w.u8(0);
                w.blob(bytes);
            }
        }
    }
    w.uint(events.len() as u64);
    for (name, first, last, total, days) in events {
        w.text(name);
        w.int(*first);
        w.int(*last);
        w.uint(*total);
        w.uint(days.len() as u64);
        let mut previous: Option<i64> = None;
        for &(day, count) in *days {
            match previous {
                None => w.int(day),
                // A day not after the one before is written as the step it would need, which
                // the format cannot express: zero, or a wrapped-around huge number.
                Some(p) => w.uint(day.wrapping_sub(p) as u64),
            }
            w.uint(count);
            previous = Some(day);
        }
    }
    w.finish()
}

#[test]
fn the_documented_format_is_the_format() {
    // The same store, by hand and by `to_snapshot`: byte for byte.
    let d = decls();
    let mut s = Signals::new();
    s.mark_seen(&at(T0));
    s.set(&d, "role", "admin".into(), &at(T0)).unwrap();
    s.set(&d, "seats", 2.5.into(), &at(T0 - 60)).unwrap();
    s.set(&d, "interests", list(&["a", "b"]), &at(T0)).unwrap();
    s.track(&d, builtin::VISIT, &at(T0 - DAY_SECONDS)).unwrap();
    s.track(&d, builtin::VISIT, &at(T0)).unwrap();
    s.track(&d, builtin::VISIT, &at(T0)).unwrap();
    let by_hand = snapshot(
        Some(T0),
        &[
            ("interests", T0, Stored::Value(list(&["a", "b"]))),
            ("role", T0, Stored::Value("admin".into())),
            ("seats", T0 - 60, Stored::Value(2.5.into())),
        ],
        &[("visit", T0 - DAY_SECONDS, T0, 3, &[(20453, 1), (20454, 2)])],
    );
    assert_eq!(s.to_snapshot(), by_hand);
    let back = Signals::from_snapshot(&by_hand, &d, &at(T0)).unwrap();
    assert_eq!(back.visits(), 3);
    assert_eq!(back.attribute("role"), Some(&Value::from("admin")));
}

#[test]
fn corrupt_foreign_and_impossible_snapshots_are_refused() {
    let d = decls();
    let clock = at(T0);
    let seen = Some(T0);
    let role = |v: Stored<'static>| vec![("role", T0, v)];
    let visit = |first: i64, last: i64, total: u64, days: &'static [(i64, u64)]| {
        vec![("visit", first, last, total, days)]
    };
    let future = T0 + DAY_SECONDS + 1;
    let long = "x".repeat(MAX_STRING_BYTES + 1);
    let many = Value::List(vec!["a".to_owned(); MAX_LIST_ITEMS + 1]);
    let real = full_store(T0).to_snapshot();
    let mut trailing = real.clone();
    trailing.push(0);
    let mut version_1 = real.clone();
    version_1[1] = 1;
    let mut version_3 = real.clone();
    version_3[1] = 3;
    let twice = snapshot(
        seen,
        &[
            ("role", T0, Stored::Value("a".into())),
            ("role", T0, Stored::Value("b".into())),
        ],
        &[],
    );
    type Check = fn(&SnapshotError) -> bool;
    let malformed: Check = |e| matches!(e, SnapshotError::Malformed { .. });
    let version: Check = |e| matches!(e, SnapshotError::UnsupportedVersion);
    let range: Check = |e| matches!(e, SnapshotError::OutOfRange { .. });
    let value: Check = |e| matches!(e, SnapshotError::InvalidValue(_));
    let future_time: Check = |e| matches!(e, SnapshotError::FutureTime { .. });
    let cases: Vec<(&str, Vec<u8>, Check)> = vec![
        ("empty", Vec::new(), version),
        ("text", b"hello".to_vec(), version),
        (
            "the JSON of format 1",
            br#"{"v":1,"attrs":{},"events":{}}"#.to_vec(),
            version,
        ),
        ("format 1", version_1, version),
        ("format 3", version_3, version),
        ("a render history", b"H\x01\x00".to_vec(), version),
        ("an exposure ledger", b"L\x01\x00".to_vec(), version),
        ("cut after the header", real[..2].to_vec(), malformed),
        ("bytes left over", trailing, malformed),
        ("a name twice", twice, malformed),
        (
            "unknown value tag",
            snapshot(seen, &role(Stored::Tag(5)), &[]),
            malformed,
        ),
        (
            "value not UTF-8",
            snapshot(seen, &role(Stored::Text(b"\xff\xfe")), &[]),
            malformed,
        ),
        (
            "infinite number",
            snapshot(seen, &[("seats", T0, Stored::Number(f64::INFINITY))], &[]),
            value,
        ),
        (
            "NaN",
            snapshot(seen, &[("seats", T0, Stored::Number(f64::NAN))], &[]),
            value,
        ),
        (
            "long string",
            snapshot(seen, &role(Stored::Value(Value::String(long))), &[]),
            value,
        ),
        (
            "long list",
            snapshot(seen, &[("interests", T0, Stored::Value(many))], &[]),
            value,
        ),
        (
            "seen in the future",
            snapshot(Some(future), &[], &[]),
            future_time,
        ),
        (
            "written in the future",
            snapshot(seen, &[("role", future, Stored::Value("a".into()))], &[]),
            future_time,
        ),
        (
            "event in the future",
            snapshot(seen, &[], &visit(T0, T0 + 2 * DAY_SECONDS, 1, &[])),
            future_time,
        ),
        (
            "year 10000",
            snapshot(Some(-253_402_300_800), &[], &[]),
            range,
        ),
        (
            "first after last",
            snapshot(seen, &[], &visit(T0, T0 - 1, 1, &[])),
            range,
        ),
        (
            "zero total",
            snapshot(seen, &[], &visit(T0, T0, 0, &[])),
            range,
        ),
        (
            "absurd total",
            snapshot(seen, &[], &visit(T0, T0, 1_000_000_000, &[])),
            range,
        ),
        (
            "absurd day count",
            snapshot(seen, &[], &visit(T0, T0, 10_000_000, &[(20454, 1_000_000)])),
            range,
        ),
        (
            "day above total",
            snapshot(seen, &[], &visit(T0, T0, 2, &[(20454, 3)])),
            range,
        ),
        (
            "zero day count",
            snapshot(seen, &[], &visit(T0, T0, 2, &[(20454, 0)])),
            range,
        ),
        (
            "duplicate day",
            snapshot(seen, &[], &visit(T0, T0, 2, &[(20454, 1), (20454, 1)])),
            malformed,
        ),
        (
            "unordered days",
            snapshot(seen, &[], &visit(T0, T0, 2, &[(20454, 1), (20453, 1)])),
            malformed,
        ),
        (
            "day after tomorrow",
            snapshot(seen, &[], &visit(T0, T0, 1, &[(20456, 1)])),
            |e| {
                matches!(
                    e,
                    SnapshotError::FutureDay {
                        day: 20456,
                        today: 20454,
                        ..
                    }
                )
            },
        ),
    ];
    for (what, bytes, check) in cases {
        match Signals::from_snapshot(&bytes, &d, &clock) {
            Ok(_) => panic!("{what}: accepted {bytes:?}"),
            Err(e) => assert!(check(&e), "{what}: unexpected error {e:?}"),
        }
    }
}

#[test]
fn every_cut_of_a_real_snapshot_is_refused_with_its_offset() {
    let real = full_store(T0).to_snapshot();
    for len in 0..real.len() {
        match Signals::from_snapshot(&real[..len], &decls(), &at(T0)) {
            Err(SnapshotError::UnsupportedVersion) => assert!(len < 2, "cut at {len}"),
            Err(SnapshotError::Malformed { at }) => assert!(at <= len, "cut at {len}: at {at}"),
            other => panic!("cut at {len}: {other:?}"),
        }
    }
}

#[test]
fn oversized_snapshots_are_refused_before_reading() {
    // A valid snapshot padded past the cap: refused on size alone.
    let mut bytes = snapshot(Some(T0), &[], &[]);
    let valid = bytes.len();
    bytes.resize(MAX_SNAPSHOT_BYTES + 1, 0);
    assert_eq!(
        Signals::from_snapshot(&bytes, &decls(), &at(T0)),
        Err(SnapshotError::TooLarge {
            len: MAX_SNAPSHOT_BYTES + 1,
            max: MAX_SNAPSHOT_BYTES
        })
    );
    // At the cap it is read (and refused here only for the padding left over).
    bytes.truncate(MAX_SNAPSHOT_BYTES);
    assert_eq!(
        Signals::from_snapshot(&bytes, &decls(), &at(T0)),
        Err(SnapshotError::Malformed { at: valid })
    );
}

#[test]
fn writing_keeps_recent_days_and_totals_within_the_cap() {
    // 120 events, each seen every day for a year, with a 365-day window: ~0.5 MB of day counts.
    let names: Vec<String> = (0..120).map(|i| format!("event_{i:03}")).collect();
    let d = Declarations::new(
        &names
            .iter()
            .map(|n| decl(n, SignalKind::Event, 730, Some(365)))
            .collect::<Vec<_>>(),
    );
    let mut s = Signals::new();
    let last_day = 364;
    for day in 0..=last_day {
        let clock = at(T0 + day * DAY_SECONDS + HOUR);
        for n in &names {
            s.track(&d, n, &clock).unwrap();
        }
    }
    let now = at(T0 + last_day * DAY_SECONDS + 2 * HOUR);
    let bytes = s.to_snapshot();
    assert!(bytes.len() <= MAX_SNAPSHOT_BYTES, "{} bytes", bytes.len());
    assert!(
        bytes.len() > MAX_SNAPSHOT_BYTES - 64,
        "only what was needed was left out"
    );
    let back = Signals::from_snapshot(&bytes, &d, &now).unwrap();
    let today = now.local_day();
    for n in &names {
        let e = back.event(n).unwrap();
        assert_eq!(e.total(), 365, "{n}: totals survive");
        assert_eq!(e.first_seen(), T0 + HOUR);
        assert_eq!(e.day_count(today), 1, "{n}: today survives");
        assert_eq!(
            e.day_count(today - 364),
            0,
            "{n}: the oldest day was left out"
        );
    }
    // Recent days are kept for every event before older ones are for any.
    let kept: Vec<usize> = names
        .iter()
        .map(|n| back.event(n).unwrap().day_counts().count())
        .collect();
    let (min, max) = (kept.iter().min().unwrap(), kept.iter().max().unwrap());
    assert!(max - min <= 1, "kept day counts per event: {min}..={max}");
    assert!(*min > 30);
    // Writing did not change the store in memory.
    assert_eq!(s.event("event_000").unwrap().day_counts().count(), 365);
}

#[test]
fn writing_leaves_out_the_least_recently_written_attributes_after_day_counts() {
    let d = Declarations::new(&[
        decl("a", SignalKind::List, 30, None),
        decl("b", SignalKind::List, 30, None),
        decl("c", SignalKind::List, 30, None),
        decl("e", SignalKind::Event, 30, None),
    ]);
    // Each list is ~25 KB once written; three do not fit in 64 KB.
    let big = Value::List(vec!["y".repeat(250); 100]);
    let mut s = Signals::new();
    s.set(&d, "b", big.clone(), &at(T0 + 1)).unwrap();
    s.set(&d, "a", big.clone(), &at(T0 + 2)).unwrap();
    s.set(&d, "c", big, &at(T0 + 3)).unwrap();
    s.track(&d, "e", &at(T0 + 4)).unwrap();
    let bytes = s.to_snapshot();
    assert!(bytes.len() <= MAX_SNAPSHOT_BYTES);
    let back = Signals::from_snapshot(&bytes, &d, &at(T0 + 5)).unwrap();
    assert!(back.attribute("b").is_none(), "oldest write left out");
    assert!(back.attribute("a").is_some() && back.attribute("c").is_some());
    let e = back.event("e").unwrap();
    assert_eq!(
        (e.total(), e.day_counts().count()),
        (1, 0),
        "its day count went first"
    );
}

#[test]
fn an_attribute_larger_than_the_cap_is_left_out() {
    let d = Declarations::new(&[
        decl("huge", SignalKind::List, 30, None),
        decl("small", SignalKind::String, 30, None),
    ]);
    // 100 items of 1 KiB: ~100 KB, more than the cap on its own.
    let huge = Value::List(vec!["\u{1}".repeat(MAX_STRING_BYTES); MAX_LIST_ITEMS]);
    let mut s = Signals::new();
    s.set(&d, "small", "kept".into(), &at(T0)).unwrap();
    s.set(&d, "huge", huge, &at(T0 + 1)).unwrap();
    s.mark_seen(&at(T0));
    let bytes = s.to_snapshot();
    let back = Signals::from_snapshot(&bytes, &d, &at(T0)).unwrap();
    assert!(back.attribute("huge").is_none());
    assert_eq!(back.attribute("small"), Some(&Value::from("kept")));
    assert_eq!(back.first_seen(), Some(T0));
}

// ---------------------------------------------------------------------------------------------
// Properties

#[derive(Debug, Clone)]
enum Step {
    Set(usize, Value),
    Track(usize),
    Seen,
    Wait(i64),
}

fn step() -> impl Strategy<Value = Step> {
    let value = prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        (-1e12..1e12f64).prop_map(Value::Number),
        "\\PC{0,12}".prop_map(Value::String),
        proptest::collection::vec("[a-z\"\\\\]{0,5}", 0..4).prop_map(Value::List),
    ];
    prop_oneof![
        (0..4usize, value).prop_map(|(i, v)| Step::Set(i, v)),
        (0..4usize).prop_map(Step::Track),
        Just(Step::Seen),
        (0..3 * DAY_SECONDS).prop_map(Step::Wait),
    ]
}

proptest! {
    #[test]
    fn any_store_round_trips_through_its_snapshot(
        steps in proptest::collection::vec(step(), 0..60),
        offset in -720i32..=840,
    ) {
        let d = decls();
        let attrs = ["role", "seats", "beta", "interests"];
        let events = ["pricing_viewed", "signed_up", builtin::VISIT, builtin::PAGE_VIEW];
        let mut s = Signals::new();
        let mut clock = Clock { now: T0, utc_offset_minutes: offset };
        for step in steps {
            match step {
                // Wrong kinds are refused; either way the store stays consistent.
                Step::Set(i, v) => { let _ = s.set(&d, attrs[i], v, &clock); }
                Step::Track(i) => s.track(&d, events[i], &clock).unwrap(),
                Step::Seen => s.mark_seen(&clock),
                Step::Wait(secs) => clock.now += secs,
            }
        }
        s.prune(&d, &clock);
        let bytes = s.to_snapshot();
        prop_assert!(bytes.len() <= MAX_SNAPSHOT_BYTES);
        let back = Signals::from_snapshot(&bytes, &d, &clock);
        prop_assert_eq!(back, Ok(s));
    }

    #[test]
    fn snapshot_reading_never_panics_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        tagged in any::<bool>(),
    ) {
        // Half of the inputs start with the right tag, so the reader gets past the header.
        let mut bytes = bytes;
        if tagged {
            bytes.splice(0..0, [b'S', SNAPSHOT_VERSION]);
        }
        let _ = Signals::from_snapshot(&bytes, &decls(), &at(T0));
    }

    #[test]
    fn damaged_snapshots_are_refused_or_read_consistently(
        cut in 0usize..200,
        flips in proptest::collection::vec((0usize..200, any::<u8>()), 0..4),
        clock in any::<i64>(),
    ) {
        let mut bytes = full_store(T0).to_snapshot();
        for (at_byte, b) in flips {
            let len = bytes.len();
            if let Some(slot) = bytes.get_mut(at_byte % len) { *slot = b; }
        }
        bytes.truncate(cut);
        // Whatever reads is a store that writes itself back the same way.
        if let Ok(read) = Signals::from_snapshot(&bytes, &decls(), &Clock::utc(clock)) {
            let again = Signals::from_snapshot(&read.to_snapshot(), &decls(), &Clock::utc(clock));
            prop_assert_eq!(again, Ok(read));
        }
    }
}
