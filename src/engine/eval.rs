//! Total evaluation of a program's condition nodes against local signals.
//!
//! Every node has an answer for every input: a missing signal, a value of the wrong shape, or an
//! operator that does not apply to it is a non-match (`false`), never an error — including for
//! `ne` (a missing signal is not "not equal to X", it is unknown, and unknown never matches).
//! Wrap a comparison in `not` to match when a signal is missing.
//!
//! - `all` is true when every child is (and for an empty list), `any` when one is (false for an
//!   empty list), `not` when its child is false. Children are evaluated in order and evaluation
//!   stops at the first child that decides the answer.
//! - A comparison reads an attribute — a built-in computed now, or a declared attribute — and:
//!   - `eq` / `ne`: same shape and equal / same shape and different. Numbers compare exactly;
//!     lists compare as sets. Different shapes are a non-match for both.
//!   - `in`: the operand is a list of strings; a string signal matches if it is in the list, a
//!     list signal if any element is.
//!   - `lt` / `lte` / `gt` / `gte`: both numbers.
//!   - `contains`: a string signal contains the operand as a substring, or a list signal has it as
//!     an element.
//!   - `starts_with`, `matches` (a glob, [`glob_match`]): a string signal, or any element of a
//!     list signal.
//! - `event_count`, `days_since_event`, `days_since_first_seen` compare a number with `eq`, `ne`,
//!   `lt`, `lte`, `gt` or `gte`; other operators are false. An event never recorded has a count
//!   of `0` but no "days since": `days_since_event` (and `days_since_first_seen` on a device never
//!   seen) is then false.
//! - An empty string attribute (an empty path, `utm_source=` without a value) counts as missing.
//! - A NaN operand matches nothing.
//!
//! The program reader bounds nesting and the size of every condition, so the recursion here is
//! bounded; a depth guard keeps it so for any program.

use super::{Attributes, Context};
use crate::condition::Op;
use crate::pattern::glob_match;
use crate::prelude::*;
use crate::program::{Builtin, Node, Operand, Program, Source, MAX_DEPTH};
use crate::signals::days;
use crate::value::Value;

/// Whether node `node` holds.
pub(super) fn holds(p: &Program, node: u32, ctx: &Context<'_>) -> bool {
    eval(p, node, ctx, 0).unwrap_or(false)
}

/// `None` when the depth guard was hit: the whole evaluation is then `false`.
fn eval(p: &Program, i: u32, ctx: &Context<'_>, depth: u32) -> Option<bool> {
    if depth > MAX_DEPTH + 1 {
        return None;
    }
    let node = p.nodes.get(i as usize)?;
    Some(match *node {
        Node::All(children) | Node::Any(children) => {
            // `all` stops at the first false child, `any` at the first true one.
            let all = matches!(node, Node::All(_));
            for &c in p.refs(children) {
                if eval(p, c, ctx, depth + 1)? != all {
                    return Some(!all);
                }
            }
            all
        }
        Node::Not(child) => !eval(p, child, ctx, depth + 1)?,
        Node::Cmp {
            source,
            op,
            operand,
        } => compare(p, source, op, operand, ctx),
        Node::EventCount {
            event,
            days,
            op,
            value,
        } => {
            // Counts are capped far below 2^53, so the conversion is exact.
            let count = ctx
                .signals
                .event_count(p.event_name(event), days, ctx.clock) as f64;
            compare_numbers(op, count, value)
        }
        Node::DaysSinceEvent { event, op, value } => ctx
            .signals
            .days_since_event(p.event_name(event), ctx.clock)
            .is_some_and(|days| compare_numbers(op, days as f64, value)),
        Node::DaysSinceFirstSeen { op, value } => ctx
            .signals
            .days_since_first_seen(ctx.clock)
            .is_some_and(|days| compare_numbers(op, days as f64, value)),
    })
}

/// A signal value as a comparison sees it, borrowed where it is stored.
enum Seen<'a> {
    Text(&'a str),
    Number(f64),
    Stored(&'a Value),
}

/// The value of `source`, or `None` when it is missing.
fn lookup<'a>(p: &'a Program, source: Source, ctx: &Context<'a>) -> Option<Seen<'a>> {
    let page = ctx.page;
    let text = |s: &'a str| (!s.is_empty()).then_some(Seen::Text(s));
    let optional = |s: &'a Option<alloc::string::String>| s.as_deref().and_then(text);
    match source {
        Source::Builtin(b) => match b {
            Builtin::PagePath => text(&page.path),
            Builtin::ReferrerDomain => optional(&page.referrer_domain),
            Builtin::UtmSource => optional(&page.utm_source),
            Builtin::UtmMedium => optional(&page.utm_medium),
            Builtin::UtmCampaign => optional(&page.utm_campaign),
            Builtin::UtmTerm => optional(&page.utm_term),
            Builtin::UtmContent => optional(&page.utm_content),
            Builtin::Device => optional(&page.device),
            Builtin::Language => optional(&page.language),
            Builtin::Hour => Some(Seen::Number(f64::from(days::sane(ctx.clock).local_hour()))),
            Builtin::Weekday => Some(Seen::Number(f64::from(
                days::sane(ctx.clock).local_weekday(),
            ))),
            // Counts are capped far below 2^53, so the conversion is exact.
            Builtin::Visits => Some(Seen::Number(ctx.signals.visits() as f64)),
        },
        Source::Signal(i) => match ctx.attributes {
            Attributes::Listed(values) => values.get(i as usize)?.as_ref().map(Seen::Stored),
            Attributes::Store => ctx.signals.attribute(p.signal_name(i)).map(Seen::Stored),
        },
    }
}

/// An operand as a value to compare with.
#[derive(Clone, Copy)]
enum Against<'a> {
    Str(&'a str),
    Num(f64),
    Bool(bool),
    List(&'a [u32]),
}

fn compare(p: &Program, source: Source, op: Op, operand: Operand, ctx: &Context<'_>) -> bool {
    let Some(seen) = lookup(p, source, ctx) else {
        return false;
    };
    let against = match operand {
        Operand::Str(s) => Against::Str(p.str(s)),
        Operand::Num(n) => Against::Num(n),
        Operand::Bool(b) => Against::Bool(b),
        Operand::List(items) => Against::List(p.refs(items)),
    };
    match seen {
        Seen::Text(s) => compare_text(p, op, s, against),
        Seen::Number(n) => compare_number(op, n, against),
        Seen::Stored(Value::String(s)) => compare_text(p, op, s, against),
        Seen::Stored(Value::Number(n)) => compare_number(op, *n, against),
        Seen::Stored(Value::Bool(b)) => match (op, against) {
            (Op::Eq, Against::Bool(x)) => *b == x,
            (Op::Ne, Against::Bool(x)) => *b != x,
            _ => false,
        },
        Seen::Stored(Value::List(items)) => compare_list(p, op, items, against),
    }
}

fn compare_text(p: &Program, op: Op, s: &str, against: Against<'_>) -> bool {
    match (op, against) {
        (Op::Eq, Against::Str(x)) => same(s, x),
        (Op::Ne, Against::Str(x)) => !same(s, x),
        (Op::In, Against::List(options)) => has(p, options, s),
        (Op::Contains, Against::Str(part)) => contains(s, part),
        (Op::StartsWith, Against::Str(prefix)) => starts(s, prefix),
        (Op::Matches, Against::Str(pattern)) => glob_match(pattern, s),
        _ => false,
    }
}

fn compare_number(op: Op, n: f64, against: Against<'_>) -> bool {
    match against {
        Against::Num(x) if !matches!(op, Op::In) => compare_numbers(op, n, x),
        _ => false,
    }
}

fn compare_list(p: &Program, op: Op, items: &[String], against: Against<'_>) -> bool {
    match (op, against) {
        (Op::Eq | Op::Ne, Against::List(other)) => {
            // As sets: order and repetitions do not matter.
            let equal = items.iter().all(|x| has(p, other, x))
                && other
                    .iter()
                    .all(|&o| items.iter().any(|x| same(x, p.str(o))));
            equal == (op == Op::Eq)
        }
        (Op::In, Against::List(options)) => items.iter().any(|x| has(p, options, x)),
        (Op::Contains, Against::Str(item)) => items.iter().any(|x| same(x, item)),
        (Op::StartsWith, Against::Str(prefix)) => items.iter().any(|x| starts(x, prefix)),
        (Op::Matches, Against::Str(pattern)) => items.iter().any(|x| glob_match(pattern, x)),
        _ => false,
    }
}

/// `a == b`, byte by byte in place: conditions compare short strings on every decision, and the
/// standard comparison goes through a call chain down to `memcmp` in the size-optimised module.
fn same(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

/// An index loop, not `zip`: at the module's `opt-level = "z"` the iterator adapters stay calls
/// (`Zip::new` and its size query were half of all deciding time in a profile of the engine).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

fn starts(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| same_bytes(head, prefix.as_bytes()))
}

/// Whether the string list `list` (string indexes) holds `item`.
fn has(p: &Program, list: &[u32], item: &str) -> bool {
    list.iter().any(|&x| same(p.str(x), item))
}

/// Whether `part` occurs in `s` (a plain scan: both are at most 1 KB, and core's two-way
/// searcher is a kilobyte and a half of WebAssembly).
fn contains(s: &str, part: &str) -> bool {
    part.is_empty()
        || s.as_bytes()
            .windows(part.len())
            .any(|w| same_bytes(w, part.as_bytes()))
}

/// `measured <op> operand` for the numeric operators; false for the others and for NaN.
pub(super) fn compare_numbers(op: Op, measured: f64, operand: f64) -> bool {
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
