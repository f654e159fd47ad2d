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
//! - one call per visitor sets the unit and the attributes ([`PathwiseEngine::set_visitor`]):
//!   `pkg/engine.js` writes them as bytes into a buffer the engine keeps in the module's memory
//!   (declared attributes only, read from a plain object), so no string is built or copied and
//!   nothing is allocated per visitor;
//! - one call, [`PathwiseEngine::decide_all`], returns the decision of **every** slot as a
//!   `Uint32Array` of choice indexes — no per-slot objects, no JSON (`engine.js` uses
//!   [`PathwiseEngine::decide_into`], which writes them into another kept buffer) — and
//!   [`PathwiseEngine::choices`], fetched once, says what each index means.
//!
//! Nothing is stored (no storage, no render history: frequency caps and `trigger.after` see an
//! empty history) and nothing is reported; decisions are `peek`s.

use crate::prelude::*;
use js_sys::{Array, JsString, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::error::{coded, Coded};
use crate::bundle::limits::Caps;
use crate::bundle::{parse_tree_within, BundleError};
use crate::condition::eval::Attributes;
use crate::engine::{Context, Decision, Engine, RenderHistory};
use crate::envelope::{open_then, Opened, Policy, PublicKey, VerifiedPayload, MAX_ENVELOPE_BYTES};
use crate::signals::{check_value, PageContext, SignalError, Signals};
use crate::time::{Clock, Timestamp};
use crate::value::{Value, ValueKind};

/// One possible outcome of a slot: the variant shown, the deciding rule, and whether it is a
/// measured control (the rule's control group or the global holdout).
struct Choice {
    variant: String,
    rule: Option<String>,
    control: bool,
    /// Where the decision's `variant` and `rule` strings live in the engine's bundle: a decision
    /// borrows exactly these, so matching it to its choice compares two addresses instead of two
    /// strings (the strings are still compared when the addresses differ).
    variant_at: usize,
    rule_at: usize,
}

impl Choice {
    fn is(&self, d: &Decision<'_>) -> bool {
        if self.control != d.control {
            return false;
        }
        let rule_at = d.rule.map_or(0, |r| r.as_ptr() as usize);
        if self.variant_at == d.variant.as_ptr() as usize && self.rule_at == rule_at {
            return true;
        }
        self.rule.as_deref() == d.rule && self.variant == d.variant
    }
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
    /// Declared attribute signals, by name in ascending order.
    attributes: Vec<String>,
    /// The visitor's value of each of `attributes` (`None`: missing). Kept here by position
    /// rather than in `signals`, so setting them needs no search by name, and conditions find a
    /// name in `attributes` with a short scan ([`Attributes::Listed`]).
    values: Vec<Option<Value>>,
    /// The declared shape of each of `attributes`.
    kinds: Vec<ValueKind>,
    slots: Vec<SlotChoices>,
    /// Where `engine.js` writes a visitor for [`PathwiseEngine::set_visitor`]: kept between
    /// visitors, so a visitor costs no allocation on either side of the boundary.
    input: Vec<u8>,
    /// Where [`PathwiseEngine::decide_into`] writes the slots' choice indexes. Allocated once at
    /// its final length, so the address `outputAt` gives never changes.
    output: Vec<u32>,
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
        // Whole: `n as u64` truncates (and saturates beyond u64, where every double is whole).
        Some(n) if n.is_finite() && n >= 1.0 && (n >= 1.8e19 || n == n as u64 as f64) => {
            Ok(Some(n))
        }
        _ => Err(coded(
            "invalid_options",
            &format!("options.{name} must be a positive whole number"),
        )),
    }
}

#[wasm_bindgen]
extern "C" {
    /// The platform's `TextEncoder` (browsers, Node, Deno, workers).
    #[wasm_bindgen(js_name = TextEncoder)]
    type Utf8Encoder;
    #[wasm_bindgen(constructor, js_class = "TextEncoder")]
    fn new() -> Utf8Encoder;
    /// `encodeInto(text, into)`: as much of `text` as fits, as UTF-8.
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(this: &Utf8Encoder, text: &JsString, into: &Uint8Array) -> EncodeResult;
    /// What `encodeInto` did.
    type EncodeResult;
    /// UTF-16 code units of the text consumed.
    #[wasm_bindgen(method, getter)]
    fn read(this: &EncodeResult) -> f64;
    /// Bytes written.
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeResult) -> f64;
}

/// Appends as much of `text` as fits in `out`'s spare capacity, as UTF-8: `encodeInto` writes
/// straight into the module's memory. Returns the UTF-16 units of `text` consumed.
fn encode_into(encoder: &Utf8Encoder, text: &JsString, out: &mut Vec<u8>) -> usize {
    let spare = out.spare_capacity_mut();
    let room = spare.len();
    // SAFETY: the view covers the vector's spare capacity, which nothing else uses, and lives
    // only for the call below, which allocates nothing in the module's memory (so the memory
    // cannot grow and the view cannot be detached while it is used).
    let view = unsafe { Uint8Array::view_mut_raw(spare.as_mut_ptr().cast::<u8>(), room) };
    let done = encoder.encode_into(text, &view);
    let written = (done.written() as usize).min(room);
    // SAFETY: `encodeInto` initialised the first `written` bytes of the spare capacity.
    unsafe { out.set_len(out.len() + written) };
    done.read() as usize
}

/// The envelope text as UTF-8 bytes (a lone surrogate becomes U+FFFD, as with a `&str`
/// argument), or `None` when `text` is not a string.
///
/// **Why not `&str`.** wasm-bindgen's glue copies a `&str` argument into the module one UTF-16
/// unit at a time, in a JavaScript loop. The envelope is the whole bundle in base64 — 85 KB at
/// N = 100, a megabyte at N = 1000 — and in a fresh process that loop runs in the interpreter:
/// it was 3–6 ms of the first `fromEnvelope` at N = 100. `encodeInto` is the platform's native
/// encoder. ASCII text (base64 and JSON are) takes one call, into a buffer of exactly its
/// length; text with other characters continues into room for three bytes per remaining unit,
/// as the glue does.
fn envelope_bytes(text: &JsValue) -> Option<Vec<u8>> {
    let text: &JsString = text.dyn_ref()?;
    let units = text.length() as usize;
    let encoder = Utf8Encoder::new();
    let mut out = Vec::with_capacity(units);
    let read = encode_into(&encoder, text, &mut out);
    if read < units {
        let rest = text.slice(read as u32, units as u32);
        out.reserve((units - read).saturating_mul(3));
        encode_into(&encoder, &rest, &mut out);
    }
    Some(out)
}

fn clock_at(now_ms: f64) -> Clock {
    // `as` saturates: an absurd clock gives an absurd but harmless time, never a trap.
    Clock::utc(super::clock::floor(now_ms / 1000.0))
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
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
        site: &str,
        keys: Vec<String>,
        now_ms: f64,
        options: JsValue,
    ) -> Result<PathwiseEngine, JsValue> {
        let text = envelope_bytes(&text)
            .ok_or_else(|| coded("invalid_argument", "the envelope text must be a string"))?;
        let mut pinned = Vec::with_capacity(keys.len());
        for key in &keys {
            pinned.push(PublicKey::parse(key).map_err(|e| {
                coded(
                    "invalid_options",
                    &format!(
                        "keys: {} is not usable: {e}",
                        crate::json::write::quoted(key)
                    ),
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
        // The payload is parsed once, for its header and for the bundle.
        let opened = open_then(&text, &policy, |text, root| {
            parse_tree_within(text, root, &caps)
        });
        let bundle = match opened.map_err(|e| e.to_js())? {
            (Opened::Verified(_), Some(bundle)) => bundle,
            // Unreachable: the policy names no accepted version.
            (Opened::AlreadyCurrent { version }, _)
            | (Opened::Verified(VerifiedPayload { version, .. }), None) => {
                return Err(coded("rollback", &format!("version {version} is not new")))
            }
        }
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

    /// Sets the clock (Unix milliseconds, UTC) that rule schedules (`trigger.start` / `end`) and
    /// attribute time stamps use. The bundle's expiry was checked once, by `fromEnvelope`.
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

    /// The declared attribute names, in the order `setAttributesEncoded` reads them.
    #[wasm_bindgen(js_name = attributeNames)]
    pub fn attribute_names(&self) -> Vec<String> {
        self.attributes.clone()
    }

    /// Replaces the visitor's attributes, given in the compact form the package's
    /// `PathwiseEngine#setAttributes(object)` writes (one string, so one crossing of the
    /// boundary per visitor; see `pkg/index.js`): for each name of `attributeNames()`, in order,
    /// `-` (missing), `s<len>:<text>`, `n<number>;`, `t`, `f`, `l<count>:` followed by `count`
    /// times `<len>:<text>` (a list of strings), or `x` (a value of another type). `<len>` counts
    /// UTF-16 code units, as JavaScript's `length` does.
    ///
    /// Throws an `Error` with the store's code (`wrong_kind`, `string_too_long`, …) for a value
    /// the bundle's declaration refuses, or `invalid_argument` for text not in this form; the
    /// attributes are then left empty.
    #[wasm_bindgen(js_name = setAttributesEncoded)]
    pub fn set_attributes_encoded(&mut self, encoded: &str) -> Result<(), JsValue> {
        // Values are overwritten in place and missing ones removed, so the store's keys are not
        // reallocated for every visitor.
        let result = self.read_attributes(Encoded { rest: encoded });
        if result.is_err() {
            self.values.iter_mut().for_each(|v| *v = None);
        }
        result
    }

    /// Decides every slot (in bundle order) for the current unit, attributes, page and clock, in
    /// one call: entry `i` is the index, in `choices()[i]`, of slot `i`'s outcome.
    #[wasm_bindgen(js_name = decideAll)]
    pub fn decide_all(&self) -> Vec<u32> {
        let mut indexes = vec![0; self.slots.len()];
        self.decide_each(&mut indexes);
        indexes
    }

    /// `decideAll` without a new array: the indexes are written at `outputAt()` (one `u32` per
    /// slot) and the slot count is returned. `engine.js` copies them out of the module's memory
    /// itself, which spares an allocation and a release in the module per visitor.
    #[wasm_bindgen(js_name = decideInto)]
    pub fn decide_into(&mut self) -> usize {
        let mut output = core::mem::take(&mut self.output);
        self.decide_each(&mut output);
        self.output = output;
        self.output.len()
    }

    /// The address, in the module's memory, where `decideInto` writes; the same for the
    /// engine's whole life.
    #[wasm_bindgen(js_name = outputAt)]
    pub fn output_at(&self) -> *const u32 {
        self.output.as_ptr()
    }

    /// The address of a buffer of at least `size` bytes where `engine.js` writes a visitor for
    /// `setVisitor`; the previous contents are kept (moved if the buffer moves). 0 when the
    /// memory cannot be had: `engine.js` then sends the visitor the old way
    /// (`setAttributesEncoded`).
    #[wasm_bindgen(js_name = inputAt)]
    pub fn input_at(&mut self, size: usize) -> *mut u8 {
        let more = size.saturating_sub(self.input.len());
        if self.input.try_reserve_exact(more).is_err() {
            return core::ptr::null_mut();
        }
        self.input.resize(self.input.len() + more, 0);
        self.input.as_mut_ptr()
    }

    /// Sets a visitor from the first `len` bytes written at `inputAt`: what `engine.js`'s
    /// `setUnit` + `setAttributes` send in one crossing. The form (little-endian integers,
    /// lengths in UTF-8 bytes): optionally `u` + `u32` length + the unit; then for each name of
    /// `attributeNames()`, in order, `-` (missing), `s` + `u32` length + the text, `n` + the
    /// `f64`, `t`, `f`, `l` + `u32` count + per element `u32` length + the text, or `x` (a value
    /// of another type). Numbers travel as their bits, so nothing is formatted or parsed.
    ///
    /// The unit is set first, whatever the attributes; then the attributes as
    /// `setAttributesEncoded` sets them, with the same errors (and `invalid_argument` for bytes
    /// not in this form).
    #[wasm_bindgen(js_name = setVisitor)]
    pub fn set_visitor(&mut self, len: usize) -> Result<(), JsValue> {
        let input = core::mem::take(&mut self.input);
        let result = match input.get(..len) {
            Some(bytes) => self.read_visitor(bytes),
            None => Err(malformed_visitor()),
        };
        self.input = input;
        if result.is_err() {
            self.values.iter_mut().for_each(|v| *v = None);
        }
        result
    }

    /// The module's memory, where `inputAt` and `outputAt` point (for `engine.js`).
    #[wasm_bindgen(js_name = wasmMemory)]
    pub fn wasm_memory() -> JsValue {
        wasm_bindgen::memory()
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
    /// Writes slot `i`'s choice index at `indexes[i]`.
    fn decide_each(&self, indexes: &mut [u32]) {
        let ctx = Context {
            signals: &self.signals,
            page: &self.page,
            clock: &self.clock,
            unit: &self.unit,
        };
        let attributes = Attributes::Listed {
            names: &self.attributes,
            values: &self.values,
        };
        for ((i, slot), out) in self.slots.iter().enumerate().zip(indexes) {
            let index = self
                .engine
                .peek_at(i, &ctx, &self.history, attributes)
                .and_then(|d| slot.choices.iter().position(|c| c.is(&d)))
                .unwrap_or(0);
            *out = index as u32;
        }
    }

    /// [`PathwiseEngine::set_visitor`]'s reading: the unit if present, then the attributes.
    fn read_visitor(&mut self, bytes: &[u8]) -> Result<(), JsValue> {
        let mut reader = Binary { rest: bytes };
        if reader.rest.first() == Some(&b'u') {
            reader.rest = reader.rest.get(1..).unwrap_or_default();
            let unit = reader.text()?;
            self.unit.clear();
            self.unit.push_str(unit);
        }
        self.read_attributes(reader)
    }

    /// Reads every attribute in place: a string or list reuses the buffers of the previous
    /// visitor's value, so a visitor costs no allocation once the buffers are large enough.
    /// The checks are the store's ([`Signals::set`]): the declared shape, then the limits.
    fn read_attributes<'a>(&mut self, mut reader: impl Reader<'a>) -> Result<(), JsValue> {
        let names = &self.attributes;
        for ((slot, &kind), name) in self.values.iter_mut().zip(&self.kinds).zip(names) {
            match reader.tag()? {
                b'-' => *slot = None,
                b's' => {
                    let text = reader.text()?;
                    match slot {
                        Some(Value::String(s)) => {
                            s.clear();
                            s.push_str(text);
                        }
                        _ => *slot = Some(Value::String(text.to_owned())),
                    }
                }
                b'n' => *slot = Some(Value::Number(reader.number()?)),
                b't' => *slot = Some(Value::Bool(true)),
                b'f' => *slot = Some(Value::Bool(false)),
                b'l' => {
                    let count = reader.count()?;
                    if !matches!(slot, Some(Value::List(_))) {
                        *slot = Some(Value::List(Vec::new()));
                    }
                    if let Some(Value::List(list)) = slot {
                        let mut len = 0;
                        while len < count {
                            let text = reader.text()?;
                            match list.get_mut(len) {
                                Some(s) => {
                                    s.clear();
                                    s.push_str(text);
                                }
                                None => list.push(text.to_owned()),
                            }
                            len += 1;
                        }
                        list.truncate(len);
                    }
                }
                b'x' => {
                    return Err(coded(
                        "wrong_kind",
                        &format!(
                            "attribute `{name}` must be a string, a finite number, a boolean or \
                             an array of strings"
                        ),
                    ))
                }
                _ => return Err(reader.malformed()),
            }
            if let Some(value) = slot {
                if value.kind() != kind {
                    let wrong = SignalError::WrongKind {
                        name: name.clone(),
                        declared: kind,
                        given: value.kind(),
                    };
                    return Err(wrong.to_js());
                }
                check_value(name, value).map_err(|e| e.to_js())?;
            }
        }
        if reader.is_done() {
            Ok(())
        } else {
            Err(reader.malformed())
        }
    }

    fn new(engine: Engine, clock: Clock) -> PathwiseEngine {
        let (attributes, kinds): (Vec<String>, Vec<ValueKind>) = engine
            .declarations()
            .iter()
            .filter_map(|(name, d)| Some((name.to_owned(), d.kind.value_kind()?)))
            .unzip();
        let values = kinds.iter().map(|_| None).collect();
        let bundle = engine.bundle();
        // Each slot's rules in bundle order, grouped in one pass: filtering all rules for every
        // slot compared 1.8 million ids at N = 1000, a fifth of init. (Rule indexes, so the map
        // is the same type as the engine's goal index and adds no code.)
        let mut by_slot: crate::map::StrMap<Vec<usize>> = crate::map::StrMap::new();
        for (i, rule) in bundle.rules.iter().enumerate() {
            by_slot.get_or_insert_with(&rule.slot, Vec::new).push(i);
        }
        let slots: Vec<SlotChoices> = bundle
            .slots
            .iter()
            .map(|slot| {
                let default = slot.default_variant();
                let at = |s: &str| s.as_ptr() as usize;
                let mut choices = vec![Choice {
                    variant: default.to_owned(),
                    rule: None,
                    control: false,
                    variant_at: at(default),
                    rule_at: 0,
                }];
                let rules = by_slot.get(slot.id()).into_iter().flatten();
                for rule in rules.filter_map(|&i| bundle.rules.get(i)) {
                    choices.push(Choice {
                        variant: default.to_owned(),
                        rule: Some(rule.id.clone()),
                        control: true,
                        variant_at: at(default),
                        rule_at: at(&rule.id),
                    });
                    for variant in &rule.variants {
                        choices.push(Choice {
                            variant: variant.id.clone(),
                            rule: Some(rule.id.clone()),
                            control: false,
                            variant_at: at(&variant.id),
                            rule_at: at(&rule.id),
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
            values,
            kinds,
            output: vec![0; slots.len()],
            slots,
            input: Vec::new(),
        }
    }
}

fn malformed() -> JsValue {
    coded(
        "invalid_argument",
        "setAttributesEncoded: the text is not in the encoded attribute form (use setAttributes)",
    )
}

/// What [`PathwiseEngine::read_attributes`] reads values with: the text form of
/// `setAttributesEncoded` ([`Encoded`]) or the bytes of `setVisitor` ([`Binary`]).
trait Reader<'a> {
    /// The one-byte tag of the next value.
    fn tag(&mut self) -> Result<u8, JsValue>;
    /// A string value.
    fn text(&mut self) -> Result<&'a str, JsValue>;
    /// A list's element count.
    fn count(&mut self) -> Result<usize, JsValue>;
    /// A number value.
    fn number(&mut self) -> Result<f64, JsValue>;
    /// Whether everything was read.
    fn is_done(&self) -> bool;
    /// The error for input not in this reader's form.
    fn malformed(&self) -> JsValue;
}

impl<'a> Reader<'a> for Encoded<'a> {
    fn tag(&mut self) -> Result<u8, JsValue> {
        Encoded::tag(self)
    }
    fn text(&mut self) -> Result<&'a str, JsValue> {
        Encoded::text(self)
    }
    fn count(&mut self) -> Result<usize, JsValue> {
        self.length(b':')
    }
    fn number(&mut self) -> Result<f64, JsValue> {
        Encoded::number(self)
    }
    fn is_done(&self) -> bool {
        self.rest.is_empty()
    }
    fn malformed(&self) -> JsValue {
        malformed()
    }
}

/// A reader over the bytes of [`PathwiseEngine::set_visitor`].
struct Binary<'a> {
    rest: &'a [u8],
}

impl<'a> Binary<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], JsValue> {
        let (head, rest) = self
            .rest
            .split_at_checked(n)
            .ok_or_else(malformed_visitor)?;
        self.rest = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<usize, JsValue> {
        let bytes = <[u8; 4]>::try_from(self.take(4)?).map_err(|_| malformed_visitor())?;
        Ok(u32::from_le_bytes(bytes) as usize)
    }
}

impl<'a> Reader<'a> for Binary<'a> {
    fn tag(&mut self) -> Result<u8, JsValue> {
        let (&b, rest) = self.rest.split_first().ok_or_else(malformed_visitor)?;
        self.rest = rest;
        Ok(b)
    }
    /// `u32` byte length, then UTF-8 (checked: the bytes come from outside the module).
    fn text(&mut self) -> Result<&'a str, JsValue> {
        let len = self.u32()?;
        core::str::from_utf8(self.take(len)?).map_err(|_| malformed_visitor())
    }
    fn count(&mut self) -> Result<usize, JsValue> {
        self.u32()
    }
    fn number(&mut self) -> Result<f64, JsValue> {
        let bytes = <[u8; 8]>::try_from(self.take(8)?).map_err(|_| malformed_visitor())?;
        Ok(f64::from_le_bytes(bytes))
    }
    fn is_done(&self) -> bool {
        self.rest.is_empty()
    }
    fn malformed(&self) -> JsValue {
        malformed_visitor()
    }
}

fn malformed_visitor() -> JsValue {
    coded(
        "invalid_argument",
        "setVisitor: the bytes are not in the visitor form (use setUnit and setAttributes)",
    )
}

/// A reader over the encoded attribute form (see [`PathwiseEngine::set_attributes_encoded`]).
struct Encoded<'a> {
    rest: &'a str,
}

impl<'a> Encoded<'a> {
    /// The one-byte tag of the next value. Tags are ASCII; any other first byte is malformed.
    fn tag(&mut self) -> Result<u8, JsValue> {
        let b = *self.rest.as_bytes().first().ok_or_else(malformed)?;
        if !b.is_ascii() {
            return Err(malformed());
        }
        self.rest = self.rest.get(1..).ok_or_else(malformed)?;
        Ok(b)
    }

    /// The text up to the byte `end`, and `end` itself, consumed. A byte search: `end` is ASCII,
    /// and `str::split_once` with a `char` goes through the general pattern searcher.
    fn until(&mut self, end: u8) -> Result<&'a str, JsValue> {
        let at = self
            .rest
            .bytes()
            .position(|b| b == end)
            .ok_or_else(malformed)?;
        // `at` is the position of an ASCII byte, so both splits are on character boundaries.
        let head = self.rest.get(..at).ok_or_else(malformed)?;
        self.rest = self.rest.get(at + 1..).ok_or_else(malformed)?;
        Ok(head)
    }

    /// Digits up to `end` (consumed) as a count: what `usize::from_str` accepts (an optional
    /// `+`, then at least one ASCII digit, no overflow), read in place byte by byte.
    fn length(&mut self, end: u8) -> Result<usize, JsValue> {
        let bytes = self.rest.as_bytes();
        let first = usize::from(bytes.first() == Some(&b'+'));
        let mut at = first;
        let mut n: usize = 0;
        loop {
            match bytes.get(at) {
                Some(&b) if b == end && at > first => break,
                Some(&d) if d.is_ascii_digit() => {
                    n = n
                        .checked_mul(10)
                        .and_then(|n| n.checked_add(usize::from(d - b'0')))
                        .ok_or_else(malformed)?;
                    at += 1;
                }
                _ => return Err(malformed()),
            }
        }
        self.rest = self.rest.get(at + 1..).ok_or_else(malformed)?;
        Ok(n)
    }

    /// `<len>:<text>`, `len` in UTF-16 code units.
    fn text(&mut self) -> Result<&'a str, JsValue> {
        let units = self.length(b':')?;
        // ASCII (ids, URLs, most attribute values): one UTF-16 unit per byte.
        if let Some(head) = self.rest.as_bytes().get(..units) {
            if head.is_ascii() {
                let (text, rest) = self.rest.split_at_checked(units).ok_or_else(malformed)?;
                self.rest = rest;
                return Ok(text);
            }
        }
        let mut seen = 0;
        let mut end = 0;
        for c in self.rest.chars() {
            if seen >= units {
                break;
            }
            seen += c.len_utf16();
            end += c.len_utf8();
        }
        if seen != units {
            return Err(malformed());
        }
        let (text, rest) = self.rest.split_at_checked(end).ok_or_else(malformed)?;
        self.rest = rest;
        Ok(text)
    }

    /// `<number>;` as JavaScript's `String(n)` wrote it (`Infinity` and `NaN` included, which
    /// the store then refuses as not finite). Read with the SDK's own exact reader
    /// ([`crate::json::number::parse`]), which takes every form `String(n)` writes.
    fn number(&mut self) -> Result<f64, JsValue> {
        let digits = self.until(b';')?;
        match digits {
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            "NaN" => Ok(f64::NAN),
            _ => crate::json::number::parse(digits).ok_or_else(malformed),
        }
    }
}
