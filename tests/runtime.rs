//! The page's logic, natively: [`Runtime`] driven the way the browser shell drives it — restore
//! what the last page stored, start a page view, install the verified program, decide, show,
//! answer, navigate, store — with the clock, the page and storage as plain values.

// Tests may unwrap and panic: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pathwise::bundle::parse_bundle;
use pathwise::engine::RenderHistory;
use pathwise::envelope::MAX_VERSION_SKEW_SECONDS;
use pathwise::program::{self, Program};
use pathwise::report::payload::EventType;
use pathwise::runtime::{Effects, Key, Runtime, SESSION_GAP_SECONDS};
use pathwise::signals::PageContext;
use pathwise::time::{Clock, DAY_SECONDS};
use pathwise::value::Value;
use serde_json::json;

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600;
const HOUR: i64 = 3_600;
const VERSION: u64 = 1_767_000_000;
const UNIT: &str = "device-1";

/// `hero`: returning visitors (3+ visits in the last 7 days); `lapsed`: 14+ days since the last
/// visit; `banner`: role admin; `cta`: everyone. Each rule counts `signup` as a goal.
fn program_until(version: u64, expires_at: i64) -> Program {
    let bundle = json!({
        "schema": 1, "site": "acme.example", "version": version, "expires_at": expires_at,
        "signals": [
            { "name": "role", "kind": "string", "ttl_days": 30 },
            { "name": "signup", "kind": "event", "ttl_days": 30 }
        ],
        "slots": [
            { "id": "hero", "kind": "block" },
            { "id": "lapsed", "kind": "block" },
            { "id": "banner", "kind": "block" },
            { "id": "cta", "kind": "block", "default": "original" }
        ],
        "rules": [
            { "id": "hero-returning", "slot": "hero", "objective": "retention", "goals": ["signup"],
              "audience": { "event_count": { "event": "visit", "days": 7, "op": "gte", "value": 3 } },
              "variants": [ { "id": "welcome-back" } ] },
            { "id": "lapsed-back", "slot": "lapsed", "objective": "reengagement", "goals": ["signup"],
              "audience": { "days_since_event": { "event": "visit", "op": "gte", "value": 14 } },
              "variants": [ { "id": "missed-you" } ] },
            { "id": "banner-admin", "slot": "banner", "objective": "activation", "goals": ["signup"],
              "audience": { "signal": { "name": "role", "op": "eq", "value": "admin" } },
              "variants": [ { "id": "admin-banner" } ] },
            { "id": "cta-all", "slot": "cta", "objective": "activation", "goals": ["signup"],
              "variants": [ { "id": "green" } ] }
        ]
    });
    let bundle = parse_bundle(bundle.to_string().as_bytes()).unwrap();
    program::read(&program::compile(&bundle).unwrap()).unwrap()
}

fn program() -> Program {
    program_until(VERSION, T0 + 365 * DAY_SECONDS)
}

fn at(now: i64) -> Clock {
    Clock::utc(now)
}

fn page(path: &str) -> PageContext {
    PageContext {
        path: path.to_owned(),
        ..PageContext::default()
    }
}

/// What a page leaves in storage for the next one.
#[derive(Debug, Clone, Default)]
struct Stored {
    keys: Vec<(Key, Vec<u8>)>,
    accepted: Option<u64>,
    session: Option<i64>,
}

const SNAPSHOT_KEYS: [Key; 3] = [Key::Signals, Key::History, Key::Ledger];

/// Everything the runtime asks to store, as the shell stores it after each call.
fn save(rt: &Runtime) -> Stored {
    Stored {
        keys: SNAPSHOT_KEYS
            .iter()
            .map(|&key| (key, rt.snapshot(key)))
            .collect(),
        accepted: rt.accepted(),
        session: rt.last_activity(),
    }
}

/// A page load as the shell runs it: restore, start the page view, install the program (it
/// arrives after the view began), begin.
fn load(stored: &Stored, program: &Program, path: &str, now: i64) -> Runtime {
    let clock = at(now);
    let mut rt = Runtime::new(UNIT);
    for (key, bytes) in &stored.keys {
        rt.restore(*key, bytes, &clock);
    }
    rt.restore_numbers(stored.accepted, stored.session, &clock);
    rt.page_view(page(path), &clock);
    rt.install(program.clone(), &clock);
    rt.begin(&clock);
    rt
}

/// The variant a slot shows in this view (deciding it if needed).
fn variant(rt: &mut Runtime, slot: &str, now: i64) -> String {
    rt.decide(slot, &at(now)).unwrap().unwrap().variant.clone()
}

/// Renders of `rule` in the device's render history.
fn renders(rt: &Runtime, rule: &str) -> u32 {
    let history = RenderHistory::from_snapshot(&rt.snapshot(Key::History), &at(T0)).unwrap();
    history.count(rule, None, &at(T0))
}

fn rules_of(events: &[pathwise::report::payload::ReportEvent]) -> Vec<&str> {
    events.iter().map(|e| e.rule.as_str()).collect()
}

#[test]
fn three_visits_in_seven_days_means_three_earlier_visits() {
    let program = program();
    let mut stored = Stored::default();
    // One page load a day: each starts a session, so each records a visit.
    let mut seen = Vec::new();
    for day in 0..5 {
        let now = T0 + day * DAY_SECONDS;
        let mut rt = load(&stored, &program, "/", now);
        seen.push(variant(&mut rt, "hero", now));
        stored = save(&rt);
    }
    // The visit of the page itself only counts from the next view on: the fourth load is the
    // first with three earlier visits.
    assert_eq!(
        seen,
        [
            "default",
            "default",
            "default",
            "welcome-back",
            "welcome-back"
        ]
    );
}

#[test]
fn fourteen_days_since_the_last_visit_matches_on_the_visit_that_comes_back() {
    let program = program();
    let mut rt = load(&Stored::default(), &program, "/", T0);
    assert_eq!(
        variant(&mut rt, "lapsed", T0),
        "default",
        "never seen before"
    );
    let stored = save(&rt);
    let back = T0 + 15 * DAY_SECONDS;
    let mut rt = load(&stored, &program, "/", back);
    assert_eq!(variant(&mut rt, "lapsed", back), "missed-you");
    // Within the same session the next page view sees today's visit: no longer lapsed.
    let later = back + 60;
    rt.page_view(page("/next"), &at(later));
    assert_eq!(variant(&mut rt, "lapsed", later), "default");
}

#[test]
fn a_visit_is_recorded_once_per_session() {
    let program = program();
    let mut stored = Stored::default();
    // Page views 10 minutes apart: one session, one visit; then one after a long gap.
    let times = [0, 600, 1200, 1200 + SESSION_GAP_SECONDS];
    let mut rt = load(&stored, &program, "/", T0);
    for &t in &times[1..] {
        stored = save(&rt);
        rt = load(&stored, &program, "/", T0 + t);
    }
    let debug: serde_json::Value = serde_json::from_str(&rt.debug_json()).unwrap();
    assert_eq!(debug["signals"]["events"]["visit"]["total"], 2);
    assert_eq!(debug["signals"]["events"]["page_view"]["total"], 4);
}

#[test]
fn an_answer_redecides_only_the_slots_whose_answer_changed() {
    let program = program();
    let mut rt = load(&Stored::default(), &program, "/", T0);
    let shown = rt.apply(&["banner", "cta", "footer"], &at(T0));
    // Unknown slots keep their default quietly; the two known ones are decided.
    assert_eq!(shown.len(), 2);
    let first = rt.take_effects();
    assert_eq!(first.decisions.len(), 2);
    assert_eq!(renders(&rt, "cta-all"), 1);

    // Deciding again in the same view reuses the decisions: one render per view.
    rt.apply(&["banner", "cta"], &at(T0 + 1));
    assert!(rt.take_effects().decisions.is_empty());
    assert_eq!(renders(&rt, "cta-all"), 1);

    // The answer changes the banner only: it alone is decided again and redrawn.
    rt.set("role", Value::from("admin"), &at(T0 + 2)).unwrap();
    assert_eq!(rt.redecide(&at(T0 + 2)), ["banner"]);
    let effects = rt.take_effects();
    assert_eq!(effects.decisions.len(), 1);
    let decision: serde_json::Value = serde_json::from_str(&effects.decisions[0]).unwrap();
    assert_eq!(decision["slot"], "banner");
    assert_eq!(decision["variant"], "admin-banner");
    assert_eq!(
        renders(&rt, "cta-all"),
        1,
        "the unchanged slot is not counted again"
    );
    assert_eq!(renders(&rt, "banner-admin"), 1);
    // Nothing changed since: nothing to redo.
    assert!(rt.redecide(&at(T0 + 3)).is_empty());
}

#[test]
fn an_exposure_is_recorded_once_per_device_across_a_restore_of_the_ledger() {
    let program = program();
    let mut rt = load(&Stored::default(), &program, "/", T0);
    rt.set_collect(Some(10_000));
    rt.apply(&["cta"], &at(T0));
    // Decided is not shown: no exposure until the page says the slot was shown.
    assert!(rt.take_effects().exposures.is_empty());
    rt.shown(&["cta"], &at(T0));
    let effects = rt.take_effects();
    assert_eq!(rules_of(&effects.exposures), ["cta-all"]);
    assert_eq!(effects.reports.len(), 1, "for the collector");
    assert_eq!(effects.reports[0], (VERSION, effects.exposures[0].clone()));
    assert!(!effects.exposures[0].control && effects.exposures[0].variant == "green");
    rt.shown(&["cta"], &at(T0 + 5));
    assert!(rt.take_effects().exposures.is_empty(), "once per device");

    // The next page restores the ledger: still no second exposure.
    let stored = save(&rt);
    let mut next = load(&stored, &program, "/", T0 + HOUR);
    next.set_collect(Some(10_000));
    next.apply(&["cta"], &at(T0 + HOUR));
    next.shown(&["cta"], &at(T0 + HOUR));
    assert!(next.take_effects().exposures.is_empty());

    // Without the ledger (a lost or corrupt key), the device reports it again.
    let mut forgetful = stored.clone();
    forgetful.keys.retain(|(key, _)| *key != Key::Ledger);
    let mut again = load(&forgetful, &program, "/", T0 + HOUR);
    again.apply(&["cta"], &at(T0 + HOUR));
    again.shown(&["cta"], &at(T0 + HOUR));
    assert_eq!(rules_of(&again.take_effects().exposures), ["cta-all"]);
}

#[test]
fn conversions_follow_an_exposure_once_per_rule_and_goal() {
    let program = program();
    let mut rt = load(&Stored::default(), &program, "/", T0);
    rt.set_collect(Some(10_000));
    rt.track("signup", &at(T0)).unwrap();
    assert!(
        rt.take_effects().conversions.is_empty(),
        "before any exposure"
    );

    rt.apply(&["cta", "hero"], &at(T0 + 1));
    rt.shown(&["cta", "hero"], &at(T0 + 1));
    let _ = rt.take_effects();
    rt.track("signup", &at(T0 + 2)).unwrap();
    let effects = rt.take_effects();
    // Only the exposed rule converts (hero decided no rule: nothing to compare).
    assert_eq!(rules_of(&effects.conversions), ["cta-all"]);
    assert_eq!(effects.conversions[0].kind, EventType::Conversion);
    assert_eq!(effects.conversions[0].goal.as_deref(), Some("signup"));
    assert_eq!(effects.reports.len(), 1, "for the collector");
    rt.track("signup", &at(T0 + 3)).unwrap();
    assert!(
        rt.take_effects().conversions.is_empty(),
        "once per rule and goal"
    );

    // Across a reload too.
    let stored = save(&rt);
    let mut next = load(&stored, &program, "/", T0 + HOUR);
    next.set_collect(Some(10_000));
    next.track("signup", &at(T0 + HOUR)).unwrap();
    let effects = next.take_effects();
    assert!(effects.conversions.is_empty() && effects.reports.is_empty());
}

#[test]
fn a_device_outside_the_sample_gets_its_events_but_sends_nothing() {
    let program = program();
    let mut rt = load(&Stored::default(), &program, "/", T0);
    rt.set_collect(Some(0));
    rt.apply(&["cta"], &at(T0));
    rt.shown(&["cta"], &at(T0));
    let effects = rt.take_effects();
    assert_eq!(rules_of(&effects.exposures), ["cta-all"]);
    assert!(effects.reports.is_empty());
}

#[test]
fn preview_overrides_are_never_recorded_or_reported() {
    let program = program();
    let mut rt = load(&Stored::default(), &program, "/", T0);
    rt.set_collect(Some(10_000));
    assert!(rt.set_override("banner", Some("admin-banner")));
    assert!(
        !rt.set_override("cta", Some("no-such-variant")),
        "unknown: kept, inert"
    );
    let shown = rt.decide("banner", &at(T0)).unwrap().unwrap().clone();
    assert_eq!(shown.variant, "admin-banner");
    assert_eq!(shown.rule, None);
    assert!(
        shown.json.contains("\"reason\":\"override\""),
        "{}",
        shown.json
    );
    rt.shown(&["banner"], &at(T0));
    let effects = rt.take_effects();
    assert!(effects.exposures.is_empty());
    assert!(effects.reports.is_empty());
    assert_eq!(renders(&rt, "banner-admin"), 0, "no render counted");
    // explain says what the rules would have decided, with the override's decision.
    let explained: serde_json::Value =
        serde_json::from_str(&rt.explain("banner", &at(T0)).unwrap().unwrap()).unwrap();
    assert_eq!(explained["decision"]["reason"], "override");
    assert_eq!(explained["candidates"][0]["outcome"], "not_in_audience");
    // The slot's default is an override too; removing it gives the rules back.
    assert!(rt.set_override("banner", Some("default")));
    assert!(rt.set_override("banner", None));
    rt.page_view(page("/"), &at(T0 + 60));
    let shown = rt.decide("banner", &at(T0 + 60)).unwrap().unwrap();
    assert_eq!(shown.variant, "default");
    assert_eq!(shown.reason, pathwise::engine::Reason::NoRule);
}

#[test]
fn forget_makes_a_new_device_and_keeps_the_program() {
    let program = program();
    let mut rt = load(&Stored::default(), &program, "/", T0);
    rt.set("role", Value::from("admin"), &at(T0)).unwrap();
    rt.apply(&["cta"], &at(T0));
    rt.shown(&["cta"], &at(T0));
    let _ = rt.take_effects();
    rt.forget("device-2");
    assert_eq!(rt.unit(), "device-2");
    assert_eq!(rt.last_activity(), None);
    assert_eq!(rt.version(), Some(VERSION), "the program stays in use");
    let debug: serde_json::Value = serde_json::from_str(&rt.debug_json()).unwrap();
    assert_eq!(debug["signals"]["attrs"], json!({}));
    assert_eq!(debug["signals"]["events"], json!({}));
    assert_eq!(debug["renders"], json!({}));
    // What is stored now is an empty device's; its next exposure is reported again.
    let stored = save(&rt);
    let mut next = load(&stored, &program, "/", T0 + HOUR);
    next.apply(&["cta"], &at(T0 + HOUR));
    next.shown(&["cta"], &at(T0 + HOUR));
    assert_eq!(rules_of(&next.take_effects().exposures), ["cta-all"]);
    assert_eq!(
        variant(&mut next, "banner", T0 + HOUR),
        "default",
        "role forgotten"
    );
}

#[test]
fn revealed_slots_keep_their_default_for_the_rest_of_the_view() {
    let program = program();
    let mut rt = load(&Stored::default(), &program, "/", T0);
    rt.reveal(&["cta"]);
    assert_eq!(
        rt.apply(&["cta", "banner"], &at(T0)).len(),
        1,
        "only the banner"
    );
    rt.shown(&["cta"], &at(T0));
    assert!(rt.take_effects().exposures.is_empty());
    assert_eq!(renders(&rt, "cta-all"), 0);
    // The next view decides it again.
    rt.page_view(page("/next"), &at(T0 + 60));
    let shown = rt.apply(&["cta"], &at(T0 + 60));
    assert_eq!(shown[0].variant, "green");
}

#[test]
fn an_expired_program_is_dropped_at_the_next_navigation() {
    let expires = T0 + HOUR;
    let program = program_until(VERSION, expires);
    let mut rt = load(&Stored::default(), &program, "/", T0);
    assert_eq!(variant(&mut rt, "cta", T0), "green");
    let _ = rt.take_effects();
    rt.page_view(page("/next"), &at(expires));
    let effects = rt.take_effects();
    assert_eq!(effects.errors, ["expired"]);
    assert!(rt.program().is_none());
    assert!(
        rt.apply(&["cta"], &at(expires)).is_empty(),
        "the page keeps its defaults"
    );
    assert_eq!(rt.peek("cta", &at(expires)).unwrap(), None);
}

#[test]
fn a_stored_accepted_version_beyond_the_clock_is_discarded() {
    let program = program();
    let latest = (T0 + MAX_VERSION_SKEW_SECONDS) as u64;
    // Exactly a day ahead: kept (a clock a little slow), so an older program is a rollback the
    // shell refuses; the runtime keeps the highest version it accepted.
    let mut rt = Runtime::new(UNIT);
    rt.restore_numbers(Some(latest), None, &at(T0));
    assert_eq!(rt.accepted(), Some(latest));
    assert_eq!(rt.take_effects().corrupt, 0);
    rt.install(program.clone(), &at(T0));
    assert_eq!(rt.accepted(), Some(latest));
    // Further ahead it cannot have been accepted honestly here: discarded, with a warning, and
    // the next program's version becomes the accepted one.
    let mut rt = Runtime::new(UNIT);
    rt.restore_numbers(Some(latest + 1), None, &at(T0));
    assert_eq!(rt.accepted(), None);
    assert_eq!(rt.take_effects().corrupt, Key::Version as u32);
    rt.install(program, &at(T0));
    assert_eq!(rt.accepted(), Some(VERSION));
    assert_ne!(
        rt.take_effects().save & Key::Version as u32,
        0,
        "stored again"
    );
}

#[test]
fn corrupt_storage_is_discarded_with_its_key_and_the_device_starts_afresh() {
    let program = program();
    let mut rt = load(&Stored::default(), &program, "/", T0);
    rt.set("role", Value::from("admin"), &at(T0)).unwrap();
    rt.apply(&["banner"], &at(T0));
    let good = save(&rt);
    let mut damaged = good.clone();
    for (_, bytes) in &mut damaged.keys {
        bytes.truncate(bytes.len().saturating_sub(1).max(1));
        bytes[0] ^= 0xff;
    }
    let clock = at(T0 + HOUR);
    let mut next = Runtime::new(UNIT);
    for (key, bytes) in &damaged.keys {
        next.restore(*key, bytes, &clock);
    }
    next.page_view(page("/"), &clock);
    // Signals are read only once a program says what may be kept.
    let before: Effects = next.take_effects();
    assert_eq!(before.corrupt & Key::Signals as u32, 0);
    next.install(program.clone(), &clock);
    next.begin(&clock);
    let corrupt = before.corrupt | next.take_effects().corrupt;
    for key in SNAPSHOT_KEYS {
        assert_ne!(corrupt & key as u32, 0, "{key:?} not reported");
    }
    assert_eq!(variant(&mut next, "banner", T0 + HOUR), "default");
    // The undamaged snapshots restore the same device.
    let mut same = load(&good, &program, "/", T0 + HOUR);
    assert_eq!(same.take_effects().corrupt, 0);
    assert_eq!(variant(&mut same, "banner", T0 + HOUR), "admin-banner");
}

#[test]
fn without_a_program_calls_do_nothing() {
    let mut rt = Runtime::new(UNIT);
    rt.page_view(page("/"), &at(T0));
    assert!(rt.track("signup", &at(T0)).is_ok());
    assert!(rt.set("role", Value::from("admin"), &at(T0)).is_ok());
    assert!(rt.apply(&["cta"], &at(T0)).is_empty());
    assert_eq!(rt.decide("cta", &at(T0)).unwrap(), None);
    assert_eq!(rt.peek("cta", &at(T0)).unwrap(), None);
    assert!(rt.redecide(&at(T0)).is_empty());
    let effects = rt.take_effects();
    assert!(effects.decisions.is_empty() && effects.exposures.is_empty());
    // With a program, an unknown slot is an error with its code for `decide` and `peek`.
    let mut rt = load(&Stored::default(), &program(), "/", T0);
    assert_eq!(
        rt.decide("nope", &at(T0)).unwrap_err().code(),
        "unknown_slot"
    );
    assert!(rt.peek("nope", &at(T0)).is_err());
}
