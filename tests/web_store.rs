//! Browser tests of the runtime's storage, consent and bundle sources (headless Chromium).
//!
//! Each test starts from empty storage and a fresh `#pw-test` area; a "reload" is a second
//! `Pathwise.init` on the same storage (the new instance supersedes the old one, as a new page
//! would).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "web_support/mod.rs"]
mod support;

use pathwise::web::Pathwise;
use serde_json::json;
use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const T0: f64 = 1_800_000_000_000.0; // 2027-01-15, epoch ms
const MINUTE: f64 = 60_000.0;
const DAY: f64 = 86_400_000.0;

async fn init(options: JsValue) -> Pathwise {
    Pathwise::init(options).await.expect("init resolves")
}

async fn init_at(ms: f64, bundle: &str) -> Pathwise {
    init(with_now(&options(bundle, json!({})), ms)).await
}

fn variant(decision: JsValue) -> String {
    prop(&decision, "variant").unwrap()
}

#[wasm_bindgen_test]
async fn storage_round_trip_survives_a_reload() {
    fresh("");
    let pw = init(options(&signed(1), json!({}))).await;
    assert_eq!(pw.bundle_version().as_f64(), Some(1.0));
    pw.set("role", "admin".into()).unwrap();
    pw.track("clicked").unwrap();
    let keys = stored_keys();
    for key in ["bundle", "id", "session", "signals", "version"] {
        assert!(keys.contains(&format!("pathwise:v1:{key}")), "{keys:?}");
    }
    assert!(
        keys.iter().all(|k| k.starts_with("pathwise:v1:")),
        "{keys:?}"
    );
    let id = storage().get_item("pathwise:v1:id").unwrap().unwrap();
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );

    let again = init(options(&signed(1), json!({}))).await;
    let seen = signals(&again);
    assert_eq!(seen["signals"]["attrs"]["role"]["v"], "admin", "{seen}");
    assert_eq!(seen["signals"]["events"]["clicked"]["total"], 1, "{seen}");
    assert_eq!(seen["storage"], "local");
    assert_eq!(storage().get_item("pathwise:v1:id").unwrap().unwrap(), id);
    assert_eq!(variant(again.peek("hero").unwrap()), "admin");
}

#[wasm_bindgen_test]
async fn values_past_their_ttl_are_dropped_on_load() {
    fresh("");
    let pw = init_at(T0, &signed(1)).await;
    pw.set("role", "admin".into()).unwrap();
    let later = init_at(T0 + 29.0 * DAY, &signed(1)).await;
    assert_eq!(signals(&later)["signals"]["attrs"]["role"]["v"], "admin");
    // role's TTL is 30 days from its last write.
    let too_late = init_at(T0 + 31.0 * DAY, &signed(1)).await;
    let seen = signals(&too_late);
    assert!(seen["signals"]["attrs"].get("role").is_none(), "{seen}");
    assert_eq!(variant(too_late.peek("hero").unwrap()), "default");
}

#[wasm_bindgen_test]
async fn a_visit_is_recorded_once_per_session() {
    fresh("");
    init_at(T0, &signed(1)).await;
    let same_session = init_at(T0 + 10.0 * MINUTE, &signed(1)).await;
    let seen = signals(&same_session);
    assert_eq!(seen["signals"]["events"]["visit"]["total"], 1, "{seen}");
    assert_eq!(seen["signals"]["events"]["page_view"]["total"], 2, "{seen}");
    // 30 minutes without activity end the session.
    let next_session = init_at(T0 + 41.0 * MINUTE, &signed(1)).await;
    let seen = signals(&next_session);
    assert_eq!(seen["signals"]["events"]["visit"]["total"], 2, "{seen}");
    assert_eq!(seen["signals"]["events"]["page_view"]["total"], 3, "{seen}");
}

/// `back` (block): `lapsed` for devices whose last visit was 14+ days ago → `welcome-back`;
/// `regular` (block): 3+ visits in the last 7 days → `thanks`; `newcomer` (block): first seen
/// today → `hello`.
fn history_bundle() -> String {
    envelope(
        &json!({
            "schema": 1, "site": SITE, "version": 1, "expires_at": "2099-01-01T00:00:00Z",
            "signals": [ { "name": "clicked", "kind": "event", "ttl_days": 30 } ],
            "slots": [
                { "id": "back", "kind": "block" },
                { "id": "regular", "kind": "block" },
                { "id": "newcomer", "kind": "block" }
            ],
            "rules": [
                { "id": "lapsed", "slot": "back", "objective": "retention",
                  "audience": { "days_since_event": { "event": "visit", "op": "gte", "value": 14 } },
                  "variants": [ { "id": "welcome-back" } ] },
                { "id": "frequent", "slot": "regular", "objective": "retention",
                  "audience": { "event_count": { "event": "visit", "days": 7, "op": "gte", "value": 3 } },
                  "variants": [ { "id": "thanks" } ] },
                { "id": "new-today", "slot": "newcomer", "objective": "activation",
                  "audience": { "days_since_first_seen": { "op": "eq", "value": 0 } },
                  "variants": [ { "id": "hello" } ] }
            ]
        })
        .to_string(),
    )
}

#[wasm_bindgen_test]
async fn conditions_see_the_history_up_to_the_previous_page_view() {
    fresh("");
    let bundle = history_bundle();
    let first = init_at(T0, &bundle).await;
    // A brand-new device is 0 days old; it has no earlier visit to be 14 days ago.
    assert_eq!(variant(first.decide("newcomer").unwrap()), "hello");
    assert_eq!(variant(first.decide("back").unwrap()), "default");
    // This page view is recorded all the same: it counts from the next page view on.
    let seen = signals(&first);
    assert_eq!(seen["signals"]["events"]["visit"]["total"], 1, "{seen}");
    assert_eq!(seen["signals"]["events"]["page_view"]["total"], 1, "{seen}");

    // Back after 15 days: the visit that comes back does not hide the one 15 days ago.
    let t1 = T0 + 15.0 * DAY;
    let lapsed = init_at(t1, &bundle).await;
    assert_eq!(variant(lapsed.decide("back").unwrap()), "welcome-back");
    assert_eq!(variant(lapsed.peek("back").unwrap()), "welcome-back");
    assert_eq!(variant(lapsed.decide("newcomer").unwrap()), "default");
    // A page event tracked in the view counts at once, but not the view's own visit.
    lapsed.track("clicked").unwrap();
    assert_eq!(variant(lapsed.decide("back").unwrap()), "welcome-back");

    // "3+ visits in 7 days" means three earlier visits: t1, t1 + 1 h, t1 + 2 h.
    let third = init_at(t1 + 60.0 * MINUTE, &bundle).await;
    assert_eq!(variant(third.decide("back").unwrap()), "default");
    let third = init_at(t1 + 120.0 * MINUTE, &bundle).await;
    assert_eq!(variant(third.decide("regular").unwrap()), "default");
    let fourth = init_at(t1 + 180.0 * MINUTE, &bundle).await;
    assert_eq!(variant(fourth.decide("regular").unwrap()), "thanks");
    assert_eq!(signals(&fourth)["signals"]["events"]["visit"]["total"], 5);
}

/// Replaces `window.fetch` with one that never settles, even when its request is aborted (a
/// worst case: a page's own wrapper that ignores the signal); returns the original.
fn hang_fetch() -> JsValue {
    let original = js_sys::Reflect::get(&window(), &"fetch".into()).unwrap();
    let hanging = js_sys::Function::new_no_args("return new Promise(() => {});");
    js_sys::Reflect::set(&window(), &"fetch".into(), &hanging).unwrap();
    original
}

#[wasm_bindgen_test]
async fn a_bundle_url_that_never_answers_times_out_and_init_settles() {
    let area = fresh(r#"<section data-pw-block="banner"><h2 class="title">Default</h2></section>"#);
    let original = hang_fetch();
    let started = js_sys::Date::now();
    let result = Pathwise::init(options(
        "/never-answers.json",
        json!({ "fetchTimeoutMs": 80, "revealTimeoutMs": 5000 }),
    ))
    .await;
    let waited = js_sys::Date::now() - started;
    js_sys::Reflect::set(&window(), &"fetch".into(), &original).unwrap();
    let pw = result.expect("init resolves");
    let errors = collect(&pw, "error");
    let ready = collect(&pw, "ready");
    sleep(0).await;
    assert!((80.0..2000.0).contains(&waited), "init took {waited} ms");
    assert_eq!(codes(&errors), vec!["fetch_timeout".to_owned()]);
    let message = prop(&errors.borrow()[0], "message").unwrap();
    assert!(
        message.contains("/never-answers.json") && message.contains("80 ms"),
        "{message}"
    );
    assert!(pw.bundle_version().is_null());
    assert_eq!(ready.borrow().len(), 1);
    assert!(json(&ready.borrow()[0]).contains("\"bundleVersion\":null"));
    // The defaults are shown at once, not after the (long) reveal timeout.
    let block = find(&area, "[data-pw-block]");
    assert_eq!(
        block.get_attribute("data-pw-state").as_deref(),
        Some("default")
    );
    assert_eq!(find(&area, ".title").text_content().unwrap(), "Default");

    for bad in [json!(0), json!(60_001), json!("3000")] {
        let error = Pathwise::init(options(&signed(1), json!({ "fetchTimeoutMs": bad })))
            .await
            .err()
            .expect("rejects");
        assert_eq!(prop(&error, "code").as_deref(), Some("invalid_options"));
    }
}

#[wasm_bindgen_test]
async fn corrupt_foreign_and_oversized_storage_is_discarded_with_warnings() {
    fresh("");
    let s = storage();
    s.set_item("pathwise:v1:signals", "{not json").unwrap();
    s.set_item("pathwise:v1:history", &"x".repeat(70_000))
        .unwrap();
    s.set_item("pathwise:v1:id", "../../etc").unwrap();
    s.set_item("pathwise:v1:version", "lots").unwrap();
    let pw = init(options(&signed(1), json!({}))).await;
    let warnings = collect(&pw, "warning");
    sleep(0).await;
    let seen = codes(&warnings);
    assert!(
        seen.iter().filter(|c| *c == "storage_corrupt").count() >= 4,
        "{seen:?}"
    );
    let id = s.get_item("pathwise:v1:id").unwrap().unwrap();
    assert_eq!(id.len(), 32, "a fresh install id replaces the foreign one");
    assert_eq!(
        s.get_item("pathwise:v1:version").unwrap().as_deref(),
        Some("1")
    );
    // What is written now is the SDK's own, readable by the next page.
    let stored = s.get_item("pathwise:v1:signals").unwrap().unwrap();
    assert!(stored.starts_with("{\"v\":1"), "{stored}");
    assert!(s.get_item("pathwise:v1:history").unwrap().is_none());

    // A snapshot of another format version is foreign: discarded too.
    s.set_item("pathwise:v1:signals", "{\"v\":2}").unwrap();
    let pw = init(options(&signed(1), json!({}))).await;
    let warnings = collect(&pw, "warning");
    sleep(0).await;
    assert!(codes(&warnings).contains(&"storage_corrupt".to_owned()));
}

#[wasm_bindgen_test]
async fn quota_exceeded_falls_back_to_memory_with_a_warning() {
    fresh("");
    let original = break_set_item();
    let result = Pathwise::init(options(&signed(1), json!({}))).await;
    let set = result
        .as_ref()
        .ok()
        .map(|pw| pw.set("role", "admin".into()));
    restore_set_item(&original);
    let pw = result.expect("init resolves although every write throws");
    set.unwrap().expect("set works in memory");
    let warnings = collect(&pw, "warning");
    sleep(0).await;
    assert!(codes(&warnings).contains(&"storage_quota_exceeded".to_owned()));
    assert_eq!(signals(&pw)["storage"], "memory");
    assert_eq!(variant(pw.peek("hero").unwrap()), "admin");
    assert!(stored_keys().is_empty(), "{:?}", stored_keys());
}

#[wasm_bindgen_test]
async fn storage_that_throws_on_access_works_in_memory() {
    fresh("");
    let original = block_storage();
    let result = Pathwise::init(options(&signed(1), json!({}))).await;
    let calls = result.as_ref().ok().map(|pw| {
        (
            pw.set("role", "admin".into()),
            pw.track("clicked"),
            pw.peek("hero").map(variant),
        )
    });
    unblock_storage(&original);
    let pw = result.expect("init resolves without localStorage");
    let (set, track, hero) = calls.unwrap();
    set.unwrap();
    track.unwrap();
    assert_eq!(hero.unwrap(), "admin");
    let warnings = collect(&pw, "warning");
    sleep(0).await;
    assert!(codes(&warnings).contains(&"storage_unavailable".to_owned()));
    assert_eq!(signals(&pw)["storage"], "memory");
}

#[wasm_bindgen_test]
async fn consent_pending_writes_nothing_until_granted() {
    fresh("");
    let pw = init(options(&signed(1), json!({ "consent": "pending" }))).await;
    pw.set("role", "admin".into()).unwrap();
    pw.track("clicked").unwrap();
    assert!(stored_keys().is_empty(), "{:?}", stored_keys());
    assert_eq!(signals(&pw)["consent"], "pending");

    pw.set_consent("granted").unwrap();
    let keys = stored_keys();
    for key in ["bundle", "id", "session", "signals", "version"] {
        assert!(keys.contains(&format!("pathwise:v1:{key}")), "{keys:?}");
    }
    let stored = storage().get_item("pathwise:v1:signals").unwrap().unwrap();
    assert!(
        stored.contains("\"admin\"") && stored.contains("clicked"),
        "{stored}"
    );

    // Denied erases, and the SDK keeps working in memory.
    pw.set_consent("denied").unwrap();
    assert!(stored_keys().is_empty(), "{:?}", stored_keys());
    pw.track("clicked").unwrap();
    assert!(stored_keys().is_empty(), "{:?}", stored_keys());
    assert_eq!(signals(&pw)["signals"]["events"]["clicked"]["total"], 2);
    assert!(pw.set_consent("maybe").is_err());
}

#[wasm_bindgen_test]
async fn consent_pending_reads_what_a_consented_page_stored_and_denied_erases_it() {
    fresh("");
    let pw = init(options(&signed(1), json!({}))).await;
    pw.set("role", "admin".into()).unwrap();
    let before = storage().get_item("pathwise:v1:signals").unwrap();

    let pending = init(options(&signed(1), json!({ "consent": "pending" }))).await;
    assert_eq!(variant(pending.peek("hero").unwrap()), "admin");
    assert_eq!(storage().get_item("pathwise:v1:signals").unwrap(), before);

    let denied = init(options(&signed(1), json!({ "consent": "denied" }))).await;
    assert!(stored_keys().is_empty(), "{:?}", stored_keys());
    assert_eq!(variant(denied.peek("hero").unwrap()), "default");
}

#[wasm_bindgen_test]
async fn forget_removes_every_key_the_sdk_wrote() {
    fresh("");
    let pw = init(options(&signed(1), json!({}))).await;
    pw.set("role", "admin".into()).unwrap();
    pw.decide("banner").unwrap();
    let s = storage();
    // A reporting queue, an older format's key, and a key that is not ours.
    s.set_item("pathwise:v1:queue", "[]").unwrap();
    s.set_item("pathwise:v0:signals", "{}").unwrap();
    s.set_item("other-app", "keep").unwrap();
    assert!(stored_keys().contains(&"pathwise:v1:history".to_owned()));

    pw.forget().unwrap();
    assert_eq!(stored_keys(), vec!["other-app".to_owned()]);
    // Still working, in memory, writing nothing.
    pw.track("clicked").unwrap();
    assert_eq!(stored_keys(), vec!["other-app".to_owned()]);
    let seen = signals(&pw);
    assert!(seen["signals"]["attrs"].get("role").is_none(), "{seen}");
    assert_eq!(variant(pw.peek("hero").unwrap()), "default");
}

#[wasm_bindgen_test]
async fn rollback_is_refused_across_a_reload() {
    fresh("");
    let pw = init(options(&signed(3), json!({}))).await;
    assert_eq!(pw.bundle_version().as_f64(), Some(3.0));

    // The next page carries an older bundle (a stale cached page, a replayed file).
    let older = init(options(&signed(2), json!({}))).await;
    let errors = collect(&older, "error");
    sleep(0).await;
    assert!(
        codes(&errors).contains(&"rollback".to_owned()),
        "{:?}",
        codes(&errors)
    );
    assert_eq!(
        older.bundle_version().as_f64(),
        Some(3.0),
        "the last good bundle stays"
    );
    assert_eq!(
        storage()
            .get_item("pathwise:v1:version")
            .unwrap()
            .as_deref(),
        Some("3")
    );
    // The same version again is the normal repeat visit: quiet.
    let same = init(options(&signed(3), json!({}))).await;
    let errors = collect(&same, "error");
    sleep(0).await;
    assert!(errors.borrow().is_empty());
    assert_eq!(same.bundle_version().as_f64(), Some(3.0));
}

#[wasm_bindgen_test]
async fn a_tampered_bundle_leaves_defaults_and_fires_error_with_code() {
    let area = fresh(r#"<section data-pw-block="banner"><h2 class="title">Default</h2></section>"#);
    let mut envelope: serde_json::Value = serde_json::from_str(&signed(1)).unwrap();
    let payload = envelope["payload"].as_str().unwrap().to_owned();
    let i = payload.len() / 2;
    let flipped = if &payload[i..=i] == "A" { "B" } else { "A" };
    envelope["payload"] = format!("{}{}{}", &payload[..i], flipped, &payload[i + 1..]).into();

    let pw = init(options(&envelope.to_string(), json!({}))).await;
    let errors = collect(&pw, "error");
    let ready = collect(&pw, "ready");
    sleep(0).await;
    assert!(pw.bundle_version().is_null());
    assert_eq!(
        codes(&errors),
        vec!["signature_threshold_not_met".to_owned()]
    );
    let error = errors.borrow()[0].clone();
    assert!(
        error.is_instance_of::<js_sys::Error>(),
        "errors are Error objects"
    );
    assert!(prop(&error, "message").unwrap().contains("signature"));
    assert_eq!(ready.borrow().len(), 1);
    assert!(json(&ready.borrow()[0]).contains("\"bundleVersion\":null"));
    let block = find(&area, "[data-pw-block]");
    assert_eq!(
        block.get_attribute("data-pw-state").as_deref(),
        Some("default")
    );
    assert_eq!(find(&area, ".title").text_content().unwrap(), "Default");
    // The page's own calls keep working.
    pw.track("clicked").unwrap();
    assert_eq!(variant(pw.decide("banner").unwrap()), "default");
}

#[wasm_bindgen_test]
async fn invalid_options_reject_with_a_code_and_still_reveal_blocks() {
    let area = fresh(r#"<section data-pw-block="hero">Default</section>"#);
    let error = Pathwise::init(js_sys::JSON::parse(r#"{"site":"","keys":[]}"#).unwrap())
        .await
        .err()
        .expect("rejects");
    assert!(error.is_instance_of::<js_sys::Error>());
    assert_eq!(prop(&error, "code").as_deref(), Some("invalid_options"));
    let block = find(&area, "[data-pw-block]");
    assert_eq!(
        block.get_attribute("data-pw-state").as_deref(),
        Some("default")
    );

    let no_valid_key = options(&signed(1), json!({ "keys": ["ed25519:nope"] }));
    let error = Pathwise::init(no_valid_key).await.err().expect("rejects");
    assert_eq!(prop(&error, "code").as_deref(), Some("invalid_options"));

    // One bad key beside a good one is only a warning.
    let one_bad = options(&signed(1), json!({ "keys": ["ed25519:nope", pinned()] }));
    let pw = init(one_bad).await;
    let warnings = collect(&pw, "warning");
    sleep(0).await;
    assert_eq!(pw.bundle_version().as_f64(), Some(1.0));
    assert!(codes(&warnings).contains(&"invalid_key".to_owned()));
}

#[wasm_bindgen_test]
async fn inline_element_url_and_background_revalidation() {
    let area = fresh(&format!(
        r#"<script type="application/vnd.pathwise+json" id="pw-bundle">{}</script>"#,
        signed(1)
    ));
    let pw = init(options("#pw-bundle", json!({}))).await;
    assert_eq!(pw.bundle_version().as_f64(), Some(1.0));
    area.set_inner_html("");
    let missing = init(options("#pw-bundle", json!({}))).await;
    let errors = collect(&missing, "error");
    sleep(0).await;
    assert!(codes(&errors).contains(&"bundle_not_found".to_owned()));
    assert_eq!(
        missing.bundle_version().as_f64(),
        Some(1.0),
        "the stored bundle serves"
    );

    // First visit with only a URL: fetched, verified, stored.
    fresh("");
    let pw = init(options(&blob_url(&signed(4)), json!({}))).await;
    assert_eq!(pw.bundle_version().as_f64(), Some(4.0));
    assert!(storage().get_item("pathwise:v1:bundle").unwrap().is_some());

    // Next visit: the stored bundle is used at once, the URL's newer one replaces it.
    let next = init(options(&blob_url(&signed(5)), json!({}))).await;
    assert_eq!(next.bundle_version().as_f64(), Some(4.0));
    for _ in 0..50 {
        if next.bundle_version().as_f64() == Some(5.0) {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(next.bundle_version().as_f64(), Some(5.0));
    assert_eq!(
        storage()
            .get_item("pathwise:v1:version")
            .unwrap()
            .as_deref(),
        Some("5")
    );

    // A URL that fails leaves the stored bundle in place and says why.
    let broken = init(options("data:,not-an-envelope", json!({}))).await;
    let errors = collect(&broken, "error");
    for _ in 0..50 {
        if !errors.borrow().is_empty() {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(codes(&errors), vec!["malformed_envelope".to_owned()]);
    assert!(prop(&errors.borrow()[0], "message")
        .unwrap()
        .contains("data:,not-an-envelope"));
    assert_eq!(broken.bundle_version().as_f64(), Some(5.0));
}

#[wasm_bindgen_test]
async fn calls_throw_errors_with_codes() {
    fresh("");
    let pw = init(options(&signed(1), json!({}))).await;
    let code = |r: Result<(), JsValue>| {
        let e = r.expect_err("throws");
        assert!(e.is_instance_of::<js_sys::Error>());
        prop(&e, "code").unwrap()
    };
    assert_eq!(code(pw.track("nope")), "undeclared_signal");
    assert_eq!(code(pw.track("role")), "signal_not_event");
    assert_eq!(code(pw.set("role", 5.into())), "wrong_kind");
    assert_eq!(code(pw.set("role", JsValue::NULL)), "wrong_kind");
    assert_eq!(code(pw.set("visits", 5.into())), "builtin_signal");
    assert_eq!(code(pw.decide("nope").map(|_| ())), "unknown_slot");
    let handler = js_sys::Function::new_no_args("");
    assert_eq!(code(pw.on("nope", handler).map(|_| ())), "invalid_argument");
}
