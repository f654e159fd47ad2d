//! The compiled program: what `pathwise sign` makes of a bundle, what is signed, and what every
//! device reads.
//!
//! **The signer compiles; the browser verifies and decides.** The authoring format (the bundle
//! JSON of [`crate::bundle`]: its schema, `pathwise lint`, errors with JSON paths) is read and
//! validated once, on the author's machine. [`compile`] then turns the valid bundle into this
//! compact, versioned program — strings interned, references as integers, conditions as a table
//! of nodes shared between rules, each slot's rules already in the order they are tried, bucket
//! widths already computed — and that is what the envelope signs. A device only verifies the
//! signature and [`read`]s the program: bounds checks and integer references, no JSON, no
//! validation messages. The native tools (`pathwise verify`, `explain`, `inspect`, the golden
//! corpus) read the very same bytes.
//!
//! # Layout (format 1)
//!
//! Integers are the varints of [`crate::codec`] (`u`: unsigned, `i`: zigzag signed), `s` is a `u`
//! index into the string table, `f64` is 8 bytes little-endian.
//!
//! ```text
//! program   = "PWP" format:u8(=1) header strings signals nodes audiences slots holdout_bp:u
//! header    = version:u expires_at:i site_len:u site_bytes
//! strings   = n:u { shared:u tail_len:u tail_bytes }        front-coded, ascending byte order
//! signals   = n:u { name:s kind:u8 ttl_days:u [window_days:u if kind = event] }
//! nodes     = n:u { node }                                 children refer to earlier nodes only
//! node      = 0 n:u {child:u}            all
//!           | 1 n:u {child:u}            any
//!           | 2 child:u                  not
//!           | 3 event:u days:u opnum number              event_count
//!           | 4 event:u opnum number                     days_since_event
//!           | 5 opnum number                             days_since_first_seen
//!           | 0x80|kind<<4|op source:u operand           signal comparison
//! op        = 0..=9: eq ne in lt lte gt gte contains starts_with matches
//! kind      = 0 string (operand s) | 1 integer (i) | 2 double (f64) | 3 false | 4 true
//!           | 5 list (n:u {s})
//! opnum     = op | kind<<4 (kind 1 or 2), followed by the number
//! audiences = n:u { id:s node:u }
//! slots     = n:u { id:s path:u8 default:s [steps: n:u {s} if path] rules }
//! rules     = n:u { rule }                                 in the order they are tried
//! rule      = id:s flags:u
//!             [audience:u if flags&1] [node:u if flags&2] [priority:i if flags&4]
//!             [goals: n:u {event:u} if flags&8] [pages: n:u {s} if flags&16]
//!             [max:u per:u if flags&32] [layer:s member:u members:u if flags&64]
//!             [event:u within:u if flags&128] [start:i if flags&256] [end:i if flags&512]
//!             [salt:s if flags&1024]
//!             rollout_bp:u control_bp:u variants: n:u { variant }
//! variant   = id:s [width_bp:u unless last] text: n:u {selector:s text:s}
//!             [steps: n:u {s} if the slot is a path]
//! ```
//!
//! - **Sources** (`source`): `0..12` are the built-in attributes in [`Builtin`] order, `12 + i`
//!   is declared signal `i` (an attribute). **Events** (`event`): `0` is `visit`, `1` is
//!   `page_view`, `2 + i` is declared signal `i` (an event).
//! - `within` and `per` are `0` for "none", else days + 1 (up to 2^32, for `u32::MAX` days).
//! - `width_bp`: a variant's share of the bucket space before rollout, computed at signing from
//!   the weights ([`crate::bucketing::Allocation`]). With `control_bp` the widths add up to
//!   exactly 10 000, so the last one is not stored: it is what the others leave.
//! - Strings are sorted and front-coded (each shares a prefix with the one before), which keeps
//!   the base64 payload small: ids like `pb_hero_0000_r0`, `pb_hero_0000_r1` cost a few bytes.
//!   Equal conditions are one node, however many rules use them.
//!
//! # Reading is total
//!
//! [`read`] gives a [`Program`] or a [`ProgramError`] (a [`Problem`] and a byte offset) for every
//! byte sequence, never a panic, and allocates only after a count was checked against the bytes
//! left (every item takes at least one byte), so memory stays proportional to the input. Nodes
//! refer only to earlier nodes, so conditions cannot loop; nesting deeper than
//! [`MAX_DEPTH`] and conditions larger than [`MAX_NODES`] (counted as the tree they stand for)
//! are refused, which bounds the work of every decision.

use crate::bucketing::Salted;
use crate::bundle::SignalKind;
use crate::condition::Op;
use crate::prelude::*;

#[cfg(feature = "std")]
pub mod compile;
#[cfg(feature = "std")]
mod inspect;
mod read;

#[cfg(feature = "std")]
pub use compile::{compile, compile_within};
#[cfg(feature = "std")]
pub use inspect::inspect;
pub use read::{read, read_header, Header, Problem, ProgramError};

/// The first bytes of every program.
pub const MAGIC: &[u8; 3] = b"PWP";
/// The format this SDK writes and reads.
pub const FORMAT: u8 = 1;
/// The DSSE payload type of a signed program.
pub const PAYLOAD_TYPE: &str = "application/vnd.pathwise.program.v1";
/// Deepest `all`/`any`/`not` nesting a program may hold (the authoring limit).
pub const MAX_DEPTH: u32 = crate::bundle::limits::MAX_CONDITION_DEPTH as u32;
/// Most nodes one condition may stand for, counted as a tree (the authoring limit).
pub const MAX_NODES: u32 = crate::bundle::limits::MAX_CONDITION_NODES as u32;

/// Most bytes a payload may inflate to, per byte of payload (real programs deflate about 2:1).
pub const MAX_INFLATE_RATIO: usize = 16;

/// The signed payload of a program: its bytes deflated ([`crate::inflate`] says why).
#[cfg(feature = "std")]
pub fn pack(program: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(program, 10)
}

/// The program bytes of a signed payload, inflated with the output capped at
/// [`MAX_INFLATE_RATIO`] times the payload's size.
pub fn unpack(payload: &[u8]) -> Result<Vec<u8>, ProgramError> {
    let cap = payload
        .len()
        .saturating_mul(MAX_INFLATE_RATIO)
        .saturating_add(1024);
    crate::inflate::inflate(payload, cap).map_err(|e| ProgramError {
        problem: match e {
            crate::inflate::InflateError::Truncated => Problem::Truncated,
            crate::inflate::InflateError::Corrupt => Problem::Malformed,
            crate::inflate::InflateError::TooLarge => Problem::TooComplex,
        },
        at: 0,
    })
}

/// A signed payload read as a program: [`unpack`], then [`read`].
pub fn open(payload: &[u8]) -> Result<Program, ProgramError> {
    read(&unpack(payload)?)
}

/// A range of entries in one of the program's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    pub fn range(self) -> core::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// The built-in attributes, in the order of their source codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// `page_path`.
    PagePath,
    /// `referrer_domain`.
    ReferrerDomain,
    /// `utm_source`.
    UtmSource,
    /// `utm_medium`.
    UtmMedium,
    /// `utm_campaign`.
    UtmCampaign,
    /// `utm_term`.
    UtmTerm,
    /// `utm_content`.
    UtmContent,
    /// `device`.
    Device,
    /// `language`.
    Language,
    /// `hour`.
    Hour,
    /// `weekday`.
    Weekday,
    /// `visits`.
    Visits,
}

/// Built-ins in code order.
pub(crate) const BUILTINS: [Builtin; 12] = [
    Builtin::PagePath,
    Builtin::ReferrerDomain,
    Builtin::UtmSource,
    Builtin::UtmMedium,
    Builtin::UtmCampaign,
    Builtin::UtmTerm,
    Builtin::UtmContent,
    Builtin::Device,
    Builtin::Language,
    Builtin::Hour,
    Builtin::Weekday,
    Builtin::Visits,
];

/// Names of [`BUILTINS`], in the same order.
#[cfg(feature = "std")]
pub(crate) const BUILTIN_NAMES: [&str; 12] = [
    "page_path",
    "referrer_domain",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "device",
    "language",
    "hour",
    "weekday",
    "visits",
];

/// Operators in code order.
pub(crate) const OPS: [Op; 10] = [
    Op::Eq,
    Op::Ne,
    Op::In,
    Op::Lt,
    Op::Lte,
    Op::Gt,
    Op::Gte,
    Op::Contains,
    Op::StartsWith,
    Op::Matches,
];

/// What a comparison reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Builtin(Builtin),
    /// A declared attribute: an index into the signal table.
    Signal(u32),
}

/// An event a node or trigger refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    Visit,
    PageView,
    /// A declared event: an index into the signal table.
    Signal(u32),
}

/// A comparison's operand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Operand {
    Str(u32),
    Num(f64),
    Bool(bool),
    /// String indexes in `refs`.
    List(Span),
}

/// One condition node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Node {
    /// Children (node indexes) in `refs`.
    All(Span),
    Any(Span),
    Not(u32),
    Cmp {
        source: Source,
        op: Op,
        operand: Operand,
    },
    EventCount {
        event: Event,
        days: u32,
        op: Op,
        value: f64,
    },
    DaysSinceEvent {
        event: Event,
        op: Op,
        value: f64,
    },
    DaysSinceFirstSeen {
        op: Op,
        value: f64,
    },
}

/// A declared signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Signal {
    pub name: u32,
    pub kind: SignalKind,
    pub ttl_days: u32,
    pub window_days: u32,
}

/// A rule's audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    Everyone,
    /// An index into the audience table.
    Named(u32),
    /// A node index.
    Inline(u32),
}

/// A slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    pub id: u32,
    pub path: bool,
    /// The string naming the default content.
    pub default: u32,
    /// Step strings in `refs` (paths).
    pub steps: Span,
    /// Its rules in `rules`, in the order they are tried.
    pub rules: Span,
}

/// A rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub id: u32,
    pub audience: Audience,
    /// Page patterns (strings) in `refs`.
    pub pages: Span,
    pub after: Option<(Event, Option<u32>)>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub cap: Option<(u32, Option<u32>)>,
    /// Layer string, member index, member count.
    pub layer: Option<(u32, u32, u32)>,
    /// The hash state of the salt (the rule id unless the bundle gave another).
    pub salt: Salted,
    pub priority: i32,
    /// Goal events, encoded as event codes, in `refs`.
    pub goals: Span,
    pub rollout_bp: u32,
    pub control_bp: u32,
    /// Its variants in `variants`.
    pub variants: Span,
}

/// A variant of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Variant {
    pub id: u32,
    pub width_bp: u32,
    /// (selector, text) string pairs in `refs`.
    pub text: Span,
    /// Step strings in `refs` (path slots).
    pub steps: Option<Span>,
}

/// A program read by [`read`]: the signed bundle as the device uses it.
#[derive(Debug, Clone)]
pub struct Program {
    pub(crate) version: u64,
    pub(crate) expires_at: i64,
    pub(crate) site: String,
    /// Every string, decoded, end to end.
    pub(crate) text: String,
    /// Each string's byte range in `text`.
    pub(crate) strings: Vec<Span>,
    pub(crate) signals: Vec<Signal>,
    pub(crate) nodes: Vec<Node>,
    /// Lists of indexes the other tables point into.
    pub(crate) refs: Vec<u32>,
    /// (id string, node).
    pub(crate) audiences: Vec<(u32, u32)>,
    pub(crate) slots: Vec<Slot>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) variants: Vec<Variant>,
    pub(crate) holdout_bp: u32,
}

impl Program {
    /// The bundle version (a signing time by default).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// When the bundle stops being usable (Unix seconds).
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }

    /// The site the bundle is for.
    pub fn site(&self) -> &str {
        &self.site
    }

    /// The global holdout in basis points.
    pub fn holdout_bp(&self) -> u32 {
        self.holdout_bp
    }

    /// String `i` of the table (empty for an index past it).
    pub fn str(&self, i: u32) -> &str {
        self.strings
            .get(i as usize)
            .and_then(|s| self.text.get(s.range()))
            .unwrap_or_default()
    }

    /// How many strings the table holds.
    pub fn string_count(&self) -> usize {
        self.strings.len()
    }

    /// The entries of `span` in `refs`.
    pub(crate) fn refs(&self, span: Span) -> &[u32] {
        self.refs.get(span.range()).unwrap_or_default()
    }

    /// How many slots.
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Slot ids in bundle order.
    pub fn slot_ids(&self) -> impl Iterator<Item = &str> {
        self.slots.iter().map(|s| self.str(s.id))
    }

    /// The index of slot `id`.
    pub fn slot_index(&self, id: &str) -> Option<usize> {
        self.slots.iter().position(|s| self.str(s.id) == id)
    }

    /// Rule ids, slot by slot, each slot's rules in the order they are tried.
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| self.str(r.id))
    }

    /// Whether the program has a rule with id `id`.
    pub fn has_rule(&self, id: &str) -> bool {
        self.rules.iter().any(|r| self.str(r.id) == id)
    }

    /// The name of an event reference.
    pub(crate) fn event_name(&self, event: Event) -> &str {
        match event {
            Event::Visit => crate::signals::builtin::VISIT,
            Event::PageView => crate::signals::builtin::PAGE_VIEW,
            Event::Signal(i) => self.signal_name(i),
        }
    }

    /// The name of declared signal `i`.
    pub(crate) fn signal_name(&self, i: u32) -> &str {
        self.signals
            .get(i as usize)
            .map_or("", |s| self.str(s.name))
    }

    /// The indexes of the rules that count `event` as a goal, slot by slot.
    pub fn rules_with_goal<'p>(&'p self, event: &'p str) -> impl Iterator<Item = usize> + 'p {
        self.rules.iter().enumerate().filter_map(move |(i, rule)| {
            self.refs(rule.goals)
                .iter()
                .any(|&code| self.event_name(read::event_of(code)) == event)
                .then_some(i)
        })
    }

    /// The id of rule `i`.
    pub fn rule_id(&self, i: usize) -> &str {
        self.rules.get(i).map_or("", |r| self.str(r.id))
    }
}
