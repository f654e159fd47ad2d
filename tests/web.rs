//! Browser smoke test: the wasm build of the core, in headless Chromium.
//!
//! Run with `make test` (or see the Makefile's `test-web` target for the exact command). Only
//! compiled for wasm32; natively this file is empty.
#![cfg(target_arch = "wasm32")]
// Tests may stop at the first surprise; the crate-wide deny is for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const VALID: &str = r#"{
  "schema": 1, "site": "example.com", "version": 7, "expires_at": "2027-01-01T00:00:00Z",
  "signals": [
    { "name": "role", "kind": "string", "ttl_days": 180 },
    { "name": "invited_team", "kind": "event", "ttl_days": 180 }
  ],
  "audiences": [ { "id": "admins", "condition": { "signal": { "name": "role", "op": "eq", "value": "admin" } } } ],
  "slots": [ { "id": "onboarding", "kind": "path", "steps": ["welcome", "role", "invite", "done"] } ],
  "rules": [ {
    "id": "admin-path", "slot": "onboarding", "objective": "activation", "goals": ["invited_team"],
    "audience": "admins",
    "variants": [ { "id": "short", "weight": 1, "steps": ["welcome", "invite", "done"] } ]
  } ]
}"#;

/// The message of the JS `Error` an export threw (which must carry a string `code`).
fn message(error: JsValue) -> String {
    let code = js_sys::Reflect::get(&error, &"code".into()).unwrap();
    assert!(
        code.as_string().is_some_and(|c| c.starts_with("bundle_")),
        "code: {code:?}"
    );
    let error: js_sys::Error = error.dyn_into().expect("exports throw JS Error objects");
    String::from(error.message())
}

#[wasm_bindgen_test]
fn core_parses_a_valid_bundle_in_the_browser() {
    let bundle = pathwise::bundle::parse_bundle(VALID.as_bytes()).expect("valid bundle parses");
    assert_eq!(bundle.site, "example.com");
    assert_eq!(bundle.version, 7);
    assert_eq!(bundle.rules.len(), 1);
    assert_eq!(bundle.rules[0].slot, "onboarding");
}

#[wasm_bindgen_test]
fn export_accepts_a_valid_bundle() {
    assert!(pathwise::web::validate_bundle(VALID).is_ok());
    assert_eq!(pathwise::web::version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn malformed_json_is_an_error_with_line_and_column() {
    let broken = &VALID[..VALID.len() - 3];
    let msg = message(pathwise::web::validate_bundle(broken).expect_err("truncated JSON"));
    assert!(msg.contains("not valid JSON"), "{msg}");
    assert!(msg.contains("line "), "{msg}");
}

#[wasm_bindgen_test]
fn misspelt_field_is_rejected_by_name() {
    let misspelt = VALID.replace("\"expires_at\"", "\"expires\"");
    let msg = message(pathwise::web::validate_bundle(&misspelt).expect_err("unknown field"));
    assert!(msg.contains("expires"), "{msg}");
}

#[wasm_bindgen_test]
fn oversized_and_too_deep_input_is_refused_before_parsing() {
    let huge = " ".repeat(pathwise::bundle::limits::MAX_BUNDLE_BYTES + 1);
    let msg = message(pathwise::web::validate_bundle(&huge).expect_err("too large"));
    assert!(msg.contains("limit"), "{msg}");
    let deep = "[".repeat(10_000);
    let msg = message(pathwise::web::validate_bundle(&deep).expect_err("too deep"));
    assert!(msg.contains("nests deeper"), "{msg}");
}

#[wasm_bindgen_test]
fn unsupported_schema_version_is_named() {
    let v2 = VALID.replacen("\"schema\": 1", "\"schema\": 2", 1);
    let msg = message(pathwise::web::validate_bundle(&v2).expect_err("schema 2"));
    assert!(msg.contains("schema 2"), "{msg}");
}

#[wasm_bindgen_test]
fn explain_scenario_gives_the_native_answer_for_a_golden_case() {
    let case: serde_json::Value =
        serde_json::from_str(include_str!("golden/cases/002-onboarding-admin-path.json")).unwrap();
    let bundle = include_str!("golden/bundles/saas.json");
    let out = pathwise::web::explain_scenario(
        bundle,
        &case["scenario"].to_string(),
        Some(vec!["onboarding".to_owned()]),
    )
    .unwrap();
    let out: serde_json::Value = serde_json::from_str(&out).unwrap();
    let expected = &case["expect"]["onboarding"]["decision"];
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&out["onboarding"]["decision"][key], value, "{key}: {out}");
    }
    // Every slot when none is named; an unknown one is an error with a code.
    let all = pathwise::web::explain_scenario(bundle, &case["scenario"].to_string(), None).unwrap();
    assert!(all.contains("\"hero\""), "{all}");
    let error = pathwise::web::explain_scenario(bundle, "{}", None).unwrap_err();
    assert_eq!(
        js_sys::Reflect::get(&error, &"code".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("invalid_scenario")
    );
}
