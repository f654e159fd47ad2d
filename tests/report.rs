//! Exposure and conversion reporting: the ledger (once per device, across reloads), the bounded
//! outbox, batching under the beacon limit, retries under a stable batch id, persistence of what
//! was in flight, sampling, and the privacy of every byte sent.

// Tests may unwrap and panic: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use pathwise::bundle::parse_bundle;
use pathwise::codec::Writer;
use pathwise::engine::Context;
use pathwise::engine::{Decision, Reason, RenderHistory};
use pathwise::program::{self, Program};
use pathwise::report::batch::MAX_SITE_BYTES;
use pathwise::report::ledger::{
    LedgerError, MAX_GOALS_PER_RULE, MAX_LEDGER_BYTES, MAX_LEDGER_FACTS, MAX_LEDGER_RULES,
    MAX_VARIANTS_PER_RULE,
};
use pathwise::report::outbox::{OutboxSnapshotError, MAX_OUTBOX_BYTES, OUTBOX_CAPACITY};
use pathwise::report::payload::{
    Batch, EventType, ReportEvent, MAX_BATCH_BYTES, MAX_EVENTS_PER_BATCH,
};
use pathwise::report::{
    sampled, Exposure, ExposureLedger, Outbox, OutboxError, PendingBatch, Reporter, RestoreProblem,
};
use pathwise::signals::{Declarations, PageContext, Signals};
use pathwise::time::Clock;
use pathwise::value::Value;
use serde_json::json;

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600;
const SITE: &str = "acme.example";
/// Distinctive values that must never leave the device.
const UNIT: &str = "unit-4d1c3b2a-SECRETUNIT";
const PLAN: &str = "enterprise-SECRETPLAN-7f3e";

/// A bundle with: `hero-returning` (audience: the `tier` attribute equals [`PLAN`]; goals `signup`
/// and `upgraded`), `cta-control` (everyone in its control group; goal `signup`), `never-shown`
/// on a path slot no test renders (goal `signup`), and a `footer` slot no rule targets.
fn bundle_json(version: u64, hero_variant: &str, holdout: u32) -> serde_json::Value {
    json!({
        "schema": 1, "site": SITE, "version": version, "expires_at": "2030-01-01T00:00:00Z",
        "holdout": holdout,
        "signals": [
            { "name": "tier", "kind": "string", "ttl_days": 30 },
            { "name": "signup", "kind": "event", "ttl_days": 30 },
            { "name": "upgraded", "kind": "event", "ttl_days": 30 }
        ],
        "slots": [
            { "id": "hero", "kind": "block" },
            { "id": "cta", "kind": "block", "default": "original" },
            { "id": "footer", "kind": "block" },
            { "id": "onboarding", "kind": "path", "steps": ["welcome", "invite", "done"] }
        ],
        "rules": [
            { "id": "hero-returning", "slot": "hero", "objective": "activation",
              "goals": ["signup", "upgraded"],
              "audience": { "signal": { "name": "tier", "op": "eq", "value": PLAN } },
              "variants": [ { "id": hero_variant } ] },
            { "id": "cta-control", "slot": "cta", "objective": "activation", "goals": ["signup"],
              "control": 100, "variants": [ { "id": "green" } ] },
            { "id": "never-shown", "slot": "onboarding", "objective": "activation",
              "goals": ["signup"],
              "variants": [ { "id": "short", "steps": ["welcome", "done"] } ] }
        ]
    })
}

/// The bundle compiled into its program, as `pathwise sign` does and devices read it.
fn program(version: u64, hero_variant: &str, holdout: u32) -> Program {
    let bytes = serde_json::to_vec(&bundle_json(version, hero_variant, holdout)).unwrap();
    program::read(&program::compile(&parse_bundle(&bytes).unwrap()).unwrap()).unwrap()
}

/// The device: signals (with `tier` = [`PLAN`] unless `plan` is false), page, render history.
struct Device {
    signals: Signals,
    page: PageContext,
    history: RenderHistory,
    clock: Clock,
}

impl Device {
    fn new(program: &Program, plan: bool) -> Device {
        let clock = Clock::utc(T0);
        let mut signals = Signals::new();
        let tier = if plan { PLAN } else { "free" };
        signals
            .set(
                &Declarations::of_program(program),
                "tier",
                Value::String(tier.into()),
                &clock,
            )
            .unwrap();
        Device {
            signals,
            page: PageContext {
                path: "/dashboard".into(),
                ..PageContext::default()
            },
            history: RenderHistory::new(),
            clock,
        }
    }

    fn decide(&mut self, program: &Program, slot: &str) -> Decision {
        let ctx = Context::new(&self.signals, &self.page, &self.clock, UNIT);
        program.decide(program.slot(slot).unwrap(), &ctx, &mut self.history)
    }

    /// Tracks `event` in the signal store too, as the browser would.
    fn track(&mut self, program: &Program, event: &str) {
        self.signals
            .track(&Declarations::of_program(program), event, &self.clock)
            .unwrap();
    }
}

/// Unique, deterministic batch ids.
fn ids() -> impl FnMut() -> [u8; 16] {
    let mut n: u128 = 0;
    move || {
        n += 1;
        n.to_be_bytes()
    }
}

/// A simulated reload: the reporter is rebuilt from its stored bytes only.
fn reload(reporter: &Reporter) -> Reporter {
    let snap = reporter.snapshot();
    let (restored, problems) = Reporter::restore(Some(&snap.ledger), Some(&snap.outbox));
    assert!(problems.is_empty(), "{problems:?}");
    restored
}

/// Every event of `batches`, each body checked by the collector's own gate.
fn events_of(batches: &[PendingBatch]) -> Vec<(u64, ReportEvent)> {
    batches
        .iter()
        .flat_map(|b| {
            let parsed = Batch::parse(b.body.as_bytes()).unwrap();
            assert_eq!(parsed.batch, b.id);
            assert_eq!(parsed.events.len(), b.events);
            let bundle = parsed.bundle;
            parsed.events.into_iter().map(move |e| (bundle, e))
        })
        .collect()
}

/// Sends everything pending and confirms it, returning the delivered events.
fn deliver(reporter: &mut Reporter) -> Vec<(u64, ReportEvent)> {
    let batches = reporter.batches(SITE, &mut ids()).unwrap();
    for b in &batches {
        assert!(reporter.confirm(&b.id));
    }
    events_of(&batches)
}

fn event(rule: &str, minute: i64) -> ReportEvent {
    ReportEvent {
        kind: EventType::Exposure,
        rule: rule.to_owned(),
        variant: "v".into(),
        slot: "s".into(),
        control: false,
        goal: None,
        minute,
    }
}

#[test]
fn an_exposure_is_reported_once_per_rule_and_variant_across_reloads() {
    let program = program(7, "welcome-back", 0);
    let mut device = Device::new(&program, true);
    let mut reporter = Reporter::new();

    let d = device.decide(&program, "hero");
    assert_eq!(d.reason, Reason::Matched);
    assert!(reporter.on_rendered(&program, &d, T0 + 59).is_some());
    assert!(
        reporter.on_rendered(&program, &d, T0 + 120).is_none(),
        "second render"
    );

    let mut reporter = reload(&reporter);
    let d = device.decide(&program, "hero");
    assert!(
        reporter.on_rendered(&program, &d, T0 + 600).is_none(),
        "after reload"
    );

    let sent = deliver(&mut reporter);
    assert_eq!(
        sent,
        vec![(
            7,
            ReportEvent {
                kind: EventType::Exposure,
                rule: "hero-returning".into(),
                variant: "welcome-back".into(),
                slot: "hero".into(),
                control: false,
                goal: None,
                minute: T0 / 60,
            }
        )]
    );
    let mut reporter = reload(&reporter);
    assert!(deliver(&mut reporter).is_empty(), "delivered once only");
}

#[test]
fn a_new_variant_of_the_same_rule_is_a_new_exposure_under_its_bundle() {
    let v7 = program(7, "welcome-back", 0);
    let v8 = program(8, "welcome-v2", 0);
    let mut device = Device::new(&v7, true);
    let mut reporter = Reporter::new();
    let d = device.decide(&v7, "hero");
    assert!(reporter.on_rendered(&v7, &d, T0).is_some());

    let mut reporter = reload(&reporter);
    reporter.retain_rules(&v8);
    let d = device.decide(&v8, "hero");
    assert_eq!(d.variant_id(&v8), "welcome-v2");
    assert!(reporter.on_rendered(&v8, &d, T0 + 60).is_some());
    assert!(reporter.on_rendered(&v8, &d, T0 + 120).is_none());

    // One batch per bundle version: the v7 exposure is not relabelled as v8.
    let sent = deliver(&mut reporter);
    let got: Vec<(u64, &str)> = sent.iter().map(|(b, e)| (*b, e.variant.as_str())).collect();
    assert_eq!(got, vec![(7, "welcome-back"), (8, "welcome-v2")]);
}

#[test]
fn control_and_holdout_exposures_carry_control_and_the_default_variant() {
    let program_ = program(7, "welcome-back", 0);
    let mut device = Device::new(&program_, true);
    let mut reporter = Reporter::new();
    let d = device.decide(&program_, "cta");
    assert_eq!(d.reason, Reason::Control);
    assert!(reporter.on_rendered(&program_, &d, T0).is_some());

    let held_out = program(9, "welcome-back", 100);
    let d = device.decide(&held_out, "hero");
    assert_eq!(d.reason, Reason::Holdout);
    assert!(reporter.on_rendered(&held_out, &d, T0).is_some());

    let sent = deliver(&mut reporter);
    let got: Vec<(&str, &str, bool)> = sent
        .iter()
        .map(|(_, e)| (e.rule.as_str(), e.variant.as_str(), e.control))
        .collect();
    assert_eq!(
        got,
        vec![
            ("cta-control", "original", true),
            ("hero-returning", "default", true)
        ]
    );
}

#[test]
fn decisions_without_a_rule_report_nothing() {
    let program = program(7, "welcome-back", 0);
    let mut device = Device::new(&program, false);
    let mut reporter = Reporter::new();
    for slot in ["footer", "hero"] {
        let d = device.decide(&program, slot);
        assert_eq!(d.reason, Reason::NoRule, "{slot}");
        assert!(reporter.on_rendered(&program, &d, T0).is_none());
    }
    assert!(reporter.ledger().is_empty());
    assert!(reporter.outbox().is_empty());
    assert!(deliver(&mut reporter).is_empty());
}

#[test]
fn conversions_follow_an_exposure_once_per_rule_and_goal_across_reloads() {
    let program = program(7, "welcome-back", 0);
    let mut device = Device::new(&program, true);
    let mut reporter = Reporter::new();

    device.track(&program, "signup");
    assert_eq!(
        reporter.on_tracked(&program, "signup", T0).len(),
        0,
        "before exposure"
    );

    let d = device.decide(&program, "hero");
    assert!(reporter.on_rendered(&program, &d, T0 + 60).is_some());
    assert_eq!(reporter.on_tracked(&program, "signup", T0 + 120).len(), 1);
    assert_eq!(
        reporter.on_tracked(&program, "signup", T0 + 180).len(),
        0,
        "twice"
    );

    let mut reporter = reload(&reporter);
    assert_eq!(
        reporter.on_tracked(&program, "signup", T0 + 240).len(),
        0,
        "reload"
    );
    assert_eq!(reporter.on_tracked(&program, "upgraded", T0 + 300).len(), 1);

    let sent = deliver(&mut reporter);
    let conversions: Vec<(&str, &str, Option<&str>, i64)> = sent
        .iter()
        .filter(|(_, e)| e.kind == EventType::Conversion)
        .map(|(_, e)| {
            (
                e.rule.as_str(),
                e.variant.as_str(),
                e.goal.as_deref(),
                e.minute,
            )
        })
        .collect();
    assert_eq!(
        conversions,
        vec![
            (
                "hero-returning",
                "welcome-back",
                Some("signup"),
                T0 / 60 + 2
            ),
            (
                "hero-returning",
                "welcome-back",
                Some("upgraded"),
                T0 / 60 + 5
            ),
        ]
    );
    let mut reporter = reload(&reporter);
    assert_eq!(reporter.on_tracked(&program, "upgraded", T0 + 360).len(), 0);
}

#[test]
fn goals_of_rules_never_exposed_convert_nothing() {
    let program = program(7, "welcome-back", 0);
    let mut device = Device::new(&program, true);
    let mut reporter = Reporter::new();
    let d = device.decide(&program, "cta");
    assert!(reporter.on_rendered(&program, &d, T0).is_some());

    // `upgraded` is a goal of hero-returning only, which this device never saw.
    assert_eq!(reporter.on_tracked(&program, "upgraded", T0).len(), 0);
    // `signup` is a goal of three rules; only cta-control was exposed.
    assert_eq!(reporter.on_tracked(&program, "signup", T0).len(), 1);
    let sent = deliver(&mut reporter);
    let conversion = &sent.last().unwrap().1;
    assert_eq!(conversion.kind, EventType::Conversion);
    assert_eq!(conversion.rule, "cta-control");
    assert_eq!(conversion.variant, "original");
    assert!(conversion.control);
    assert!(!reporter
        .ledger()
        .conversion_reported("never-shown", "signup"));
}

#[test]
fn a_full_outbox_drops_the_oldest_and_reports_the_count_until_confirmed() {
    let mut outbox = Outbox::new();
    for i in 0..OUTBOX_CAPACITY + 10 {
        outbox.push(7, event(&format!("r{i}"), 1)).unwrap();
    }
    assert_eq!(outbox.len(), OUTBOX_CAPACITY);
    assert_eq!(outbox.dropped(), 10);

    let batches = outbox.take_batches(SITE, &mut ids()).unwrap();
    let first = Batch::parse(batches[0].body.as_bytes()).unwrap();
    assert_eq!(first.dropped, 10);
    let rules: Vec<String> = events_of(&batches)
        .into_iter()
        .map(|(_, e)| e.rule)
        .collect();
    let expected: Vec<String> = (10..OUTBOX_CAPACITY + 10)
        .map(|i| format!("r{i}"))
        .collect();
    assert_eq!(rules, expected, "the ten oldest were dropped");

    // Failed: the count stays, in the same batch.
    for b in &batches {
        assert!(outbox.fail(&b.id));
    }
    assert_eq!(outbox.dropped(), 10);
    let again = outbox.take_batches(SITE, &mut ids()).unwrap();
    assert_eq!(Batch::parse(again[0].body.as_bytes()).unwrap().dropped, 10);

    // Confirmed: reset, and the next batch reports none.
    for b in &again {
        assert!(outbox.confirm(&b.id));
    }
    assert_eq!(outbox.dropped(), 0);
    outbox.push(7, event("later", 2)).unwrap();
    let next = outbox.take_batches(SITE, &mut ids()).unwrap();
    assert_eq!(Batch::parse(next[0].body.as_bytes()).unwrap().dropped, 0);
}

#[test]
fn overflow_while_batches_wait_trims_the_oldest_batch_under_its_id() {
    let mut outbox = Outbox::new();
    for i in 0..300 {
        outbox.push(7, event(&format!("old{i}"), 1)).unwrap();
    }
    let first = outbox.take_batches(SITE, &mut ids()).unwrap();
    assert_eq!(first.len(), 1);
    assert!(outbox.fail(&first[0].id));
    for i in 0..300 {
        outbox.push(7, event(&format!("new{i}"), 2)).unwrap();
    }
    assert_eq!(outbox.len(), OUTBOX_CAPACITY);
    assert_eq!(outbox.dropped(), 100);

    let mut source = ids();
    let batches = outbox.take_batches(SITE, &mut source).unwrap();
    assert_eq!(batches[0].id, first[0].id, "the retry keeps its id");
    assert!(batches[0].retry);
    let retry = Batch::parse(batches[0].body.as_bytes()).unwrap();
    assert_eq!(retry.dropped, 100);
    assert_eq!(retry.events.first().unwrap().rule, "old100");
    assert_eq!(events_of(&batches).len(), OUTBOX_CAPACITY);

    // Everything in flight: an incoming event cannot displace what the transport holds.
    outbox.push(7, event("incoming", 3)).unwrap();
    assert_eq!(outbox.len(), OUTBOX_CAPACITY);
    assert_eq!(outbox.dropped(), 101);
    assert!(
        outbox.take_batches(SITE, &mut source).unwrap().is_empty(),
        "no empty batch just to carry a count"
    );
}

#[test]
fn a_large_queue_is_split_into_batches_under_the_limit_each_event_once() {
    let long = "x".repeat(60);
    let mut outbox = Outbox::new();
    let mut pushed = Vec::new();
    for i in 0..OUTBOX_CAPACITY {
        let e = ReportEvent {
            kind: EventType::Conversion,
            rule: format!("{long}{i:04}"),
            variant: format!("{long}-var"),
            slot: format!("{long}slot"),
            control: i % 2 == 0,
            goal: Some(format!("{long}goal")),
            minute: i64::MAX,
        };
        // Two bundle versions interleaved: batches never mix them.
        let bundle = 7 + (i as u64 % 2);
        outbox.push(bundle, e.clone()).unwrap();
        pushed.push((bundle, e));
    }
    let site = "s".repeat(MAX_SITE_BYTES);
    let batches = outbox.take_batches(&site, &mut ids()).unwrap();
    assert!(batches.len() >= 4, "{} batches", batches.len());
    for b in &batches {
        assert!(b.body.len() < MAX_BATCH_BYTES, "{} bytes", b.body.len());
        assert!(b.events > 0 && b.events <= MAX_EVENTS_PER_BATCH);
        assert!(!b.retry);
    }
    let ids: HashSet<&str> = batches.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids.len(), batches.len(), "batch ids are unique");

    let mut sent = events_of(&batches);
    let key = |(b, e): &(u64, ReportEvent)| (*b, e.rule.clone());
    sent.sort_by_key(key);
    pushed.sort_by_key(key);
    assert_eq!(sent, pushed, "every event exactly once, under its bundle");

    assert!(outbox
        .take_batches(SITE, &mut ids_from(1000))
        .unwrap()
        .is_empty());
}

fn ids_from(start: u128) -> impl FnMut() -> [u8; 16] {
    let mut n = start;
    move || {
        n += 1;
        n.to_be_bytes()
    }
}

#[test]
fn a_failed_batch_is_sent_again_with_the_same_id_and_body() {
    let program = program(7, "welcome-back", 0);
    let mut device = Device::new(&program, true);
    let mut reporter = Reporter::new();
    let d = device.decide(&program, "hero");
    reporter.on_rendered(&program, &d, T0);

    let mut source = ids();
    let first = reporter.batches(SITE, &mut source).unwrap();
    assert_eq!(first.len(), 1);
    assert!(
        reporter.batches(SITE, &mut source).unwrap().is_empty(),
        "not handed out twice while in flight"
    );
    assert!(reporter.fail(&first[0].id));
    assert!(!reporter.fail(&first[0].id), "no longer in flight");

    let second = reporter.batches(SITE, &mut source).unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].id, first[0].id);
    assert_eq!(second[0].body, first[0].body);
    assert!(second[0].retry);
    assert!(reporter.confirm(&second[0].id));
    assert!(!reporter.confirm(&second[0].id));
    assert!(reporter.outbox().is_empty());
}

#[test]
fn a_batch_in_flight_when_the_page_goes_away_is_restored_with_its_id() {
    let program = program(7, "welcome-back", 0);
    let mut device = Device::new(&program, true);
    let mut reporter = Reporter::new();
    let d = device.decide(&program, "hero");
    reporter.on_rendered(&program, &d, T0);
    let in_flight = reporter.batches(SITE, &mut ids()).unwrap();
    assert_eq!(reporter.outbox().in_flight(), 1);

    // pagehide: the keepalive fetch has not answered; the state is stored as is.
    let mut next_page = reload(&reporter);
    let d = device.decide(&program, "cta");
    next_page.on_rendered(&program, &d, T0 + 60);
    let batches = next_page.batches(SITE, &mut ids_from(50)).unwrap();
    assert_eq!(batches.len(), 2);
    assert_eq!(batches[0].id, in_flight[0].id);
    assert_eq!(batches[0].body, in_flight[0].body);
    assert!(batches[0].retry && !batches[1].retry);
    assert_ne!(batches[1].id, in_flight[0].id);
}

/// One rule of a ledger as the snapshot writes it: id, last (variant, slot), flags (bit 0:
/// control, bit 1: beacon), the minute last used, the reported variants, the converted goals.
type LedgerRule = (String, String, String, u8, i64, Vec<String>, Vec<String>);

/// A ledger written by hand in the format documented on `ExposureLedger::to_snapshot`.
fn ledger_bytes(rules: &[LedgerRule]) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(b"L\x01");
    w.uint(rules.len() as u64);
    for (rule, variant, slot, flags, touched, variants, goals) in rules {
        w.text(rule);
        w.text(variant);
        w.text(slot);
        w.u8(*flags);
        w.int(*touched);
        for set in [variants, goals] {
            w.uint(set.len() as u64);
            for item in set {
                w.text(item);
            }
        }
    }
    w.finish()
}

/// A batch as the outbox stores it: id, bundle version, events (as [`event_bytes`] writes them).
type StoredBatch = ([u8; 16], u64, Vec<Vec<u8>>);

/// An outbox written by hand in the format documented on `Outbox::to_snapshot`: batches of
/// (id, bundle, dropped, events) and queued (bundle, event); an event is written with
/// [`event_bytes`].
fn outbox_bytes(batches: &[StoredBatch], queued: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(b"O\x01");
    w.uint(0);
    w.uint(batches.len() as u64);
    for (id, bundle, events) in batches {
        w.raw(id);
        w.uint(*bundle);
        w.uint(0);
        w.uint(events.len() as u64);
        for e in events {
            w.raw(e);
        }
    }
    w.uint(queued.len() as u64);
    for (bundle, e) in queued {
        w.uint(*bundle);
        w.raw(e);
    }
    w.finish()
}

/// An event as the outbox writes it: flags (bit 0: conversion, bit 1: control), rule, variant,
/// slot, the goal of a conversion, the minute.
fn event_bytes(flags: u8, rule: &str, goal: Option<&str>, minute: u64) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(flags);
    w.text(rule);
    w.text("v");
    w.text("s");
    if let Some(goal) = goal {
        w.text(goal);
    }
    w.uint(minute);
    w.finish()
}

#[test]
fn the_documented_snapshot_formats_are_the_formats() {
    let mut ledger = ExposureLedger::new();
    let exposure = Exposure {
        rule: "r",
        variant: "v",
        slot: "s",
        control: true,
    };
    ledger.record_exposure(exposure, 120, true).unwrap();
    let by_hand = ledger_bytes(&[(
        "r".into(),
        "v".into(),
        "s".into(),
        3,
        2,
        vec!["v".into()],
        vec![],
    )]);
    assert_eq!(ledger.to_snapshot(), by_hand);

    let mut outbox = Outbox::new();
    outbox.push(7, event("a", 1)).unwrap();
    let batch = outbox.take_batches(SITE, &mut ids()).unwrap();
    outbox.fail(&batch[0].id);
    outbox.push(8, event("b", 2)).unwrap();
    let id = 1u128.to_be_bytes();
    let by_hand = outbox_bytes(
        &[(id, 7, vec![event_bytes(0, "a", None, 1)])],
        &[(8, event_bytes(0, "b", None, 2))],
    );
    assert_eq!(outbox.to_snapshot(), by_hand);
}

#[test]
fn corrupt_or_foreign_snapshots_are_refused() {
    let program = program(7, "welcome-back", 0);
    let mut device = Device::new(&program, true);
    let mut reporter = Reporter::new();
    let d = device.decide(&program, "hero");
    reporter.on_rendered(&program, &d, T0);
    reporter.fail("nothing");
    let good = reporter.snapshot();
    assert!(ExposureLedger::from_snapshot(&good.ledger).is_ok());

    let replaced = |bytes: &[u8], from: &[u8], to: &[u8]| -> Vec<u8> {
        let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
        let mut out = bytes.to_vec();
        out[at..at + from.len()].copy_from_slice(to);
        out
    };
    let ok_rule = |flags: u8, variants: usize, goals: usize| -> LedgerRule {
        let ids = |tag: &str, n: usize| (0..n).map(|i| format!("{tag}{i}")).collect();
        (
            "r".into(),
            "v".into(),
            "s".into(),
            flags,
            0,
            ids("v", variants),
            ids("g", goals),
        )
    };
    let corrupt = |e: &LedgerError| matches!(e, LedgerError::Corrupt { .. });
    let version = |e: &LedgerError| matches!(e, LedgerError::UnsupportedVersion);
    type LedgerCheck = fn(&LedgerError) -> bool;
    let mut trailing = good.ledger.clone();
    trailing.push(0);
    let mut padded = good.ledger.clone();
    padded.resize(MAX_LEDGER_BYTES + 1, 0);
    let too_many_rules: Vec<LedgerRule> = (0..=MAX_LEDGER_RULES)
        .map(|i| {
            (
                format!("r{i}"),
                "v".into(),
                "s".into(),
                0,
                0,
                vec!["v".into()],
                vec![],
            )
        })
        .collect();
    let ledgers: Vec<(&str, Vec<u8>, LedgerCheck)> = vec![
        ("text", b"nope".to_vec(), version),
        (
            "the JSON of format 1",
            br#"{"v":1,"r":{}}"#.to_vec(),
            version,
        ),
        (
            "format 2",
            replaced(&good.ledger, b"L\x01", b"L\x02"),
            version,
        ),
        ("an outbox", good.outbox.clone(), version),
        (
            "an id with a space",
            replaced(&good.ledger, b"welcome-back", b"welcome back"),
            corrupt,
        ),
        ("bytes left over", trailing, corrupt),
        ("unknown flags", ledger_bytes(&[ok_rule(4, 1, 0)]), corrupt),
        (
            "no variant reported",
            ledger_bytes(&[ok_rule(0, 0, 1)]),
            corrupt,
        ),
        (
            "a rule twice",
            ledger_bytes(&[ok_rule(0, 1, 0), ok_rule(0, 1, 0)]),
            corrupt,
        ),
        (
            "too many variants",
            ledger_bytes(&[ok_rule(0, MAX_VARIANTS_PER_RULE + 1, 0)]),
            corrupt,
        ),
        (
            "too many goals",
            ledger_bytes(&[ok_rule(0, 1, MAX_GOALS_PER_RULE + 1)]),
            corrupt,
        ),
        ("too many rules", ledger_bytes(&too_many_rules), corrupt),
        ("too large", padded, |e| {
            matches!(e, LedgerError::TooLarge { .. })
        }),
    ];
    for (what, bytes, check) in &ledgers {
        match ExposureLedger::from_snapshot(bytes) {
            Ok(_) => panic!("{what}: accepted"),
            Err(e) => assert!(check(&e), "{what}: {e:?}"),
        }
    }
    for len in 0..good.ledger.len() {
        assert!(
            ExposureLedger::from_snapshot(&good.ledger[..len]).is_err(),
            "cut at {len}"
        );
    }

    let id = [0xab; 16];
    let exposure = event_bytes(0, "r", None, 1);
    assert!(Outbox::from_snapshot(&outbox_bytes(&[(id, 7, vec![exposure.clone()])], &[])).is_ok());
    let corrupt = |e: &OutboxSnapshotError| matches!(e, OutboxSnapshotError::Corrupt { .. });
    let version = |e: &OutboxSnapshotError| matches!(e, OutboxSnapshotError::UnsupportedVersion);
    type OutboxCheck = fn(&OutboxSnapshotError) -> bool;
    let mut padded = good.outbox.clone();
    padded.resize(MAX_OUTBOX_BYTES + 1, 0);
    let outboxes: Vec<(&str, Vec<u8>, OutboxCheck)> = vec![
        ("JSON", b"[]".to_vec(), version),
        (
            "format 9",
            replaced(&good.outbox, b"O\x01", b"O\x09"),
            version,
        ),
        ("a ledger", good.ledger.clone(), version),
        (
            "an empty batch",
            outbox_bytes(&[(id, 7, vec![])], &[]),
            corrupt,
        ),
        (
            "an invalid rule id",
            outbox_bytes(&[(id, 7, vec![event_bytes(0, "r r", None, 1)])], &[]),
            corrupt,
        ),
        (
            "unknown event flags",
            outbox_bytes(&[], &[(7, event_bytes(4, "r", None, 1))]),
            corrupt,
        ),
        (
            "a conversion without a valid goal",
            outbox_bytes(&[], &[(7, event_bytes(1, "r", Some(""), 1))]),
            corrupt,
        ),
        (
            "a minute past i64",
            outbox_bytes(&[], &[(7, event_bytes(0, "r", None, u64::MAX))]),
            corrupt,
        ),
        (
            "over capacity",
            outbox_bytes(&[], &vec![(7, exposure.clone()); OUTBOX_CAPACITY + 1]),
            corrupt,
        ),
        (
            "a batch id twice",
            outbox_bytes(
                &[(id, 7, vec![exposure.clone()]), (id, 7, vec![exposure])],
                &[],
            ),
            corrupt,
        ),
        ("too large", padded, |e| {
            matches!(e, OutboxSnapshotError::TooLarge { .. })
        }),
    ];
    for (what, bytes, check) in &outboxes {
        match Outbox::from_snapshot(bytes) {
            Ok(_) => panic!("{what}: accepted"),
            Err(e) => assert!(check(&e), "{what}: {e:?}"),
        }
    }
    for len in 0..good.outbox.len() {
        assert!(
            Outbox::from_snapshot(&good.outbox[..len]).is_err(),
            "cut at {len}"
        );
    }

    // A damaged outbox costs only the outbox: the ledger still deduplicates.
    let (mut restored, problems) = Reporter::restore(Some(&good.ledger), Some(b"{"));
    assert!(matches!(problems.as_slice(), [RestoreProblem::Outbox(_)]));
    assert!(restored.on_rendered(&program, &d, T0).is_none());
    assert!(restored.outbox().is_empty());
    // And the other way round.
    let (mut restored, problems) = Reporter::restore(Some(b"L"), Some(&good.outbox));
    assert!(matches!(problems.as_slice(), [RestoreProblem::Ledger(_)]));
    assert_eq!(restored.outbox().len(), 1);
    assert!(restored.on_rendered(&program, &d, T0).is_some());
}

#[test]
fn full_ledger_and_outbox_snapshots_fit_their_caps() {
    // The largest ledger the caps allow: every rule at the cap, every id 64 bytes, every fact
    // used, every rule with a goal.
    let id = |tag: &str, i: usize| format!("{tag}{i:06}{}", "z".repeat(64 - tag.len() - 6));
    let facts_per_rule = MAX_LEDGER_FACTS / MAX_LEDGER_RULES;
    let rules: Vec<LedgerRule> = (0..MAX_LEDGER_RULES)
        .map(|r| {
            let variants: Vec<String> = (1..facts_per_rule).map(|i| id("v", i)).collect();
            let goals = vec![id("g", r)];
            (
                id("r", r),
                id("v", 1),
                id("s", r),
                3,
                i64::MAX,
                variants,
                goals,
            )
        })
        .collect();
    let bytes = ledger_bytes(&rules);
    assert!(bytes.len() < MAX_LEDGER_BYTES, "{} bytes", bytes.len());
    let ledger = ExposureLedger::from_snapshot(&bytes).unwrap();
    assert_eq!(ledger.len(), MAX_LEDGER_RULES);
    assert_eq!(
        ExposureLedger::from_snapshot(&ledger.to_snapshot()),
        Ok(ledger)
    );

    // The largest outbox: full, longest ids and numbers, every event in its own failed batch.
    let mut outbox = Outbox::new();
    let mut source = ids();
    for i in 0..OUTBOX_CAPACITY {
        let e = ReportEvent {
            kind: EventType::Conversion,
            rule: id("r", i),
            variant: id("v", i),
            slot: id("s", i),
            control: false,
            goal: Some(id("g", i)),
            minute: i64::MAX,
        };
        outbox.push(u64::MAX, e).unwrap();
        for b in outbox.take_batches(SITE, &mut source).unwrap() {
            outbox.fail(&b.id);
        }
    }
    let bytes = outbox.to_snapshot();
    assert!(bytes.len() < MAX_OUTBOX_BYTES, "{} bytes", bytes.len());
    let restored = Outbox::from_snapshot(&bytes).unwrap();
    assert_eq!(restored.len(), OUTBOX_CAPACITY);
    assert_eq!(restored.to_snapshot(), bytes);
}

#[test]
fn nothing_sent_identifies_the_device_or_reveals_its_signals() {
    let v7 = program(7, "welcome-back", 0);
    let v8 = program(8, "welcome-v2", 0);
    let mut device = Device::new(&v7, true);
    let mut reporter = Reporter::new();
    let mut bodies = Vec::new();
    let mut source = ids();

    for slot in ["hero", "cta", "footer"] {
        let d = device.decide(&v7, slot);
        reporter.on_rendered(&v7, &d, T0);
    }
    device.track(&v7, "signup");
    reporter.on_tracked(&v7, "signup", T0 + 30);
    let failed = reporter.batches(SITE, &mut source).unwrap();
    bodies.extend(failed.iter().map(|b| b.body.clone()));
    for b in &failed {
        reporter.fail(&b.id);
    }
    let mut reporter = reload(&reporter);
    let d = device.decide(&v8, "hero");
    reporter.on_rendered(&v8, &d, T0 + 90);
    reporter.on_tracked(&v8, "upgraded", T0 + 95);
    for b in reporter.batches(SITE, &mut source).unwrap() {
        reporter.confirm(&b.id);
        bodies.push(b.body);
    }

    assert!(bodies.len() >= 3);
    let secrets = [
        UNIT,
        "SECRETUNIT",
        PLAN,
        "SECRETPLAN",
        "tier",
        "free",
        "dashboard",
    ];
    for body in &bodies {
        for secret in secrets {
            assert!(!body.contains(secret), "{secret:?} sent in {body}");
        }
        // Only the documented fields, at both levels.
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        let keys = |v: &serde_json::Value| -> Vec<String> {
            v.as_object().unwrap().keys().cloned().collect()
        };
        assert_eq!(
            keys(&value),
            ["batch", "bundle", "dropped", "events", "schema", "site"]
        );
        for e in value["events"].as_array().unwrap() {
            for k in keys(e) {
                assert!(
                    ["type", "rule", "variant", "slot", "control", "goal", "minute"]
                        .contains(&k.as_str()),
                    "unexpected event field {k}"
                );
            }
        }
    }
}

#[test]
fn sampling_is_deterministic_monotone_and_near_its_rate() {
    let units: Vec<String> = (0..20_000).map(|i| format!("device-{i}")).collect();
    let share = |rate: u32| units.iter().filter(|u| sampled(u, rate)).count() as f64 / 20_000.0;
    assert!((share(2_500) - 0.25).abs() < 0.015, "{}", share(2_500));
    assert!((share(500) - 0.05).abs() < 0.008, "{}", share(500));
    assert_eq!(share(0), 0.0);
    assert_eq!(share(10_000), 1.0);
    for u in &units {
        assert_eq!(sampled(u, 2_500), sampled(u, 2_500));
        if sampled(u, 1_000) {
            assert!(sampled(u, 2_500), "raising the rate drops no device");
        }
    }
    // Independent of rule assignment and holdout salts: a different salt, a different subset.
    let in_sample: Vec<bool> = units.iter().map(|u| sampled(u, 5_000)).collect();
    let in_holdout: Vec<bool> = units
        .iter()
        .map(|u| pathwise::bucketing::in_holdout(u, 5_000))
        .collect();
    assert_ne!(in_sample, in_holdout);
}

#[test]
fn a_device_out_of_the_sample_records_for_the_page_but_sends_nothing() {
    let program = program(7, "welcome-back", 0);
    let mut device = Device::new(&program, true);
    let mut reporter = Reporter::new();
    reporter.set_reporting(false);
    let d = device.decide(&program, "hero");
    // The page still gets its exposure and conversion events (for its own analytics), once
    // per device, but nothing is queued for the collector.
    assert!(reporter.on_rendered(&program, &d, T0).is_some());
    assert!(reporter.on_rendered(&program, &d, T0 + 10).is_none());
    assert_eq!(reporter.on_tracked(&program, "signup", T0).len(), 1);
    assert!(reporter.outbox().is_empty());
    assert!(!reporter.ledger().beacon("hero-returning"));
    assert!(deliver(&mut reporter).is_empty());

    // Joining the sample later starts the rule afresh: its exposure is returned again and sent,
    // then its conversions, so the collector never sees a conversion without its exposure.
    let mut reporter = reload(&reporter);
    reporter.set_reporting(true);
    assert!(reporter.on_rendered(&program, &d, T0 + 60).is_some());
    assert_eq!(reporter.on_tracked(&program, "signup", T0 + 60).len(), 1);
    let sent: Vec<EventType> = deliver(&mut reporter)
        .into_iter()
        .map(|(_, e)| e.kind)
        .collect();
    assert_eq!(sent, [EventType::Exposure, EventType::Conversion]);
}

#[test]
fn events_and_sites_the_collector_would_refuse_are_refused_up_front() {
    let mut outbox = Outbox::new();
    let mut bad = event("has space", 1);
    assert!(matches!(
        outbox.push(7, bad.clone()),
        Err(OutboxError::InvalidEvent { .. })
    ));
    bad.rule = "r".into();
    bad.goal = Some("g".into());
    assert!(outbox.push(7, bad).is_err(), "exposure with a goal");
    assert!(outbox.push(7, event("r", -1)).is_err(), "negative minute");
    assert!(outbox.is_empty());

    outbox.push(7, event("r", 1)).unwrap();
    for site in ["", "a\"b", "x\\y", "caf\u{e9}.example"] {
        assert!(matches!(
            outbox.take_batches(site, &mut ids()),
            Err(OutboxError::InvalidSite(_))
        ));
    }
    assert_eq!(outbox.in_flight(), 0, "nothing changed");
    assert_eq!(outbox.take_batches(SITE, &mut ids()).unwrap().len(), 1);
}

#[test]
fn a_repeating_id_source_leaves_events_queued_rather_than_reusing_an_id() {
    let mut outbox = Outbox::new();
    outbox.push(7, event("a", 1)).unwrap();
    outbox.push(8, event("b", 1)).unwrap();
    let mut constant = || [7u8; 16];
    let first = outbox.take_batches(SITE, &mut constant).unwrap();
    assert_eq!(first.len(), 1, "the second batch would repeat the id");
    assert_eq!(outbox.len(), 2);
    assert!(outbox.confirm(&first[0].id));
    let second = outbox.take_batches(SITE, &mut constant).unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(events_of(&second)[0].0, 8);
}

#[test]
fn a_decision_is_reported_as_the_engine_decided_it() {
    // The exposure comes from the decision only: a hand-made one behaves like the engine's.
    let program = program(7, "welcome-back", 0);
    let hero = program.slot("hero").unwrap() as u32;
    let rule = program
        .rule_ids()
        .position(|r| r == "hero-returning")
        .unwrap() as u32;
    let d = Decision {
        slot: hero,
        rule: Some(rule),
        variant: None,
        control: false,
        reason: Reason::NoRule,
    };
    assert_eq!(Exposure::of(&d, &program), None, "NoRule");
    let overridden = Decision {
        reason: Reason::Override,
        ..d
    };
    assert_eq!(
        Exposure::of(&overridden, &program),
        None,
        "a preview override"
    );
    let d = Decision {
        reason: Reason::Control,
        control: true,
        ..d
    };
    let exposure = Exposure::of(&d, &program).unwrap();
    assert_eq!(
        exposure,
        Exposure {
            rule: "hero-returning",
            variant: "default",
            slot: "hero",
            control: true
        }
    );
    let e = ExposureLedger::new()
        .record_exposure(exposure, -5, true)
        .unwrap();
    assert_eq!(
        e.minute, 0,
        "a clock before 1970 reports minute 0, never a refused event"
    );
}

#[cfg(feature = "schema")]
#[test]
fn the_payload_schema_describes_the_batch_and_forbids_extra_fields() {
    let schema = pathwise::report::payload_schema();
    let props = schema["properties"].as_object().unwrap();
    let mut keys: Vec<&str> = props.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["batch", "bundle", "dropped", "events", "schema", "site"]
    );
    assert_eq!(schema["additionalProperties"], json!(false));
    // What `Batch::validate` checks is stated in the schema, for collectors without this crate.
    assert_eq!(props["schema"]["const"], json!(1));
    assert_eq!(props["batch"]["pattern"], json!("^[0-9a-f]{32}$"));
    assert_eq!(props["site"]["maxLength"], json!(253));
    assert_eq!(props["events"]["minItems"], json!(1));
    assert_eq!(props["events"]["maxItems"], json!(1000));
    let event = &schema["$defs"]["ReportEvent"];
    assert_eq!(event["additionalProperties"], json!(false));
    for id in ["rule", "variant", "slot", "goal"] {
        assert_eq!(
            event["properties"][id]["pattern"],
            json!("^[A-Za-z0-9_.-]{1,64}$"),
            "{id}"
        );
    }
    assert_eq!(event["properties"]["minute"]["minimum"], json!(0));
    assert_eq!(event["then"], json!({ "required": ["goal"] }));
    let text = schema.to_string();
    assert!(text.contains("\"conversion\"") && text.contains("\"exposure\""));
}
