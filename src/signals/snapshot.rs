//! The store as the browser keeps it: one compact, versioned, size-capped byte string.
//!
//! The format is documented on [`Signals::to_snapshot`].
//!
//! Reading trusts nothing: whatever is in `localStorage` may be stale, from another SDK version,
//! from another script, or truncated by a full disk. [`Signals::from_snapshot`] therefore checks
//! the size before reading, then the format, every limit and every time, and refuses the whole
//! snapshot on the first problem — the caller discards it and starts empty, which is always
//! safe. Writing ([`Signals::to_snapshot`]) always produces a snapshot that fits
//! [`MAX_SNAPSHOT_BYTES`], so the SDK never writes what it would refuse to read.

use crate::prelude::*;
use thiserror::Error;

use super::event::{EventRecord, MAX_DAY_COUNT, MAX_TOTAL_COUNT};
use super::store::{check_value, AttributeRecord, SignalError};
use super::{days, Declarations, Signals};
use crate::codec::{CodecError, Reader, Writer};
use crate::json;
use crate::time::{Clock, DAY_SECONDS};
use crate::value::Value;

/// Largest snapshot read or written, in bytes: 64 KiB, well inside every browser's
/// `localStorage` quota and cheap to read on every page load.
pub const MAX_SNAPSHOT_BYTES: usize = 64 * 1024;

/// The snapshot format version written and read by this SDK.
pub const SNAPSHOT_VERSION: u8 = 2;

/// The snapshot's first bytes: a tag and the format version.
const HEAD: [u8; 2] = [b'S', SNAPSHOT_VERSION];

/// How far in the future a stored time may lie (one day), to tolerate a device clock corrected
/// backwards or a change of time zone between two page loads.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = DAY_SECONDS;

/// Why a snapshot was refused. The caller discards the snapshot and starts with an empty store.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SnapshotError {
    /// The snapshot is larger than [`MAX_SNAPSHOT_BYTES`]; it was not read.
    #[error("snapshot is {len} bytes, more than the {max}-byte limit")]
    TooLarge {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes are not a snapshot of the expected shape.
    #[error("snapshot is malformed at byte {at}")]
    Malformed {
        /// Where the problem was found.
        at: usize,
    },
    /// The snapshot was written in another format version (or is not a signal snapshot).
    #[error("snapshot is not of format version {SNAPSHOT_VERSION}")]
    UnsupportedVersion,
    /// A stored attribute value breaks the limits a write would enforce.
    #[error("snapshot holds an invalid value: {0}")]
    InvalidValue(#[from] SignalError),
    /// A time lies more than [`MAX_CLOCK_SKEW_SECONDS`] after now.
    #[error("snapshot {what}{} ({at}) is more than a day after now ({now})", named(.name))]
    FutureTime {
        /// Which time, e.g. the last time of an event.
        what: Field,
        /// The attribute or event it belongs to, if any.
        name: Option<String>,
        /// The time found (Unix seconds).
        at: i64,
        /// Now (Unix seconds).
        now: i64,
    },
    /// A per-day count lies on a local day after tomorrow.
    #[error("snapshot has a count for event `{event}` on local day {day}, after tomorrow (today is {today})")]
    FutureDay {
        /// The event.
        event: String,
        /// The local day found.
        day: i64,
        /// Today's local day.
        today: i64,
    },
    /// A number is out of its possible range or inconsistent with another one.
    #[error("snapshot {what}{} is impossible: {value}", named(.name))]
    OutOfRange {
        /// Which number, e.g. the total of an event.
        what: Field,
        /// The attribute or event it belongs to, if any.
        name: Option<String>,
        /// The value found.
        value: i64,
    },
}

/// Which stored value a [`SnapshotError`] is about. Its words are in `Display` only, so a
/// browser module that never formats the error carries none of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The first-seen time of the device.
    DeviceFirstSeen,
    /// The write time of attribute.
    AttributeWritten,
    /// The first time of event.
    EventFirst,
    /// The last time of event.
    EventLast,
    /// The first time (after the last) of event.
    EventFirstAfterLast,
    /// The total of event.
    EventTotal,
    /// The day (not after the one before) of event.
    EventDayOrder,
    /// The day count of event.
    EventDayCount,
}

impl core::fmt::Display for Field {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Field::DeviceFirstSeen => "first-seen time of the device",
            Field::AttributeWritten => "write time of attribute",
            Field::EventFirst => "first time of event",
            Field::EventLast => "last time of event",
            Field::EventFirstAfterLast => "first time (after the last) of event",
            Field::EventTotal => "total of event",
            Field::EventDayOrder => "day (not after the one before) of event",
            Field::EventDayCount => "day count of event",
        })
    }
}

/// `` `name` `` after a description, when there is a name.
fn named(name: &Option<String>) -> String {
    name.as_ref()
        .map_or_else(String::new, |n| format!(" `{n}`"))
}

impl From<CodecError> for SnapshotError {
    fn from(e: CodecError) -> Self {
        SnapshotError::Malformed { at: e.at() }
    }
}

/// An event as stored, before its checks.
struct EventDto {
    first: i64,
    last: i64,
    total: u64,
    days: Vec<(i64, u64)>,
}

impl Signals {
    /// Reads a snapshot written by [`to_snapshot`](Self::to_snapshot), then
    /// [`prune`](Self::prune)s it against `decls` and `clock` (so undeclared, re-kinded and
    /// expired signals are gone, and day counts outside the windows too).
    ///
    /// # Errors
    ///
    /// The whole snapshot is refused — never partly trusted — when it is larger than
    /// [`MAX_SNAPSHOT_BYTES`] (checked before reading), is of another format, is cut short or
    /// has bytes left over, holds a name twice, a value a write would refuse (non-finite number,
    /// over-long string or list), a time outside ±[`MAX_TIMESTAMP`](super::MAX_TIMESTAMP) or
    /// more than [`MAX_CLOCK_SKEW_SECONDS`] in the future, a day count after tomorrow, or
    /// impossible counts (zero, above [`MAX_DAY_COUNT`] / [`MAX_TOTAL_COUNT`], a day above the
    /// total, first seen after last seen).
    pub fn from_snapshot(
        bytes: &[u8],
        decls: &Declarations,
        clock: &Clock,
    ) -> Result<Signals, SnapshotError> {
        if bytes.len() > MAX_SNAPSHOT_BYTES {
            return Err(SnapshotError::TooLarge {
                len: bytes.len(),
                max: MAX_SNAPSHOT_BYTES,
            });
        }
        let mut r = Reader::new(bytes);
        if r.bytes(2) != HEAD {
            return Err(SnapshotError::UnsupportedVersion);
        }
        let checker = Checker::new(clock);
        let mut signals = Signals::new();
        if r.u8() == 1 {
            let seen = r.int();
            read_ok(&r)?;
            checker.time(Field::DeviceFirstSeen, None, seen)?;
            signals.first_seen = Some(seen);
        }
        let n = r.count(3);
        for _ in 0..n {
            let at = r.at();
            let name = r.text();
            let written_at = r.int();
            let value = read_value(&mut r);
            read_ok(&r)?;
            check_value(name, &value)?;
            checker.time(Field::AttributeWritten, Some(name), written_at)?;
            if signals.attributes.contains_key(name) {
                return Err(SnapshotError::Malformed { at });
            }
            signals
                .attributes
                .insert(name.to_owned(), AttributeRecord { value, written_at });
        }
        let n = r.count(5);
        for _ in 0..n {
            let at = r.at();
            let name = r.text();
            let first = r.int();
            let last = r.int();
            let total = r.uint();
            let count = r.count(2);
            let mut days = Vec::with_capacity(count);
            let mut day = 0i64;
            for i in 0..count {
                // The first day is written whole, the others as the (positive) step from the
                // day before, so days are strictly ascending by construction.
                day = if i == 0 {
                    r.int()
                } else {
                    match i64::try_from(r.uint()).ok().filter(|&step| step > 0) {
                        Some(step) => day.checked_add(step).unwrap_or_else(|| {
                            r.malformed(at);
                            0
                        }),
                        None => {
                            r.malformed(at);
                            0
                        }
                    }
                };
                days.push((day, r.uint()));
            }
            read_ok(&r)?;
            let record = checker.event(
                name,
                EventDto {
                    first,
                    last,
                    total,
                    days,
                },
            )?;
            if signals.events.contains_key(name) {
                return Err(SnapshotError::Malformed { at });
            }
            signals.events.insert(name.to_owned(), record);
        }
        r.end()?;
        signals.prune(decls, clock);
        Ok(signals)
    }

    /// The store in its compact form ([`crate::codec`]), at most [`MAX_SNAPSHOT_BYTES`] long:
    ///
    /// ```text
    /// "S" 2                                        tag, format version
    /// seen: 0 | 1 i                                the device's first-seen time, if known
    /// attrs: n:u { name written_at:i value }       value: 0 text | 1 f64 | 2 false | 3 true
    ///                                                     | 4 n:u {text}
    /// events: n:u { name first:i last:i total:u days: n:u { day count:u } }
    /// ```
    ///
    /// Times are Unix seconds, days local day numbers; an event's first day is written whole
    /// (`i`) and each later one as the step from the one before (`u`, at least 1).
    ///
    /// When everything does not fit, data is left out (the store in memory is not changed) in
    /// this order until it does: the oldest per-day event counts first (across all events, ties
    /// broken by event name) — they are the least useful, since conditions mostly look at recent
    /// days, and the lifetime totals and first/last times stay; then any attribute too large to
    /// fit even alone; then the least recently written attributes; then whole events, least
    /// recently seen first. The header and the device's first-seen time always fit.
    pub fn to_snapshot(&self) -> Vec<u8> {
        let mut plan = WritePlan::new(self);
        plan.fit(MAX_SNAPSHOT_BYTES);
        plan.render()
    }

    /// The store as JSON for a debug panel (JavaScript's `signals()`):
    /// `{"seen":T,"attrs":{"role":{"v":"admin","t":T}},"events":{"visit":{"first":T,"last":T,"total":N,"days":[[DAY,N],…]}}}`.
    pub fn to_json(&self) -> String {
        let mut w = json::Writer::new();
        w.open_object();
        if let Some(seen) = self.first_seen {
            w.key("seen");
            w.int(seen);
        }
        w.key("attrs");
        w.open_object();
        for (name, record) in self.attributes.iter() {
            w.key(name);
            w.open_object();
            w.key("v");
            match &record.value {
                Value::String(s) => w.string(s),
                Value::Number(n) => w.number_bits(*n),
                Value::Bool(b) => w.bool(*b),
                Value::List(items) => w.strings(items),
            }
            w.key("t");
            w.int(record.written_at);
            w.close_object();
        }
        w.close_object();
        w.key("events");
        w.open_object();
        for (name, record) in self.events.iter() {
            w.key(name);
            w.open_object();
            w.key("first");
            w.int(record.first_seen);
            w.key("last");
            w.int(record.last_seen);
            w.key("total");
            w.uint(record.total);
            w.key("days");
            w.open_array();
            for (day, count) in record.day_counts() {
                w.open_array();
                w.int(day);
                w.uint(count);
                w.close_array();
            }
            w.close_array();
            w.close_object();
        }
        w.close_object();
        w.close_object();
        w.finish()
    }
}

/// Fails with the reader's first problem, if it has one: the checks after a read only run on
/// values that were really in the bytes.
fn read_ok(r: &Reader<'_>) -> Result<(), SnapshotError> {
    match r.error() {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// A stored value; a problem is left in the reader.
fn read_value(r: &mut Reader<'_>) -> Value {
    let at = r.at();
    match r.u8() {
        0 => Value::String(r.text().to_owned()),
        1 => Value::Number(r.f64()),
        2 => Value::Bool(false),
        3 => Value::Bool(true),
        4 => {
            let n = r.count(1);
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(r.text().to_owned());
            }
            Value::List(items)
        }
        _ => {
            r.malformed(at);
            Value::Bool(false)
        }
    }
}

fn write_value(w: &mut Writer, value: &Value) {
    match value {
        Value::String(s) => {
            w.u8(0);
            w.text(s);
        }
        Value::Number(n) => {
            w.u8(1);
            w.f64(*n);
        }
        Value::Bool(b) => w.u8(2 + u8::from(*b)),
        Value::List(items) => {
            w.u8(4);
            w.uint(items.len() as u64);
            for item in items {
                w.text(item);
            }
        }
    }
}

/// The checks of one snapshot against one clock.
struct Checker {
    now: i64,
    today: i64,
}

impl Checker {
    fn new(clock: &Clock) -> Self {
        Checker {
            now: days::clamp_instant(clock.now),
            today: days::today(clock),
        }
    }

    /// Checks the instant `at`, described as `what` of `name` (if any).
    fn time(&self, what: Field, name: Option<&str>, at: i64) -> Result<(), SnapshotError> {
        let name = || name.map(str::to_owned);
        if at.unsigned_abs() > days::MAX_TIMESTAMP.unsigned_abs() {
            return Err(SnapshotError::OutOfRange {
                what,
                name: name(),
                value: at,
            });
        }
        if at > self.now.saturating_add(MAX_CLOCK_SKEW_SECONDS) {
            return Err(SnapshotError::FutureTime {
                what,
                name: name(),
                at,
                now: self.now,
            });
        }
        Ok(())
    }

    fn event(&self, name: &str, dto: EventDto) -> Result<EventRecord, SnapshotError> {
        let impossible = |what, value| SnapshotError::OutOfRange {
            what,
            name: Some(name.to_owned()),
            value,
        };
        self.time(Field::EventFirst, Some(name), dto.first)?;
        self.time(Field::EventLast, Some(name), dto.last)?;
        if dto.first > dto.last {
            return Err(impossible(Field::EventFirstAfterLast, dto.first));
        }
        if !(1..=MAX_TOTAL_COUNT).contains(&dto.total) {
            return Err(impossible(Field::EventTotal, dto.total as i64));
        }
        let mut days = Vec::with_capacity(dto.days.len());
        let mut previous: Option<i64> = None;
        for (day, count) in dto.days {
            if previous.is_some_and(|p| day <= p) {
                return Err(impossible(Field::EventDayOrder, day));
            }
            previous = Some(day);
            if day > self.today.saturating_add(1) {
                return Err(SnapshotError::FutureDay {
                    event: name.to_owned(),
                    day,
                    today: self.today,
                });
            }
            if !(1..=MAX_DAY_COUNT.min(dto.total)).contains(&count) {
                return Err(impossible(Field::EventDayCount, count as i64));
            }
            days.push((day, count));
        }
        Ok(EventRecord {
            first_seen: dto.first,
            last_seen: dto.last,
            total: dto.total,
            days,
        })
    }
}

/// The bytes of a varint.
fn uint_len(value: u64) -> usize {
    let mut w = Writer::new();
    w.uint(value);
    w.len()
}

/// One event as it will be written.
struct EventPiece {
    /// Name, first, last, total.
    prefix: Vec<u8>,
    last_seen: i64,
    /// (day, count), oldest first.
    days: Vec<(i64, u64)>,
    /// Index of the first day still written (older ones are left out).
    first_kept: usize,
    kept: bool,
}

impl EventPiece {
    /// The day list as written from `first_kept`: its count, the first day whole, the steps.
    fn days_bytes(&self) -> Vec<u8> {
        let kept = self.days.get(self.first_kept..).unwrap_or_default();
        let mut w = Writer::new();
        w.uint(kept.len() as u64);
        let mut previous = None;
        for &(day, count) in kept {
            match previous {
                None => w.int(day),
                Some(p) => w.uint(u64::try_from(day - p).unwrap_or(0)),
            }
            w.uint(count);
            previous = Some(day);
        }
        w.finish()
    }

    fn len(&self) -> usize {
        self.prefix.len() + self.days_bytes().len()
    }
}

/// One attribute as it will be written.
struct AttrPiece {
    bytes: Vec<u8>,
    written_at: i64,
    kept: bool,
}

/// The snapshot as pieces, so leaving one out adjusts the length without re-encoding the rest.
struct WritePlan {
    header: Vec<u8>,
    attrs: Vec<AttrPiece>,
    events: Vec<EventPiece>,
    attrs_len: usize,
    attrs_n: usize,
    events_len: usize,
    events_n: usize,
}

impl WritePlan {
    fn new(signals: &Signals) -> Self {
        let mut header = Writer::new();
        header.raw(&HEAD);
        match signals.first_seen {
            Some(seen) => {
                header.u8(1);
                header.int(seen);
            }
            None => header.u8(0),
        }
        let mut attrs: Vec<AttrPiece> = Vec::with_capacity(signals.attributes.len());
        let mut attrs_len = 0;
        for (name, record) in signals.attributes.iter() {
            let mut w = Writer::new();
            w.text(name);
            w.int(record.written_at);
            write_value(&mut w, &record.value);
            let bytes = w.finish();
            attrs_len += bytes.len();
            attrs.push(AttrPiece {
                bytes,
                written_at: record.written_at,
                kept: true,
            });
        }
        let mut events: Vec<EventPiece> = Vec::with_capacity(signals.events.len());
        let mut events_len = 0;
        for (name, record) in signals.events.iter() {
            let mut w = Writer::new();
            w.text(name);
            w.int(record.first_seen);
            w.int(record.last_seen);
            w.uint(record.total);
            let event = EventPiece {
                prefix: w.finish(),
                last_seen: record.last_seen,
                days: record.day_counts().collect(),
                first_kept: 0,
                kept: true,
            };
            events_len += event.len();
            events.push(event);
        }
        WritePlan {
            header: header.finish(),
            attrs_len,
            attrs_n: attrs.len(),
            events_len,
            events_n: events.len(),
            attrs,
            events,
        }
    }

    fn len(&self) -> usize {
        self.header.len()
            + uint_len(self.attrs_n as u64)
            + self.attrs_len
            + uint_len(self.events_n as u64)
            + self.events_len
    }

    /// Leaves data out, least useful first, until the snapshot fits in `cap` bytes.
    fn fit(&mut self, cap: usize) {
        if self.len() <= cap {
            return;
        }
        // 1. Oldest day counts, across all events.
        let mut all_days: Vec<(i64, usize)> = Vec::new();
        for (i, e) in self.events.iter().enumerate() {
            for (day, _) in &e.days {
                all_days.push((*day, i));
            }
        }
        // Sorting by (day, event index) keeps each event's own days in order, so the next one
        // taken from an event is always its oldest kept day; event indices follow name order.
        crate::map::sort_pairs(&mut all_days);
        for (_, i) in all_days {
            if self.len() <= cap {
                return;
            }
            if let Some(event) = self.events.get_mut(i) {
                let before = event.len();
                event.first_kept += 1;
                self.events_len = self.events_len - before + event.len();
            }
        }
        // 2. Attributes that could not be written even alone: leaving one out first spares
        //    smaller, older ones it would otherwise push out for nothing.
        let room = cap.saturating_sub(self.header.len() + 2 * uint_len(0));
        for attr in self.attrs.iter_mut().filter(|a| a.bytes.len() > room) {
            attr.kept = false;
            self.attrs_len -= attr.bytes.len();
            self.attrs_n -= 1;
        }
        // 3. Least recently written attributes (ties by name: the index follows name order).
        let mut order: Vec<(i64, usize)> = Vec::with_capacity(self.attrs.len());
        for (i, a) in self.attrs.iter().enumerate() {
            order.push((a.written_at, i));
        }
        crate::map::sort_pairs(&mut order);
        for (_, i) in order {
            if self.len() <= cap {
                return;
            }
            if let Some(attr) = self.attrs.get_mut(i).filter(|a| a.kept) {
                attr.kept = false;
                self.attrs_len -= attr.bytes.len();
                self.attrs_n -= 1;
            }
        }
        // 4. Least recently seen events (ties by name).
        let mut order: Vec<(i64, usize)> = Vec::with_capacity(self.events.len());
        for (i, e) in self.events.iter().enumerate() {
            order.push((e.last_seen, i));
        }
        crate::map::sort_pairs(&mut order);
        for (_, i) in order {
            if self.len() <= cap {
                return;
            }
            if let Some(event) = self.events.get_mut(i) {
                event.kept = false;
                self.events_len -= event.len();
                self.events_n -= 1;
            }
        }
    }

    fn render(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(&self.header);
        w.uint(self.attrs_n as u64);
        for a in self.attrs.iter().filter(|a| a.kept) {
            w.raw(&a.bytes);
        }
        w.uint(self.events_n as u64);
        for e in self.events.iter().filter(|e| e.kept) {
            w.raw(&e.prefix);
            w.raw(&e.days_bytes());
        }
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000_000;

    fn future_what(signals: &Signals) -> String {
        match Signals::from_snapshot(
            &signals.to_snapshot(),
            &Declarations::default(),
            &Clock::utc(NOW),
        ) {
            Err(e @ SnapshotError::FutureTime { .. }) => e
                .to_string()
                .trim_start_matches("snapshot ")
                .split(" (")
                .next()
                .unwrap_or_default()
                .to_owned(),
            Err(other) => format!("another error: {other}"),
            Ok(_) => "accepted".to_owned(),
        }
    }

    #[test]
    fn a_time_in_the_future_is_named_with_its_attribute_or_event() {
        let f = NOW + 2 * DAY_SECONDS;
        let mut s = Signals::new();
        s.first_seen = Some(f);
        assert_eq!(future_what(&s), "first-seen time of the device");
        let mut s = Signals::new();
        s.attributes.insert(
            "role".into(),
            AttributeRecord {
                value: "a".into(),
                written_at: f,
            },
        );
        assert_eq!(future_what(&s), "write time of attribute `role`");
        let event = |first, last| EventRecord {
            first_seen: first,
            last_seen: last,
            total: 1,
            days: Vec::new(),
        };
        let mut s = Signals::new();
        s.events.insert("signup".into(), event(f, f));
        assert_eq!(future_what(&s), "first time of event `signup`");
        let mut s = Signals::new();
        s.events.insert("signup".into(), event(NOW, f));
        assert_eq!(future_what(&s), "last time of event `signup`");
    }
}
