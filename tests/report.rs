//! Exposure and conversion reporting: the ledger (once per device, across reloads), which events
//! go to the collector, sampling, and the privacy of every event sent. Holding, batching and
//! retrying them is the browser shell's outbox (js/outbox.js, tests/e2e/outbox.test.mjs).

// Tests may unwrap and panic: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pathwise::bundle::parse_bundle;
use pathwise::codec::Writer;
use pathwise::engine::Context;
use pathwise::engine::{Decision, Reason, RenderHistory};
use pathwise::program::{self, Program};
use pathwise::report::ledger::{
    LedgerError, MAX_GOALS_PER_RULE, MAX_LEDGER_BYTES, MAX_LEDGER_FACTS, MAX_LEDGER_RULES,
    MAX_VARIANTS_PER_RULE,
};
use pathwise::report::payload::{Batch, EventType, ReportEvent, PAYLOAD_SCHEMA};
use pathwise::report::{sampled, Exposure, ExposureLedger, Reporter};
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

/// The reporter of a device that reports, with what the shell's outbox holds: every event the
/// reporter sent to the collector and not yet delivered.
struct Reporting {
    reporter: Reporter,
    outbox: Vec<(u64, ReportEvent)>,
}

impl Reporting {
    fn new() -> Reporting {
        let mut reporter = Reporter::new();
        reporter.set_reporting(true);
        Reporting {
            reporter,
            outbox: Vec::new(),
        }
    }

    fn set_reporting(&mut self, reporting: bool) {
        self.reporter.set_reporting(reporting);
    }

    fn ledger(&self) -> &ExposureLedger {
        self.reporter.ledger()
    }

    fn retain_rules(&mut self, program: &Program) {
        self.reporter.retain_rules(program);
    }

    fn on_rendered(&mut self, program: &Program, d: &Decision, now: i64) -> Option<ReportEvent> {
        let recorded = self.reporter.on_rendered(program, d, now)?;
        if recorded.send {
            self.outbox
                .push((program.version(), recorded.event.clone()));
        }
        Some(recorded.event)
    }

    fn on_tracked(&mut self, program: &Program, event: &str, now: i64) -> Vec<ReportEvent> {
        let mut out = Vec::new();
        for recorded in self.reporter.on_tracked(program, event, now) {
            if recorded.send {
                self.outbox
                    .push((program.version(), recorded.event.clone()));
            }
            out.push(recorded.event);
        }
        out
    }
}

/// A simulated reload: the reporter is rebuilt from its stored ledger only (the outbox is the
/// shell's, stored apart).
fn reload(r: &Reporting) -> Reporting {
    let mut reporter = Reporter::new();
    reporter.restore_ledger(&r.reporter.snapshot()).unwrap();
    reporter.set_reporting(r.reporter.reporting());
    Reporting {
        reporter,
        outbox: r.outbox.clone(),
    }
}

/// A beacon body carrying `events` decided under `bundle`, as the shell writes it.
fn body(bundle: u64, events: Vec<ReportEvent>) -> String {
    Batch {
        schema: PAYLOAD_SCHEMA,
        site: SITE.into(),
        bundle,
        batch: "0123456789abcdef0123456789abcdef".into(),
        dropped: 0,
        events,
    }
    .to_json()
}

/// Delivers everything the outbox holds, each event through the collector's own gate; returns
/// the delivered events.
fn deliver(r: &mut Reporting) -> Vec<(u64, ReportEvent)> {
    let sent = core::mem::take(&mut r.outbox);
    for (bundle, e) in &sent {
        Batch::parse(body(*bundle, vec![e.clone()]).as_bytes()).unwrap();
    }
    sent
}

#[test]
fn an_exposure_is_reported_once_per_rule_and_variant_across_reloads() {
    let program = program(7, "welcome-back", 0);
    let mut device = Device::new(&program, true);
    let mut reporter = Reporting::new();

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
    let mut reporter = Reporting::new();
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
    let mut reporter = Reporting::new();
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
    let mut reporter = Reporting::new();
    for slot in ["footer", "hero"] {
        let d = device.decide(&program, slot);
        assert_eq!(d.reason, Reason::NoRule, "{slot}");
        assert!(reporter.on_rendered(&program, &d, T0).is_none());
    }
    assert!(reporter.ledger().is_empty());
    assert!(reporter.outbox.is_empty());
    assert!(deliver(&mut reporter).is_empty());
}

#[test]
fn conversions_follow_an_exposure_once_per_rule_and_goal_across_reloads() {
    let program = program(7, "welcome-back", 0);
    let mut device = Device::new(&program, true);
    let mut reporter = Reporting::new();

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
    let mut reporter = Reporting::new();
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
}

#[test]
fn corrupt_or_foreign_snapshots_are_refused() {
    let program = program(7, "welcome-back", 0);
    let mut device = Device::new(&program, true);
    let mut reporter = Reporting::new();
    let d = device.decide(&program, "hero");
    reporter.on_rendered(&program, &d, T0);
    let good = reporter.reporter.snapshot();
    assert!(ExposureLedger::from_snapshot(&good).is_ok());

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
    let mut trailing = good.clone();
    trailing.push(0);
    let mut padded = good.clone();
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
        ("format 2", replaced(&good, b"L\x01", b"L\x02"), version),
        (
            "an id with a space",
            replaced(&good, b"welcome-back", b"welcome back"),
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
    for len in 0..good.len() {
        assert!(
            ExposureLedger::from_snapshot(&good[..len]).is_err(),
            "cut at {len}"
        );
    }

    // A damaged ledger starts afresh: the exposure is recorded (and reported) again.
    let mut restored = Reporter::new();
    assert!(restored.restore_ledger(b"L").is_err());
    assert!(restored.on_rendered(&program, &d, T0).is_some());
}

#[test]
fn a_full_ledger_snapshot_fits_its_cap() {
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
}

#[test]
fn nothing_sent_identifies_the_device_or_reveals_its_signals() {
    let v7 = program(7, "welcome-back", 0);
    let v8 = program(8, "welcome-v2", 0);
    let mut device = Device::new(&v7, true);
    let mut reporter = Reporting::new();

    for slot in ["hero", "cta", "footer"] {
        let d = device.decide(&v7, slot);
        reporter.on_rendered(&v7, &d, T0);
    }
    device.track(&v7, "signup");
    reporter.on_tracked(&v7, "signup", T0 + 30);
    let mut reporter = reload(&reporter);
    let d = device.decide(&v8, "hero");
    reporter.on_rendered(&v8, &d, T0 + 90);
    reporter.on_tracked(&v8, "upgraded", T0 + 95);
    // The bodies the shell sends: one per bundle version.
    let sent = deliver(&mut reporter);
    let bodies: Vec<String> = [7, 8]
        .iter()
        .map(|v| {
            body(
                *v,
                sent.iter()
                    .filter(|(b, _)| b == v)
                    .map(|(_, e)| e.clone())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(sent.len(), 6, "{sent:?}");
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
    let mut reporter = Reporting::new();
    reporter.set_reporting(false);
    let d = device.decide(&program, "hero");
    // The page still gets its exposure and conversion events (for its own analytics), once
    // per device, but nothing is queued for the collector.
    assert!(reporter.on_rendered(&program, &d, T0).is_some());
    assert!(reporter.on_rendered(&program, &d, T0 + 10).is_none());
    assert_eq!(reporter.on_tracked(&program, "signup", T0).len(), 1);
    assert!(reporter.outbox.is_empty());
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
