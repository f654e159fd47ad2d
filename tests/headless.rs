//! The engine without a page ([`Headless`], the core of `pathwise/engine`): the visitor form's
//! bytes, the choice indexes and the tables that say what they mean — and that a visitor gets
//! the decisions the full engine gives a device holding the same attributes.

// Tests may unwrap and panic: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pathwise::bundle::load;
use pathwise::engine::headless::{Headless, VisitorError};
use pathwise::engine::{Context, RenderHistory};
use pathwise::program::{self, Program};
use pathwise::signals::{Declarations, PageContext, SignalError, Signals};
use pathwise::time::Clock;
use pathwise::value::{Value, ValueKind};
use serde_json::{json, Value as Json};

/// 2026-03-10T09:00:00Z, a Tuesday, inside no banner schedule.
const NOW: i64 = 1_773_133_200;

fn saas() -> Program {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/bundles/saas.json"
    ))
    .unwrap();
    program::read(&program::compile(&load(&bytes).unwrap()).unwrap()).unwrap()
}

/// The visitor form, built field by field.
#[derive(Default)]
struct Visitor(Vec<u8>);

impl Visitor {
    /// Every attribute of the SaaS bundle (six) missing.
    fn nobody() -> Visitor {
        (0..6).fold(Visitor::default(), |v, _| v.missing())
    }
    fn unit(unit: &str) -> Visitor {
        let mut v = Visitor(vec![b'u']);
        v.text(unit);
        v
    }
    fn text(&mut self, s: &str) {
        self.0.extend((s.len() as u32).to_le_bytes());
        self.0.extend(s.as_bytes());
    }
    fn missing(mut self) -> Self {
        self.0.push(b'-');
        self
    }
    fn string(mut self, s: &str) -> Self {
        self.0.push(b's');
        self.text(s);
        self
    }
    fn number(mut self, n: f64) -> Self {
        self.0.push(b'n');
        self.0.extend(n.to_le_bytes());
        self
    }
    fn boolean(mut self, b: bool) -> Self {
        self.0.push(if b { b't' } else { b'f' });
        self
    }
    fn list(mut self, items: &[&str]) -> Self {
        self.0.push(b'l');
        self.0.extend((items.len() as u32).to_le_bytes());
        for item in items {
            self.text(item);
        }
        self
    }
}

/// The tables as `choices()` gives them to JavaScript (js/engine.js expands them the same way):
/// `{slots: [ids], choices: [[[variant, rule | null, control], …] per slot], attributes}`.
fn expanded_tables(engine: &Headless) -> Json {
    let tables: Json = serde_json::from_str(&engine.tables_json()).unwrap();
    let slots = tables["slots"].as_array().unwrap();
    let choices: Vec<Json> = slots
        .iter()
        .map(|slot| {
            let base = &slot[1];
            let mut out = vec![json!([base, null, false])];
            for rule in slot[2].as_array().unwrap() {
                out.push(json!([base, rule[0], true]));
                for v in rule[1].as_array().unwrap() {
                    out.push(json!([v, rule[0], false]));
                }
            }
            Json::Array(out)
        })
        .collect();
    json!({
        "slots": slots.iter().map(|s| s[0].clone()).collect::<Vec<_>>(),
        "choices": choices,
        "attributes": tables["attributes"],
    })
}

#[test]
fn the_tables_name_every_choice_and_attribute() {
    let engine = Headless::new(saas(), Clock::utc(NOW));
    let tables = expanded_tables(&engine);
    assert_eq!(
        tables["slots"],
        json!(["hero", "pricing_help", "reengage", "banner", "onboarding"])
    );
    // Attributes in declaration order (events are not part of a visitor).
    assert_eq!(
        tables["attributes"],
        json!([
            ["role", "string"],
            ["plan", "string"],
            ["seats", "number"],
            ["beta_opt_in", "bool"],
            ["interests", "list"],
            ["company", "string"]
        ])
    );
    // Per slot: no rule, then per rule in the order tried its control and its variants.
    assert_eq!(
        tables["choices"][0],
        json!([
            ["default", null, false],
            ["default", "hero-enterprise", true],
            ["enterprise", "hero-enterprise", false],
            ["default", "hero-returning", true],
            ["welcome-back", "hero-returning", false]
        ])
    );
    assert_eq!(tables["choices"][4].as_array().unwrap().len(), 7);
}

/// The choice the headless engine made for each slot, as (variant, rule, control).
fn choices(engine: &Headless) -> Vec<Json> {
    let tables = expanded_tables(engine);
    let mut out = Vec::new();
    engine.decide_all(&mut out);
    out.iter()
        .enumerate()
        .map(|(slot, &c)| tables["choices"][slot][c as usize].clone())
        .collect()
}

/// Attribute values by name.
type Attributes = Vec<(&'static str, Value)>;

/// What the full engine decides for a device holding `attributes` (and no events).
fn engine_decisions(p: &Program, unit: &str, attributes: &[(&str, Value)]) -> Vec<Json> {
    let clock = Clock::utc(NOW);
    let decls = Declarations::of_program(p);
    let mut signals = Signals::new();
    for (name, value) in attributes {
        signals.set(&decls, name, value.clone(), &clock).unwrap();
    }
    let page = PageContext::default();
    let ctx = Context::new(&signals, &page, &clock, unit);
    (0..p.slot_count())
        .map(|slot| {
            let d = p.peek(slot, &ctx, &RenderHistory::new());
            json!([d.variant_id(p), d.rule_id(p), d.control])
        })
        .collect()
}

#[test]
fn a_visitor_gets_what_the_engine_gives_a_device_with_the_same_attributes() {
    let p = saas();
    let mut engine = Headless::new(p.clone(), Clock::utc(NOW));
    let visitors: Vec<(&str, Visitor, Attributes)> = vec![
        (
            "v-1",
            Visitor::unit("v-1")
                .string("admin")
                .missing()
                .number(3.0)
                .missing()
                .missing()
                .missing(),
            vec![("role", "admin".into()), ("seats", 3.0.into())],
        ),
        (
            "v-2",
            Visitor::unit("v-2")
                .string("operator")
                .string("enterprise")
                .number(250.0)
                .boolean(true)
                .list(&["automation", "sso"])
                .string("Initech"),
            vec![
                ("role", "operator".into()),
                ("plan", "enterprise".into()),
                ("seats", 250.0.into()),
                ("beta_opt_in", true.into()),
                (
                    "interests",
                    Value::List(vec!["automation".into(), "sso".into()]),
                ),
                ("company", "Initech".into()),
            ],
        ),
        (
            "v-3",
            Visitor::unit("v-3")
                .missing()
                .missing()
                .missing()
                .missing()
                .missing()
                .missing(),
            vec![],
        ),
    ];
    for (unit, visitor, attributes) in visitors {
        engine.set_visitor(&visitor.0).unwrap();
        let expected = engine_decisions(&p, unit, &attributes);
        assert_eq!(choices(&engine), expected, "{unit}");
        // Nothing is recorded: deciding again gives the same (no frequency cap bites).
        assert_eq!(choices(&engine), expected, "{unit}, again");
    }
}

#[test]
fn a_visitor_the_store_would_refuse_is_refused_and_decides_as_nobody() {
    let p = saas();
    let mut engine = Headless::new(p.clone(), Clock::utc(NOW));
    let admin = Visitor::unit("v-1")
        .string("admin")
        .missing()
        .missing()
        .missing()
        .missing()
        .missing();
    engine.set_visitor(&admin.0).unwrap();
    let nobody = engine_decisions(&p, "v-1", &[]);
    assert_ne!(choices(&engine), nobody, "the admin path differs");

    // A number where a string is declared: the store's own error, naming the signal.
    let wrong = Visitor::unit("v-1").number(1.0);
    match engine.set_visitor(&wrong.0) {
        Err(VisitorError::Signal(SignalError::WrongKind {
            name,
            declared,
            given,
        })) => {
            assert_eq!(name, "role");
            assert_eq!((declared, given), (ValueKind::String, ValueKind::Number));
        }
        other => panic!("{other:?}"),
    }
    // Every attribute is then missing: the visitor decides as a device with none.
    assert_eq!(choices(&engine), nobody);

    // A value of a type the form cannot carry, a string over the limit, a non-finite number.
    let x = Visitor(b"x".to_vec());
    assert!(matches!(
        engine.set_visitor(&x.0),
        Err(VisitorError::Signal(SignalError::WrongKind { .. }))
    ));
    let long = Visitor::default().string(&"a".repeat(2_000));
    assert!(matches!(
        engine.set_visitor(&long.0),
        Err(VisitorError::Signal(SignalError::StringTooLong { .. }))
    ));
    let nan = Visitor::default().missing().missing().number(f64::NAN);
    assert!(matches!(
        engine.set_visitor(&nan.0),
        Err(VisitorError::Signal(SignalError::NonFinite { .. }))
    ));
    // Bytes not in the form: cut short, an unknown tag, bytes left over.
    let complete = Visitor::nobody();
    engine.set_visitor(&complete.0).unwrap();
    for bad in [
        &complete.0[..3],
        b"------?",
        &[complete.0.as_slice(), b"-"].concat(),
        b"u\xff\xff\xff\xff",
    ] {
        assert_eq!(
            engine.set_visitor(bad),
            Err(VisitorError::Malformed),
            "{bad:?}"
        );
    }
    assert_eq!(choices(&engine), engine_decisions(&p, "v-1", &[]));
}

#[test]
fn the_clock_decides_schedules_as_in_a_browser() {
    let p = saas();
    let mut engine = Headless::new(p.clone(), Clock::utc(NOW));
    let nobody = Visitor::nobody();
    engine.set_visitor(&nobody.0).unwrap();
    engine.set_unit("u");
    // Inside the launch week the banner's scheduled rule decides.
    let banner = 3;
    assert_eq!(choices(&engine)[banner][0], "default");
    engine.set_clock(Clock::utc(1_772_323_200 + 3600));
    assert_eq!(choices(&engine)[banner][0], "launch-week");
}
