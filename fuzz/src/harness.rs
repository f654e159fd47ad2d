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
//! notice, such as `explain` disagreeing with `decide`, a bundle that `load` accepts and the
//! compiler refuses, or a decision naming a variant its rule does not have).
//!
//! | target | input | reaches |
//! |---|---|---|
//! | [`envelope`] | mode byte + envelope JSON, or + a payload (or a raw program) the harness signs | [`open`], then [`check_program`] |
//! | [`decide`] | bundle JSON, optionally `0xFF` + device | [`load`], [`program::compile`], then [`check_program`] against the bundle |
//! | [`program`] | any bytes, as a raw program and as a signed (deflated) payload | [`program::read`], [`program::open`], then [`check_program`] |
//! | [`stored`] | up to three length-prefixed snapshots: signals, render history, ledger (a fourth part, once the outbox, is ignored) | their `from_snapshot`s, decisions and reports |
//! | [`batch`] | a beacon body | [`Batch::parse`] |
//!
//! [`check_program`] is what every path ends in: each slot decided with `peek`, `explain` and
//! `decide` (which must agree), each decision checked against the program's own readable form
//! ([`program::inspect`]), and the headless engine's choices against its tables.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use pathwise::bundle::limits::MAX_BUNDLE_BYTES;
use pathwise::bundle::{load, Bundle, SignalKind};
use pathwise::codec::{Reader, Writer};
use pathwise::engine::headless::Headless;
use pathwise::engine::{Candidate, Decision, Outcome, Reason, RenderHistory};
use pathwise::envelope::{
    open, sign, Envelope, EnvelopeError, Opened, Policy, PublicKey, SecretKey,
    MAX_VERSION_SKEW_SECONDS,
};
use pathwise::json::ToJson;
use pathwise::program::{self, Program};
use pathwise::report::payload::{Batch, PayloadError};
use pathwise::report::Reporter;
use pathwise::scenario::{Action, Replayed, Scenario};
use pathwise::signals::{Declarations, PageContext, Signals, MAX_TIMESTAMP};
use pathwise::time::{Clock, Timestamp, DAY_SECONDS};
use pathwise::value::Value;
use serde_json::Value as Json;

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
/// Separates a `decide` input's bundle from its device part. Never valid in UTF-8, so it cannot
/// occur inside a bundle that would parse anyway.
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

/// The mode byte of an `envelope` input that opens the rest as envelope JSON with the default
/// policy (threshold 1, no accepted version).
pub const ENVELOPE_MODE_RAW: u8 = 0;
/// The mode byte of an `envelope` input whose rest the harness signs with both keys.
pub const ENVELOPE_MODE_SIGN_BOTH: u8 = 3;
/// Mode bit: the rest is a raw program, deflated (`program::pack`) before it is signed, so the
/// fuzzer's mutations of the program reach the checks behind the signature.
pub const ENVELOPE_PACK: u8 = 0x40;

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

/// Envelope decode + verify, then (if verified) [`check_program`] on its program.
///
/// Input: one mode byte, then the rest `r`. Mode bits 0–1: `0`/`1` open `r` as envelope JSON;
/// `2` signs `r` as the payload with the first pinned key, `3` with both, and opens that (so the
/// payload checks and the program behind them are reached, which forged signatures never do).
/// Bit 2: threshold 2 instead of 1. Bits 3–4: the accepted version (none, 7, 0, `u64::MAX`).
/// Bit 5: the first key is pinned twice (it must still count once). Bit 6 ([`ENVELOPE_PACK`]):
/// `r` is a raw program, deflated before it is signed.
///
/// Checks: a decoded envelope re-encodes to itself; an envelope the harness signed with enough
/// keys fails only for payload reasons; a verified payload is exactly the signed bytes, meets
/// every policy check, and its program decides consistently.
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
        let payload = if mode & ENVELOPE_PACK != 0 {
            program::pack(rest)
        } else {
            rest.to_vec()
        };
        sign(&payload, &signing).to_json().into_bytes()
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
                            | EnvelopeError::Program(_)
                            | EnvelopeError::SiteMismatch { .. }
                            | EnvelopeError::Expired { .. }
                            | EnvelopeError::VersionInFuture { .. }
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
            assert_eq!(verified.site(), SITE);
            assert!(verified.expires_at() > Timestamp(NOW));
            assert!(verified.version() <= (NOW + MAX_VERSION_SKEW_SECONDS) as u64);
            if let Some(accepted) = policy.accepted_version {
                assert!(verified.version() > accepted);
            }
            assert!(verified.verified_keys.len() >= policy.threshold);
            // The program a device reads is the one `program::open` reads from the same bytes.
            let again = program::open(&verified.payload).map(|p| program::inspect(&p));
            assert_eq!(
                again,
                Ok(program::inspect(&verified.program)),
                "open and program::open read different programs"
            );
            check_program(&verified.program, DEFAULT_UNIT, None);
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

/// Everything `pathwise sign` and a device do with a loaded bundle, with the invariants between
/// them:
///
/// 1. it re-serializes to JSON that loads to the same bundle;
/// 2. `lint` runs;
/// 3. it compiles (whatever `load` accepts, `program::compile` accepts), and the program reads
///    back, raw and as the signed (deflated) payload, to the same program;
/// 4. the program keeps the bundle's slots in order and each slot's rules;
/// 5. [`check_program`] with scenarios made from the bundle's own condition values.
pub fn check_bundle(bundle: Bundle, unit: &str, clock: Option<Clock>) {
    // The SDK's own writer.
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

    let compiled = match program::compile(&bundle) {
        Ok(bytes) => bytes,
        Err(e) => panic!("load accepted a bundle that program::compile refuses: {e}"),
    };
    let program = match program::read(&compiled) {
        Ok(program) => program,
        Err(e) => panic!("a compiled program does not read back: {e}"),
    };
    let signed = program::open(&program::pack(&compiled)).map(|p| program::inspect(&p));
    assert_eq!(
        signed,
        Ok(program::inspect(&program)),
        "the signed payload reads as another program"
    );

    let slots: Vec<&str> = program.slot_ids().collect();
    let expected: Vec<&str> = bundle.slots.iter().map(|s| s.id()).collect();
    assert_eq!(slots, expected, "the program's slots are not the bundle's");
    let view = View::of(&program);
    for (i, slot) in bundle.slots.iter().enumerate() {
        let mut compiled: Vec<&str> = view.rule_ids(i);
        let mut authored: Vec<&str> = bundle
            .rules
            .iter()
            .filter(|r| r.slot == slot.id())
            .map(|r| r.id.as_str())
            .collect();
        compiled.sort_unstable();
        authored.sort_unstable();
        assert_eq!(compiled, authored, "slot {}: other rules", slot.id());
    }

    let values = condition_values(&bundle);
    let page = first_page(&bundle);
    let edge = bundle
        .rules
        .iter()
        .find_map(|r| r.trigger.start)
        .unwrap_or(Timestamp(bundle.expires_at.0.saturating_sub(1)))
        .0;
    run_scenarios(&program, &view, &values, page, edge, unit, clock);
}

/// Everything a device does with a program it read, checked: it decides every slot in several
/// situations (see [`run_scenarios`]), and the headless engine decides every slot for a visitor
/// within its own tables.
pub fn check_program(program: &Program, unit: &str, clock: Option<Clock>) {
    let view = View::of(program);
    let values = condition_values_in(&view.json);
    let edge = program.expires_at().saturating_sub(1);
    run_scenarios(program, &view, &values, None, edge, unit, clock);
    check_headless(program, unit);
}

/// The program as [`program::inspect`] prints it: what every decision is checked against.
pub struct View {
    json: Json,
}

impl View {
    /// `program`'s readable form, which must be JSON.
    pub fn of(program: &Program) -> View {
        let text = program::inspect(program);
        let json: Json = match serde_json::from_str(&text) {
            Ok(json) => json,
            Err(e) => panic!("inspect wrote something that is not JSON: {e}\n{text}"),
        };
        let slots = json["slots"].as_array().map_or(0, Vec::len);
        assert_eq!(slots, program.slot_count(), "inspect lists other slots");
        View { json }
    }

    fn slot(&self, i: usize) -> &Json {
        &self.json["slots"][i]
    }

    fn rules(&self, i: usize) -> &[Json] {
        self.slot(i)["rules"].as_array().map_or(&[], Vec::as_slice)
    }

    /// Slot `i`'s rule ids, in the order they are tried.
    fn rule_ids(&self, i: usize) -> Vec<&str> {
        self.rules(i)
            .iter()
            .filter_map(|r| r["id"].as_str())
            .collect()
    }

    fn strings(value: &Json) -> Vec<&str> {
        value
            .as_array()
            .map(|items| items.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default()
    }
}

/// Decides every slot of `program` for a new visitor, an engaged one whose attributes take
/// values its conditions compare with, one at the program's edge of time (`edge`: a schedule
/// start or just before expiry), a device with a broken clock, and an engaged one at `clock` if
/// given.
fn run_scenarios(
    program: &Program,
    view: &View,
    values: &BTreeMap<String, Vec<Value>>,
    page_path: Option<String>,
    edge: i64,
    unit: &str,
    clock: Option<Clock>,
) {
    let decls = Declarations::of_program(program);
    let rule_ids: Vec<String> = program.rule_ids().map(str::to_owned).collect();
    let page = PageContext {
        path: page_path.unwrap_or_else(|| "/pricing".to_owned()),
        referrer_domain: Some("news.example".to_owned()),
        utm_source: Some("newsletter".to_owned()),
        utm_medium: Some("email".to_owned()),
        utm_campaign: Some("spring".to_owned()),
        utm_term: None,
        utm_content: None,
        device: Some("mobile".to_owned()),
        language: Some("de-DE".to_owned()),
    };
    let edge = edge.clamp(-MAX_TIMESTAMP + 400 * DAY_SECONDS, MAX_TIMESTAMP);
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
    let engaged = |now: i64, offset: i32| {
        engaged_scenario(unit, now, offset, page.clone(), &decls, values, &rule_ids)
    };
    let mut broken = engaged(i64::MAX, i32::MAX);
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
    let mut scenarios = vec![
        (new_visitor, true),
        (engaged(NOW, 60), true),
        (engaged(edge, -720), true),
        (broken, false),
    ];
    if let Some(clock) = clock {
        // Its actions go back 20 days; all of them must be inside what a snapshot may hold.
        let persist = clock
            .now
            .checked_abs()
            .is_some_and(|t| t <= MAX_TIMESTAMP - 30 * DAY_SECONDS);
        scenarios.push((engaged(clock.now, clock.utc_offset_minutes), persist));
    }
    for (scenario, persist) in scenarios {
        let replayed = match scenario.replay(&decls) {
            Ok(replayed) => replayed,
            Err(e) => panic!("a harness scenario was refused (harness bug): {e}"),
        };
        decide_every_slot(program, view, &replayed, persist);
    }
}

/// A device that visited on several days, tracked every declared event, holds a value for every
/// declared attribute (one the conditions compare against when there is one, so audiences can
/// match), and rendered every rule recently.
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

/// The values the bundle's `signal` conditions compare each signal with.
fn condition_values(bundle: &Bundle) -> BTreeMap<String, Vec<Value>> {
    match serde_json::from_str(&bundle.to_json()) {
        Ok(json) => condition_values_in(&json),
        Err(_) => BTreeMap::new(),
    }
}

/// The values the `signal` conditions in a JSON document (a bundle, or a program's
/// [`program::inspect`] form) compare each signal with (the elements of an `in` list too).
fn condition_values_in(doc: &Json) -> BTreeMap<String, Vec<Value>> {
    fn walk(node: &Json, out: &mut BTreeMap<String, Vec<Value>>) {
        match node {
            Json::Object(map) => {
                if let (Some(Json::String(name)), Some(_), Some(value)) =
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
            Json::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk(doc, &mut out);
    out
}

/// A path the first `trigger.pages` pattern matches (`*` and `?` filled in).
fn first_page(bundle: &Bundle) -> Option<String> {
    let pattern = bundle.rules.iter().find_map(|r| r.trigger.pages.first())?;
    Some(pattern.replace('*', "x").replace('?', "y"))
}

/// Decides every slot of `program` in `replayed`'s situation, checking that `peek`, `explain`
/// and `decide` agree and that each decision fits the program ([`check_decision`]); then, if
/// `persist`, that the signals and the render history survive a save/load round trip as the
/// browser does between pages.
pub fn decide_every_slot(program: &Program, view: &View, replayed: &Replayed, persist: bool) {
    let ctx = replayed.context();
    let mut history = replayed.history.clone();
    for slot in 0..program.slot_count() {
        for _ in 0..2 {
            let peeked = program.peek(slot, &ctx, &history);
            let explained = program.explain(slot, &ctx, &history);
            assert_eq!(explained.decision, peeked, "explain and peek disagree");
            check_decision(program, view, slot, &peeked, &explained.candidates);
            if let Err(e) = serde_json::from_str::<Json>(&explained.to_json(program)) {
                panic!("an explanation is not written as JSON: {e}");
            }
            let decided = program.decide(slot, &ctx, &mut history);
            assert_eq!(decided, peeked, "decide and peek disagree");
        }
    }
    assert!(
        program.slot("no such slot").is_err() || program.slot_ids().any(|s| s == "no such slot"),
        "an unknown slot was found"
    );

    let decls = Declarations::of_program(program);
    if persist {
        let saved = replayed.signals.to_snapshot();
        match Signals::from_snapshot(&saved, &decls, &replayed.clock) {
            Ok(loaded) => assert_eq!(
                loaded.to_snapshot(),
                saved,
                "signals change across a save/load round trip"
            ),
            Err(e) => panic!("the store refuses its own snapshot: {e}\n{saved:?}"),
        }
    }
    let saved = history.to_snapshot();
    match RenderHistory::from_snapshot(&saved, &ROUND_TRIP_CLOCK) {
        Ok(loaded) => assert_eq!(loaded, history, "render history changes across save/load"),
        Err(e) => panic!("the render history refuses its own snapshot: {e}\n{saved:?}"),
    }
}

/// A decision of slot `slot` is consistent with the program (as `view` shows it) and with its
/// explanation.
pub fn check_decision(
    program: &Program,
    view: &View,
    slot: usize,
    decision: &Decision,
    why: &[Candidate],
) {
    assert_eq!(decision.slot as usize, slot, "a decision of another slot");
    let slot_view = view.slot(slot);
    let default = slot_view["default"].as_str().unwrap_or_default();
    let rule_ids = view.rule_ids(slot);
    let won = why
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Won))
        .count();
    assert_eq!(
        won,
        usize::from(decision.rule.is_some()),
        "the explanation's winner does not match the decision: {decision:?} {why:?}"
    );
    // Every rule of the slot is a candidate, in the order tried.
    let tried: Vec<&str> = why
        .iter()
        .map(|c| program.rule_id(c.rule as usize))
        .collect();
    assert_eq!(
        tried, rule_ids,
        "the candidates are not the slot's rules in order"
    );
    let rule = decision.rule_id(program);
    if let Some(r) = decision.rule {
        assert!(
            why.iter().any(|c| c.rule == r),
            "the deciding rule is not a candidate of the slot: {decision:?}"
        );
    }
    match decision.reason {
        Reason::NoRule => {
            assert!(rule.is_none() && !decision.control && decision.is_default());
            assert_eq!(decision.variant_id(program), default);
        }
        Reason::Control | Reason::Holdout => {
            assert!(rule.is_some() && decision.control && decision.is_default());
            assert_eq!(decision.variant_id(program), default);
        }
        Reason::Matched => {
            assert!(!decision.control && !decision.is_default());
            // The deciding rule by its place among the slot's candidates, not by its id: the
            // reader does not require ids to be unique (only the compiler does).
            let place = why.iter().position(|c| Some(c.rule) == decision.rule);
            let Some(rule) = place.and_then(|j| view.rules(slot).get(j)) else {
                panic!("matched without a rule of the slot: {decision:?}");
            };
            let variants = rule["variants"].as_array().map_or(&[][..], Vec::as_slice);
            assert!(
                variants
                    .iter()
                    .any(|v| v["id"].as_str() == Some(decision.variant_id(program))),
                "the variant is not one of the rule's: {decision:?}"
            );
        }
        Reason::Override => panic!("the engine decided an override: {decision:?}"),
    }
    let steps = decision
        .steps(program)
        .map(|s| s.iter().map(|&i| program.str(i)).collect::<Vec<_>>());
    if slot_view["kind"] == "path" {
        let Some(shown) = steps else {
            panic!("a path slot was decided without steps: {decision:?}");
        };
        let all = View::strings(&slot_view["steps"]);
        if decision.is_default() {
            assert_eq!(shown, all, "the default path is not the slot's steps");
        }
    } else {
        assert!(steps.is_none(), "a block slot was decided with steps");
    }
}

/// The headless engine decides every slot within its own tables, for a visitor with no
/// attributes and one whose form is garbage (refused, then deciding as the empty visitor).
fn check_headless(program: &Program, unit: &str) {
    let mut engine = Headless::new(program.clone(), Clock::utc(NOW));
    let tables: Json = match serde_json::from_str(&engine.tables_json()) {
        Ok(json) => json,
        Err(e) => panic!("the headless tables are not JSON: {e}"),
    };
    let slots = tables["slots"].as_array().map_or(&[][..], Vec::as_slice);
    assert_eq!(slots.len(), program.slot_count());
    let attributes = tables["attributes"].as_array().map_or(0, Vec::len);
    engine.set_unit(unit);
    let missing = vec![b'-'; attributes];
    assert!(
        engine.set_visitor(&missing).is_ok(),
        "a visitor with every attribute missing was refused"
    );
    let mut out = Vec::new();
    engine.decide_all(&mut out);
    let first = out.clone();
    assert_eq!(out.len(), program.slot_count());
    for (slot, &choice) in out.iter().enumerate() {
        let n = choice_count(&slots[slot]);
        assert!(
            (choice as usize) < n,
            "choice {choice} of slot {slot} has {n} choices"
        );
    }
    if engine.set_visitor(b"\x00garbage").is_err() {
        engine.decide_all(&mut out);
        assert_eq!(
            out, first,
            "a refused visitor does not decide as the empty one"
        );
    }
}

/// How many choices a slot of the headless tables has (`[id, default, [[rule, [variants]], …]]`):
/// no rule, then each rule's control and variants.
fn choice_count(slot: &Json) -> usize {
    let rules = slot[2].as_array().map_or(&[][..], Vec::as_slice);
    1 + rules
        .iter()
        .map(|r| 1 + r[1].as_array().map_or(0, Vec::len))
        .sum::<usize>()
}

// --- program -----------------------------------------------------------------------------------

/// A device reading a program: the bytes as a raw program ([`program::read`]) and as a signed
/// payload ([`program::open`], inflating first). What reads goes through [`check_program`]; the
/// header of a program that reads is what [`program::read_header`] reads.
pub fn program(data: &[u8]) {
    match program::read(data) {
        Ok(read) => {
            let header = program::read_header(data);
            assert!(
                header.is_ok_and(|h| h.version == read.version()
                    && h.expires_at == read.expires_at()
                    && h.site == read.site().as_bytes()),
                "the header differs from the program's"
            );
            check_program(&read, DEFAULT_UNIT, Some(Clock::utc(NOW)));
        }
        Err(e) => {
            assert!(e.at <= data.len(), "an error past the end: {e}");
            let _ = (e.to_string(), e.code());
        }
    }
    match program::open(data) {
        Ok(opened) => check_program(&opened, DEFAULT_UNIT, None),
        Err(e) => {
            let _ = (e.to_string(), e.code());
        }
    }
}

// --- stored ------------------------------------------------------------------------------------

/// The program the `stored` target decides with: the golden SaaS bundle, compiled (many signal
/// kinds, temporal audiences, caps, paths, goals).
fn stored_program() -> &'static Program {
    static PROGRAM: OnceLock<Program> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let bytes = include_bytes!("../../tests/golden/bundles/saas.json");
        let compiled = load(bytes).ok().and_then(|b| program::compile(&b).ok());
        match compiled.map(|c| program::read(&c)) {
            Some(Ok(program)) => program,
            _ => panic!("tests/golden/bundles/saas.json no longer compiles"),
        }
    })
}

/// [`stored_program`]'s readable form, made once: it is the same for every input (and remaking
/// it took a quarter of each run).
fn stored_view() -> &'static View {
    static VIEW: OnceLock<View> = OnceLock::new();
    VIEW.get_or_init(|| View::of(stored_program()))
}

/// The parts of a `stored` input: up to four length-prefixed byte strings (a varint length, then
/// the bytes); a part whose length does not fit takes the rest of the input.
pub fn stored_parts(data: &[u8]) -> Vec<&[u8]> {
    let mut r = Reader::new(data);
    let mut parts = Vec::new();
    while parts.len() < 4 && r.remaining() > 0 {
        let at = r.at();
        let part = r.blob();
        if r.error().is_some() {
            parts.push(data.get(at..).unwrap_or_default());
            break;
        }
        parts.push(part);
    }
    parts
}

/// A `stored` input from its parts (the inverse of [`stored_parts`]).
pub fn stored_input(parts: &[&[u8]]) -> Vec<u8> {
    let mut w = Writer::new();
    for part in parts {
        w.blob(part);
    }
    w.finish()
}

/// Stored-data reading: what the browser reads back from `localStorage`, which any script on the
/// page could have written.
///
/// Input: the signals snapshot, the render history and the exposure ledger, each length-prefixed
/// ([`stored_parts`]; missing parts are absent; a fourth part, the outbox before the shell kept
/// it, is ignored so the kept inputs stay meaningful). Each part that reads must
/// survive a save/load round trip unchanged, and whether a signals snapshot is accepted must not
/// depend on the program's declarations (only pruning does). Then every slot of the SaaS golden
/// program is decided with what was accepted (empty state for a refused part, as the browser
/// starts afresh), the decisions are reported as shown, a goal is tracked, and every event for
/// the collector is one it accepts.
pub fn stored(data: &[u8]) {
    let parts = stored_parts(data);
    let part = |i: usize| parts.get(i).copied();
    let program = stored_program();
    let decls = Declarations::of_program(program);
    let clock = Clock {
        now: NOW,
        utc_offset_minutes: 60,
    };

    let mut signals = Signals::new();
    if let Some(bytes) = part(0) {
        let parsed = Signals::from_snapshot(bytes, &decls, &clock);
        let undeclared = Signals::from_snapshot(bytes, &Declarations::default(), &clock);
        assert_eq!(
            parsed.is_ok(),
            undeclared.is_ok(),
            "accepting a snapshot depends on the declarations: {parsed:?} vs {undeclared:?}"
        );
        if let Ok(loaded) = parsed {
            let saved = loaded.to_snapshot();
            match Signals::from_snapshot(&saved, &decls, &clock) {
                Ok(again) => assert_eq!(
                    again.to_snapshot(),
                    saved,
                    "signals change across a save/load round trip"
                ),
                Err(e) => panic!("the store refuses its own snapshot: {e}\n{saved:?}"),
            }
            signals = loaded;
        }
    }

    let mut history = RenderHistory::new();
    if let Some(Ok(loaded)) = part(1).map(|b| RenderHistory::from_snapshot(b, &ROUND_TRIP_CLOCK)) {
        let saved = loaded.to_snapshot();
        match RenderHistory::from_snapshot(&saved, &ROUND_TRIP_CLOCK) {
            Ok(again) => assert_eq!(again, loaded, "render history changes across save/load"),
            Err(e) => panic!("the render history refuses its own snapshot: {e}\n{saved:?}"),
        }
        history = loaded;
    }

    let mut reporter = Reporter::new();
    reporter.set_reporting(true);
    if let Some(bytes) = part(2) {
        let _ = reporter.restore_ledger(bytes);
    }
    check_reporter_round_trip(&reporter);

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
    decide_every_slot(program, stored_view(), &replayed, true);

    // The decisions shown, reported; a goal tracked; what is sent is what a collector accepts.
    reporter.retain_rules(program);
    let ctx = replayed.context();
    let mut sent = Vec::new();
    for slot in 0..program.slot_count() {
        let decision = program.peek(slot, &ctx, &replayed.history);
        sent.extend(reporter.on_rendered(program, &decision, NOW));
    }
    sent.extend(reporter.on_tracked(program, "invited_team", NOW + 60));
    check_reporter_round_trip(&reporter);
    let events: Vec<_> = sent
        .into_iter()
        .filter(|r| r.send)
        .map(|r| r.event)
        .collect();
    if !events.is_empty() {
        let batch = Batch {
            schema: pathwise::report::payload::PAYLOAD_SCHEMA,
            site: SITE.to_owned(),
            bundle: program.version(),
            batch: "0123456789abcdef0123456789abcdef".to_owned(),
            dropped: 0,
            events,
        };
        let body = batch.to_json();
        if let Err(e) = Batch::parse(body.as_bytes()) {
            panic!("the collector refuses the events the reporter made: {e}\n{body}");
        }
    }
}

/// A reporter's stored ledger restores to a reporter that stores the same bytes.
fn check_reporter_round_trip(reporter: &Reporter) {
    let saved = reporter.snapshot();
    let mut again = Reporter::new();
    if let Err(e) = again.restore_ledger(&saved) {
        panic!("the reporter refuses its own ledger: {e}");
    }
    assert_eq!(
        again.snapshot(),
        saved,
        "the reporter changes across save/load"
    );
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
