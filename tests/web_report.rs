//! Browser tests of exposure and conversion reporting (headless Chromium): what is recorded,
//! when and how it is sent, what survives a reload, sampling, consent, and what a report may
//! contain.
//!
//! `navigator.sendBeacon` and `window.fetch` are replaced by recorders (an inline script below)
//! that capture every call the page makes through them — the only two ways the SDK sends
//! anything — and answer as each test says: a beacon accepted or refused; a fetch answered 204,
//! answered 500, or failing like an unreachable endpoint. Other fetches (none in these tests)
//! pass through. A "reload" is a second `Pathwise.init` on the same storage; a hidden page is
//! a `visibilitychange` dispatched while `document.visibilityState` reads `"hidden"`.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "web_support/mod.rs"]
mod support;

use std::collections::BTreeSet;

use pathwise::report::payload::Batch;
use pathwise::report::sampled;
use pathwise::web::Pathwise;
use serde_json::{json, Value};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
const COLLECT = "/pw-collect";
let log = [];
let beaconMode = "ok";
let fetchMode = "ok";
let realFetch = null;
export function net_install(beacon, fetchm) {
  log = [];
  beaconMode = beacon;
  fetchMode = fetchm;
  if (!realFetch) realFetch = window.fetch.bind(window);
  navigator.sendBeacon = function (url, body) {
    log.push({ via: "beacon", url: String(url), body: String(body) });
    return beaconMode === "ok";
  };
  window.fetch = function (input, init) {
    const url = String(input);
    init = init || {};
    log.push({
      via: "fetch", url, method: init.method || "GET",
      body: init.body == null ? null : String(init.body),
      keepalive: init.keepalive === true, mode: init.mode || null,
      credentials: init.credentials || null,
    });
    if (!url.includes(COLLECT)) return realFetch(input, init);
    if (fetchMode === "ok") return Promise.resolve(new Response(null, { status: 204 }));
    if (fetchMode === "500") return Promise.resolve(new Response("not stored", { status: 500 }));
    return Promise.reject(new TypeError("Failed to fetch"));
  };
}
export function net_mode(beacon, fetchm) { beaconMode = beacon; fetchMode = fetchm; }
export function net_log() { return JSON.stringify(log); }
export function net_clear() { log = []; }
function visibility(state) {
  Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
  delete document.visibilityState;
}
export function hide() { visibility("hidden"); }
export function show() { visibility("visible"); }
export function pagehide() { window.dispatchEvent(new Event("pagehide")); }
"#)]
extern "C" {
    fn net_install(beacon: &str, fetch: &str);
    fn net_mode(beacon: &str, fetch: &str);
    fn net_log() -> String;
    fn net_clear();
    fn hide();
    fn show();
    fn pagehide();
}

const T0: f64 = 1_800_000_000_000.0; // epoch ms
const MINUTE: i64 = 30_000_000; // T0 in Unix minutes
const URL: &str = "/pw-collect";
const SECRET_ROLE: &str = "ZZ-SECRET-ROLE-42";
const SECRET_PLAN: &str = "ZZ-SECRET-PLAN-77";
const SECRET_SEATS: f64 = 987_654_321.0;

/// `banner` (everyone) and `hero` (devices whose role starts with `ZZ-`) are blocks with a
/// variant each; both rules count `signup` as a goal, `hero-team` also `upgrade`.
fn report_bundle(version: u64) -> String {
    json!({
        "schema": 1, "site": SITE, "version": version, "expires_at": "2099-01-01T00:00:00Z",
        "signals": [
            { "name": "role", "kind": "string", "ttl_days": 30 },
            { "name": "plan", "kind": "string", "ttl_days": 30 },
            { "name": "seats", "kind": "number", "ttl_days": 30 },
            { "name": "signup", "kind": "event", "ttl_days": 30 },
            { "name": "upgrade", "kind": "event", "ttl_days": 30 }
        ],
        "slots": [ { "id": "hero", "kind": "block" }, { "id": "banner", "kind": "block" } ],
        "rules": [
            { "id": "banner-text", "slot": "banner", "objective": "activation", "goals": ["signup"],
              "variants": [ { "id": "short", "text": [ { "selector": ".title", "text": "Hi" } ] } ] },
            { "id": "hero-team", "slot": "hero", "objective": "activation",
              "goals": ["signup", "upgrade"],
              "audience": { "signal": { "name": "role", "op": "starts_with", "value": "ZZ-" } },
              "variants": [ { "id": "team" } ] }
        ]
    })
    .to_string()
}

const PAGE: &str = r#"
<section data-pw-block="banner"><h2 class="title">Default</h2></section>
<section data-pw-block="hero"><p>Default hero</p></section>
<template data-pw-variant="hero:team"><p>For your team</p></template>"#;

/// Options with the report bundle inline, the clock at `T0`, and `collect` (`idleMs` long
/// unless `extra` says otherwise, so only the triggers a test fires send anything).
fn report_options(collect: Value, extra: Value) -> JsValue {
    let mut collect_obj = json!({ "url": URL, "idleMs": 60_000 });
    for (k, v) in collect.as_object().unwrap() {
        collect_obj[k] = v.clone();
    }
    let mut all = json!({ "collect": collect_obj });
    for (k, v) in extra.as_object().unwrap() {
        all[k] = v.clone();
    }
    with_now(&options(&envelope(&report_bundle(1)), all), T0)
}

async fn init(options: JsValue) -> Pathwise {
    Pathwise::init(options).await.expect("init resolves")
}

/// A page with reporting on, its `exposure` events collected.
async fn page(
    collect: Value,
    extra: Value,
) -> (Pathwise, std::rc::Rc<std::cell::RefCell<Vec<JsValue>>>) {
    let pw = init(report_options(collect, extra)).await;
    let exposures = support::collect(&pw, "exposure");
    sleep(0).await;
    (pw, exposures)
}

/// Every captured request.
fn requests() -> Vec<Value> {
    serde_json::from_str(&net_log()).unwrap()
}

/// The captured requests to the collector.
fn sent() -> Vec<Value> {
    requests()
        .into_iter()
        .filter(|r| r["url"].as_str().unwrap_or("").ends_with(URL))
        .collect()
}

fn body(request: &Value) -> Value {
    serde_json::from_str(request["body"].as_str().unwrap()).unwrap()
}

fn batch_id(request: &Value) -> String {
    body(request)["batch"].as_str().unwrap().to_owned()
}

/// `(type, rule, variant, goal)` of every event in `requests`, sorted.
fn events(requests: &[Value]) -> Vec<(String, String, String, String)> {
    let mut out: Vec<_> = requests
        .iter()
        .flat_map(|r| body(r)["events"].as_array().unwrap().clone())
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("").to_owned();
            (s("type"), s("rule"), s("variant"), s("goal"))
        })
        .collect();
    out.sort();
    out
}

fn exposure(rule: &str, variant: &str) -> (String, String, String, String) {
    (
        "exposure".into(),
        rule.into(),
        variant.into(),
        String::new(),
    )
}

fn conversion(rule: &str, variant: &str, goal: &str) -> (String, String, String, String) {
    (
        "conversion".into(),
        rule.into(),
        variant.into(),
        goal.into(),
    )
}

fn stored(name: &str) -> Option<String> {
    storage().get_item(&format!("pathwise:v1:{name}")).unwrap()
}

#[wasm_bindgen_test]
async fn a_beacon_carries_the_exposures_when_the_page_is_hidden() {
    fresh(PAGE);
    net_install("ok", "ok");
    let (pw, exposures) = page(json!({}), json!({})).await;
    // The banner's variant was applied: one exposure, emitted as the report event.
    let seen: Vec<Value> = exposures
        .borrow()
        .iter()
        .map(|e| serde_json::from_str(&support::json(e)).unwrap())
        .collect();
    assert_eq!(
        seen,
        vec![
            json!({ "type": "exposure", "rule": "banner-text", "variant": "short",
                     "slot": "banner", "control": false, "minute": MINUTE })
        ]
    );
    assert!(sent().is_empty(), "nothing is sent before a trigger");

    hide();
    let beacons = sent();
    assert_eq!(beacons.len(), 1, "{beacons:?}");
    assert_eq!(beacons[0]["via"], "beacon");
    let b = body(&beacons[0]);
    assert_eq!(b["schema"], 1);
    assert_eq!(b["site"], SITE);
    assert_eq!(b["bundle"], 1);
    assert_eq!(b["dropped"], 0);
    assert_eq!(
        b["events"],
        json!([{ "type": "exposure", "rule": "banner-text", "variant": "short",
                 "slot": "banner", "control": false, "minute": MINUTE }])
    );
    let id = batch_id(&beacons[0]);
    assert!(
        id.len() == 32 && id.bytes().all(|c| c.is_ascii_hexdigit()),
        "{id}"
    );

    // Hidden again before anything new: the batch is not beaconed twice.
    hide();
    assert_eq!(sent().len(), 1);

    // Visible again: the beaconed batch is confirmed by a fetch with the same id.
    show();
    pw.flush();
    sleep(10).await;
    let all = sent();
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[1]["via"], "fetch");
    assert_eq!(batch_id(&all[1]), id);
    // Confirmed: a reload has nothing left to send.
    net_clear();
    let (again, _) = page(json!({}), json!({})).await;
    again.flush();
    hide();
    sleep(10).await;
    assert!(sent().is_empty(), "{:?}", sent());
}

#[wasm_bindgen_test]
async fn a_beacon_is_sent_on_pagehide() {
    fresh(PAGE);
    net_install("ok", "ok");
    let (pw, _) = page(json!({}), json!({})).await;
    pw.set("role", SECRET_ROLE.into()).unwrap();
    pagehide();
    let beacons = sent();
    assert_eq!(beacons.len(), 1, "{beacons:?}");
    assert_eq!(beacons[0]["via"], "beacon");
    assert_eq!(
        events(&beacons),
        vec![
            exposure("banner-text", "short"),
            exposure("hero-team", "team")
        ],
        "the role takes effect at once: the hero shows its variant in this page view"
    );
    // Conversions after the exposures go out on the next pagehide.
    pw.track("signup").unwrap();
    pagehide();
    let beacons = sent();
    assert_eq!(beacons.len(), 2, "{beacons:?}");
    assert_eq!(
        events(&beacons[1..]),
        vec![
            conversion("banner-text", "short", "signup"),
            conversion("hero-team", "team", "signup")
        ]
    );
}

#[wasm_bindgen_test]
async fn a_queue_over_60_kb_is_split_into_batches_under_60_kb() {
    // 240 rules with ids of 64 characters: about 64 KB of exposures in one page view.
    let long = |prefix: &str, i: usize| format!("{prefix}-{i:03}-{}", "x".repeat(58));
    let slots: Vec<Value> = (0..240)
        .map(|i| json!({ "id": long("s", i), "kind": "block" }))
        .collect();
    let rules: Vec<Value> = (0..240)
        .map(|i| {
            json!({ "id": long("r", i), "slot": long("s", i), "objective": "activation",
                    "variants": [ { "id": long("v", i) } ] })
        })
        .collect();
    let bundle = json!({
        "schema": 1, "site": SITE, "version": 3, "expires_at": "2099-01-01T00:00:00Z",
        "signals": [], "slots": slots, "rules": rules
    })
    .to_string();
    fresh("");
    net_install("ok", "ok");
    let opts = with_now(
        &options(
            &envelope(&bundle),
            json!({ "collect": { "url": URL, "idleMs": 60_000 }, "autoApply": false }),
        ),
        T0,
    );
    let pw = init(opts).await;
    for i in 0..240 {
        pw.decide(&long("s", i)).unwrap();
    }
    hide();
    let beacons = sent();
    assert!(beacons.len() >= 2, "{} beacons", beacons.len());
    let mut ids = BTreeSet::new();
    let mut total = 0;
    for b in &beacons {
        let text = b["body"].as_str().unwrap();
        assert!(text.len() < 60_000, "{} bytes", text.len());
        let batch = Batch::parse(text.as_bytes()).unwrap();
        assert_eq!(batch.bundle, 3);
        total += batch.events.len();
        ids.insert(batch.batch);
    }
    assert_eq!(total, 240);
    assert_eq!(ids.len(), beacons.len(), "every batch has its own id");
}

#[wasm_bindgen_test]
async fn a_refused_beacon_falls_back_to_a_keepalive_fetch() {
    fresh(PAGE);
    net_install("refuse", "ok");
    page(json!({}), json!({})).await;
    hide();
    sleep(10).await;
    let all = sent();
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0]["via"], "beacon");
    assert_eq!(all[1]["via"], "fetch");
    assert_eq!(all[1]["method"], "POST");
    assert_eq!(all[1]["keepalive"], true);
    assert_eq!(all[1]["mode"], "cors");
    assert_eq!(all[1]["credentials"], "omit");
    assert_eq!(all[1]["body"], all[0]["body"]);
    // The fetch was answered 204: delivered, nothing left for the next page.
    net_clear();
    net_mode("ok", "ok");
    let (again, _) = page(json!({}), json!({})).await;
    again.flush();
    hide();
    sleep(10).await;
    assert!(sent().is_empty(), "{:?}", sent());
}

#[wasm_bindgen_test]
async fn a_failed_send_is_stored_and_delivered_by_the_next_page_with_the_same_batch_id() {
    fresh(PAGE);
    net_install("refuse", "error");
    let (pw, _) = page(json!({}), json!({})).await;
    pw.track("signup").unwrap();
    hide();
    sleep(10).await;
    let failed = sent();
    assert_eq!(
        failed.len(),
        2,
        "beacon refused, then fetch failed: {failed:?}"
    );
    let id = batch_id(&failed[0]);
    assert_eq!(batch_id(&failed[1]), id);
    let outbox = stored("outbox").expect("the outbox is stored");
    assert!(outbox.contains(&id), "{outbox}");

    // The next page, with the network back: the same batch, same id, same events, once.
    net_clear();
    net_mode("ok", "ok");
    let (_again, exposures) = page(json!({}), json!({})).await;
    assert!(
        exposures.borrow().is_empty(),
        "the exposure was recorded by the first page"
    );
    hide();
    let delivered = sent();
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_eq!(delivered[0]["via"], "beacon");
    assert_eq!(batch_id(&delivered[0]), id);
    assert_eq!(delivered[0]["body"], failed[0]["body"]);
    assert_eq!(
        events(&delivered),
        vec![
            conversion("banner-text", "short", "signup"),
            exposure("banner-text", "short")
        ]
    );
}

#[wasm_bindgen_test]
async fn an_endpoint_that_is_down_keeps_the_batch_until_it_answers() {
    fresh(PAGE);
    net_install("ok", "500");
    let (pw, _) = page(json!({}), json!({})).await;
    pw.flush();
    sleep(10).await;
    assert_eq!(sent().len(), 1);
    let id = batch_id(&sent()[0]);
    net_mode("ok", "error");
    pw.flush();
    sleep(10).await;
    assert_eq!(sent().len(), 2);
    assert_eq!(batch_id(&sent()[1]), id, "a retry keeps the batch id");
    net_mode("ok", "ok");
    pw.flush();
    sleep(10).await;
    assert_eq!(sent().len(), 3);
    assert_eq!(batch_id(&sent()[2]), id);
    assert!(sent().iter().all(|r| r["via"] == "fetch"));
    // Confirmed: nothing more to send, now or from the next page.
    pw.flush();
    hide();
    sleep(10).await;
    assert_eq!(sent().len(), 3, "{:?}", sent());
    let outbox = stored("outbox").unwrap();
    assert!(!outbox.contains(&id), "{outbox}");
}

#[wasm_bindgen_test]
async fn the_idle_delay_sends_by_fetch_and_a_new_page_sends_what_an_old_one_left() {
    fresh(PAGE);
    net_install("ok", "error");
    let (_pw, _) = page(json!({ "idleMs": 30 }), json!({})).await;
    sleep(150).await;
    let first = sent();
    assert!(!first.is_empty(), "the idle timer sent the exposure");
    assert!(first.iter().all(|r| r["via"] == "fetch"), "{first:?}");
    let id = batch_id(&first[0]);

    // Reload: the batch the endpoint did not take goes out on the first idle tick.
    net_clear();
    net_mode("ok", "ok");
    let (_again, _) = page(json!({ "idleMs": 30 }), json!({})).await;
    sleep(150).await;
    let second = sent();
    assert_eq!(second.len(), 1, "{second:?}");
    assert_eq!(batch_id(&second[0]), id);
    assert_eq!(second[0]["via"], "fetch");
}

#[wasm_bindgen_test]
async fn exposures_and_conversions_are_reported_once_per_device_across_reloads() {
    fresh(PAGE);
    net_install("ok", "ok");
    let (pw, _) = page(json!({}), json!({})).await;
    pw.track("signup").unwrap();
    pw.track("signup").unwrap();
    // The hero shows its variant as soon as the role is known: exposed after the signup, so
    // the signup converts only the banner's rule.
    pw.set("role", SECRET_ROLE.into()).unwrap();
    pw.flush();
    sleep(10).await;
    assert_eq!(
        events(&sent()),
        vec![
            conversion("banner-text", "short", "signup"),
            exposure("banner-text", "short"),
            exposure("hero-team", "team"),
        ]
    );

    // Reload: both blocks show their variants again, but neither exposure is repeated, and
    // `signup` converts only the rule that had not converted on it yet.
    net_clear();
    let (pw, exposures) = page(json!({}), json!({})).await;
    assert!(exposures.borrow().is_empty());
    pw.track("signup").unwrap();
    pw.track("upgrade").unwrap();
    pw.flush();
    sleep(10).await;
    assert_eq!(
        events(&sent()),
        vec![
            conversion("hero-team", "team", "signup"),
            conversion("hero-team", "team", "upgrade"),
        ]
    );

    // Once more: nothing new at all.
    net_clear();
    let (pw, exposures) = page(json!({}), json!({})).await;
    pw.track("signup").unwrap();
    pw.track("upgrade").unwrap();
    pw.decide("banner").unwrap();
    pw.flush();
    hide();
    pagehide();
    sleep(10).await;
    assert!(exposures.borrow().is_empty());
    assert!(sent().is_empty(), "{:?}", sent());
}

#[wasm_bindgen_test]
async fn peek_and_explain_record_nothing() {
    fresh(PAGE);
    net_install("ok", "ok");
    let (pw, exposures) = page(json!({}), json!({ "autoApply": false })).await;
    pw.peek("banner").unwrap();
    pw.explain("banner").unwrap();
    pw.track("signup").unwrap();
    pw.flush();
    hide();
    sleep(10).await;
    assert!(exposures.borrow().is_empty());
    assert!(sent().is_empty(), "{:?}", sent());
    // decide() is a render: now there is an exposure to send.
    pw.decide("banner").unwrap();
    hide();
    assert_eq!(events(&sent()), vec![exposure("banner-text", "short")]);
    assert_eq!(exposures.borrow().len(), 1);
}

#[wasm_bindgen_test]
async fn a_variant_that_could_not_be_shown_is_not_an_exposure() {
    // The hero's variant has no template in this page: the default stays, nothing is reported.
    fresh(r#"<section data-pw-block="hero"><p>Default hero</p></section>"#);
    net_install("ok", "ok");
    let (pw, _) = page(json!({}), json!({})).await;
    pw.set("role", SECRET_ROLE.into()).unwrap();
    let (_again, exposures) = page(json!({}), json!({})).await;
    hide();
    assert!(exposures.borrow().is_empty());
    assert!(sent().is_empty(), "{:?}", sent());
}

/// Install ids in and out of a 50 % sample.
fn units_at_half() -> (String, String) {
    let units = (0u32..).map(|i| format!("{i:032x}"));
    let mut inside = None;
    let mut outside = None;
    for unit in units {
        match sampled(&unit, 5_000) {
            true if inside.is_none() => inside = Some(unit),
            false if outside.is_none() => outside = Some(unit),
            _ => {}
        }
        if let (Some(i), Some(o)) = (&inside, &outside) {
            return (i.clone(), o.clone());
        }
    }
    unreachable!()
}

async fn beacons_with(rate: f64, unit: Option<&str>) -> usize {
    fresh(PAGE);
    if let Some(unit) = unit {
        storage().set_item("pathwise:v1:id", unit).unwrap();
    }
    net_install("ok", "ok");
    let (_pw, exposures) = page(json!({ "sampleRate": rate }), json!({})).await;
    hide();
    let n = sent().len();
    assert_eq!(
        n.min(1),
        exposures.borrow().len(),
        "exposure events follow the sample"
    );
    n
}

#[wasm_bindgen_test]
async fn sampling_is_decided_per_device() {
    assert_eq!(beacons_with(0.0, None).await, 0);
    assert_eq!(beacons_with(1.0, None).await, 1);
    let (inside, outside) = units_at_half();
    for _ in 0..2 {
        assert_eq!(beacons_with(0.5, Some(&inside)).await, 1, "{inside}");
        assert_eq!(beacons_with(0.5, Some(&outside)).await, 0, "{outside}");
    }
}

#[wasm_bindgen_test]
async fn nothing_is_sent_or_stored_before_consent() {
    for consent in ["pending", "denied"] {
        fresh(PAGE);
        net_install("ok", "ok");
        let (pw, exposures) = page(json!({}), json!({ "consent": consent })).await;
        assert_eq!(exposures.borrow().len(), 1, "recorded in memory");
        pw.track("signup").unwrap();
        pw.flush();
        hide();
        pagehide();
        sleep(10).await;
        assert!(sent().is_empty(), "{consent}: {:?}", sent());
        assert!(stored("ledger").is_none() && stored("outbox").is_none());

        pw.set_consent("granted").unwrap();
        assert!(
            stored("ledger").is_some(),
            "{consent}: written once granted"
        );
        pw.flush();
        sleep(10).await;
        assert_eq!(
            events(&sent()),
            vec![
                conversion("banner-text", "short", "signup"),
                exposure("banner-text", "short")
            ],
            "{consent}"
        );
    }
}

#[wasm_bindgen_test]
async fn forget_erases_the_ledger_and_the_outbox() {
    fresh(PAGE);
    net_install("ok", "ok");
    let (pw, _) = page(json!({}), json!({})).await;
    assert!(stored("ledger").is_some() && stored("outbox").is_some());
    pw.forget().unwrap();
    assert!(stored("ledger").is_none() && stored("outbox").is_none());
    pw.flush();
    hide();
    sleep(10).await;
    assert!(sent().is_empty(), "{:?}", sent());
    // Granted again, the device starts afresh: the banner shown to it is a new exposure.
    pw.set_consent("granted").unwrap();
    pw.decide("banner").unwrap();
    hide();
    assert_eq!(events(&sent()), vec![exposure("banner-text", "short")]);
}

#[wasm_bindgen_test]
async fn corrupt_stored_reports_are_discarded_with_a_warning() {
    fresh(PAGE);
    storage()
        .set_item("pathwise:v1:ledger", "{\"v\":1,\"r\":")
        .unwrap();
    storage()
        .set_item("pathwise:v1:outbox", "{\"v\":9}")
        .unwrap();
    net_install("ok", "ok");
    let pw = init(report_options(json!({}), json!({}))).await;
    let warnings = support::collect(&pw, "warning");
    sleep(0).await;
    let corrupt: Vec<String> = warnings
        .borrow()
        .iter()
        .filter(|w| prop(w, "code").as_deref() == Some("storage_corrupt"))
        .filter_map(|w| prop(w, "message"))
        .collect();
    assert_eq!(corrupt.len(), 2, "{corrupt:?}");
    hide();
    assert_eq!(events(&sent()), vec![exposure("banner-text", "short")]);
    assert!(stored("outbox").unwrap().starts_with("{\"v\":1"));
}

#[wasm_bindgen_test]
async fn unusable_collect_options_are_refused() {
    fresh("");
    for collect in [
        json!({}),
        json!({ "url": "" }),
        json!({ "url": "javascript:alert(1)" }),
        json!({ "url": URL, "sampleRate": 1.5 }),
        json!({ "url": URL, "sampleRate": "all" }),
        json!({ "url": URL, "idleMs": -1 }),
        json!("/collect"),
    ] {
        let opts = options(&signed(1), json!({ "collect": collect }));
        let err = Pathwise::init(opts).await.err().expect("refused");
        assert_eq!(
            prop(&err, "code").as_deref(),
            Some("invalid_options"),
            "{collect}"
        );
    }
}

#[wasm_bindgen_test]
async fn reports_carry_nothing_that_identifies_the_device_or_its_signals() {
    fresh(PAGE);
    net_install("refuse", "error");
    let (pw, _) = page(json!({}), json!({})).await;
    pw.set("role", SECRET_ROLE.into()).unwrap();
    pw.set("plan", SECRET_PLAN.into()).unwrap();
    pw.set("seats", SECRET_SEATS.into()).unwrap();
    pw.track("signup").unwrap();
    hide();
    pagehide();
    sleep(10).await;
    // Reload (the role now shows the hero), with every way of sending exercised.
    net_mode("ok", "ok");
    let (pw, _) = page(json!({}), json!({})).await;
    pw.track("upgrade").unwrap();
    pw.flush();
    sleep(10).await;
    pw.track("signup").unwrap();
    hide();
    pagehide();
    show();
    pw.flush();
    sleep(10).await;

    let id = stored("id").unwrap();
    let stored_signals = stored("signals").unwrap();
    assert!(stored_signals.contains(SECRET_ROLE) && stored_signals.contains(SECRET_PLAN));
    let here = window().location();
    let forbidden = [
        id.clone(),
        SECRET_ROLE.to_owned(),
        SECRET_PLAN.to_owned(),
        "ZZ-".to_owned(),
        "987654321".to_owned(),
        "role".to_owned(),
        "plan".to_owned(),
        "seats".to_owned(),
        here.href().unwrap(),
        here.host().unwrap(),
        window().navigator().user_agent().unwrap(),
    ];
    let all = requests();
    assert!(all.len() >= 4, "{all:?}");
    let mut seen_events = 0;
    for request in &all {
        assert_eq!(request["url"], URL, "only the collector is contacted");
        let text = serde_json::to_string(request).unwrap();
        for secret in &forbidden {
            assert!(!text.contains(secret.as_str()), "{secret:?} in {text}");
        }
        let raw = request["body"].as_str().unwrap();
        Batch::parse(raw.as_bytes()).expect("the collector's gate accepts it");
        let b = body(request);
        let keys: BTreeSet<&str> = b.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from(["schema", "site", "bundle", "batch", "dropped", "events"])
        );
        assert_ne!(b["batch"], id.as_str());
        for event in b["events"].as_array().unwrap() {
            seen_events += 1;
            let keys: BTreeSet<&str> = event
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let allowed = BTreeSet::from([
                "type", "rule", "variant", "slot", "control", "minute", "goal",
            ]);
            assert!(keys.is_subset(&allowed), "{event}");
        }
    }
    assert!(seen_events >= 5, "{all:?}");
}
