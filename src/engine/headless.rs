//! Deciding without a page, for server-side rendering, edge workers, Node and benchmarks: the
//! core of `PathwiseEngine` (`pathwise/engine`).
//!
//! A server has the signed program, the visitor's attributes and an id to bucket on, and wants
//! the variant of every slot, for many visitors in a row. So the boundary is kept cheap:
//!
//! - one call per visitor sets the unit and the attributes ([`Headless::set_visitor`]), from
//!   bytes the JavaScript wrapper writes straight into the module's memory (declared attributes
//!   only, by position), reusing the previous visitor's buffers;
//! - one call decides **every** slot ([`Headless::decide_all`]) into a list of choice indexes,
//!   and [`Headless::tables_json`], fetched once, says what each index means.
//!
//! Nothing is stored (no render history: frequency caps and `trigger.after` see an empty
//! history) and nothing is reported; decisions are `peek`s.

use crate::prelude::*;

use super::{Attributes, Context, Decision, RenderHistory};
use crate::codec::Reader;
use crate::program::Program;
use crate::signals::{check_value, PageContext, SignalError, Signals};
use crate::time::Clock;
use crate::value::{Value, ValueKind};

/// Why a visitor was refused. The attributes are then all missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitorError {
    /// A value the store would refuse (another kind than declared, too long, not finite).
    Signal(SignalError),
    /// Bytes not in the visitor form.
    Malformed,
}

/// The engine without a page. See the [module documentation](self).
#[derive(Debug)]
pub struct Headless {
    program: Program,
    signals: Signals,
    history: RenderHistory,
    page: PageContext,
    clock: Clock,
    unit: String,
    /// The visitor's value of each declared signal, by index (`None`: missing, and always for
    /// events).
    values: Vec<Option<Value>>,
    /// Per rule, the index of its first choice (its control) in its slot's choices.
    base: Vec<u32>,
    /// The declared attributes, in the order [`Headless::set_visitor`] reads them: signal index
    /// and kind (found once here, not per visitor).
    declared: Vec<(usize, ValueKind)>,
}

impl Headless {
    /// An engine deciding from `program` at `clock` (until [`Headless::set_now`]).
    pub fn new(program: Program, clock: Clock) -> Headless {
        let mut base = vec![0u32; program.rules.len()];
        for slot in &program.slots {
            let mut next = 1u32;
            for r in slot.rules.range() {
                if let (Some(b), Some(rule)) = (base.get_mut(r), program.rules.get(r)) {
                    *b = next;
                    next += 1 + rule.variants.len() as u32;
                }
            }
        }
        let declared = attributes(&program).map(|(i, _, k)| (i, k)).collect();
        Headless {
            declared,
            values: vec![None; program.signals.len()],
            program,
            signals: Signals::new(),
            history: RenderHistory::new(),
            page: PageContext::default(),
            clock,
            unit: String::new(),
            base,
        }
    }

    /// The program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Sets the bucketing unit: the visitor's stable id.
    pub fn set_unit(&mut self, unit: &str) {
        self.unit.clear();
        self.unit.push_str(unit);
    }

    /// Sets the clock (Unix seconds and UTC offset) schedules see.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// Sets the page path `trigger.pages` and `page_path` see.
    pub fn set_page(&mut self, path: &str) {
        self.page.path.clear();
        self.page.path.push_str(path);
    }

    /// Sets a visitor: optionally `u` + `u32` length + the unit, then for each declared
    /// attribute (the order of [`Headless::tables_json`]'s `attributes`) `-` (missing), `s` +
    /// `u32` length + the text, `n` + the `f64`, `t`, `f`, `l` + `u32` count + per element `u32`
    /// length + the text, or `x` (a value of another type). Integers are little-endian, lengths
    /// in UTF-8 bytes; numbers travel as their bits, so nothing is formatted or parsed.
    ///
    /// The unit is set first; the attributes are checked as the store checks a write (the
    /// declared kind, then the limits). On error every attribute is missing.
    pub fn set_visitor(&mut self, bytes: &[u8]) -> Result<(), VisitorError> {
        let result = self.read_visitor(bytes);
        if result.is_err() {
            self.values.iter_mut().for_each(|v| *v = None);
        }
        result
    }

    fn read_visitor(&mut self, bytes: &[u8]) -> Result<(), VisitorError> {
        let mut r = Fixed(Reader::new(bytes));
        if bytes.first() == Some(&b'u') {
            r.tag()?;
            let unit = r.text()?;
            self.unit.clear();
            self.unit.push_str(unit);
        }
        // By index, not `for &(i, kind) in &self.declared`: the same at run time, and the
        // iterator form measured 24 B more gzip in pathwise/engine, which sits at its 30 KB budget.
        for a in 0..self.declared.len() {
            let Some(&(i, kind)) = self.declared.get(a) else {
                break;
            };
            let Some(slot) = self.values.get_mut(i) else {
                continue;
            };
            match r.tag()? {
                b'-' => *slot = None,
                b's' => {
                    let text = r.text()?;
                    match slot {
                        Some(Value::String(s)) => {
                            s.clear();
                            s.push_str(text);
                        }
                        _ => *slot = Some(Value::String(text.to_owned())),
                    }
                }
                b'n' => *slot = Some(Value::Number(r.f64()?)),
                b't' => *slot = Some(Value::Bool(true)),
                b'f' => *slot = Some(Value::Bool(false)),
                b'l' => {
                    let count = r.u32()? as usize;
                    if !matches!(slot, Some(Value::List(_))) {
                        *slot = Some(Value::List(Vec::new()));
                    }
                    if let Some(Value::List(list)) = slot {
                        for n in 0..count {
                            let text = r.text()?;
                            match list.get_mut(n) {
                                Some(s) => {
                                    s.clear();
                                    s.push_str(text);
                                }
                                None => list.push(text.to_owned()),
                            }
                        }
                        list.truncate(count);
                    }
                }
                b'x' => {
                    let name = self.program.signal_name(i as u32).to_owned();
                    return Err(VisitorError::Signal(SignalError::WrongKind {
                        name,
                        declared: kind,
                        given: ValueKind::String,
                    }));
                }
                _ => return Err(VisitorError::Malformed),
            }
            if let Some(value) = self.values.get(i).and_then(Option::as_ref) {
                let name = self.program.signal_name(i as u32);
                if value.kind() != kind {
                    return Err(VisitorError::Signal(SignalError::WrongKind {
                        name: name.to_owned(),
                        declared: kind,
                        given: value.kind(),
                    }));
                }
                check_value(name, value).map_err(VisitorError::Signal)?;
            }
        }
        r.0.end().map_err(|_| VisitorError::Malformed)
    }

    /// Decides every slot (program order) into `out`: entry `i` is the index, in slot `i`'s
    /// choices, of its outcome.
    pub fn decide_all(&self, out: &mut Vec<u32>) {
        out.clear();
        let ctx = Context {
            signals: &self.signals,
            page: &self.page,
            clock: &self.clock,
            unit: &self.unit,
            attributes: Attributes::Listed(&self.values),
        };
        for i in 0..self.program.slots.len() {
            let decision = self.program.peek(i, &ctx, &self.history);
            out.push(self.choice(&decision));
        }
    }

    /// The choice index of `decision` in its slot.
    fn choice(&self, d: &Decision) -> u32 {
        let Some(r) = d.rule else { return 0 };
        let base = self.base.get(r as usize).copied().unwrap_or(0);
        match (d.variant, self.program.rules.get(r as usize)) {
            (Some(v), Some(rule)) => base + 1 + v.saturating_sub(rule.variants.start),
            _ => base,
        }
    }

    /// `{"slots":[[id, default variant, [[rule, [variant, …]], …]], …],
    /// "attributes":[[name, kind], …]}`: what the indexes of [`Headless::decide_all`] mean, and
    /// the attributes [`Headless::set_visitor`] reads, in order. Each slot's choices are its
    /// outcomes in index order: 0 is "no rule applied" (the default); then, per rule in the order
    /// tried, its control (the default content, `control: true`; also what the global holdout
    /// shows) and its variants. Each id is written once — the JavaScript side expands the choices
    /// (js/engine.js), sharing the strings: the expanded form repeated every rule id once per
    /// variant, a 1000-rule catalogue's tables were 235 KB of JSON.
    pub fn tables_json(&self) -> String {
        let p = &self.program;
        let mut w = crate::json::Writer::new();
        w.open_object();
        w.key("slots");
        w.open_array();
        for slot in &p.slots {
            w.open_array();
            w.string(p.str(slot.id));
            w.string(p.str(slot.default));
            w.open_array();
            for rule in p.rules.get(slot.rules.range()).unwrap_or_default() {
                w.open_array();
                w.string(p.str(rule.id));
                w.open_array();
                for v in p.variants.get(rule.variants.range()).unwrap_or_default() {
                    w.string(p.str(v.id));
                }
                w.close_array();
                w.close_array();
            }
            w.close_array();
            w.close_array();
        }
        w.close_array();
        w.key("attributes");
        w.open_array();
        for (_, name, kind) in attributes(&self.program) {
            w.open_array();
            w.string(name);
            w.string(kind.name());
            w.close_array();
        }
        w.close_array();
        w.close_object();
        w.finish()
    }
}

/// The visitor form's fixed-width fields.
struct Fixed<'a>(Reader<'a>);

impl<'a> Fixed<'a> {
    /// The reader's first problem as this form's error: checked after every field, so a bad
    /// count stops its loop at once.
    fn ok<T>(&self, value: T) -> Result<T, VisitorError> {
        match self.0.error() {
            Some(_) => Err(VisitorError::Malformed),
            None => Ok(value),
        }
    }

    fn tag(&mut self) -> Result<u8, VisitorError> {
        let tag = self.0.u8();
        self.ok(tag)
    }

    fn f64(&mut self) -> Result<f64, VisitorError> {
        let n = self.0.f64();
        self.ok(n)
    }

    fn u32(&mut self) -> Result<u32, VisitorError> {
        let b = self.0.bytes(4);
        self.ok(())?;
        <[u8; 4]>::try_from(b)
            .map(u32::from_le_bytes)
            .map_err(|_| VisitorError::Malformed)
    }

    fn text(&mut self) -> Result<&'a str, VisitorError> {
        let len = self.u32()? as usize;
        let bytes = self.0.bytes(len);
        self.ok(())?;
        core::str::from_utf8(bytes).map_err(|_| VisitorError::Malformed)
    }
}

/// The declared attribute signals of `program`, in the order [`Headless::set_visitor`] reads
/// them, with their names and kinds.
fn attributes(program: &Program) -> impl Iterator<Item = (usize, &str, ValueKind)> {
    program
        .signals
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, program.str(s.name), s.kind.value_kind()?)))
}
