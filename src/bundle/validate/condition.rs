//! Checks of a condition tree (named audience or inline), with the JSON path through the tree.

use super::text::{either, list, quote, Path};
use super::Validator;
use crate::bundle::limits::{
    MAX_CONDITION_DEPTH, MAX_CONDITION_NODES, MAX_LIST_ITEMS, MAX_STRING_BYTES,
};
use crate::condition::{Condition, Op, SignalComparison};
use crate::json::number::Num;
use crate::prelude::*;
use crate::signals::builtin;
use crate::value::{Value, ValueKind};

/// Operators that compare numbers (temporal predicates and number signals).
const NUMBER_OPS: &[Op] = &[Op::Eq, Op::Ne, Op::Lt, Op::Lte, Op::Gt, Op::Gte];
const STRING_OPS: &[Op] = &[
    Op::Eq,
    Op::Ne,
    Op::In,
    Op::Contains,
    Op::StartsWith,
    Op::Matches,
];
const BOOL_OPS: &[Op] = &[Op::Eq, Op::Ne];
const LIST_OPS: &[Op] = &[
    Op::Eq,
    Op::Ne,
    Op::In,
    Op::Contains,
    Op::StartsWith,
    Op::Matches,
];

/// The operators that apply to a signal of `kind`.
fn ops_for(kind: ValueKind) -> &'static [Op] {
    match kind {
        ValueKind::String => STRING_OPS,
        ValueKind::Number => NUMBER_OPS,
        ValueKind::Bool => BOOL_OPS,
        ValueKind::List => LIST_OPS,
    }
}

/// The names of the built-in attributes, in order.
pub(super) fn builtin_attributes() -> Vec<&'static str> {
    let mut names = Vec::with_capacity(builtin::ATTRIBUTES.len());
    for (name, _) in builtin::ATTRIBUTES {
        names.push(*name);
    }
    names
}

fn op_names(ops: &[Op]) -> String {
    let mut names = Vec::with_capacity(ops.len());
    for op in ops {
        names.push(op.name());
    }
    either(&names)
}

/// The operand shape `op` needs on a signal of `kind`.
fn operand_kind(kind: ValueKind, op: Op) -> ValueKind {
    match op {
        Op::In => ValueKind::List,
        Op::Lt | Op::Lte | Op::Gt | Op::Gte => ValueKind::Number,
        Op::Contains | Op::StartsWith | Op::Matches => ValueKind::String,
        Op::Eq | Op::Ne => kind,
    }
}

fn example(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::String => "a string, e.g. \"admin\"",
        ValueKind::Number => "a number, e.g. 3",
        ValueKind::Bool => "true or false",
        ValueKind::List => "a list of strings, e.g. [\"admin\", \"operator\"]",
    }
}

/// Nodes in a condition tree, counted without recursion (a tree built in Rust may be deeper than
/// any parsed one).
fn count_nodes(root: &Condition) -> usize {
    let mut count = 0usize;
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        count = count.saturating_add(1);
        match node {
            Condition::All(children) | Condition::Any(children) => stack.extend(children),
            Condition::Not(child) => stack.push(child),
            _ => {}
        }
    }
    count
}

impl Validator<'_> {
    /// Checks the condition at `path` (e.g. `audiences[0].condition`, `rules[2].audience`).
    pub(super) fn condition(&mut self, path: &str, condition: &Condition) {
        let nodes = count_nodes(condition);
        if nodes > MAX_CONDITION_NODES {
            self.error(
                path,
                "",
                format!(
                    "condition has {nodes} nodes; the limit is {MAX_CONDITION_NODES}; simplify \
                     it, e.g. replace many eq comparisons with one in"
                ),
            );
        }
        self.node(&Path::Text(path), condition, 0);
    }

    /// [`Validator::error`] at `path` + `field`, the path written out only now.
    fn error_at(&mut self, path: &Path<'_>, field: &str, message: impl Into<String>) {
        self.error(&path.text(), field, message);
    }

    /// `nesting` is the number of `all` / `any` / `not` above this node.
    fn node(&mut self, path: &Path<'_>, condition: &Condition, nesting: usize) {
        match condition {
            Condition::All(children) | Condition::Any(children) => {
                if !self.nest(path, nesting) {
                    return;
                }
                let key = if matches!(condition, Condition::All(_)) {
                    ".all"
                } else {
                    ".any"
                };
                for (k, child) in children.iter().enumerate() {
                    self.node(&Path::Item(path, key, k), child, nesting + 1);
                }
            }
            Condition::Not(child) => {
                if self.nest(path, nesting) {
                    self.node(&Path::Field(path, ".not"), child, nesting + 1);
                }
            }
            Condition::Signal(cmp) => self.comparison(&Path::Field(path, ".signal"), cmp),
            Condition::EventCount(e) => {
                let p = Path::Field(path, ".event_count");
                let window = match self.event(&e.event, "event_count.event") {
                    Ok(window) => window,
                    Err(message) => {
                        self.error_at(&p, ".event", message);
                        None
                    }
                };
                if e.days == 0 {
                    self.error_at(&p, ".days", "days is 0; give 1 or more (1 = today only)");
                } else if let Some(w) = window.filter(|w| e.days > *w) {
                    let (source, raise) = if builtin::is_event(&e.event) {
                        ("the window of built-in events", "")
                    } else {
                        (
                            "its window_days",
                            ", or raise its window_days (at most 365)",
                        )
                    };
                    self.error_at(
                        &p,
                        ".days",
                        format!(
                            "days is {}, but event {} keeps only {w} days of counts ({source}); \
                             give 1 to {w}{raise}",
                            e.days,
                            quote(&e.event)
                        ),
                    );
                }
                self.number_test(&p, "event_count", e.op, e.value, true);
            }
            Condition::DaysSinceEvent(d) => {
                let p = Path::Field(path, ".days_since_event");
                if let Err(message) = self.event(&d.event, "days_since_event.event") {
                    self.error_at(&p, ".event", message);
                }
                self.number_test(&p, "days_since_event", d.op, d.value, true);
            }
            Condition::DaysSinceFirstSeen(t) => {
                let p = Path::Field(path, ".days_since_first_seen");
                self.number_test(&p, "days_since_first_seen", t.op, t.value, false);
            }
        }
    }

    /// Reports a combinator nested past the limit; returns whether to descend into it.
    fn nest(&mut self, path: &Path<'_>, nesting: usize) -> bool {
        if nesting < MAX_CONDITION_DEPTH {
            return true;
        }
        self.error_at(
            path,
            "",
            format!(
                "condition nests all/any/not more than {MAX_CONDITION_DEPTH} levels deep here; \
                 flatten it (an all inside an all can be merged into one)"
            ),
        );
        false
    }

    /// The operator and number of a temporal predicate.
    fn number_test(&mut self, p: &Path<'_>, what: &str, op: Op, value: f64, non_negative: bool) {
        if !NUMBER_OPS.contains(&op) {
            self.error_at(
                p,
                ".op",
                format!(
                    "operator \"{}\" does not apply to {what}, which compares a number; use {}",
                    op.name(),
                    op_names(NUMBER_OPS)
                ),
            );
        }
        if !value.is_finite() {
            self.error_at(
                p,
                ".value",
                format!(
                    "value {} is not a finite number; give a number of days or events",
                    Num(value)
                ),
            );
        } else if non_negative && value < 0.0 {
            self.error_at(
                p,
                ".value",
                format!(
                    "value {} is negative; {what} is never below 0, so give 0 or more",
                    Num(value)
                ),
            );
        }
    }

    fn comparison(&mut self, p: &Path<'_>, cmp: &SignalComparison) {
        self.operand_limits(&Path::Field(p, ".value"), &cmp.value);
        let kind = match self.attribute(&cmp.name) {
            Ok(kind) => kind,
            Err(message) => {
                self.error_at(p, ".name", message);
                return;
            }
        };
        let ops = ops_for(kind);
        if !ops.contains(&cmp.op) {
            self.error_at(
                p,
                ".op",
                format!(
                    "operator \"{}\" does not apply to {kind} signal {}; {kind} signals take {}",
                    cmp.op.name(),
                    quote(&cmp.name),
                    op_names(ops)
                ),
            );
            return;
        }
        let want = operand_kind(kind, cmp.op);
        let got = cmp.value.kind();
        if got != want {
            self.error_at(
                p,
                ".value",
                format!(
                    "\"{}\" on {kind} signal {} takes {}; got a {got}",
                    cmp.op.name(),
                    quote(&cmp.name),
                    example(want)
                ),
            );
        }
    }

    /// Caps and finiteness of an operand, whatever its shape should be.
    fn operand_limits(&mut self, p: &Path<'_>, value: &Value) {
        match value {
            Value::Bool(_) => {}
            Value::Number(n) => {
                if !n.is_finite() {
                    self.error_at(
                        p,
                        "",
                        format!(
                            "value {} is not a finite number; give a finite number",
                            Num(*n)
                        ),
                    );
                }
            }
            Value::String(s) => {
                if s.len() > MAX_STRING_BYTES {
                    self.length(&p.text(), "", "value", s);
                }
            }
            Value::List(items) => {
                if items.len() > MAX_LIST_ITEMS {
                    self.count(&p.text(), "", "list items", items.len(), MAX_LIST_ITEMS);
                }
                for (k, item) in items.iter().enumerate() {
                    if item.len() > MAX_STRING_BYTES {
                        self.length(&Path::Item(p, "", k).text(), "", "list item", item);
                    }
                }
            }
        }
    }

    /// The shape of the attribute `name`, or a message saying why it cannot be compared.
    fn attribute(&mut self, name: &str) -> Result<ValueKind, String> {
        if let Some(kind) = builtin::attribute_kind(name) {
            return Ok(kind);
        }
        let event_hint = "; count it with event_count or compare days_since_event instead";
        if builtin::is_event(name) {
            return Err(format!(
                "{} is a built-in event, not an attribute{event_hint}",
                quote(name)
            ));
        }
        if let Some(decl) = self.signal(name) {
            return match decl.kind.value_kind() {
                Some(kind) => Ok(kind),
                None => Err(format!(
                    "{} is an event signal, not an attribute{event_hint}",
                    quote(name)
                )),
            };
        }
        let declared = self.declared_attributes();
        let builtins = builtin_attributes();
        let mut candidates = declared.clone();
        candidates.extend_from_slice(&builtins);
        let hint = self.did_you_mean(name, &candidates);
        Err(format!(
            "unknown signal {}{hint}; a condition may only read declared attribute signals or \
             built-ins; declared attributes: {}; built-in attributes: {} (declare it in signals \
             to use it)",
            quote(name),
            list(&declared),
            builtins.join(", ")
        ))
    }
}
