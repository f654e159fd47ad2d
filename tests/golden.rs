//! The golden corpus: every file in `tests/golden/cases/` is a bundle + a scenario (signals,
//! unit, clock, page, earlier renders) and the decisions and reasons expected for it.
//!
//! Each bundle is compiled into its program (as `pathwise sign` does) and the program read back,
//! so the decisions come from the very bytes a device reads. The cases are data so that the wasm
//! build can be checked against the same files from JavaScript. A case's `expect` maps slot ids to a JSON object that must be a *subset* of the
//! engine's explanation for that slot (`{"decision": {...}, "candidates": [...]}`): every key
//! written must match, keys left out are not checked, and arrays must have the same length.

use std::path::{Path, PathBuf};

use pathwise::bundle::{parse_bundle, Bundle};
use pathwise::program::{self, Program};
use pathwise::scenario::Scenario;
use pathwise::signals::Declarations;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[allow(dead_code)]
    description: String,
    /// A path relative to `tests/golden/` or an inline bundle.
    bundle: Value,
    /// Read with the SDK's own reader (as `pathwise explain` and the browser read it).
    scenario: Value,
    expect: serde_json::Map<String, Value>,
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn load_bundle(spec: &Value) -> Bundle {
    let bytes = match spec {
        Value::String(rel) => std::fs::read(golden_dir().join(rel)).unwrap(),
        inline => serde_json::to_vec(inline).unwrap(),
    };
    parse_bundle(&bytes).unwrap()
}

/// `actual` contains everything `expected` says.
fn subset(expected: &Value, actual: &Value, path: &str, problems: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => subset(ev, av, &format!("{path}.{k}"), problems),
                    None => problems.push(format!("{path}.{k}: missing (expected {ev})")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                problems.push(format!(
                    "{path}: expected {} items, got {}: {actual}",
                    e.len(),
                    a.len()
                ));
                return;
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                subset(ev, av, &format!("{path}[{i}]"), problems);
            }
        }
        _ if expected == actual => {}
        _ => problems.push(format!("{path}: expected {expected}, got {actual}")),
    }
}

/// Runs one case; returns the problems found.
fn run_case(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let case: Case =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let bytes = program::compile(&load_bundle(&case.bundle))
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let program: Program =
        program::read(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let scenario: Scenario = pathwise::json::from_str(&case.scenario.to_string())
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let replayed = scenario
        .replay(&Declarations::of_program(&program))
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let ctx = replayed.context();
    let mut problems = Vec::new();
    for (slot, expected) in &case.expect {
        let index = program.slot(slot).unwrap();
        let explanation = program.explain(index, &ctx, &replayed.history);
        // The JSON the CLI prints and the browser hands to JavaScript.
        let actual: Value = serde_json::from_str(&explanation.to_json(&program)).unwrap();
        // peek and decide must agree with explain's decision.
        let peeked: Value = serde_json::from_str(
            &program
                .peek(index, &ctx, &replayed.history)
                .to_json(&program),
        )
        .unwrap();
        if peeked != actual["decision"] {
            problems.push(format!(
                "{slot}: peek {peeked} differs from explain {}",
                actual["decision"]
            ));
        }
        subset(expected, &actual, slot, &mut problems);
        check_split(
            &bundle_json(&case.bundle),
            &actual["decision"],
            slot,
            &mut problems,
        );
    }
    problems
}

/// The bundle's JSON as written (a file under `tests/golden/` or inline).
fn bundle_json(spec: &Value) -> Value {
    match spec {
        Value::String(rel) => {
            serde_json::from_slice(&std::fs::read(golden_dir().join(rel)).unwrap()).unwrap()
        }
        inline => inline.clone(),
    }
}

/// A decision says `"split": true` exactly when a rule matched and bucketing chose among several
/// outcomes — as the source bundle declares the rule (a control share, a partial rollout,
/// several variants) or the bundle (a global holdout) — and says nothing otherwise.
fn check_split(bundle: &Value, decision: &Value, slot: &str, problems: &mut Vec<String>) {
    let percent = |v: &Value, key: &str, default: f64| v[key].as_f64().unwrap_or(default);
    let expected = decision["reason"] == "matched" && {
        let rule = bundle["rules"]
            .as_array()
            .and_then(|rules| rules.iter().find(|r| r["id"] == decision["rule"]))
            .unwrap_or(&Value::Null);
        percent(rule, "control", 0.0) > 0.0
            || percent(rule, "rollout", 100.0) < 100.0
            || rule["variants"].as_array().map_or(0, Vec::len) > 1
            || percent(bundle, "holdout", 0.0) > 0.0
    };
    let said = decision.get("split") == Some(&Value::Bool(true));
    if said != expected || (decision.get("split").is_some() && !said) {
        problems.push(format!(
            "{slot}: split should be {expected}, the decision is {decision}"
        ));
    }
}

#[test]
fn golden_corpus() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(golden_dir().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 40,
        "the corpus should hold at least 40 cases, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for file in &files {
        for p in run_case(file) {
            failures.push(format!(
                "{}: {p}",
                file.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
