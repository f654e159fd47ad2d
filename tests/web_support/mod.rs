//! Shared helpers for the browser tests (`tests/web_*.rs`): a signing key, test bundles signed in
//! the test itself, a fresh page area, event collectors and timers.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use pathwise::envelope::{sign, SecretKey};
use pathwise::web::Pathwise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, Storage};

pub const SITE: &str = "test.example";

/// The signing key of the test bundles.
pub fn key() -> SecretKey {
    SecretKey::from_seed([7; 32])
}

/// The pinned public key text.
pub fn pinned() -> String {
    key().public_key().to_string()
}

/// The test bundle at `version`.
///
/// - `hero` (block): rule `hero-admin` for devices whose `role` is `admin` → variant `admin`
///   (a template in the page);
/// - `banner` (block): rule `banner-text` for everyone → text replacement of `.title`;
/// - `pricing-note` (block): rule `pricing-page` on `/pricing*` only → variant `deal`;
/// - `onboarding` (path welcome, role, invite, done): rule `short-path` for everyone → `invite,
///   welcome, done`.
pub fn bundle(version: u64) -> String {
    serde_json::json!({
        "schema": 1, "site": SITE, "version": version, "expires_at": "2099-01-01T00:00:00Z",
        "signals": [
            { "name": "role", "kind": "string", "ttl_days": 30 },
            { "name": "clicked", "kind": "event", "ttl_days": 30 }
        ],
        "slots": [
            { "id": "hero", "kind": "block" },
            { "id": "banner", "kind": "block" },
            { "id": "pricing-note", "kind": "block" },
            { "id": "onboarding", "kind": "path", "steps": ["welcome", "role", "invite", "done"] }
        ],
        "rules": [
            { "id": "hero-admin", "slot": "hero", "objective": "activation",
              "audience": { "signal": { "name": "role", "op": "eq", "value": "admin" } },
              "variants": [ { "id": "admin" } ] },
            { "id": "banner-text", "slot": "banner", "objective": "activation",
              "variants": [ { "id": "short", "text": [ { "selector": ".title", "text": "<b>Hi</b> & welcome" } ] } ] },
            { "id": "pricing-page", "slot": "pricing-note", "objective": "expansion",
              "trigger": { "pages": ["/pricing*"] },
              "variants": [ { "id": "deal" } ] },
            { "id": "short-path", "slot": "onboarding", "objective": "activation",
              "variants": [ { "id": "short", "steps": ["invite", "welcome", "done"] } ] }
        ]
    })
    .to_string()
}

/// `json` signed with [`key`], as envelope text.
pub fn envelope(json: &str) -> String {
    sign(json.as_bytes(), &[&key()]).to_json()
}

/// The signed test bundle at `version`.
pub fn signed(version: u64) -> String {
    envelope(&bundle(version))
}

/// Init options for `bundle` (a URL, inline text or `#id`), plus `extra` fields.
pub fn options(bundle: &str, extra: serde_json::Value) -> JsValue {
    let mut value = serde_json::json!({ "site": SITE, "keys": [pinned()], "bundle": bundle });
    if let (Some(target), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            target.insert(k.clone(), v.clone());
        }
    }
    js_sys::JSON::parse(&value.to_string()).unwrap()
}

/// Sets `options.now` to a function returning `ms`.
pub fn with_now(options: &JsValue, ms: f64) -> JsValue {
    let now = Closure::<dyn Fn() -> f64>::new(move || ms).into_js_value();
    Reflect::set(options, &"now".into(), &now).unwrap();
    options.clone()
}

pub fn window() -> web_sys::Window {
    web_sys::window().unwrap()
}

pub fn document() -> web_sys::Document {
    window().document().unwrap()
}

pub fn storage() -> Storage {
    window().local_storage().unwrap().unwrap()
}

/// Every `localStorage` key, sorted.
pub fn stored_keys() -> Vec<String> {
    let s = storage();
    let mut keys: Vec<String> = (0..s.length().unwrap())
        .filter_map(|i| s.key(i).unwrap())
        .collect();
    keys.sort();
    keys
}

/// A fresh test: empty storage, the page at its original path, and an empty `#pw-test` area
/// holding `html` (test markup, so `innerHTML` is fine here).
pub fn fresh(html: &str) -> Element {
    storage().clear().unwrap();
    go_quietly(&original_path());
    let doc = document();
    if let Some(old) = doc.get_element_by_id("pw-test") {
        old.remove();
    }
    let area = doc.create_element("div").unwrap();
    area.set_id("pw-test");
    area.set_inner_html(html);
    doc.body().unwrap().append_child(&area).unwrap();
    area
}

thread_local! {
    static ORIGINAL_PATH: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The test page's own path (remembered the first time).
pub fn original_path() -> String {
    ORIGINAL_PATH.with(|p| {
        p.borrow_mut()
            .get_or_insert_with(|| window().location().pathname().unwrap())
            .clone()
    })
}

/// `History.prototype.replaceState`, bypassing the SDK's wrapper (no page view).
pub fn go_quietly(path: &str) {
    let proto = Reflect::get(&js_sys::global(), &"History".into())
        .and_then(|h| Reflect::get(&h, &"prototype".into()))
        .unwrap();
    let replace: Function = Reflect::get(&proto, &"replaceState".into())
        .unwrap()
        .unchecked_into();
    replace
        .call3(
            &window().history().unwrap(),
            &JsValue::NULL,
            &"".into(),
            &path.into(),
        )
        .unwrap();
}

/// `history.pushState(null, "", path)` as an app would call it (through the SDK's wrapper).
pub fn push(path: &str) {
    window()
        .history()
        .unwrap()
        .push_state_with_url(&JsValue::NULL, "", Some(path))
        .unwrap();
}

/// Resolves after `ms` milliseconds (0: the next task).
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Collects the payloads of `event`.
pub fn collect(pw: &Pathwise, event: &str) -> Rc<RefCell<Vec<JsValue>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&seen);
    let handler = Closure::<dyn Fn(JsValue)>::new(move |v: JsValue| sink.borrow_mut().push(v))
        .into_js_value()
        .unchecked_into::<Function>();
    pw.on(event, handler).unwrap();
    seen
}

/// Property `name` of `value` as a string.
pub fn prop(value: &JsValue, name: &str) -> Option<String> {
    Reflect::get(value, &name.into()).ok()?.as_string()
}

/// The `code`s of collected payloads.
pub fn codes(items: &Rc<RefCell<Vec<JsValue>>>) -> Vec<String> {
    items
        .borrow()
        .iter()
        .filter_map(|v| prop(v, "code"))
        .collect()
}

/// `JSON.stringify(value)`.
pub fn json(value: &JsValue) -> String {
    js_sys::JSON::stringify(value).unwrap().as_string().unwrap()
}

/// `pw.signals()` as serde JSON.
pub fn signals(pw: &Pathwise) -> serde_json::Value {
    serde_json::from_str(&json(&pw.signals().unwrap())).unwrap()
}

/// `el.querySelector(selector)`.
pub fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector} in {}", root.outer_html()))
}

/// Replaces `Storage.prototype.setItem` with a function that throws a `QuotaExceededError`;
/// returns the original to restore.
pub fn break_set_item() -> JsValue {
    let proto = Reflect::get(&js_sys::global(), &"Storage".into())
        .and_then(|s| Reflect::get(&s, &"prototype".into()))
        .unwrap();
    let original = Reflect::get(&proto, &"setItem".into()).unwrap();
    let thrower = Function::new_no_args(
        "throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');",
    );
    Reflect::set(&proto, &"setItem".into(), &thrower).unwrap();
    original
}

pub fn restore_set_item(original: &JsValue) {
    let proto = Reflect::get(&js_sys::global(), &"Storage".into())
        .and_then(|s| Reflect::get(&s, &"prototype".into()))
        .unwrap();
    Reflect::set(&proto, &"setItem".into(), original).unwrap();
}

/// Makes `window.localStorage` throw a `SecurityError` (cookies disabled); returns the original
/// property descriptor for [`unblock_storage`].
pub fn block_storage() -> JsValue {
    let original = js_sys::Object::get_own_property_descriptor(&window(), &"localStorage".into());
    let getter = Function::new_no_args(
        "throw new DOMException('The operation is insecure.', 'SecurityError');",
    );
    let descriptor = js_sys::Object::new();
    Reflect::set(&descriptor, &"get".into(), &getter).unwrap();
    Reflect::set(&descriptor, &"configurable".into(), &true.into()).unwrap();
    js_sys::Object::define_property(&window(), &"localStorage".into(), &descriptor);
    original
}

pub fn unblock_storage(original: &JsValue) {
    if original.is_undefined() {
        Reflect::delete_property(&window(), &"localStorage".into()).unwrap();
    } else {
        js_sys::Object::define_property(
            &window(),
            &"localStorage".into(),
            original.unchecked_ref(),
        );
    }
}

/// A `blob:` URL serving `text` (a stand-in for a bundle on a CDN).
pub fn blob_url(text: &str) -> String {
    let parts = js_sys::Array::of1(&text.into());
    let blob = web_sys::Blob::new_with_str_sequence(&parts).unwrap();
    web_sys::Url::create_object_url_with_blob(&blob).unwrap()
}
