//! `PathwiseEngine`: the engine without a page, for server-side rendering, edge workers, Node and
//! benchmarks.
//!
//! `Pathwise.init` needs a browser page (window, document, storage). Deciding does not: a
//! server that renders the personalized page, or an edge worker that picks a variant before the
//! HTML leaves, has the signed bundle, the visitor's attributes and an id to bucket on, and wants
//! the variant of every slot. This class is that path, with the same trust rules as the page:
//! the envelope is verified against pinned keys (`verify_strict`), its site and expiry checked,
//! then the bundle is parsed, validated and compiled once.
//!
//! The boundary is kept cheap on purpose, since a server decides for many visitors:
//!
//! - one call per visitor to set the unit and one to set the attributes (read from a plain
//!   object, declared attributes only);
//! - one call, [`PathwiseEngine::decide_all`], returns the decision of **every** slot as a
//!   `Uint32Array` of choice indexes — no per-slot objects, no JSON — and
//!   [`PathwiseEngine::choices`], fetched once, says what each index means.
//!
//! Nothing is stored (no storage, no render history: frequency caps and `trigger.after` see an
//! empty history) and nothing is reported; decisions are `peek`s.

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

use super::error::{coded, Coded};
use crate::bundle::limits::Caps;
use crate::bundle::{parse_bundle_within, BundleError};
use crate::engine::{Context, Engine, RenderHistory};
use crate::envelope::{open, Opened, Policy, PublicKey, MAX_ENVELOPE_BYTES};
use crate::signals::{PageContext, Signals};
use crate::time::{Clock, Timestamp};
use crate::value::Value;

/// One possible outcome of a slot: the variant shown, the deciding rule, and whether it is a
/// measured control (the rule's control group or the global holdout).
struct Choice {
    variant: String,
    rule: Option<String>,
    control: bool,
}

/// A slot and its possible outcomes; index 0 is "no rule applied, default content".
struct SlotChoices {
    id: String,
    choices: Vec<Choice>,
}

/// A compiled bundle that decides without a browser page. See the module documentation.
#[wasm_bindgen]
pub struct PathwiseEngine {
    engine: Engine,
    signals: Signals,
    page: PageContext,
    clock: Clock,
    unit: String,
    history: RenderHistory,
    /// Declared attribute signals: the name, and the same name as a JS string (for `Reflect.get`).
    attributes: Vec<(String, JsValue)>,
    slots: Vec<SlotChoices>,
}

fn option_number(options: &JsValue, name: &str) -> Result<Option<f64>, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    let value = Reflect::get(options, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.is_finite() && n >= 1.0 && n.fract() == 0.0 => Ok(Some(n)),
        _ => Err(coded(
            "invalid_options",
            &format!("options.{name} must be a positive whole number"),
        )),
    }
}

fn clock_at(now_ms: f64) -> Clock {
    // `as` saturates: an absurd clock gives an absurd but harmless time, never a trap.
    Clock::utc((now_ms / 1000.0).floor() as i64)
}

#[wasm_bindgen]
impl PathwiseEngine {
    /// Verifies envelope text against the pinned `keys` (`ed25519:…`) for `site` at `nowMs` (Unix
    /// milliseconds), then parses, validates and compiles the bundle.
    ///
    /// `options` (optional): `threshold` (distinct pinned keys that must have signed, default 1),
    /// and, for deployments that deliberately hold more than a page should, `maxBundleBytes`
    /// (default 262144; the envelope may be the base64 of it plus 4 KiB), `maxRules` (default
    /// 2000) and `maxSlots` (default 500).
    ///
    /// Throws an `Error` with the envelope's or the bundle's code (`signature_threshold_not_met`,
    /// `expired`, `too_large`, `bundle_invalid`, …), or `invalid_options` for an unusable key or
    /// option. A version check is the caller's business here: nothing is remembered between
    /// engines.
    #[wasm_bindgen(js_name = fromEnvelope)]
    pub fn from_envelope(
        text: &str,
        site: &str,
        keys: Vec<String>,
        now_ms: f64,
        options: JsValue,
    ) -> Result<PathwiseEngine, JsValue> {
        let mut pinned = Vec::with_capacity(keys.len());
        for key in &keys {
            pinned.push(PublicKey::parse(key).map_err(|e| {
                coded(
                    "invalid_options",
                    &format!("keys: {key:?} is not usable: {e}"),
                )
            })?);
        }
        let mut caps = Caps::default();
        if let Some(n) = option_number(&options, "maxBundleBytes")? {
            caps.bundle_bytes = n as usize;
        }
        if let Some(n) = option_number(&options, "maxRules")? {
            caps.rules = n as usize;
        }
        if let Some(n) = option_number(&options, "maxSlots")? {
            caps.slots = n as usize;
        }
        let clock = clock_at(now_ms);
        let mut policy = Policy::new(site, &pinned, Timestamp(clock.now));
        if let Some(n) = option_number(&options, "threshold")? {
            policy.threshold = n as usize;
        }
        policy.max_bytes = MAX_ENVELOPE_BYTES.max(
            caps.bundle_bytes
                .div_ceil(3)
                .saturating_mul(4)
                .saturating_add(4 * 1024),
        );
        let payload = match open(text.as_bytes(), &policy).map_err(|e| e.to_js())? {
            Opened::Verified(payload) => payload,
            // Unreachable: the policy names no accepted version.
            Opened::AlreadyCurrent { version } => {
                return Err(coded("rollback", &format!("version {version} is not new")))
            }
        };
        let bundle = parse_bundle_within(&payload.payload, &caps)
            .map_err(|e| BundleError::from(e).to_js())?;
        let engine =
            Engine::compile_within(bundle, &caps).map_err(|e| BundleError::from(e).to_js())?;
        Ok(PathwiseEngine::new(engine, clock))
    }

    /// Sets the bucketing unit: the visitor's stable id (in the page, the anonymous install id).
    #[wasm_bindgen(js_name = setUnit)]
    pub fn set_unit(&mut self, unit: &str) {
        self.unit.clear();
        self.unit.push_str(unit);
    }

    /// Sets the clock (Unix milliseconds, UTC) that schedules, expiry-free decisions and attribute
    /// time stamps use.
    #[wasm_bindgen(js_name = setNow)]
    pub fn set_now(&mut self, now_ms: f64) {
        self.clock = clock_at(now_ms);
    }

    /// Sets the page path (`/pricing`, without query or fragment) that `trigger.pages` and the
    /// `page_path` signal see.
    #[wasm_bindgen(js_name = setPage)]
    pub fn set_page(&mut self, path: &str) {
        self.page.path.clear();
        self.page.path.push_str(path);
    }

    /// Replaces the visitor's attributes with the declared ones found in `attributes` (a plain
    /// object: string, finite number, boolean or array of strings per declared name). Properties
    /// the bundle does not declare are not read; a declared one that is absent, `undefined` or
    /// `null` is missing (conditions on it do not match).
    ///
    /// Throws an `Error` with the store's code (`wrong_kind`, `string_too_long`, …) for a value
    /// the bundle's declaration refuses; the attributes are then left empty.
    #[wasm_bindgen(js_name = setAttributes)]
    pub fn set_attributes(&mut self, attributes: &JsValue) -> Result<(), JsValue> {
        self.signals.attributes.clear();
        for (name, key) in &self.attributes {
            let raw = Reflect::get(attributes, key).unwrap_or(JsValue::UNDEFINED);
            if raw.is_undefined() || raw.is_null() {
                continue;
            }
            let value = js_value(name, &raw)?;
            if let Err(e) = self
                .signals
                .set(self.engine.declarations(), name, value, &self.clock)
            {
                self.signals.attributes.clear();
                return Err(e.to_js());
            }
        }
        Ok(())
    }

    /// Decides every slot (in bundle order) for the current unit, attributes, page and clock, in
    /// one call: entry `i` is the index, in `choices()[i]`, of slot `i`'s outcome.
    #[wasm_bindgen(js_name = decideAll)]
    pub fn decide_all(&self) -> Vec<u32> {
        let mut indexes = Vec::with_capacity(self.slots.len());
        let ctx = Context {
            signals: &self.signals,
            page: &self.page,
            clock: &self.clock,
            unit: &self.unit,
        };
        for slot in &self.slots {
            let index = match self.engine.peek(&slot.id, &ctx, &self.history) {
                Ok(d) => slot
                    .choices
                    .iter()
                    .position(|c| {
                        c.control == d.control
                            && c.rule.as_deref() == d.rule
                            && c.variant == d.variant
                    })
                    .unwrap_or(0),
                Err(_) => 0,
            };
            indexes.push(index as u32);
        }
        indexes
    }

    /// The slot ids, in bundle order (the order of `decideAll()`).
    pub fn slots(&self) -> Vec<String> {
        self.slots.iter().map(|s| s.id.clone()).collect()
    }

    /// What each index of `decideAll()` means: per slot, an array of `[variant, rule, control]`
    /// (`rule` is `null` for index 0, "no rule applied"; `control` is true for a rule's control
    /// group or the global holdout, which show the default content).
    pub fn choices(&self) -> Array {
        self.slots
            .iter()
            .map(|slot| {
                slot.choices
                    .iter()
                    .map(|c| {
                        let rule = c.rule.as_deref().map_or(JsValue::NULL, JsValue::from_str);
                        Array::of3(
                            &JsValue::from_str(&c.variant),
                            &rule,
                            &JsValue::from_bool(c.control),
                        )
                    })
                    .collect::<Array>()
            })
            .collect()
    }
}

impl PathwiseEngine {
    fn new(engine: Engine, clock: Clock) -> PathwiseEngine {
        let attributes = engine
            .declarations()
            .iter()
            .filter_map(|(name, d)| {
                d.kind.value_kind()?;
                Some((name.to_owned(), JsValue::from_str(name)))
            })
            .collect();
        let bundle = engine.bundle();
        let slots = bundle
            .slots
            .iter()
            .map(|slot| {
                let default = slot.default_variant();
                let mut choices = vec![Choice {
                    variant: default.to_owned(),
                    rule: None,
                    control: false,
                }];
                for rule in bundle.rules.iter().filter(|r| r.slot == slot.id()) {
                    choices.push(Choice {
                        variant: default.to_owned(),
                        rule: Some(rule.id.clone()),
                        control: true,
                    });
                    for variant in &rule.variants {
                        choices.push(Choice {
                            variant: variant.id.clone(),
                            rule: Some(rule.id.clone()),
                            control: false,
                        });
                    }
                }
                SlotChoices {
                    id: slot.id().to_owned(),
                    choices,
                }
            })
            .collect();
        PathwiseEngine {
            engine,
            signals: Signals::new(),
            page: PageContext::default(),
            clock,
            unit: String::new(),
            history: RenderHistory::new(),
            attributes,
            slots,
        }
    }
}

/// A JavaScript attribute value as a core [`Value`]; the store then checks it against the
/// declaration.
fn js_value(name: &str, raw: &JsValue) -> Result<Value, JsValue> {
    if let Some(s) = raw.as_string() {
        return Ok(Value::String(s));
    }
    if let Some(n) = raw.as_f64() {
        return Ok(Value::Number(n));
    }
    if let Some(b) = raw.as_bool() {
        return Ok(Value::Bool(b));
    }
    if Array::is_array(raw) {
        let items: &Array = raw.unchecked_ref();
        let mut list = Vec::with_capacity(items.length() as usize);
        for item in items.iter() {
            match item.as_string() {
                Some(s) => list.push(s),
                None => {
                    return Err(coded(
                        "wrong_kind",
                        &format!("attribute `{name}`: a list may hold only strings"),
                    ))
                }
            }
        }
        return Ok(Value::List(list));
    }
    Err(coded(
        "wrong_kind",
        &format!("attribute `{name}` must be a string, a number, a boolean or an array of strings"),
    ))
}
