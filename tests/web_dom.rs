//! Browser tests of the page surfaces: blocks, anti-flicker, paths and next links, single-page
//! navigation, and decision events (headless Chromium).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "web_support/mod.rs"]
mod support;

use pathwise::web::Pathwise;
use serde_json::json;
use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

async fn init(options: JsValue) -> Pathwise {
    Pathwise::init(options).await.expect("init resolves")
}

fn state(element: &Element) -> Option<String> {
    element.get_attribute("data-pw-state")
}

const HERO: &str = r#"
<section data-pw-block="hero"><p class="d">Default hero</p></section>
<template data-pw-variant="hero:admin"><p class="v">Welcome back, admin</p></template>"#;

#[wasm_bindgen_test]
async fn a_block_shows_its_template_variant() {
    let area = fresh(HERO);
    let pw = init(options(&signed(1), json!({}))).await;
    let block = find(&area, "[data-pw-block]");
    assert_eq!(state(&block).as_deref(), Some("default"));
    assert!(block.query_selector(".d").unwrap().is_some());
    pw.set("role", "admin".into()).unwrap();

    // The next page view (a reload) shows the admin variant.
    let pw = init(options(&signed(1), json!({}))).await;
    let decisions = collect(&pw, "decision");
    let exposures = collect(&pw, "exposure");
    sleep(0).await;
    let block = find(&area, "[data-pw-block]");
    assert_eq!(state(&block).as_deref(), Some("applied"));
    assert_eq!(block.text_content().unwrap(), "Welcome back, admin");
    assert!(block.query_selector(".d").unwrap().is_none());
    // The template itself stays inert and untouched.
    assert!(area.query_selector("template").unwrap().is_some());
    let decisions: Vec<String> = decisions.borrow().iter().map(json).collect();
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    let decision: serde_json::Value = serde_json::from_str(&decisions[0]).unwrap();
    assert_eq!(
        decision,
        json!({ "slot": "hero", "variant": "admin", "rule": "hero-admin", "control": false, "reason": "matched" })
    );
    // `exposure` events are report events (tests/web_report.rs): none without `collect`.
    assert!(exposures.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn text_replacements_are_text_never_html() {
    let area = fresh(
        r#"<section data-pw-block="banner"><h2 class="title">Default</h2><p class="keep">Kept</p></section>"#,
    );
    init(options(&signed(1), json!({}))).await;
    let block = find(&area, "[data-pw-block]");
    assert_eq!(state(&block).as_deref(), Some("applied"));
    assert_eq!(
        find(&block, ".title").text_content().unwrap(),
        "<b>Hi</b> & welcome"
    );
    assert!(
        block.query_selector("b").unwrap().is_none(),
        "no markup is injected"
    );
    assert_eq!(find(&block, ".keep").text_content().unwrap(), "Kept");
}

#[wasm_bindgen_test]
async fn the_reveal_timeout_shows_undecided_blocks_with_their_default() {
    let area = fresh(
        r#"<section data-pw-block="banner"><h2 class="title">Default</h2></section>
           <ol data-pw-path="onboarding"><li data-pw-step="welcome">W</li></ol>"#,
    );
    let pw = init(options(
        &signed(1),
        json!({ "autoApply": false, "revealTimeoutMs": 30 }),
    ))
    .await;
    let block = find(&area, "[data-pw-block]");
    let path = find(&area, "[data-pw-path]");
    assert_eq!(state(&block), None, "undecided: hidden by pathwise.css");
    sleep(80).await;
    assert_eq!(state(&block).as_deref(), Some("default"));
    assert_eq!(state(&path).as_deref(), Some("default"));
    // Once shown as default, it does not change under the reader's eyes in this page view.
    pw.apply(None);
    assert_eq!(find(&block, ".title").text_content().unwrap(), "Default");
    assert!(signals(&pw)["renders"]["renders"]
        .get("banner-text")
        .is_none());
}

#[wasm_bindgen_test]
async fn a_path_is_shown_hidden_and_ordered_and_next_links_follow_it() {
    let area = fresh(
        r#"<ol data-pw-path="onboarding">
             <li data-pw-step="welcome">W</li><li data-pw-step="role">R</li>
             <li data-pw-step="invite">I</li><li data-pw-step="done">D</li>
             <li class="footer">not a step</li>
           </ol>
           <a id="n1" data-pw-next="onboarding:welcome" data-pw-href="/onboarding/{step}">next</a>
           <a id="n2" data-pw-next="onboarding:done" data-pw-done="/app">finish</a>
           <a id="n3" data-pw-next="onboarding:done" href="/x">gone</a>"#,
    );
    let pw = init(options(&signed(1), json!({}))).await;
    let path = find(&area, "[data-pw-path]");
    assert_eq!(state(&path).as_deref(), Some("applied"));
    let children = path.children();
    let order: Vec<(String, bool)> = (0..children.length())
        .map(|i| children.item(i).unwrap())
        .map(|li| {
            (
                li.get_attribute("data-pw-step")
                    .unwrap_or_else(|| "footer".into()),
                li.has_attribute("hidden"),
            )
        })
        .collect();
    assert_eq!(
        order,
        vec![
            ("invite".into(), false),
            ("welcome".into(), false),
            ("done".into(), false),
            ("role".into(), true),
            ("footer".into(), false),
        ]
    );
    let n1 = find(&area, "#n1");
    assert_eq!(
        n1.get_attribute("href").as_deref(),
        Some("/onboarding/done")
    );
    assert_eq!(
        find(&area, "#n2").get_attribute("href").as_deref(),
        Some("/app")
    );
    assert!(find(&area, "#n3").has_attribute("hidden"));

    assert_eq!(
        pw.path("onboarding").unwrap(),
        vec!["invite", "welcome", "done"]
    );
    assert_eq!(
        pw.next("onboarding", "invite")
            .unwrap()
            .as_string()
            .as_deref(),
        Some("welcome")
    );
    assert!(pw.next("onboarding", "done").unwrap().is_null());
    assert!(pw.next("onboarding", "role").unwrap().is_null());
    // path() is the decision already shown: one render in this page view.
    assert_eq!(
        signals(&pw)["renders"]["renders"]["short-path"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[wasm_bindgen_test]
async fn single_page_navigation_redecides_a_page_triggered_rule() {
    let area = fresh(
        r#"<section data-pw-block="pricing-note"><p class="d">Default note</p></section>
           <template data-pw-variant="pricing-note:deal"><p class="v">Deal!</p></template>"#,
    );
    let pw = init(options(&signed(1), json!({}))).await;
    let block = find(&area, "[data-pw-block]");
    let default_node = find(&block, ".d");
    assert_eq!(state(&block).as_deref(), Some("default"));

    push("/pricing/team");
    sleep(0).await;
    assert_eq!(state(&block).as_deref(), Some("applied"));
    assert_eq!(block.text_content().unwrap(), "Deal!");
    assert_eq!(signals(&pw)["signals"]["events"]["page_view"]["total"], 2);

    // Back to a page the rule does not target: the page's own default node comes back.
    push(&original_path());
    sleep(0).await;
    assert_eq!(state(&block).as_deref(), Some("default"));
    assert!(find(&block, ".d").is_same_node(Some(&default_node)));
    assert_eq!(signals(&pw)["signals"]["events"]["page_view"]["total"], 3);

    // popstate (back button) is a page view too.
    push("/pricing");
    sleep(0).await;
    go_quietly(&original_path());
    web_sys::window()
        .unwrap()
        .dispatch_event(&web_sys::Event::new("popstate").unwrap())
        .unwrap();
    sleep(0).await;
    assert_eq!(state(&block).as_deref(), Some("default"));
    assert_eq!(signals(&pw)["signals"]["events"]["page_view"]["total"], 5);
    // Hash-only changes and same-URL replaceState are not page views.
    let history = web_sys::window().unwrap().history().unwrap();
    history
        .replace_state_with_url(&JsValue::NULL, "", Some("#top"))
        .unwrap();
    sleep(0).await;
    assert_eq!(signals(&pw)["signals"]["events"]["page_view"]["total"], 5);
    go_quietly(&original_path());
}

#[wasm_bindgen_test]
async fn repeated_apply_shows_and_counts_one_render_per_page_view() {
    let area = fresh(r#"<section data-pw-block="banner"><h2 class="title">Default</h2></section>"#);
    let pw = init(options(&signed(1), json!({}))).await;
    let decisions = collect(&pw, "decision");
    sleep(0).await;
    pw.apply(None);
    pw.apply(Some(area.clone().into()));
    let decided = pw.decide("banner").unwrap();
    assert_eq!(prop(&decided, "variant").as_deref(), Some("short"));
    pw.peek("banner").unwrap();
    pw.explain("banner").unwrap();
    sleep(0).await;
    assert_eq!(decisions.borrow().len(), 1);
    let renders = signals(&pw)["renders"]["renders"]["banner-text"].clone();
    assert_eq!(renders.as_array().unwrap().len(), 1, "{renders}");

    // Blocks added later by the app are applied with the decision already shown.
    let late = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .create_element("div")
        .unwrap();
    late.set_inner_html(r#"<section data-pw-block="banner"><h2 class="title">Late</h2></section>"#);
    area.append_child(&late).unwrap();
    pw.apply(Some(late.clone().into()));
    assert_eq!(
        find(&late, ".title").text_content().unwrap(),
        "<b>Hi</b> & welcome"
    );
    assert_eq!(decisions.borrow().len(), 1);
}

#[wasm_bindgen_test]
async fn explain_names_every_candidate() {
    fresh("");
    let pw = init(options(&signed(1), json!({}))).await;
    let explained: serde_json::Value =
        serde_json::from_str(&json(&pw.explain("hero").unwrap())).unwrap();
    assert_eq!(explained["decision"]["variant"], "default");
    assert_eq!(explained["candidates"][0]["rule"], "hero-admin");
    assert_eq!(explained["candidates"][0]["outcome"], "not_in_audience");
}

/// `hero` (block): `admin` for role admin (a template); `banner` (block): text for everyone;
/// `onboarding` (path): `admin-path` for role admin, else `short`.
fn role_bundle() -> String {
    envelope(
        &json!({
            "schema": 1, "site": SITE, "version": 1, "expires_at": "2099-01-01T00:00:00Z",
            "signals": [ { "name": "role", "kind": "string", "ttl_days": 30 } ],
            "slots": [
                { "id": "hero", "kind": "block" },
                { "id": "banner", "kind": "block" },
                { "id": "onboarding", "kind": "path", "steps": ["welcome", "role", "sso", "done"] }
            ],
            "rules": [
                { "id": "hero-admin", "slot": "hero", "objective": "activation",
                  "audience": { "signal": { "name": "role", "op": "eq", "value": "admin" } },
                  "variants": [ { "id": "admin" } ] },
                { "id": "banner-text", "slot": "banner", "objective": "activation",
                  "variants": [ { "id": "short", "text": [ { "selector": ".title", "text": "Hi" } ] } ] },
                { "id": "onboarding-admin", "slot": "onboarding", "objective": "activation",
                  "priority": 1,
                  "audience": { "signal": { "name": "role", "op": "eq", "value": "admin" } },
                  "variants": [ { "id": "admin-path", "steps": ["welcome", "role", "sso", "done"] } ] },
                { "id": "onboarding-short", "slot": "onboarding", "objective": "activation",
                  "variants": [ { "id": "short", "steps": ["welcome", "role", "done"] } ] }
            ]
        })
        .to_string(),
    )
}

const ROLE_PAGE: &str = r#"
<section data-pw-block="hero"><p class="d">Default hero</p></section>
<template data-pw-variant="hero:admin"><p class="v">Welcome, admin</p></template>
<section data-pw-block="banner"><h2 class="title">Default</h2></section>
<ol data-pw-path="onboarding">
  <li data-pw-step="welcome">W</li><li data-pw-step="role">R</li>
  <li data-pw-step="sso">S</li><li data-pw-step="done">D</li>
</ol>
<a id="next" data-pw-next="onboarding:role" data-pw-href="/onboarding/{step}">next</a>"#;

/// The steps of the path under `area` that are not hidden, in document order.
fn visible_steps(area: &Element) -> Vec<String> {
    let list = area
        .query_selector_all("[data-pw-path] > [data-pw-step]:not([hidden])")
        .unwrap();
    (0..list.length())
        .map(|i| {
            list.item(i)
                .unwrap()
                .dyn_into::<Element>()
                .unwrap()
                .get_attribute("data-pw-step")
                .unwrap()
        })
        .collect()
}

fn render_count(pw: &Pathwise, rule: &str) -> usize {
    signals(pw)["renders"]["renders"][rule]
        .as_array()
        .map_or(0, Vec::len)
}

#[wasm_bindgen_test]
async fn an_answer_takes_effect_in_the_same_page_view() {
    let area = fresh(ROLE_PAGE);
    let pw = init(options(&role_bundle(), json!({}))).await;
    let decisions = collect(&pw, "decision");
    sleep(0).await;
    assert_eq!(decisions.borrow().len(), 3, "hero, banner, onboarding");
    assert_eq!(visible_steps(&area), vec!["welcome", "role", "done"]);
    assert_eq!(
        find(&area, "#next").get_attribute("href").as_deref(),
        Some("/onboarding/done")
    );
    let hero = find(&area, "[data-pw-block=hero]");
    let default_hero = find(&hero, ".d");
    let banner_title = find(&area, "[data-pw-block=banner] .title");
    assert_eq!(banner_title.text_content().unwrap(), "Hi");

    pw.set("role", "admin".into()).unwrap();
    // At once, in this page view: no navigation, no await.
    assert_eq!(visible_steps(&area), vec!["welcome", "role", "sso", "done"]);
    assert_eq!(
        find(&area, "#next").get_attribute("href").as_deref(),
        Some("/onboarding/sso")
    );
    assert_eq!(
        pw.path("onboarding").unwrap(),
        vec!["welcome", "role", "sso", "done"]
    );
    assert_eq!(
        pw.next("onboarding", "role")
            .unwrap()
            .as_string()
            .as_deref(),
        Some("sso")
    );
    assert_eq!(hero.text_content().unwrap(), "Welcome, admin");
    assert_eq!(state(&hero).as_deref(), Some("applied"));
    // The banner's decision did not change: not drawn again, not counted again.
    assert!(find(&area, "[data-pw-block=banner] .title").is_same_node(Some(&banner_title)));
    assert_eq!(render_count(&pw, "banner-text"), 1);
    assert_eq!(render_count(&pw, "hero-admin"), 1);
    assert_eq!(render_count(&pw, "onboarding-admin"), 1);
    sleep(0).await;
    let changed: Vec<serde_json::Value> = decisions.borrow()[3..]
        .iter()
        .map(|d| serde_json::from_str(&json(d)).unwrap())
        .collect();
    let mut slots: Vec<&str> = changed
        .iter()
        .map(|d| d["slot"].as_str().unwrap())
        .collect();
    slots.sort_unstable();
    assert_eq!(slots, vec!["hero", "onboarding"], "{changed:?}");

    // The same answer again changes nothing.
    pw.set("role", "admin".into()).unwrap();
    pw.refresh().unwrap();
    sleep(0).await;
    assert_eq!(decisions.borrow().len(), 5);
    assert_eq!(render_count(&pw, "hero-admin"), 1);

    // refresh() re-decides after a change the SDK was not told about through set/track: here
    // forget() clears the role, and the page's own default hero comes back.
    pw.forget().unwrap();
    pw.refresh().unwrap();
    assert_eq!(visible_steps(&area), vec!["welcome", "role", "done"]);
    assert_eq!(
        find(&area, "#next").get_attribute("href").as_deref(),
        Some("/onboarding/done")
    );
    assert!(find(&hero, ".d").is_same_node(Some(&default_hero)));
    assert_eq!(state(&hero).as_deref(), Some("default"));
    assert!(find(&area, "[data-pw-block=banner] .title").is_same_node(Some(&banner_title)));
}

#[wasm_bindgen_test]
async fn without_auto_apply_an_answer_redecides_but_the_page_shows_it() {
    let area = fresh(ROLE_PAGE);
    let pw = init(options(&role_bundle(), json!({ "autoApply": false }))).await;
    pw.apply(None);
    assert_eq!(visible_steps(&area), vec!["welcome", "role", "done"]);
    sleep(0).await;
    let decisions = collect(&pw, "decision");
    pw.set("role", "admin".into()).unwrap();
    sleep(0).await;
    assert_eq!(decisions.borrow().len(), 2, "hero and onboarding changed");
    // The document is the app's to redraw: untouched until it applies again.
    assert_eq!(visible_steps(&area), vec!["welcome", "role", "done"]);
    pw.apply(None);
    assert_eq!(visible_steps(&area), vec!["welcome", "role", "sso", "done"]);
    assert_eq!(render_count(&pw, "onboarding-admin"), 1);
}
