//! What each fuzz target does with its input, and what it checks beyond "no panic".
//!
//! This one file is compiled twice: into the fuzz crate (`fuzz/src/lib.rs`), whose targets are
//! one-line `fuzz_target!`s calling these functions, and into the root crate's
//! `tests/fuzz_regressions.rs` (through `#[path]`), which replays every committed crasher and seed
//! through the very same functions under `make test`. It may therefore only use `pathwise`,
//! `serde_json` and `std`.
//!
//! Every function takes arbitrary bytes, returns nothing, and panics only when the core broke a
//! promise: a panic inside the core, or one of the `assert!`s below (an invariant a user would
//! notice, such as `explain` disagreeing with `decide`, or a bundle that `load` accepts and its
//! own re-serialization does not).
//!
//! | target | input | reaches |
//! |---|---|---|
//! | [`envelope`] | mode byte + envelope JSON, or + a payload the harness signs | [`open`], then [`check_bundle`] |
//! | [`decide`] | bundle JSON, optionally `0xFF` + unit | [`load`], then [`check_bundle`] |
//! | [`stored`] | signals snapshot, optionally `0xFF` + render history | [`Signals::from_snapshot`], [`RenderHistory::from_snapshot`], decisions |
//! | [`batch`] | a beacon body | [`Batch::parse`] |

use std::collections::BTreeMap;
use std::sync::OnceLock;

use pathwise::bundle::limits::MAX_BUNDLE_BYTES;
use pathwise::bundle::{load, Bundle, SignalKind, Slot};
use pathwise::engine::{Candidate, Decision, Engine, Outcome, Reason, RenderHistory};
use pathwise::envelope::{
    open, sign, Envelope, EnvelopeError, Opened, Policy, PublicKey, SecretKey,
};
use pathwise::json::ToJson;
use pathwise::report::payload::{Batch, PayloadError};
use pathwise::scenario::{Action, Replayed, Scenario};
use pathwise::signals::{Declarations, PageContext, Signals, MAX_TIMESTAMP};
use pathwise::time::{Clock, Timestamp, DAY_SECONDS};
use pathwise::value::Value;

/// The site every harness policy expects (the golden bundles' site).
pub const SITE: &str = "acme.example";
/// The clock under which the harness reloads a render history it saved: the save/load round trip
/// is checked for the format, whatever times the fuzzer recorded (the refusal of future-dated
/// renders is tested in `pathwise::engine::history`).
const ROUND_TRIP_CLOCK: Clock = Clock {
    now: i64::MAX,
    utc_offset_minutes: 0,
};

/// The harness's "now": 2026-03-10T09:00:00Z (before the golden bundles expire).
pub const NOW: i64 = 1_773_133_200;
/// Seeds of the two keys the envelope target pins (`tests/fuzz_regressions.rs` signs the
/// committed envelope seeds with them, so those seeds verify and reach the payload checks).
pub const KEY_SEEDS: [[u8; 32]; 2] = [[0x11; 32], [0x22; 32]];
/// Separates the two parts of a `decide` or `stored` input. Never valid in UTF-8, so it cannot
/// occur inside a bundle or snapshot that would parse anyway.
pub const SEPARATOR: u8 = 0xFF;
/// The unit `decide` uses when its input carries none.
pub const DEFAULT_UNIT: &str = "fuzz-unit";

fn secret_keys() -> &'static [SecretKey; 2] {
    static KEYS: OnceLock<[SecretKey; 2]> = OnceLock::new();
    KEYS.get_or_init(|| KEY_SEEDS.map(SecretKey::from_seed))
}

/// `data` split at the last [`SEPARATOR`]: (before, Some(after)), or (data, None) without one.
fn split_last(data: &[u8]) -> (&[u8], Option<&[u8]>) {
    match data.iter().rposition(|&b| b == SEPARATOR) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    }
}

// --- envelope ----------------------------------------------------------------------------------

/// The policy the mode byte selects (bits 2..=5), with `pins` as the pinned keys.
fn policy_for(mode: u8, pins: &[PublicKey]) -> Policy<'_> {
    let mut policy = Policy::new(SITE, pins, Timestamp(NOW));
    policy.threshold = if mode & 0x04 != 0 { 2 } else { 1 };
    policy.accepted_version = match (mode >> 3) & 3 {
        0 => None,
        1 => Some(7), // the version of tests/golden/bundles/holdout.json
        2 => Some(0),
        _ => Some(u64::MAX),
    };
    policy
}

/// Envelope decode + verify, then (if verified) the bundle path of [`decide`].
///
/// Input: one mode byte, then the rest `r`. Mode bits 0–1: `0`/`1` open `r` as envelope JSON;
/// `2` signs `r` as the payload with the first pinned key, `3` with both, and opens that (so the
/// payload checks and the bundle behind them are reached, which forged signatures never do).
/// Bit 2: threshold 2 instead of 1. Bits 3–4: the accepted version (none, 7, 0, `u64::MAX`).
/// Bit 5: the first key is pinned twice (it must still count once).
///
/// Checks: a decoded envelope re-encodes to itself; an envelope the harness signed with enough
/// keys fails only for payload reasons; a verified payload is exactly the signed bytes and meets
/// every policy check.
pub fn envelope(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let keys = secret_keys();
    let public: Vec<PublicKey> = keys.iter().map(SecretKey::public_key).collect();
    let mut pins = public.clone();
    if mode & 0x20 != 0 {
        pins.insert(0, public[0].clone());
    }
    let policy = policy_for(mode, &pins);
    let signers = match mode & 3 {
        0 | 1 => 0,
        2 => 1,
        _ => 2,
    };
    let raw = if signers == 0 {
        rest.to_vec()
    } else {
        let signing: Vec<&SecretKey> = keys.iter().take(signers).collect();
        sign(rest, &signing).to_json().into_bytes()
    };

    let decoded = Envelope::from_json(&raw);
    if let Ok(envelope) = &decoded {
        let again = Envelope::from_json(envelope.to_json().as_bytes());
        assert_eq!(
            again.as_ref(),
            Ok(envelope),
            "an envelope does not survive its own encoding"
        );
    }

    match open(&raw, &policy) {
        Err(error) => {
            // Every message is printable (the CLI prints it, the browser logs it).
            let _ = (error.to_string(), error.code(), error.family());
            if signers >= policy.threshold {
                assert!(
                    matches!(
                        error,
                        EnvelopeError::TooLarge { .. }
                            | EnvelopeError::PayloadTooDeep { .. }
                            | EnvelopeError::MalformedPayload { .. }
                            | EnvelopeError::SiteMismatch { .. }
                            | EnvelopeError::Expired { .. }
                            | EnvelopeError::Rollback { .. }
                    ),
                    "an envelope signed by {signers} pinned key(s) was refused for a non-payload reason: {error}"
                );
            }
        }
        Ok(Opened::AlreadyCurrent { version }) => {
            assert_eq!(Some(version), policy.accepted_version);
        }
        Ok(Opened::Verified(verified)) => {
            let envelope = match decoded {
                Ok(envelope) => envelope,
                Err(e) => panic!("open accepted an envelope that from_json refuses: {e}"),
            };
            assert_eq!(verified.payload, envelope.payload);
            assert_eq!(verified.site, SITE);
            assert!(verified.expires_at > Timestamp(NOW));
            if let Some(accepted) = policy.accepted_version {
                assert!(verified.version > accepted);
            }
            assert!(verified.verified_keys.len() >= policy.threshold);
            // What the browser does next with a verified payload.
            if let Ok(bundle) = load(&verified.payload) {
                check_bundle(bundle, DEFAULT_UNIT, None);
            }
        }
    }
}

// --- decide ------------------------------------------------------------------------------------

/// Bundle parse + validate + compile + decide + explain.
///
/// Input: bundle bytes, optionally followed by `0xFF` and a device part: the unit (lossy UTF-8),
/// or [`CLOCK_MARK`], 8 bytes of `now` and 4 bytes of UTC offset in minutes (little-endian), then
/// the unit, to add a scenario at that clock. Bytes that [`load`] accepts go through
/// [`check_bundle`].
pub fn decide(data: &[u8]) {
    let (bundle_bytes, device) = split_last(data);
    let (clock, unit) = match device {
        None => (None, DEFAULT_UNIT.to_owned()),
        Some(device) => {
            let (clock, unit) = parse_device(device);
            (clock, String::from_utf8_lossy(unit).into_owned())
        }
    };
    match load(bundle_bytes) {
        Ok(bundle) => check_bundle(bundle, &unit, clock),
        Err(error) => {
            let _ = (error.to_string(), error.code());
        }
    }
}

/// Starts a `decide` device part that carries a clock.
pub const CLOCK_MARK: u8 = b'@';

/// The clock (if the part starts with [`CLOCK_MARK`] and is long enough) and the unit.
fn parse_device(device: &[u8]) -> (Option<Clock>, &[u8]) {
    if let [CLOCK_MARK, rest @ ..] = device {
        if let (Some(now), Some(offset)) = (rest.get(..8), rest.get(8..12)) {
            let mut now_bytes = [0; 8];
            now_bytes.copy_from_slice(now);
            let mut offset_bytes = [0; 4];
            offset_bytes.copy_from_slice(offset);
            let clock = Clock {
                now: i64::from_le_bytes(now_bytes),
                utc_offset_minutes: i32::from_le_bytes(offset_bytes),
            };
            return (Some(clock), &rest[12..]);
        }
    }
    (None, device)
}

/// The `decide` device part for `clock` and `unit` (the inverse of what [`decide`] reads).
pub fn device_part(clock: Clock, unit: &str) -> Vec<u8> {
    let mut out = vec![CLOCK_MARK];
    out.extend_from_slice(&clock.now.to_le_bytes());
    out.extend_from_slice(&clock.utc_offset_minutes.to_le_bytes());
    out.extend_from_slice(unit.as_bytes());
    out
}

/// Everything the SDK and the CLI do with a loaded bundle, with the invariants between them:
///
/// 1. it re-serializes to JSON that loads to the same bundle (`pathwise sign` rewrites `version`
///    and `expires_at`, so the signed bytes are a re-serialization);
/// 2. `lint` runs;
/// 3. it compiles (whatever `load` accepts, `Engine::compile` accepts);
/// 4. for each scenario — a new visitor, an engaged one whose attributes take values the
///    bundle's conditions mention, one at the bundle's edges of time, a device with a broken
///    clock, and an engaged one at `clock` if given — every slot is decided with `peek`, `explain` and `decide` (twice, so frequency caps
///    bite), which must agree, and each decision must be consistent with the bundle
///    ([`check_decision`]);
/// 5. the signals and render history survive the browser's save/load round trip.
pub fn check_bundle(bundle: Bundle, unit: &str, clock: Option<Clock>) {
    // The SDK's own writer, as `pathwise sign` uses it.
    let json = bundle.to_json().into_bytes();
    if json.len() <= MAX_BUNDLE_BYTES {
        match load(&json) {
            Ok(again) => assert!(
                again == bundle,
                "the re-serialized bundle loads differently:\n{}",
                String::from_utf8_lossy(&json)
            ),
            Err(e) => panic!(
                "the re-serialized bundle is refused: {e}\n{}",
                String::from_utf8_lossy(&json)
            ),
        }
    }

    let _ = pathwise::lint::lint(&bundle, Timestamp(NOW));

    let engine = match Engine::compile(bundle) {
        Ok(engine) => engine,
        Err(e) => panic!("load accepted a bundle that Engine::compile refuses: {e}"),
    };
    for (scenario, persist) in scenarios(&engine, unit, clock) {
        let replayed = match scenario.replay(engine.declarations()) {
            Ok(replayed) => replayed,
            Err(e) => panic!("a harness scenario was refused (harness bug): {e}"),
        };
        decide_every_slot(&engine, &replayed, persist);
    }
}

/// The scenarios [`check_bundle`] runs, each with whether its state must survive a save/load
/// round trip (not when its times are outside what a snapshot may hold).
fn scenarios(engine: &Engine, unit: &str, clock: Option<Clock>) -> Vec<(Scenario, bool)> {
    let bundle = engine.bundle();
    let decls = engine.declarations();
    let values = condition_values(bundle);
    let rule_ids: Vec<String> = bundle.rules.iter().map(|r| r.id.clone()).collect();
    let page = PageContext {
        path: first_page(bundle).unwrap_or_else(|| "/pricing".to_owned()),
        referrer_domain: Some("news.example".to_owned()),
        utm_source: Some("newsletter".to_owned()),
        utm_medium: Some("email".to_owned()),
        utm_campaign: Some("spring".to_owned()),
        utm_term: None,
        utm_content: None,
        device: Some("mobile".to_owned()),
        language: Some("de-DE".to_owned()),
    };

    // The bundle's edge of time: the first schedule start, else just before it expires.
    let edge = bundle
        .rules
        .iter()
        .find_map(|r| r.trigger.start)
        .unwrap_or(Timestamp(bundle.expires_at.0.saturating_sub(1)))
        .0
        .clamp(-MAX_TIMESTAMP + 400 * DAY_SECONDS, MAX_TIMESTAMP);

    let new_visitor = Scenario {
        unit: unit.to_owned(),
        now: Timestamp(NOW),
        utc_offset_minutes: 0,
        page: PageContext {
            path: "/".to_owned(),
            ..PageContext::default()
        },
        actions: vec![Action {
            at: Timestamp(NOW),
            set: None,
            track: Some("visit".to_owned()),
            count: None,
        }],
        renders: BTreeMap::new(),
    };
    let engaged = engaged_scenario(unit, NOW, 60, page.clone(), decls, &values, &rule_ids);
    let at_edge = engaged_scenario(unit, edge, -720, page.clone(), decls, &values, &rule_ids);
    let mut broken = engaged_scenario(
        unit,
        i64::MAX,
        i32::MAX,
        page.clone(),
        decls,
        &values,
        &rule_ids,
    );
    broken.actions.push(Action {
        at: Timestamp(i64::MIN),
        set: None,
        track: Some("visit".to_owned()),
        count: None,
    });
    broken
        .renders
        .entry(rule_ids.first().cloned().unwrap_or_default())
        .or_default()
        .extend([Timestamp(i64::MIN), Timestamp(i64::MAX)]);
    let mut out = vec![
        (new_visitor, true),
        (engaged, true),
        (at_edge, true),
        (broken, false),
    ];
    if let Some(clock) = clock {
        let scenario = engaged_scenario(
            unit,
            clock.now,
            clock.utc_offset_minutes,
            page,
            decls,
            &values,
            &rule_ids,
        );
        // Its actions go back 20 days; all of them must be inside what a snapshot may hold.
        let persist = clock
            .now
            .checked_abs()
            .is_some_and(|t| t <= MAX_TIMESTAMP - 30 * DAY_SECONDS);
        out.push((scenario, persist));
    }
    out
}

/// A device that visited on several days, tracked every declared event, holds a value for every
/// declared attribute (one the bundle's conditions compare against when there is one, so
/// audiences can match), and rendered every rule recently.
fn engaged_scenario(
    unit: &str,
    now: i64,
    utc_offset_minutes: i32,
    page: PageContext,
    decls: &Declarations,
    values: &BTreeMap<String, Vec<Value>>,
    rule_ids: &[String],
) -> Scenario {
    let ago = |seconds: i64| Timestamp(now.saturating_sub(seconds));
    let track = |at: Timestamp, event: &str, count: u32| Action {
        at,
        set: None,
        track: Some(event.to_owned()),
        count: Some(count),
    };
    let mut actions: Vec<Action> = [20, 8, 3, 1]
        .iter()
        .map(|days| track(ago(days * DAY_SECONDS), "visit", 1))
        .collect();
    actions.push(track(ago(3600), "visit", 2));
    actions.push(track(ago(3600), "page_view", 3));

    // Only writes the store accepts: a scenario refused halfway would test nothing.
    let clock = Clock {
        now: now.saturating_sub(1800),
        utc_offset_minutes,
    };
    let mut scratch = Signals::new();
    for (name, decl) in decls.iter() {
        if decl.kind == SignalKind::Event {
            if !matches!(name, "visit" | "page_view") {
                actions.push(track(ago(2 * DAY_SECONDS), name, 1));
                actions.push(track(ago(3600), name, 2));
            }
            continue;
        }
        let candidates = values.get(name).into_iter().flatten().cloned();
        let fallback = match decl.kind {
            SignalKind::String => Value::String("admin".to_owned()),
            SignalKind::Number => Value::Number(42.0),
            SignalKind::Bool => Value::Bool(true),
            _ => Value::List(vec!["reports".to_owned()]),
        };
        for value in candidates.chain([fallback]) {
            if scratch.set(decls, name, value.clone(), &clock).is_ok() {
                actions.push(Action {
                    at: Timestamp(clock.now),
                    set: Some(BTreeMap::from([(name.to_owned(), value)])),
                    track: None,
                    count: None,
                });
                break;
            }
        }
    }

    let renders = rule_ids
        .iter()
        .map(|id| (id.clone(), vec![ago(DAY_SECONDS), ago(7200)]))
        .collect();
    Scenario {
        unit: unit.to_owned(),
        now: Timestamp(now),
        utc_offset_minutes,
        page,
        actions,
        renders,
    }
}

/// The values the bundle's `signal` conditions compare each signal with (the elements of an `in`
/// list too), found by walking the bundle's JSON form.
fn condition_values(bundle: &Bundle) -> BTreeMap<String, Vec<Value>> {
    fn walk(node: &serde_json::Value, out: &mut BTreeMap<String, Vec<Value>>) {
        match node {
            serde_json::Value::Object(map) => {
                if let (Some(serde_json::Value::String(name)), Some(_), Some(value)) =
                    (map.get("name"), map.get("op"), map.get("value"))
                {
                    if let Ok(value) = pathwise::json::from_str::<Value>(&value.to_string()) {
                        let entry = out.entry(name.clone()).or_default();
                        if let Value::List(items) = &value {
                            entry.extend(items.iter().cloned().map(Value::String));
                        }
                        entry.push(value);
                    }
                }
                map.values().for_each(|v| walk(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    if let Ok(json) = serde_json::from_str(&bundle.to_json()) {
        walk(&json, &mut out);
    }
    out
}

/// A path the first `trigger.pages` pattern matches (`*` and `?` filled in).
fn first_page(bundle: &Bundle) -> Option<String> {
    let pattern = bundle.rules.iter().find_map(|r| r.trigger.pages.first())?;
    Some(pattern.replace('*', "x").replace('?', "y"))
}

/// Decides every slot of `engine` in `replayed`'s situation, checking that `peek`, `explain` and
/// `decide` agree and that each decision fits the bundle; then, if `persist`, that the signals
/// and the render history survive a save/load round trip as the browser does between pages.
pub fn decide_every_slot(engine: &Engine, replayed: &Replayed, persist: bool) {
    let ctx = replayed.context();
    let mut history = replayed.history.clone();
    let slots: Vec<String> = engine.slot_ids().map(str::to_owned).collect();
    for slot in &slots {
        for _ in 0..2 {
            let peeked = match engine.peek(slot, &ctx, &history) {
                Ok(d) => d,
                Err(e) => panic!("peek refused a slot of the bundle: {e}"),
            };
            let explained = match engine.explain(slot, &ctx, &history) {
                Ok(x) => x,
                Err(e) => panic!("explain refused a slot of the bundle: {e}"),
            };
            assert_eq!(explained.decision, peeked, "explain and peek disagree");
            check_decision(engine, slot, &peeked, &explained.candidates);
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&explained.to_json()) {
                panic!("an explanation is not written as JSON: {e}");
            }
            let decided = match engine.decide(slot, &ctx, &mut history) {
                Ok(d) => d,
                Err(e) => panic!("decide refused a slot of the bundle: {e}"),
            };
            assert_eq!(decided, peeked, "decide and peek disagree");
        }
    }
    assert!(
        engine.peek("no such slot", &ctx, &history).is_err(),
        "an unknown slot was decided"
    );

    if persist {
        let saved = replayed.signals.to_snapshot();
        match Signals::from_snapshot(&saved, engine.declarations(), &replayed.clock) {
            Ok(loaded) => assert_eq!(
                loaded.to_snapshot(),
                saved,
                "signals change across a save/load round trip"
            ),
            Err(e) => panic!("the store refuses its own snapshot: {e}\n{saved}"),
        }
    }
    let saved = history.to_snapshot();
    match RenderHistory::from_snapshot(&saved, &ROUND_TRIP_CLOCK) {
        Ok(loaded) => assert_eq!(loaded, history, "render history changes across save/load"),
        Err(e) => panic!("the render history refuses its own snapshot: {e}\n{saved}"),
    }
}

/// A decision is consistent with the bundle and with its explanation.
pub fn check_decision(engine: &Engine, slot: &str, decision: &Decision<'_>, why: &[Candidate<'_>]) {
    let bundle = engine.bundle();
    assert_eq!(decision.slot, slot);
    let Some(slot_def) = bundle.slots.iter().find(|s| s.id() == slot) else {
        panic!("decided a slot the bundle does not have: {slot}");
    };
    let won = why
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Won))
        .count();
    assert_eq!(
        won,
        usize::from(decision.rule.is_some()),
        "the explanation's winner does not match the decision: {decision:?} {why:?}"
    );
    match decision.reason {
        Reason::NoRule => {
            assert!(decision.rule.is_none() && !decision.control);
            assert_eq!(decision.variant, slot_def.default_variant());
        }
        Reason::Control | Reason::Holdout => {
            assert!(decision.rule.is_some() && decision.control);
            assert_eq!(decision.variant, slot_def.default_variant());
        }
        Reason::Matched => {
            assert!(!decision.control);
            let Some(rule) = bundle
                .rules
                .iter()
                .find(|r| Some(r.id.as_str()) == decision.rule)
            else {
                panic!("matched without a rule of the bundle: {decision:?}");
            };
            assert_eq!(rule.slot, slot, "a rule decided another slot");
            assert!(
                rule.variants.iter().any(|v| v.id == decision.variant),
                "the variant is not one of the rule's: {decision:?}"
            );
        }
    }
    match slot_def {
        Slot::Path { steps, .. } => {
            let Some(shown) = decision.steps else {
                panic!("a path slot was decided without steps: {decision:?}");
            };
            assert!(
                shown.iter().all(|s| steps.contains(s)),
                "a step outside the slot's steps: {decision:?}"
            );
            if decision.is_default() {
                assert_eq!(shown, steps.as_slice());
            }
        }
        Slot::Block { .. } => assert!(decision.steps.is_none()),
    }
    for candidate in why {
        assert!(
            bundle
                .rules
                .iter()
                .any(|r| r.id == candidate.rule && r.slot == slot),
            "a candidate that is not a rule of this slot: {candidate:?}"
        );
    }
}

// --- stored ------------------------------------------------------------------------------------

/// The engine the `stored` target decides with: the golden SaaS bundle (many signal kinds,
/// temporal audiences, caps, paths).
fn stored_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let bytes = include_bytes!("../../tests/golden/bundles/saas.json");
        match load(bytes).map(Engine::compile) {
            Ok(Ok(engine)) => engine,
            _ => panic!("tests/golden/bundles/saas.json no longer loads"),
        }
    })
}

/// Stored-data parsing: what the browser reads back from `localStorage`, which any script on the
/// page could have written.
///
/// Input: a signals snapshot, optionally followed by `0xFF` and a render-history snapshot. Each
/// part is parsed; one that parses must survive a save/load round trip unchanged, and whether a
/// signals snapshot is accepted must not depend on the bundle's declarations (only pruning does).
/// Then every slot of the SaaS golden bundle is decided with what was accepted (empty state for a
/// refused part, as the browser starts afresh).
pub fn stored(data: &[u8]) {
    let (signals_part, history_part) = split_last(data);
    let engine = stored_engine();
    let clock = Clock {
        now: NOW,
        utc_offset_minutes: 60,
    };

    let mut signals = Signals::new();
    if let Ok(text) = std::str::from_utf8(signals_part) {
        let parsed = Signals::from_snapshot(text, engine.declarations(), &clock);
        let undeclared = Signals::from_snapshot(text, &Declarations::default(), &clock);
        assert_eq!(
            parsed.is_ok(),
            undeclared.is_ok(),
            "accepting a snapshot depends on the declarations: {parsed:?} vs {undeclared:?}"
        );
        if let Ok(loaded) = parsed {
            let saved = loaded.to_snapshot();
            match Signals::from_snapshot(&saved, engine.declarations(), &clock) {
                Ok(again) => assert_eq!(
                    again.to_snapshot(),
                    saved,
                    "signals change across a save/load round trip"
                ),
                Err(e) => panic!("the store refuses its own snapshot: {e}\n{saved}"),
            }
            signals = loaded;
        }
    }

    let mut history = RenderHistory::new();
    if let Some(Ok(text)) = history_part.map(std::str::from_utf8) {
        if let Ok(loaded) = RenderHistory::from_snapshot(text, &ROUND_TRIP_CLOCK) {
            let saved = loaded.to_snapshot();
            match RenderHistory::from_snapshot(&saved, &ROUND_TRIP_CLOCK) {
                Ok(again) => assert_eq!(again, loaded, "render history changes across save/load"),
                Err(e) => panic!("the render history refuses its own snapshot: {e}\n{saved}"),
            }
            history = loaded;
        }
    }

    let replayed = Replayed {
        signals,
        history,
        clock,
        page: PageContext {
            path: "/pricing".to_owned(),
            ..PageContext::default()
        },
        unit: DEFAULT_UNIT.to_owned(),
    };
    decide_every_slot(engine, &replayed, true);
}

// --- batch -------------------------------------------------------------------------------------

/// The collector's gate: [`Batch::parse`] on a received body. An accepted batch is valid, and its
/// own JSON is accepted again as the same batch (or refused only for size: a body without
/// `dropped` grows by `"dropped":0`).
pub fn batch(data: &[u8]) {
    match Batch::parse(data) {
        Err(e) => {
            let _ = e.to_string();
        }
        Ok(batch) => {
            assert_eq!(batch.validate(), Ok(()));
            match Batch::parse(batch.to_json().as_bytes()) {
                Ok(again) => assert_eq!(again, batch, "a batch changes across its own JSON"),
                Err(PayloadError::TooLarge { .. }) => {}
                Err(e) => panic!("the collector refuses a batch's own JSON: {e}"),
            }
        }
    }
}

/// The mode byte of an `envelope` input that opens the rest as envelope JSON with the default
/// policy (threshold 1, no accepted version).
pub const ENVELOPE_MODE_RAW: u8 = 0;
/// The mode byte of an `envelope` input whose rest the harness signs with both keys.
pub const ENVELOPE_MODE_SIGN_BOTH: u8 = 3;
