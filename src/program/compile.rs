//! The compiler: a valid bundle into program bytes (native only; `pathwise sign` runs it).

use std::collections::{BTreeSet, HashMap};

use super::read::{AFTER, AUDIENCE, CAP, END, GOALS, INLINE, LAYER, PAGES, PRIORITY, SALT, START};
use super::{BUILTIN_NAMES, FORMAT, MAGIC, OPS};
use crate::bucketing::{Allocation, Arm};
use crate::bundle::limits::Caps;
use crate::bundle::percent::basis_points;
use crate::bundle::validate::{validate_within, ValidationError, ValidationErrors};
use crate::bundle::{AudienceRef, Bundle, Rule, SignalKind, Slot};
use crate::codec::Writer;
use crate::condition::{Condition, Op};
use crate::signals::builtin::{PAGE_VIEW, VISIT};
use crate::value::Value;

/// Validates `bundle` (with the page's default caps) and compiles it into program bytes.
///
/// # Errors
///
/// Every validation problem, as `pathwise lint` reports them.
pub fn compile(bundle: &Bundle) -> Result<Vec<u8>, ValidationErrors> {
    compile_within(bundle, &Caps::default())
}

/// [`compile`] with raised rule and slot caps, for a deliberately large catalogue (a server's,
/// or the benchmark's 1000 features).
pub fn compile_within(bundle: &Bundle, caps: &Caps) -> Result<Vec<u8>, ValidationErrors> {
    validate_within(bundle, caps)?;
    Compiler::new(bundle).run().map_err(|message| {
        ValidationErrors(vec![ValidationError {
            path: String::new(),
            message,
        }])
    })
}

struct Compiler<'b> {
    bundle: &'b Bundle,
    /// Every string, sorted, and its index.
    strings: HashMap<&'b str, u32>,
    order: Vec<&'b str>,
    signals: HashMap<&'b str, (u32, SignalKind)>,
    /// Encoded node → index, and the encoded nodes in order.
    node_index: HashMap<Vec<u8>, u32>,
    nodes: Vec<Vec<u8>>,
    audiences: HashMap<&'b str, u32>,
}

impl<'b> Compiler<'b> {
    fn new(bundle: &'b Bundle) -> Compiler<'b> {
        let mut set: BTreeSet<&'b str> = BTreeSet::new();
        collect_strings(bundle, &mut set);
        let order: Vec<&str> = set.into_iter().collect();
        let strings = order
            .iter()
            .enumerate()
            .map(|(i, s)| (*s, i as u32))
            .collect();
        let signals = bundle
            .signals
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), (i as u32, s.kind)))
            .collect();
        Compiler {
            bundle,
            strings,
            order,
            signals,
            node_index: HashMap::new(),
            nodes: Vec::new(),
            audiences: HashMap::new(),
        }
    }

    fn s(&self, text: &str) -> Result<u64, String> {
        self.strings
            .get(text)
            .map(|&i| u64::from(i))
            .ok_or_else(|| format!("internal: string {text:?} is not in the table"))
    }

    fn run(mut self) -> Result<Vec<u8>, String> {
        let b = self.bundle;
        let mut w = Writer::new();
        w.raw(MAGIC);
        w.u8(FORMAT);
        w.uint(b.version);
        w.int(b.expires_at.0);
        w.blob(b.site.as_bytes());
        self.write_strings(&mut w);

        w.uint(b.signals.len() as u64);
        for s in &b.signals {
            w.uint(self.s(&s.name)?);
            w.u8(kind_code(s.kind));
            w.uint(u64::from(s.ttl_days));
            if s.kind == SignalKind::Event {
                let window = s.window_days.unwrap_or(crate::signals::DEFAULT_WINDOW_DAYS);
                w.uint(u64::from(window));
            }
        }

        // Nodes first (rules refer to them), then the audiences.
        let mut audience_nodes = Vec::new();
        for a in &b.audiences {
            audience_nodes.push(self.node(&a.condition)?);
        }
        let mut inline: HashMap<usize, u32> = HashMap::new();
        for (i, rule) in b.rules.iter().enumerate() {
            if let Some(AudienceRef::Inline(c)) = &rule.audience {
                inline.insert(i, self.node(c)?);
            }
        }
        w.uint(self.nodes.len() as u64);
        for node in &self.nodes {
            w.raw(node);
        }
        w.uint(b.audiences.len() as u64);
        for (i, a) in b.audiences.iter().enumerate() {
            w.uint(self.s(&a.id)?);
            w.uint(u64::from(audience_nodes[i]));
            self.audiences.insert(&a.id, i as u32);
        }

        // Layers: each rule's place among the rules of its layer, in bundle order.
        let mut layers: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, rule) in b.rules.iter().enumerate() {
            if let Some(layer) = &rule.layer {
                layers.entry(layer).or_default().push(i);
            }
        }

        w.uint(b.slots.len() as u64);
        for slot in &b.slots {
            w.uint(self.s(slot.id())?);
            let path = matches!(slot, Slot::Path { .. });
            w.u8(u8::from(path));
            w.uint(self.s(slot.default_variant())?);
            if let Slot::Path { steps, .. } = slot {
                self.strings_list(&mut w, steps)?;
            }
            let mut rules: Vec<usize> = (0..b.rules.len())
                .filter(|&i| b.rules[i].slot == slot.id())
                .collect();
            // Highest priority first; equal priorities keep bundle order (the sort is stable).
            rules.sort_by_key(|&i| -i64::from(b.rules[i].priority));
            w.uint(rules.len() as u64);
            for i in rules {
                self.rule(&mut w, i, &b.rules[i], path, &inline, &layers)?;
            }
        }
        let holdout = basis_points(b.holdout).ok_or("holdout is not a percentage")?;
        w.uint(u64::from(holdout));
        Ok(w.finish())
    }

    fn write_strings(&self, w: &mut Writer) {
        w.uint(self.order.len() as u64);
        let mut prev: &[u8] = &[];
        for s in &self.order {
            let bytes = s.as_bytes();
            let shared = prev.iter().zip(bytes).take_while(|(a, b)| a == b).count();
            // Keep whole characters in the tail, so each string decodes on its own boundary.
            let shared = (0..=shared)
                .rev()
                .find(|&n| s.is_char_boundary(n))
                .unwrap_or(0);
            w.uint(shared as u64);
            w.blob(&bytes[shared..]);
            prev = bytes;
        }
    }

    fn strings_list(&self, w: &mut Writer, items: &[String]) -> Result<(), String> {
        w.uint(items.len() as u64);
        for item in items {
            w.uint(self.s(item)?);
        }
        Ok(())
    }

    fn event_code(&self, name: &str) -> Result<u64, String> {
        match name {
            VISIT => Ok(0),
            PAGE_VIEW => Ok(1),
            _ => match self.signals.get(name) {
                Some(&(i, SignalKind::Event)) => Ok(u64::from(i) + 2),
                _ => Err(format!("internal: {name:?} is not a declared event")),
            },
        }
    }

    /// The node for `condition` (its children first), shared with every equal condition.
    fn node(&mut self, condition: &Condition) -> Result<u32, String> {
        let mut w = Writer::new();
        match condition {
            Condition::All(children) | Condition::Any(children) => {
                let mut indexes = Vec::with_capacity(children.len());
                for c in children {
                    indexes.push(self.node(c)?);
                }
                w.u8(u8::from(matches!(condition, Condition::Any(_))));
                w.uint(indexes.len() as u64);
                for i in indexes {
                    w.uint(u64::from(i));
                }
            }
            Condition::Not(child) => {
                let i = self.node(child)?;
                w.u8(2);
                w.uint(u64::from(i));
            }
            Condition::Signal(cmp) => {
                let source = match BUILTIN_NAMES.iter().position(|&n| n == cmp.name) {
                    Some(code) => code as u64,
                    None => match self.signals.get(cmp.name.as_str()) {
                        Some(&(i, kind)) if kind != SignalKind::Event => u64::from(i) + 12,
                        _ => return Err(format!("internal: {:?} is not an attribute", cmp.name)),
                    },
                };
                // The tag holds the operand's kind and the operator.
                let tag = |kind: u8| 0x80 | kind << 4 | op_code(cmp.op);
                match &cmp.value {
                    Value::String(s) => {
                        w.u8(tag(0));
                        w.uint(source);
                        w.uint(self.s(s)?);
                    }
                    Value::Number(n) => {
                        let (kind, exact) = number_kind(*n);
                        w.u8(tag(kind));
                        w.uint(source);
                        number_value(&mut w, exact, *n);
                    }
                    Value::Bool(b) => {
                        w.u8(tag(if *b { 4 } else { 3 }));
                        w.uint(source);
                    }
                    Value::List(items) => {
                        w.u8(tag(5));
                        w.uint(source);
                        self.strings_list(&mut w, items)?;
                    }
                }
            }
            Condition::EventCount(e) => {
                w.u8(3);
                w.uint(self.event_code(&e.event)?);
                w.uint(u64::from(e.days));
                number(&mut w, op_code(e.op), e.value);
            }
            Condition::DaysSinceEvent(d) => {
                w.u8(4);
                w.uint(self.event_code(&d.event)?);
                number(&mut w, op_code(d.op), d.value);
            }
            Condition::DaysSinceFirstSeen(t) => {
                w.u8(5);
                number(&mut w, op_code(t.op), t.value);
            }
        }
        let bytes = w.finish();
        if let Some(&i) = self.node_index.get(&bytes) {
            return Ok(i);
        }
        let i = self.nodes.len() as u32;
        self.node_index.insert(bytes.clone(), i);
        self.nodes.push(bytes);
        Ok(i)
    }

    fn rule(
        &self,
        w: &mut Writer,
        index: usize,
        rule: &Rule,
        path: bool,
        inline: &HashMap<usize, u32>,
        layers: &HashMap<&str, Vec<usize>>,
    ) -> Result<(), String> {
        let t = &rule.trigger;
        let mut flags = 0;
        match &rule.audience {
            Some(AudienceRef::Named(_)) => flags |= AUDIENCE,
            Some(AudienceRef::Inline(_)) => flags |= INLINE,
            None => {}
        }
        let bit = |on: bool, b: u32| if on { b } else { 0 };
        flags |= bit(!t.pages.is_empty(), PAGES)
            | bit(t.after.is_some(), AFTER)
            | bit(t.start.is_some(), START)
            | bit(t.end.is_some(), END)
            | bit(t.cap.is_some(), CAP)
            | bit(rule.layer.is_some(), LAYER)
            | bit(rule.salt.as_ref().is_some_and(|s| *s != rule.id), SALT)
            | bit(rule.priority != 0, PRIORITY)
            | bit(!rule.goals.is_empty(), GOALS);
        w.uint(self.s(&rule.id)?);
        w.uint(u64::from(flags));
        match &rule.audience {
            Some(AudienceRef::Named(name)) => {
                let i = self
                    .audiences
                    .get(name.as_str())
                    .ok_or_else(|| format!("internal: unknown audience {name:?}"))?;
                w.uint(u64::from(*i));
            }
            Some(AudienceRef::Inline(_)) => {
                let i = inline
                    .get(&index)
                    .ok_or("internal: inline audience not compiled")?;
                w.uint(u64::from(*i));
            }
            None => {}
        }
        if rule.priority != 0 {
            w.int(i64::from(rule.priority));
        }
        if !rule.goals.is_empty() {
            w.uint(rule.goals.len() as u64);
            for goal in &rule.goals {
                w.uint(self.event_code(goal)?);
            }
        }
        if !t.pages.is_empty() {
            self.strings_list(w, &t.pages)?;
        }
        if let Some(cap) = &t.cap {
            w.uint(u64::from(cap.max));
            w.uint(cap.per_days.map_or(0, |d| u64::from(d) + 1));
        }
        if let Some(layer) = &rule.layer {
            let members = layers.get(layer.as_str()).map_or(&[][..], Vec::as_slice);
            let member = members.iter().position(|&m| m == index).unwrap_or(0);
            w.uint(self.s(layer)?);
            w.uint(member as u64);
            w.uint(members.len() as u64);
        }
        if let Some(after) = &t.after {
            w.uint(self.event_code(&after.event)?);
            w.uint(after.within_days.map_or(0, |d| u64::from(d) + 1));
        }
        if let Some(start) = t.start {
            w.int(start.0);
        }
        if let Some(end) = t.end {
            w.int(end.0);
        }
        if let Some(salt) = rule.salt.as_ref().filter(|s| **s != rule.id) {
            w.uint(self.s(salt)?);
        }
        let rollout_bp = basis_points(rule.rollout).ok_or("rollout is not a percentage")?;
        let control_bp = basis_points(rule.control).ok_or("control is not a percentage")?;
        let weights: Vec<u32> = rule.variants.iter().map(|v| v.weight).collect();
        let allocation =
            Allocation::new(control_bp, &weights, rollout_bp).map_err(|e| e.to_string())?;
        w.uint(u64::from(rollout_bp));
        w.uint(u64::from(control_bp));
        w.uint(rule.variants.len() as u64);
        for (i, v) in rule.variants.iter().enumerate() {
            w.uint(self.s(&v.id)?);
            // The last width is what the others leave (see the layout).
            if i + 1 < rule.variants.len() {
                w.uint(u64::from(allocation.width(Arm::Variant(i)).unwrap_or(0)));
            }
            w.uint(v.text.len() as u64);
            for t in &v.text {
                w.uint(self.s(&t.selector)?);
                w.uint(self.s(&t.text)?);
            }
            if path {
                // A path variant without its own steps shows the slot's steps.
                let steps = match (&v.steps, self.slot_steps(&rule.slot)) {
                    (Some(steps), _) => steps.as_slice(),
                    (None, Some(slot_steps)) => slot_steps,
                    (None, None) => &[],
                };
                self.strings_list(w, steps)?;
            }
        }
        Ok(())
    }

    fn slot_steps(&self, slot: &str) -> Option<&'b [String]> {
        self.bundle.slots.iter().find_map(|s| match s {
            Slot::Path { id, steps } if id == slot => Some(steps.as_slice()),
            _ => None,
        })
    }
}

fn kind_code(kind: SignalKind) -> u8 {
    match kind {
        SignalKind::String => 0,
        SignalKind::Number => 1,
        SignalKind::Bool => 2,
        SignalKind::List => 3,
        SignalKind::Event => 4,
    }
}

fn op_code(op: Op) -> u8 {
    OPS.iter().position(|&o| o == op).unwrap_or(0) as u8
}

/// A number's kind (1: integer, 2: double) and whether it is an exact integer: most thresholds
/// are, and take a byte or two instead of eight.
fn number_kind(n: f64) -> (u8, bool) {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    let exact = n.fract() == 0.0 && n.abs() <= EXACT;
    (if exact { 1 } else { 2 }, exact)
}

fn number_value(w: &mut Writer, exact: bool, n: f64) {
    if exact {
        w.int(n as i64);
    } else {
        w.f64(n);
    }
}

/// `op` and a number, for the temporal nodes: the operator and the number's kind in one byte.
fn number(w: &mut Writer, op: u8, n: f64) {
    let (kind, exact) = number_kind(n);
    w.u8(op | kind << 4);
    number_value(w, exact, n);
}

/// Every string the program's table must hold.
fn collect_strings<'b>(b: &'b Bundle, set: &mut BTreeSet<&'b str>) {
    for s in &b.signals {
        set.insert(&s.name);
    }
    for a in &b.audiences {
        set.insert(&a.id);
        condition_strings(&a.condition, set);
    }
    for slot in &b.slots {
        set.insert(slot.id());
        set.insert(slot.default_variant());
        if let Slot::Path { steps, .. } = slot {
            set.extend(steps.iter().map(String::as_str));
        }
    }
    for rule in &b.rules {
        set.insert(&rule.id);
        if let Some(AudienceRef::Inline(c)) = &rule.audience {
            condition_strings(c, set);
        }
        set.extend(rule.trigger.pages.iter().map(String::as_str));
        if let Some(layer) = &rule.layer {
            set.insert(layer);
        }
        if let Some(salt) = &rule.salt {
            set.insert(salt);
        }
        for v in &rule.variants {
            set.insert(&v.id);
            for t in &v.text {
                set.insert(&t.selector);
                set.insert(&t.text);
            }
            if let Some(steps) = &v.steps {
                set.extend(steps.iter().map(String::as_str));
            }
        }
    }
}

fn condition_strings<'b>(c: &'b Condition, set: &mut BTreeSet<&'b str>) {
    match c {
        Condition::All(children) | Condition::Any(children) => {
            for child in children {
                condition_strings(child, set);
            }
        }
        Condition::Not(child) => condition_strings(child, set),
        Condition::Signal(cmp) => match &cmp.value {
            Value::String(s) => {
                set.insert(s);
            }
            Value::List(items) => set.extend(items.iter().map(String::as_str)),
            _ => {}
        },
        _ => {}
    }
}
