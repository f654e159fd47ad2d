//! Reading a program: bounds checks, integer references, a coded error with a byte offset.

use super::{
    Audience, Event, Node, Operand, Program, Rule, Signal, Slot, Source, Span, Variant, BUILTINS,
    FORMAT, MAGIC, MAX_DEPTH, MAX_NODES, OPS,
};
use crate::bucketing::{Salted, BUCKETS};
use crate::bundle::SignalKind;
use crate::codec::{CodecError, Reader};
use crate::condition::Op;
use crate::prelude::*;

/// Why bytes are not a program this SDK can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The bytes end inside a value, or a count promises more than is left.
    Truncated,
    /// Not a program at all (the first bytes are not `PWP`).
    NotAProgram,
    /// A program in a format this SDK does not read (signed by a newer `pathwise`).
    UnsupportedFormat,
    /// A value out of its range: an unknown tag, an index past its table, a share over 100 %,
    /// widths that do not add up, a string that is not UTF-8, bytes after the end.
    Malformed,
    /// A condition nests deeper, or stands for more nodes, than any valid bundle can.
    TooComplex,
}

impl Problem {
    /// A stable snake_case name (the `reason` of the `program_malformed` error in JavaScript).
    pub fn code(self) -> &'static str {
        match self {
            Problem::Truncated => "truncated",
            Problem::NotAProgram => "not_a_program",
            Problem::UnsupportedFormat => "unsupported_format",
            Problem::Malformed => "malformed",
            Problem::TooComplex => "too_complex",
        }
    }
}

/// Why [`read`] refused a program: what, and at which byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramError {
    /// What is wrong.
    pub problem: Problem,
    /// The byte offset in the program where it was found.
    pub at: usize,
}

impl ProgramError {
    /// The error code: `program_unsupported` for a format this SDK does not read, otherwise
    /// `program_malformed`.
    pub fn code(&self) -> &'static str {
        match self.problem {
            Problem::UnsupportedFormat => "program_unsupported",
            _ => "program_malformed",
        }
    }
}

impl core::fmt::Display for ProgramError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "the signed program is unusable ({} at byte {})",
            self.problem.code(),
            self.at
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ProgramError {}

impl From<CodecError> for ProgramError {
    fn from(e: CodecError) -> Self {
        let problem = match e {
            CodecError::Truncated { .. } => Problem::Truncated,
            CodecError::Malformed { .. } => Problem::Malformed,
        };
        ProgramError {
            problem,
            at: e.at(),
        }
    }
}

fn fail<T>(problem: Problem, at: usize) -> Result<T, ProgramError> {
    Err(ProgramError { problem, at })
}

type Result<T, E = ProgramError> = core::result::Result<T, E>;

/// The header of a program: enough to check site, expiry and version before reading the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// The bundle version.
    pub version: u64,
    /// When the bundle stops being usable (Unix seconds).
    pub expires_at: i64,
    /// The site's bytes.
    pub site: &'a [u8],
}

/// Reads only the header (magic, format, version, expiry, site).
pub fn read_header(bytes: &[u8]) -> Result<Header<'_>> {
    let mut r = Reader::new(bytes);
    let head = header(&mut r)?;
    match r.error() {
        Some(e) => Err(e.into()),
        None => Ok(head),
    }
}

fn header<'a>(r: &mut Reader<'a>) -> Result<Header<'a>> {
    if r.bytes(3) != MAGIC {
        return fail(Problem::NotAProgram, 0);
    }
    if r.u8() != FORMAT && r.error().is_none() {
        return fail(Problem::UnsupportedFormat, 3);
    }
    Ok(Header {
        version: r.uint(),
        expires_at: r.int(),
        site: r.blob(),
    })
}

/// An event code (see the layout in [`super`]) as an [`Event`]; a code past the signal table
/// reads as a declared index that the program does not have.
pub(crate) fn event_of(code: u32) -> Event {
    match code {
        0 => Event::Visit,
        1 => Event::PageView,
        n => Event::Signal(n - 2),
    }
}

/// Reads a whole program. See the [module documentation](super) for the layout and what is
/// checked.
///
/// The reader's errors are sticky (see [`Reader`]): the tables are read straight through, and
/// the first problem is reported at the end, with the two that stop reading early (a condition
/// too complex, a string table too large) returned at once.
pub fn read(bytes: &[u8]) -> Result<Program> {
    let mut r = Reader::new(bytes);
    let head = header(&mut r)?;
    let site = String::from_utf8(head.site.to_vec()).unwrap_or_else(|_| {
        r.malformed(0);
        String::new()
    });
    let mut p = Program {
        version: head.version,
        expires_at: head.expires_at,
        site,
        text: String::new(),
        strings: Vec::new(),
        signals: Vec::new(),
        nodes: Vec::new(),
        refs: Vec::new(),
        audiences: Vec::new(),
        slots: Vec::new(),
        rules: Vec::new(),
        variants: Vec::new(),
        holdout_bp: 0,
    };
    strings(&mut r, &mut p)?;
    signals(&mut r, &mut p);
    nodes(&mut r, &mut p)?;
    for _ in 0..r.count(2) {
        let id = r.index(p.strings.len());
        let node = r.index(p.nodes.len());
        p.audiences.push((id, node));
    }
    slots(&mut r, &mut p);
    p.holdout_bp = r.up_to(BUCKETS);
    r.end()?;
    #[cfg(feature = "engine")]
    fit(&mut p);
    Ok(p)
}

/// Gives back what the rule table's growth left unused: it grew by doubling, and the module's
/// allocator rounds every block up to a power of two, so 180 rules (the largest entries by far)
/// sat in a block sized for 512. Only the rules: fitting the variants and nodes too saved 11 %
/// more at 1 000 rules and nothing at 100, for 70 B more of the engine's gzip. Only where the
/// headless engine is built: a server may keep many programs (a third less module memory each
/// at 100 rules), while a page keeps one, and the page module would pay for the code on every
/// page view.
#[cfg(feature = "engine")]
fn fit(p: &mut Program) {
    p.rules.shrink_to_fit();
}

/// The string table: front-coded, decoded end to end into `text`.
fn strings(r: &mut Reader<'_>, p: &mut Program) -> Result<()> {
    let table = r.at();
    let n = r.count(2);
    // Front coding lets a string repeat its predecessor's bytes; the decoded text is capped at
    // a multiple of the input, so memory stays proportional to the bytes given (and below 2^32).
    let cap = r.remaining().saturating_mul(8).saturating_add(1024);
    let mut text = Vec::new();
    let mut prev = Span::default();
    for _ in 0..n {
        let at = r.at();
        let shared = r.up_to(prev.end - prev.start);
        let tail = r.blob();
        let start = text.len();
        text.extend_from_within(prev.start as usize..(prev.start + shared) as usize);
        text.extend_from_slice(tail);
        if text.len() > cap {
            return fail(Problem::TooComplex, at);
        }
        prev = span(start, text.len());
        p.strings.push(prev);
    }
    // Each string must be whole characters, so `Program::str` always finds it.
    match String::from_utf8(text) {
        Ok(text)
            if p.strings.iter().all(|s| {
                text.is_char_boundary(s.start as usize) && text.is_char_boundary(s.end as usize)
            }) =>
        {
            p.text = text
        }
        _ => r.malformed(table),
    }
    Ok(())
}

fn signals(r: &mut Reader<'_>, p: &mut Program) {
    for _ in 0..r.count(3) {
        let name = r.index(p.strings.len());
        let at = r.at();
        let kind = match r.u8() {
            0 => SignalKind::String,
            1 => SignalKind::Number,
            2 => SignalKind::Bool,
            3 => SignalKind::List,
            4 => SignalKind::Event,
            _ => {
                r.malformed(at);
                SignalKind::Event
            }
        };
        let ttl_days = r.up_to(u32::MAX);
        let window_days = if kind == SignalKind::Event {
            r.up_to(u32::MAX)
        } else {
            0
        };
        p.signals.push(Signal {
            name,
            kind,
            ttl_days,
            window_days,
        });
    }
}

/// `count` indexes below `below` appended to `refs`.
fn list(r: &mut Reader<'_>, refs: &mut Vec<u32>, below: usize) -> Span {
    let start = refs.len();
    for _ in 0..r.count(1) {
        refs.push(r.index(below));
    }
    span(start, refs.len())
}

fn span(start: usize, end: usize) -> Span {
    // Tables are bounded by the input (and the text by its cap), far below 2^32 entries.
    Span {
        start: start as u32,
        end: end as u32,
    }
}

/// A declared signal's index, checked to be an event (`event`) or an attribute.
fn signal_of(r: &mut Reader<'_>, p: &Program, i: u32, event: bool, at: usize) -> u32 {
    if p.signals
        .get(i as usize)
        .is_none_or(|s| (s.kind == SignalKind::Event) != event)
    {
        r.malformed(at);
    }
    i
}

/// An event reference, and its code.
fn event(r: &mut Reader<'_>, p: &Program) -> (Event, u32) {
    let at = r.at();
    let code = r.up_to(u32::MAX);
    let event = event_of(code);
    if let Event::Signal(i) = event {
        signal_of(r, p, i, true, at);
    }
    (event, code)
}

/// An operator and a number kind (low and high nibbles of one byte).
fn op_and_kind(r: &mut Reader<'_>) -> (Op, u8) {
    let at = r.at();
    let byte = r.u8();
    (op(r, byte & 0x0f, at), byte >> 4)
}

fn op(r: &mut Reader<'_>, code: u8, at: usize) -> Op {
    match OPS.get(usize::from(code)) {
        Some(&op) => op,
        None => {
            r.malformed(at);
            Op::Eq
        }
    }
}

/// A number of kind `kind` (1: integer, 2: double).
fn number(r: &mut Reader<'_>, kind: u8, at: usize) -> f64 {
    match kind {
        // Integers in conditions are small (days, counts, thresholds); exact up to 2^53.
        1 => r.int() as f64,
        2 => r.f64(),
        _ => {
            r.malformed(at);
            0.0
        }
    }
}

fn nodes(r: &mut Reader<'_>, p: &mut Program) -> Result<()> {
    let n = r.count(2);
    // Per node: nesting depth (a leaf is 1) and the size of the tree it stands for.
    let mut shape: Vec<(u32, u32)> = Vec::with_capacity(n);
    for i in 0..n {
        let at = r.at();
        let tag = r.u8();
        let (node, depth, size) = match tag {
            0 | 1 => {
                let children = list(r, &mut p.refs, i);
                let (mut depth, mut size) = (0u32, 1u32);
                for &c in p.refs(children) {
                    let (d, s) = shape.get(c as usize).copied().unwrap_or_default();
                    depth = depth.max(d);
                    size = size.saturating_add(s);
                }
                let node = if tag == 0 {
                    Node::All(children)
                } else {
                    Node::Any(children)
                };
                (node, depth + 1, size)
            }
            2 => {
                let child = r.index(i);
                let (d, s) = shape.get(child as usize).copied().unwrap_or_default();
                (Node::Not(child), d + 1, s.saturating_add(1))
            }
            3 => {
                let (event, _) = event(r, p);
                let days = r.up_to(u32::MAX);
                let (op, kind) = op_and_kind(r);
                let value = number(r, kind, at);
                (
                    Node::EventCount {
                        event,
                        days,
                        op,
                        value,
                    },
                    1,
                    1,
                )
            }
            4 => {
                let (event, _) = event(r, p);
                let (op, kind) = op_and_kind(r);
                let value = number(r, kind, at);
                (Node::DaysSinceEvent { event, op, value }, 1, 1)
            }
            5 => {
                let (op, kind) = op_and_kind(r);
                let value = number(r, kind, at);
                (Node::DaysSinceFirstSeen { op, value }, 1, 1)
            }
            0x80.. => {
                // A comparison: the operand's kind and the operator are in the tag.
                let op = op(r, tag & 0x0f, at);
                let source_at = r.at();
                let code = r.up_to(u32::MAX);
                let source = match BUILTINS.get(code as usize) {
                    Some(&b) => Source::Builtin(b),
                    None => Source::Signal(signal_of(r, p, code - 12, false, source_at)),
                };
                let operand = match (tag >> 4) & 7 {
                    0 => Operand::Str(r.index(p.strings.len())),
                    kind @ (1 | 2) => Operand::Num(number(r, kind, at)),
                    3 => Operand::Bool(false),
                    4 => Operand::Bool(true),
                    5 => Operand::List(list(r, &mut p.refs, p.strings.len())),
                    _ => {
                        r.malformed(at);
                        Operand::Bool(false)
                    }
                };
                (
                    Node::Cmp {
                        source,
                        op,
                        operand,
                    },
                    1,
                    1,
                )
            }
            _ => {
                r.malformed(at);
                (Node::All(Span::default()), 1, 1)
            }
        };
        if depth > MAX_DEPTH + 1 || size > MAX_NODES {
            return fail(Problem::TooComplex, at);
        }
        shape.push((depth, size));
        p.nodes.push(node);
    }
    Ok(())
}

/// `0` for none, else the value + 1: up to 2^32, which stands for `u32::MAX` (a bundle may say
/// `"per_days": 4294967295`, and the compiler writes it as 2^32).
fn optional(r: &mut Reader<'_>) -> Option<u32> {
    let at = r.at();
    let value = r.uint().checked_sub(1)?;
    u32::try_from(value).map_or_else(
        |_| {
            r.malformed(at);
            None
        },
        Some,
    )
}

fn slots(r: &mut Reader<'_>, p: &mut Program) {
    for _ in 0..r.count(4) {
        let id = r.index(p.strings.len());
        let at = r.at();
        let path = match r.u8() {
            0 => false,
            1 => true,
            _ => {
                r.malformed(at);
                false
            }
        };
        let default = r.index(p.strings.len());
        let steps = if path {
            list(r, &mut p.refs, p.strings.len())
        } else {
            Span::default()
        };
        let first = p.rules.len();
        for _ in 0..r.count(5) {
            let rule = rule(r, p, path);
            p.rules.push(rule);
        }
        p.slots.push(Slot {
            id,
            path,
            default,
            steps,
            rules: span(first, p.rules.len()),
        });
    }
}

// Flag bits of a rule (see the layout in the module documentation): the common ones first, so
// that a typical rule's flags fit one byte.
pub(crate) const AUDIENCE: u32 = 1;
pub(crate) const INLINE: u32 = 2;
pub(crate) const PRIORITY: u32 = 4;
pub(crate) const GOALS: u32 = 8;
pub(crate) const PAGES: u32 = 16;
pub(crate) const CAP: u32 = 32;
pub(crate) const LAYER: u32 = 64;
pub(crate) const AFTER: u32 = 128;
pub(crate) const START: u32 = 256;
pub(crate) const END: u32 = 512;
pub(crate) const SALT: u32 = 1024;

fn rule(r: &mut Reader<'_>, p: &mut Program, path: bool) -> Rule {
    let strings = p.strings.len();
    let id = r.index(strings);
    let flags_at = r.at();
    let flags = r.up_to(2 * SALT - 1);
    if flags & AUDIENCE != 0 && flags & INLINE != 0 {
        r.malformed(flags_at);
    }
    let has = |bit: u32| flags & bit != 0;
    let audience = if has(AUDIENCE) {
        Audience::Named(r.index(p.audiences.len()))
    } else if has(INLINE) {
        Audience::Inline(r.index(p.nodes.len()))
    } else {
        Audience::Everyone
    };
    let priority = if has(PRIORITY) {
        let at = r.at();
        i32::try_from(r.int()).unwrap_or_else(|_| {
            r.malformed(at);
            0
        })
    } else {
        0
    };
    let goals_start = p.refs.len();
    if has(GOALS) {
        for _ in 0..r.count(1) {
            let (_, code) = event(r, p);
            p.refs.push(code);
        }
    }
    let goals = span(goals_start, p.refs.len());
    let pages = if has(PAGES) {
        list(r, &mut p.refs, strings)
    } else {
        Span::default()
    };
    let cap = has(CAP).then(|| (r.up_to(u32::MAX), optional(r)));
    let layer = has(LAYER).then(|| {
        let name = r.index(strings);
        let at = r.at();
        let member = r.up_to(u32::MAX);
        let members = r.up_to(u32::MAX);
        if member >= members {
            r.malformed(at);
        }
        (name, member, members)
    });
    let after = has(AFTER).then(|| {
        let (event, _) = event(r, p);
        (event, optional(r))
    });
    let start = has(START).then(|| r.int());
    let end = has(END).then(|| r.int());
    let salt = if has(SALT) { r.index(strings) } else { id };
    let rollout_bp = r.up_to(BUCKETS);
    let control_at = r.at();
    let control_bp = r.up_to(BUCKETS);
    let n = r.count(2);
    let first = p.variants.len();
    // Control and variants share the whole bucket space exactly, so the last variant's width
    // is what the others leave.
    let mut total = control_bp;
    for i in 0..n {
        let id = r.index(strings);
        let width_bp = if i + 1 < n {
            r.up_to(BUCKETS)
        } else {
            BUCKETS.saturating_sub(total)
        };
        total = total.saturating_add(width_bp);
        let text_start = p.refs.len();
        for _ in 0..r.count(2).saturating_mul(2) {
            p.refs.push(r.index(strings));
        }
        let text = span(text_start, p.refs.len());
        let steps = path.then(|| list(r, &mut p.refs, strings));
        p.variants.push(Variant {
            id,
            width_bp,
            text,
            steps,
        });
    }
    if total != BUCKETS {
        r.malformed(control_at);
    }
    Rule {
        id,
        audience,
        pages,
        after,
        start,
        end,
        cap,
        layer,
        salt: Salted::new(p.str(salt)),
        priority,
        goals,
        rollout_bp,
        control_bp,
        variants: span(first, p.variants.len()),
    }
}

#[cfg(feature = "std")]
impl super::Builtin {
    /// The source code of this built-in.
    pub(crate) fn code(self) -> u32 {
        BUILTINS.iter().position(|&b| b == self).unwrap_or(0) as u32
    }
}
