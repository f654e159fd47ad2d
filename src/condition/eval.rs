//! Total evaluation of a condition against local signals.
//!
//! Every node has an answer for every input: a missing signal, a value of the wrong shape, or an
//! operator that does not apply to it is a non-match (`false`), never an error — including for
//! `ne` (a missing signal is not "not equal to X", it is unknown, and unknown never matches).
//! Wrap a comparison in `not` to match when a signal is missing.

use crate::prelude::*;
use alloc::borrow::Cow;
use core::cell::Cell;

use super::{Condition, Op, SignalComparison};
use crate::pattern::glob_match;
use crate::signals::EvalContext;
use crate::value::Value;

/// Deepest `all`/`any`/`not` nesting evaluation follows. Validation already limits bundles to
/// [`MAX_CONDITION_DEPTH`](crate::bundle::limits::MAX_CONDITION_DEPTH); this guard keeps
/// evaluation of an unvalidated condition from exhausting the stack. A condition whose evaluation
/// reaches a deeper node is `false` as a whole (not merely that node, which `not` would turn
/// into `true`).
pub const MAX_EVAL_DEPTH: usize = 64;

/// Evaluates `condition`. Never fails: a missing signal or a mismatched shape is `false`.
///
/// - `all` is true when every child is (and for an empty list), `any` when one is (false for an
///   empty list), `not` when its child is false. Children are evaluated in order and evaluation
///   stops at the first child that decides the answer.
/// - `signal` compares a signal found by [`EvalContext::lookup`] with the operand:
///   - `eq` / `ne`: same shape and equal / same shape and different. Numbers compare exactly;
///     lists compare as sets (order and repetitions do not matter, since a multi-choice answer
///     is a set). Different shapes are a non-match for both.
///   - `in`: the operand is a list of strings; a string signal matches if it is in the list, a
///     list signal if any element is. Any other signal or operand shape: false.
///   - `lt` / `lte` / `gt` / `gte`: both numbers.
///   - `contains`: a string signal contains the operand string as a substring, or a list signal
///     has it as an element.
///   - `starts_with`: both strings.
///   - `matches`: a string signal matches the operand string as a glob
///     ([`glob_match`]: `*` any run, `?` one character, `\` escapes).
/// - `event_count`, `days_since_event`, `days_since_first_seen` compare a number with `eq`, `ne`,
///   `lt`, `lte`, `gt` or `gte`; other operators are false. An event never recorded has a count
///   of `0`, but no "days since": `days_since_event` (and `days_since_first_seen` on a device
///   never seen) is then false.
/// - A NaN operand (impossible in JSON) matches nothing.
pub fn evaluate(condition: &Condition, ctx: &EvalContext<'_>) -> bool {
    evaluate_with(condition, Attributes::Store, ctx)
}

/// Where a condition reads the declared attributes.
#[derive(Debug, Clone, Copy)]
pub enum Attributes<'v> {
    /// From the store ([`EvalContext::lookup`]).
    Store,
    /// From these lists instead: `values[i]` is the value of attribute `names[i]` (`None`:
    /// missing). For a caller that keeps the visitor's attributes by position rather than in the
    /// store (the headless engine): a name is found with a scan that compares lengths first,
    /// instead of the comparisons with every built-in name and the search of the store. The
    /// names must be declared attributes, so none is a built-in; any other name (a built-in) is
    /// read by [`EvalContext::lookup`].
    Listed {
        /// Declared attribute names.
        names: &'v [String],
        /// Their values, in the same order.
        values: &'v [Option<Value>],
    },
}

/// [`evaluate`] reading the declared attributes from `attributes`. Gives exactly what `evaluate`
/// gives when the listed values are what the store holds under those names.
pub fn evaluate_with(
    condition: &Condition,
    attributes: Attributes<'_>,
    ctx: &EvalContext<'_>,
) -> bool {
    let hint = Cell::new(0);
    eval_at(condition, attributes, &hint, ctx, 0).unwrap_or(false)
}

/// The position of `name` in `names`. `hint` is where the previous lookup of this evaluation
/// found its name, tried first: siblings often test the same attribute (an `any` of a URL
/// against dozens of parts), and a hit then costs one comparison instead of a scan. Lengths
/// are compared before bytes, so a scan mostly skips names without a call.
fn position_of(names: &[String], name: &str, hint: &Cell<usize>) -> Option<usize> {
    let at = hint.get();
    if names
        .get(at)
        .is_some_and(|n| n.len() == name.len() && same(n, name))
    {
        return Some(at);
    }
    let found = names
        .iter()
        .position(|n| n.len() == name.len() && same(n, name))?;
    hint.set(found);
    Some(found)
}

/// `None` when the depth guard was hit: the whole evaluation is then `false`.
fn eval_at(
    condition: &Condition,
    attributes: Attributes<'_>,
    hint: &Cell<usize>,
    ctx: &EvalContext<'_>,
    depth: usize,
) -> Option<bool> {
    if depth > MAX_EVAL_DEPTH {
        return None;
    }
    let child = |c: &Condition| eval_at(c, attributes, hint, ctx, depth + 1);
    Some(match condition {
        Condition::All(children) | Condition::Any(children) => {
            // `all` stops at the first false child, `any` at the first true one.
            let all = matches!(condition, Condition::All(_));
            for c in children {
                if child(c)? != all {
                    return Some(!all);
                }
            }
            all
        }
        Condition::Not(c) => !child(c)?,
        Condition::Signal(cmp) => {
            let listed = match attributes {
                Attributes::Listed { names, values } => position_of(names, &cmp.name, hint)
                    .map(|i| values.get(i).and_then(Option::as_ref)),
                Attributes::Store => None,
            };
            let signal = match listed {
                Some(value) => value.map(Cow::Borrowed),
                None => ctx.lookup(&cmp.name),
            };
            signal.is_some_and(|signal| compare_signal(cmp, &signal))
        }
        Condition::EventCount(test) => {
            // Counts are capped far below 2^53, so the conversion is exact.
            let count = ctx.signals.event_count(&test.event, test.days, ctx.clock) as f64;
            compare_numbers(test.op, count, test.value)
        }
        Condition::DaysSinceEvent(test) => ctx
            .signals
            .days_since_event(&test.event, ctx.clock)
            .is_some_and(|days| compare_numbers(test.op, days as f64, test.value)),
        Condition::DaysSinceFirstSeen(test) => ctx
            .signals
            .days_since_first_seen(ctx.clock)
            .is_some_and(|days| compare_numbers(test.op, days as f64, test.value)),
    })
}

fn compare_signal(cmp: &SignalComparison, signal: &Value) -> bool {
    let operand = &cmp.value;
    match cmp.op {
        Op::Eq => same_shape_equal(signal, operand).unwrap_or(false),
        Op::Ne => same_shape_equal(signal, operand).is_some_and(|equal| !equal),
        Op::In => match (signal, operand) {
            (Value::String(s), Value::List(options)) => has(options, s),
            (Value::List(items), Value::List(options)) => {
                items.iter().any(|item| has(options, item))
            }
            _ => false,
        },
        Op::Lt | Op::Lte | Op::Gt | Op::Gte => match (signal, operand) {
            (Value::Number(a), Value::Number(b)) => compare_numbers(cmp.op, *a, *b),
            _ => false,
        },
        Op::Contains => match (signal, operand) {
            (Value::String(s), Value::String(part)) => contains(s, part),
            (Value::List(items), Value::String(item)) => has(items, item),
            _ => false,
        },
        Op::StartsWith => match (signal, operand) {
            (Value::String(s), Value::String(prefix)) => starts(s, prefix),
            (Value::List(items), Value::String(prefix)) => items.iter().any(|s| starts(s, prefix)),
            _ => false,
        },
        Op::Matches => match (signal, operand) {
            (Value::String(s), Value::String(pattern)) => glob_match(pattern, s),
            (Value::List(items), Value::String(pattern)) => {
                items.iter().any(|s| glob_match(pattern, s))
            }
            _ => false,
        },
    }
}

/// `a == b`, byte by byte in place. Conditions compare short strings (a country code, a plan, a
/// path) on every decision; the standard comparison goes through three calls down to a `memcmp`
/// in the size-optimised module, which cost more than the comparison itself.
fn same(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while let (Some(x), Some(y)) = (a.get(i), b.get(i)) {
        if x != y {
            return false;
        }
        i += 1;
    }
    true
}

/// `s.starts_with(prefix)`, with [`same_bytes`].
fn starts(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| same_bytes(head, prefix.as_bytes()))
}

/// Whether `list` holds `item` (with [`same`]).
fn has(list: &[String], item: &str) -> bool {
    list.iter().any(|x| same(x, item))
}

/// Whether `part` occurs in `s` (a plain scan: both are at most 1 KB, and core's two-way
/// searcher is a kilobyte and a half of WebAssembly).
fn contains(s: &str, part: &str) -> bool {
    part.is_empty()
        || s.as_bytes()
            .windows(part.len())
            .any(|w| w.first() == part.as_bytes().first() && same_bytes(w, part.as_bytes()))
}

/// `Some(equal)` when both values have the same shape, `None` otherwise.
fn same_shape_equal(a: &Value, b: &Value) -> Option<bool> {
    Some(match (a, b) {
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Number(a), Value::Number(b)) => {
            if a.is_nan() || b.is_nan() {
                return None;
            }
            a == b
        }
        (Value::String(a), Value::String(b)) => same(a, b),
        (Value::List(a), Value::List(b)) => {
            // As sets: order and repetitions do not matter.
            a.iter().all(|x| has(b, x)) && b.iter().all(|x| has(a, x))
        }
        _ => return None,
    })
}

/// `measured <op> operand` for the numeric operators; false for the others and for NaN.
fn compare_numbers(op: Op, measured: f64, operand: f64) -> bool {
    if measured.is_nan() || operand.is_nan() {
        return false;
    }
    match op {
        Op::Eq => measured == operand,
        Op::Ne => measured != operand,
        Op::Lt => measured < operand,
        Op::Lte => measured <= operand,
        Op::Gt => measured > operand,
        Op::Gte => measured >= operand,
        Op::In | Op::Contains | Op::StartsWith | Op::Matches => false,
    }
}

#[cfg(test)]
mod tests {
    // Tests may unwrap: a failure is the point.
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::bundle::{SignalDecl, SignalKind};
    use crate::signals::{Declarations, PageContext, Signals};
    use crate::time::Clock;

    const T0: i64 = 1_767_225_600;

    /// The store and the same attributes as lists (names ascending, `plan` missing).
    fn store_and_lists() -> (Signals, Vec<String>, Vec<Option<Value>>) {
        let decl = |name: &str, kind| SignalDecl {
            name: name.to_owned(),
            kind,
            ttl_days: 365,
            window_days: None,
        };
        let decls = Declarations::new(&[
            decl("role", SignalKind::String),
            decl("seats", SignalKind::Number),
            decl("pages", SignalKind::List),
            decl("plan", SignalKind::String),
        ]);
        let pages = Value::List(vec!["/blog/a".into(), "/pricing".into()]);
        let clock = Clock::utc(T0);
        let mut store = Signals::new();
        store.set(&decls, "role", "owner".into(), &clock).unwrap();
        store.set(&decls, "seats", 3.0.into(), &clock).unwrap();
        store.set(&decls, "pages", pages.clone(), &clock).unwrap();
        let names = ["pages", "plan", "role", "seats"]
            .map(String::from)
            .to_vec();
        let values = vec![Some(pages), None, Some("owner".into()), Some(3.0.into())];
        (store, names, values)
    }

    fn condition(text: &str) -> Condition {
        crate::json::from_str(text).unwrap()
    }

    #[test]
    fn listed_attributes_decide_exactly_as_the_store() {
        let (store, names, values) = store_and_lists();
        let page = PageContext {
            path: "/pricing".into(),
            ..PageContext::default()
        };
        let clock = Clock::utc(T0);
        let ctx = EvalContext {
            signals: &store,
            page: &page,
            clock: &clock,
        };
        let listed = Attributes::Listed {
            names: &names,
            values: &values,
        };
        let cases = [
            r#"{"signal":{"name":"role","op":"eq","value":"owner"}}"#,
            r#"{"signal":{"name":"role","op":"eq","value":"own"}}"#,
            r#"{"signal":{"name":"role","op":"in","value":["admin","owner"]}}"#,
            r#"{"signal":{"name":"role","op":"ne","value":"admin"}}"#,
            r#"{"signal":{"name":"plan","op":"ne","value":"free"}}"#,
            r#"{"not":{"signal":{"name":"plan","op":"eq","value":"free"}}}"#,
            r#"{"signal":{"name":"seats","op":"gte","value":3}}"#,
            r#"{"signal":{"name":"pages","op":"contains","value":"/pricing"}}"#,
            r#"{"signal":{"name":"pages","op":"starts_with","value":"/blog"}}"#,
            r#"{"signal":{"name":"pages","op":"matches","value":"*/a"}}"#,
            r#"{"signal":{"name":"pages","op":"eq","value":["/pricing","/blog/a"]}}"#,
            r#"{"signal":{"name":"page_path","op":"eq","value":"/pricing"}}"#,
            // Names looked up in a row, one the same length as the one before (`role`, `plan`):
            // the previous lookup's position is tried first and must not be taken for this one.
            r#"{"all":[{"signal":{"name":"role","op":"eq","value":"owner"}},{"signal":{"name":"plan","op":"ne","value":"free"}}]}"#,
            r#"{"any":[{"signal":{"name":"plan","op":"ne","value":"free"}},{"signal":{"name":"role","op":"eq","value":"owner"}}]}"#,
            r#"{"any":[{"signal":{"name":"pages","op":"contains","value":"/x"}},{"signal":{"name":"pages","op":"contains","value":"/pricing"}}]}"#,
            r#"{"all":[{"signal":{"name":"role","op":"eq","value":"owner"}},{"any":[{"signal":{"name":"seats","op":"lt","value":2}},{"signal":{"name":"page_path","op":"starts_with","value":"/pri"}}]}]}"#,
        ];
        let mut matched = 0;
        for text in cases {
            let c = condition(text);
            let by_store = evaluate(&c, &ctx);
            assert_eq!(evaluate_with(&c, listed, &ctx), by_store, "{text}");
            matched += usize::from(by_store);
        }
        // Both answers occur, so the comparison above is not trivially all-false.
        assert!(matched > 3 && matched < cases.len(), "{matched}");
    }

    #[test]
    fn listed_attributes_are_read_instead_of_the_store() {
        let (store, names, mut values) = store_and_lists();
        let page = PageContext::default();
        let clock = Clock::utc(T0);
        let ctx = EvalContext {
            signals: &store,
            page: &page,
            clock: &clock,
        };
        values[2] = Some("viewer".into());
        let c = condition(r#"{"signal":{"name":"role","op":"eq","value":"viewer"}}"#);
        assert!(!evaluate(&c, &ctx));
        let listed = Attributes::Listed {
            names: &names,
            values: &values,
        };
        assert!(evaluate_with(&c, listed, &ctx));
    }
}
