//! The compiled program: what `pathwise sign` makes of a bundle and every device reads.
//!
//! Every bundle of the repository goes through compile → pack (the signed payload) → open (what
//! a page does) and comes back as the same program; `inspect` must say what the bundle said; and
//! reading is total — every cut of a real program and every single-byte change of one reads as
//! an error or as a program that decides without a panic.

// Tests may unwrap and panic: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use pathwise::bundle::validate::validate;
use pathwise::bundle::{load, parse_bundle, AudienceRef, Bundle, SignalKind, Slot};
use pathwise::engine::{Context, RenderHistory};
use pathwise::json::ToJson;
use pathwise::program::{self, Problem, Program};
use pathwise::signals::{PageContext, Signals};
use pathwise::time::Clock;
use proptest::prelude::*;
use serde_json::{json, Value};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every valid bundle in the repository: the golden bundles, the test data, the demo's.
fn bundle_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["tests/golden/bundles", "tests/data/bundles"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root().join(dir)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| !p.ends_with("many-problems.json"))
        .collect();
    files.push(root().join("www/bundle.json"));
    files.sort();
    files
}

fn bundles() -> Vec<(PathBuf, Bundle)> {
    bundle_files()
        .into_iter()
        .map(|f| {
            let bundle = load(&std::fs::read(&f).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            (f, bundle)
        })
        .collect()
}

fn compile(bundle: &Bundle) -> Vec<u8> {
    program::compile(bundle).unwrap()
}

/// Decides every slot of `p` for a device with no history and for one with a little, explaining
/// too; a program that reads must decide without a panic.
fn decide_all(p: &Program) {
    let signals = Signals::new();
    let page = PageContext {
        path: "/pricing".into(),
        ..PageContext::default()
    };
    let clock = Clock::utc(1_773_133_200);
    let mut history = RenderHistory::new();
    for unit in ["u-1", "u-2"] {
        let ctx = Context::new(&signals, &page, &clock, unit);
        for slot in 0..p.slot_count() {
            let peeked = p.peek(slot, &ctx, &history);
            let explained = p.explain(slot, &ctx, &history);
            assert_eq!(peeked, explained.decision);
            let _ = explained.to_json(p);
            assert_eq!(p.decide(slot, &ctx, &mut history), peeked);
        }
    }
    let _ = program::inspect(p);
}

#[test]
fn every_bundle_round_trips_through_sign_and_open() {
    let files = bundles();
    assert!(files.len() >= 6, "{files:?}");
    for (file, bundle) in files {
        let raw = compile(&bundle);
        let read = program::read(&raw).unwrap();
        let payload = program::pack(&raw);
        let opened = program::open(&payload).unwrap();
        assert_eq!(
            program::unpack(&payload).unwrap(),
            raw,
            "{}",
            file.display()
        );
        assert_eq!(program::inspect(&opened), program::inspect(&read));
        // The header is the bundle's.
        let header = program::read_header(&raw).unwrap();
        assert_eq!(header.site, bundle.site.as_bytes());
        assert_eq!(header.version, bundle.version);
        assert_eq!(header.expires_at, bundle.expires_at.0);
        assert_eq!(read.site(), bundle.site);
        assert_eq!(read.version(), bundle.version);
        assert_eq!(read.expires_at(), bundle.expires_at.0);
        assert_eq!(read.holdout_bp(), (bundle.holdout * 100.0).round() as u32);
        // Compiling is deterministic: the same bundle, the same signed bytes.
        assert_eq!(compile(&bundle), raw, "{}", file.display());
        // And the deflated payload is smaller than the program (the reason it is deflated).
        assert!(
            payload.len() < raw.len() || raw.len() < 100,
            "{}",
            file.display()
        );
        decide_all(&opened);
    }
}

#[test]
fn compiling_refuses_an_invalid_bundle_with_every_problem() {
    let bytes = std::fs::read(root().join("tests/data/bundles/many-problems.json")).unwrap();
    let bundle = parse_bundle(&bytes).unwrap();
    let refused = program::compile(&bundle).unwrap_err();
    assert_eq!(refused, validate(&bundle).unwrap_err());
    assert!(refused.0.len() >= 10, "{refused:?}");
}

/// Numbers as doubles, so `3` and `3.0` compare equal (the program stores doubles).
fn normalized(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64().unwrap()),
        Value::Array(items) => Value::Array(items.iter().map(normalized).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), normalized(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn condition_json(c: &impl ToJson) -> Value {
    normalized(&serde_json::from_str(&c.to_json()).unwrap())
}

/// What `inspect` prints for a rule, computed from the bundle.
fn expected_rule(bundle: &Bundle, rule: &pathwise::bundle::Rule, path: bool) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("id".into(), json!(rule.id));
    if rule.priority != 0 {
        out.insert("priority".into(), json!(rule.priority));
    }
    match &rule.audience {
        None => {}
        Some(AudienceRef::Named(id)) => {
            out.insert("audience".into(), json!(id));
        }
        Some(AudienceRef::Inline(c)) => {
            out.insert("audience".into(), condition_json(c));
        }
    }
    let t = &rule.trigger;
    let mut trigger = serde_json::Map::new();
    if !t.pages.is_empty() {
        trigger.insert("pages".into(), json!(t.pages));
    }
    if let Some(after) = &t.after {
        let mut a = json!({ "event": after.event });
        if let Some(days) = after.within_days {
            a["within_days"] = json!(days);
        }
        trigger.insert("after".into(), a);
    }
    if let Some(start) = t.start {
        trigger.insert("start".into(), json!(start.0));
    }
    if let Some(end) = t.end {
        trigger.insert("end".into(), json!(end.0));
    }
    if let Some(cap) = &t.cap {
        let mut c = json!({ "max": cap.max });
        if let Some(days) = cap.per_days {
            c["per_days"] = json!(days);
        }
        trigger.insert("cap".into(), c);
    }
    out.insert("trigger".into(), Value::Object(trigger));
    if let Some(layer) = &rule.layer {
        let members: Vec<&str> = bundle
            .rules
            .iter()
            .filter(|r| r.layer.as_ref() == Some(layer))
            .map(|r| r.id.as_str())
            .collect();
        let member = members.iter().position(|id| *id == rule.id).unwrap();
        out.insert(
            "layer".into(),
            json!({ "id": layer, "member": member, "members": members.len() }),
        );
    }
    if !rule.goals.is_empty() {
        out.insert("goals".into(), json!(rule.goals));
    }
    out.insert("rollout_bp".into(), json!((rule.rollout * 100.0).round()));
    out.insert("control_bp".into(), json!((rule.control * 100.0).round()));
    let variants: Vec<Value> = rule
        .variants
        .iter()
        .map(|v| {
            let mut variant = json!({ "id": v.id });
            if !v.text.is_empty() {
                variant["text"] = v
                    .text
                    .iter()
                    .map(|t| json!({ "selector": t.selector, "text": t.text }))
                    .collect();
            }
            if path {
                variant["steps"] = json!(v.steps);
            }
            variant
        })
        .collect();
    out.insert("variants".into(), Value::Array(variants));
    normalized(&Value::Object(out))
}

#[test]
fn inspect_says_what_the_bundle_said() {
    for (file, bundle) in bundles() {
        let p = program::read(&compile(&bundle)).unwrap();
        let shown: Value = serde_json::from_str(&program::inspect(&p)).unwrap();
        let at = file.display();
        assert_eq!(shown["site"], json!(bundle.site), "{at}");
        assert_eq!(shown["version"], json!(bundle.version), "{at}");
        assert_eq!(shown["expires_at"], json!(bundle.expires_at.0), "{at}");
        // Signals, with the default window written out.
        let signals: Vec<Value> = bundle
            .signals
            .iter()
            .map(|s| {
                let kind = match s.kind {
                    SignalKind::String => "string",
                    SignalKind::Number => "number",
                    SignalKind::Bool => "bool",
                    SignalKind::List => "list",
                    SignalKind::Event => "event",
                };
                let mut decl = json!({ "name": s.name, "kind": kind, "ttl_days": s.ttl_days });
                if s.kind == SignalKind::Event {
                    decl["window_days"] = json!(s.window_days.unwrap_or(30));
                }
                decl
            })
            .collect();
        assert_eq!(shown["signals"], json!(signals), "{at}");
        // Audiences: their conditions as trees.
        let audiences: Vec<Value> = bundle
            .audiences
            .iter()
            .map(|a| json!({ "id": a.id, "condition": condition_json(&a.condition) }))
            .collect();
        assert_eq!(normalized(&shown["audiences"]), json!(audiences), "{at}");
        // Slots in bundle order; each slot's rules highest priority first, ties in bundle order.
        for (i, slot) in bundle.slots.iter().enumerate() {
            let s = &shown["slots"][i];
            assert_eq!(s["id"], json!(slot.id()), "{at}");
            assert_eq!(s["default"], json!(slot.default_variant()), "{at}");
            let path = matches!(slot, Slot::Path { .. });
            assert_eq!(s["kind"], json!(if path { "path" } else { "block" }));
            if let Slot::Path { steps, .. } = slot {
                assert_eq!(s["steps"], json!(steps), "{at}");
            }
            let mut rules: Vec<&pathwise::bundle::Rule> = bundle
                .rules
                .iter()
                .filter(|r| r.slot == slot.id())
                .collect();
            rules.sort_by_key(|r| -i64::from(r.priority));
            let expected: Vec<Value> = rules
                .iter()
                .map(|r| expected_rule(&bundle, r, path))
                .collect();
            let mut got = normalized(&s["rules"]);
            // The widths are what signing computed from the weights: they fill the bucket space.
            for (rule, g) in rules.iter().zip(got.as_array_mut().unwrap()) {
                let widths: f64 = g["variants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["width_bp"].as_f64().unwrap())
                    .sum();
                assert_eq!(widths + rule.control * 100.0, 10_000.0, "{at}: {}", rule.id);
                for v in g["variants"].as_array_mut().unwrap() {
                    v.as_object_mut().unwrap().remove("width_bp");
                }
            }
            assert_eq!(got, json!(expected), "{at}: slot {}", slot.id());
        }
        assert_eq!(shown["tables"]["rules"], json!(bundle.rules.len()), "{at}");
    }
}

#[test]
fn equal_conditions_are_stored_once() {
    let condition = json!({ "all": [
        { "signal": { "name": "role", "op": "eq", "value": "admin" } },
        { "days_since_first_seen": { "op": "lt", "value": 7 } }
    ] });
    let rules: Vec<Value> = (0..20)
        .map(|i| {
            json!({ "id": format!("r{i}"), "slot": format!("s{i}"), "objective": "activation",
                    "audience": condition, "variants": [{ "id": "v" }] })
        })
        .collect();
    let slots: Vec<Value> = (0..20)
        .map(|i| json!({ "id": format!("s{i}"), "kind": "block" }))
        .collect();
    let bundle = json!({ "schema": 1, "site": "a.example", "version": 1, "expires_at": 0,
        "signals": [{ "name": "role", "kind": "string", "ttl_days": 1 }],
        "slots": slots, "rules": rules });
    let p = program::read(&compile(&load(bundle.to_string().as_bytes()).unwrap())).unwrap();
    let shown: Value = serde_json::from_str(&program::inspect(&p)).unwrap();
    // Three nodes (the all and its two children) for twenty rules.
    assert_eq!(shown["tables"]["nodes"], 3);
}

/// Optional day counts are written as days + 1, so `u32::MAX` days is 2^32 in the program; the
/// reader once capped the field at `u32::MAX` and refused what the compiler wrote (found by the
/// `decide` fuzz target: tests/fuzz_regressions/decide/cap-per-days-of-u32-max-does-not-read-back).
#[test]
fn the_longest_windows_a_bundle_may_give_read_back() {
    for days in [1, u32::MAX - 1, u32::MAX] {
        let bundle = json!({ "schema": 1, "site": "a.example", "version": 1, "expires_at": 0,
            "slots": [{ "id": "s", "kind": "block" }],
            "rules": [{ "id": "r", "slot": "s", "objective": "activation",
                "trigger": { "cap": { "max": 2, "per_days": days },
                             "after": { "event": "visit", "within_days": days } },
                "variants": [{ "id": "v" }] }] });
        let bytes = compile(&load(bundle.to_string().as_bytes()).unwrap());
        let p = program::read(&bytes).unwrap_or_else(|e| panic!("{days} days: {e}"));
        let shown: Value = serde_json::from_str(&program::inspect(&p)).unwrap();
        let trigger = &shown["slots"][0]["rules"][0]["trigger"];
        assert_eq!(trigger["cap"]["per_days"], json!(days));
        assert_eq!(trigger["after"]["within_days"], json!(days));
        decide_all(&p);
    }
    // One past what the compiler writes is still refused.
    let good = compile(
        &load(
            json!({ "schema": 1, "site": "a.example", "version": 1, "expires_at": 0,
                "slots": [{ "id": "s", "kind": "block" }],
                "rules": [{ "id": "r", "slot": "s", "objective": "activation",
                    "trigger": { "cap": { "max": 2, "per_days": u32::MAX } },
                    "variants": [{ "id": "v" }] }] })
            .to_string()
            .as_bytes(),
        )
        .unwrap(),
    );
    // 2^32 as a varint is 80 80 80 80 10; 2^32 + 1 is 81 80 80 80 10.
    let at = good
        .windows(5)
        .position(|w| w == [0x80, 0x80, 0x80, 0x80, 0x10])
        .unwrap();
    let mut bad = good.clone();
    bad[at] = 0x81;
    let err = program::read(&bad).unwrap_err();
    assert_eq!((err.problem, err.at), (Problem::Malformed, at));
}

#[test]
fn every_cut_of_a_program_is_refused_at_an_offset_within_it() {
    for (file, bundle) in bundles() {
        let raw = compile(&bundle);
        for len in 0..raw.len() {
            let err = program::read(&raw[..len]).unwrap_err();
            assert!(err.at <= len, "{}: cut at {len}: {err}", file.display());
            let expected = if len < 3 {
                Problem::NotAProgram
            } else {
                Problem::Truncated
            };
            // A cut can also land where a count or an index no longer fits what is left.
            assert!(
                err.problem == expected || err.problem == Problem::Malformed,
                "{}: cut at {len}: {err}",
                file.display()
            );
        }
    }
}

#[test]
fn foreign_bytes_are_not_programs() {
    for bytes in [&b""[..], b"PW", b"{\"schema\":1}", b"PWQ\x01"] {
        assert_eq!(
            program::read(bytes).unwrap_err().problem,
            Problem::NotAProgram
        );
    }
    assert_eq!(
        program::read(b"PWP\x02").unwrap_err().problem,
        Problem::UnsupportedFormat
    );
    assert_eq!(
        program::read(b"PWP\x02").unwrap_err().code(),
        "program_unsupported"
    );
    // Raw program bytes are not a signed payload, and a payload is not raw program bytes.
    let raw = compile(&bundles()[0].1);
    assert!(program::open(&raw).is_err());
    assert_eq!(
        program::read(&program::pack(&raw)).unwrap_err().problem,
        Problem::NotAProgram
    );
}

/// The raw programs of the golden bundles, for the properties below.
fn golden_programs() -> Vec<Vec<u8>> {
    bundles()
        .into_iter()
        .filter(|(f, _)| f.to_string_lossy().contains("golden"))
        .map(|(_, b)| compile(&b))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any byte of any golden program set to any value: an error, or a program that decides.
    #[test]
    fn a_changed_byte_reads_as_an_error_or_a_program_that_decides(
        which in 0usize..4,
        at in any::<prop::sample::Index>(),
        value in any::<u8>(),
    ) {
        let programs = golden_programs();
        let mut raw = programs[which % programs.len()].clone();
        let i = at.index(raw.len());
        raw[i] = value;
        match program::read(&raw) {
            Ok(p) => decide_all(&p),
            Err(e) => prop_assert!(e.at <= raw.len()),
        }
        // The same bytes as a payload: inflating garbage is refused, never a panic.
        if let Ok(p) = program::open(&raw) {
            decide_all(&p);
        }
    }

    /// Several changes, an insertion and a cut at once.
    #[test]
    fn damaged_programs_never_panic(
        which in 0usize..4,
        changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        insert in any::<Option<(prop::sample::Index, u8)>>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let programs = golden_programs();
        let mut raw = programs[which % programs.len()].clone();
        for (at, value) in changes {
            let i = at.index(raw.len());
            raw[i] = value;
        }
        if let Some((at, value)) = insert {
            let i = at.index(raw.len());
            raw.insert(i, value);
        }
        raw.truncate(cut.index(raw.len() + 1));
        if let Ok(p) = program::read(&raw) {
            decide_all(&p);
        }
        let packed = program::pack(&raw);
        if let Ok(p) = program::open(&packed) {
            decide_all(&p);
        }
    }

    /// Arbitrary bytes, as a program and as a payload.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut tagged = b"PWP\x01".to_vec();
        tagged.extend(&bytes);
        for input in [&bytes, &tagged] {
            if let Ok(p) = program::read(input) {
                decide_all(&p);
            }
            if let Ok(p) = program::open(input) {
                decide_all(&p);
            }
        }
    }
}
