//! Total evaluation of a condition against local signals.
//!
//! Every node has an answer for every input: a missing signal, a value of the wrong shape, or an
//! operator that does not apply to it is a non-match (`false`), never an error — including for
//! `ne` (a missing signal is not "not equal to X", it is unknown, and unknown never matches).
//! Wrap a comparison in `not` to match when a signal is missing.

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
    eval_at(condition, ctx, 0).unwrap_or(false)
}

/// `None` when the depth guard was hit: the whole evaluation is then `false`.
fn eval_at(condition: &Condition, ctx: &EvalContext<'_>, depth: usize) -> Option<bool> {
    if depth > MAX_EVAL_DEPTH {
        return None;
    }
    let child = |c: &Condition| eval_at(c, ctx, depth + 1);
    Some(match condition {
        Condition::All(children) => {
            for c in children {
                if !child(c)? {
                    return Some(false);
                }
            }
            true
        }
        Condition::Any(children) => {
            for c in children {
                if child(c)? {
                    return Some(true);
                }
            }
            false
        }
        Condition::Not(c) => !child(c)?,
        Condition::Signal(cmp) => compare_signal(cmp, ctx),
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

fn compare_signal(cmp: &SignalComparison, ctx: &EvalContext<'_>) -> bool {
    let Some(signal) = ctx.lookup(&cmp.name) else {
        return false;
    };
    let signal: &Value = &signal;
    let operand = &cmp.value;
    match cmp.op {
        Op::Eq => same_shape_equal(signal, operand).unwrap_or(false),
        Op::Ne => same_shape_equal(signal, operand).is_some_and(|equal| !equal),
        Op::In => match (signal, operand) {
            (Value::String(s), Value::List(options)) => options.contains(s),
            (Value::List(items), Value::List(options)) => {
                items.iter().any(|item| options.contains(item))
            }
            _ => false,
        },
        Op::Lt | Op::Lte | Op::Gt | Op::Gte => match (signal, operand) {
            (Value::Number(a), Value::Number(b)) => compare_numbers(cmp.op, *a, *b),
            _ => false,
        },
        Op::Contains => match (signal, operand) {
            (Value::String(s), Value::String(part)) => contains(s, part),
            (Value::List(items), Value::String(item)) => items.contains(item),
            _ => false,
        },
        Op::StartsWith => match (signal, operand) {
            (Value::String(s), Value::String(prefix)) => s.starts_with(prefix.as_str()),
            (Value::List(items), Value::String(prefix)) => {
                items.iter().any(|s| s.starts_with(prefix.as_str()))
            }
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

/// Whether `part` occurs in `s` (a plain scan: both are at most 1 KB, and core's two-way
/// searcher is a kilobyte and a half of WebAssembly).
fn contains(s: &str, part: &str) -> bool {
    part.is_empty()
        || s.as_bytes()
            .windows(part.len())
            .any(|w| w == part.as_bytes())
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
        (Value::String(a), Value::String(b)) => a == b,
        (Value::List(a), Value::List(b)) => {
            // As sets: order and repetitions do not matter.
            a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(x))
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
