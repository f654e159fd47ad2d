//! Engine benchmarks: deciding one slot with 10 / 100 / 1000 candidate rules from the compiled
//! program; compiling a 1000-rule bundle (what `pathwise sign` does); and reading its program
//! (what a device does with the signed payload: inflate, then read).
//!
//! The synthetic bundle is the worst case for a slot: every rule targets the same slot with an
//! audience on the same attribute, and the device matches only the *last* rule, so a decision
//! evaluates every candidate's schedule, page patterns, audience (an `all` of an attribute
//! comparison and an event-count predicate), then buckets the winner.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use pathwise::bundle::limits::Caps;
use pathwise::bundle::Bundle;
use pathwise::engine::RenderHistory;
use pathwise::json::ToJson;
use pathwise::program::{self, Program};
use pathwise::scenario::Scenario;
use pathwise::signals::Declarations;
use serde_json::json;

fn bundle(rules: usize) -> Bundle {
    let rules: Vec<_> = (0..rules)
        .map(|i| {
            json!({
                "id": format!("rule-{i}"),
                "slot": "hero",
                "objective": "activation",
                "goals": ["signed_up"],
                "audience": { "all": [
                    { "signal": { "name": "plan", "op": "eq", "value": format!("plan-{i}") } },
                    { "event_count": { "event": "visit", "days": 7, "op": "gte", "value": 1 } }
                ] },
                "trigger": { "pages": ["/", "/home*", "/pricing"] },
                "variants": [
                    { "id": "a", "weight": 1, "text": [{ "selector": "h1", "text": "A" }] },
                    { "id": "b", "weight": 1, "text": [{ "selector": "h1", "text": "B" }] }
                ],
                "control": 10
            })
        })
        .collect();
    let doc = json!({
        "schema": 1, "site": "bench.example", "version": 1, "expires_at": "2030-01-01T00:00:00Z",
        "signals": [
            { "name": "plan", "kind": "string", "ttl_days": 30 },
            { "name": "signed_up", "kind": "event", "ttl_days": 30 }
        ],
        "slots": [ { "id": "hero", "kind": "block" } ],
        "rules": rules,
    });
    // The JSON reader directly: a 1000-rule bundle is larger than the default 256 KiB cap.
    pathwise::json::from_str(&doc.to_string()).unwrap()
}

/// The caps a 1000-rule catalogue is signed under (`pathwise sign --max-bytes`).
fn caps() -> Caps {
    Caps {
        bundle_bytes: 4 << 20,
        ..Caps::default()
    }
}

fn compiled(bundle: &Bundle) -> Vec<u8> {
    program::compile_within(bundle, &caps()).unwrap()
}

fn scenario(rules: usize) -> Scenario {
    let doc = json!({
        "unit": "6f1c2a9e0b7d4c3a8e5f1b2c3d4e5f60",
        "now": "2026-06-01T10:00:00Z",
        "page": { "path": "/pricing" },
        "actions": [
            { "at": "2026-05-30T10:00:00Z", "track": "visit" },
            { "at": "2026-05-31T10:00:00Z", "set": { "plan": format!("plan-{}", rules - 1) } }
        ]
    });
    pathwise::json::from_str(&doc.to_string()).unwrap()
}

fn decide(c: &mut Criterion) {
    let mut group = c.benchmark_group("decide_slot");
    for n in [10usize, 100, 1000] {
        let program: Program = program::read(&compiled(&bundle(n))).unwrap();
        let replayed = scenario(n)
            .replay(&Declarations::of_program(&program))
            .unwrap();
        let ctx = replayed.context();
        let history = RenderHistory::new();
        let hero = program.slot("hero").unwrap();
        let d = program.peek(hero, &ctx, &history);
        assert_eq!(
            d.rule_id(&program),
            Some(format!("rule-{}", n - 1).as_str()),
            "the last rule must win"
        );
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                program
                    .peek(black_box(hero), &ctx, &history)
                    .variant_id(&program)
                    .len()
            })
        });
    }
    group.finish();
}

fn compile(c: &mut Criterion) {
    let parsed = bundle(1000);
    let text = parsed.to_json();
    // The signer: validate and compile.
    c.bench_function("compile_1000_rules", |b| {
        b.iter(|| compiled(black_box(&parsed)).len())
    });
    c.bench_function("parse_and_compile_1000_rules", |b| {
        b.iter(|| {
            let p: Bundle = pathwise::json::from_str(black_box(&text)).unwrap();
            compiled(&p).len()
        })
    });
    // The device: read the program, and open the signed (deflated) payload.
    let raw = compiled(&parsed);
    let payload = program::pack(&raw);
    c.bench_function("read_program_1000_rules", |b| {
        b.iter(|| program::read(black_box(&raw)).unwrap().slot_count())
    });
    c.bench_function("open_program_1000_rules", |b| {
        b.iter(|| program::open(black_box(&payload)).unwrap().slot_count())
    });
}

criterion_group!(benches, decide, compile);
criterion_main!(benches);
