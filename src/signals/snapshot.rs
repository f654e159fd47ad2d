//! The store as the browser keeps it: one compact, versioned, size-capped JSON text.
//!
//! The format is documented on [`Signals::to_snapshot`].
//!
//! Reading trusts nothing: whatever is in `localStorage` may be stale, from another SDK version,
//! from another script, or truncated by a full disk. [`Signals::from_snapshot`] therefore checks
//! the size before parsing, then the version, the shapes, every limit and every time, and refuses
//! the whole text on the first problem — the caller discards it and starts empty, which is always
//! safe. Writing ([`Signals::to_snapshot`]) always produces a text that fits
//! [`MAX_SNAPSHOT_BYTES`], so the SDK never writes what it would refuse to read.

use crate::prelude::*;
use thiserror::Error;

use super::event::{EventRecord, MAX_DAY_COUNT, MAX_TOTAL_COUNT};
use super::store::{check_value, AttributeRecord, SignalError};
use super::{days, Declarations, Signals};
use crate::json::{self, read, FromJson, Json, Object, ShapeError, ToJson};
use crate::map::StrMap;
use crate::time::{Clock, DAY_SECONDS};
use crate::value::Value;

/// Largest snapshot read or written, in bytes: 64 KiB, well inside every browser's
/// `localStorage` quota and cheap to parse on every page load.
pub const MAX_SNAPSHOT_BYTES: usize = 64 * 1024;

/// The snapshot format version written and read by this SDK (the `"v"` field).
pub const SNAPSHOT_VERSION: u64 = 1;

/// How far in the future a stored time may lie (one day), to tolerate a device clock corrected
/// backwards or a change of time zone between two page loads.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = DAY_SECONDS;

/// Why a snapshot was refused. The caller discards the snapshot and starts with an empty store.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SnapshotError {
    /// The text is larger than [`MAX_SNAPSHOT_BYTES`]; it was not parsed.
    #[error("snapshot is {len} bytes, more than the {max}-byte limit")]
    TooLarge {
        /// The text's length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The text is not JSON, or not an object of the expected shape.
    #[error("snapshot is malformed: {reason}")]
    Malformed {
        /// What the parser found wrong, with line and column.
        reason: String,
    },
    /// The snapshot was written in another format version.
    #[error("snapshot format version {found} is not supported (this SDK reads version {SNAPSHOT_VERSION})")]
    UnsupportedVersion {
        /// The version found.
        found: u64,
    },
    /// A stored attribute value breaks the limits a write would enforce.
    #[error("snapshot holds an invalid value: {0}")]
    InvalidValue(#[from] SignalError),
    /// A time lies more than [`MAX_CLOCK_SKEW_SECONDS`] after now.
    #[error("snapshot {what} ({at}) is more than a day after now ({now})")]
    FutureTime {
        /// Which time, e.g. "last time of event `visit`".
        what: String,
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
    #[error("snapshot {what} is impossible: {detail}")]
    OutOfRange {
        /// Which number, e.g. "total of event `visit`".
        what: String,
        /// Why it is impossible.
        detail: String,
    },
}

struct SnapshotDto {
    seen: Option<i64>,
    attrs: StrMap<AttrDto>,
    events: StrMap<EventDto>,
}

impl FromJson for SnapshotDto {
    fn from_json(json: &Json<'_>) -> Result<Self, ShapeError> {
        let o = Object::strict(json, "a signal snapshot", &["v", "seen", "attrs", "events"])?;
        let _: u64 = o.req("v")?;
        let attrs = o.get("attrs").map_or(Ok(StrMap::new()), |j| {
            read::map(j, |a| {
                let o = Object::strict(a, "an attribute", &["v", "t"])?;
                Ok(AttrDto {
                    v: o.req("v")?,
                    t: o.req("t")?,
                })
            })
        })?;
        let events = o.get("events").map_or(Ok(StrMap::new()), |j| {
            read::map(j, |e| {
                let o = Object::strict(e, "an event", &["first", "last", "total", "days"])?;
                let days = o.get("days").map_or(Ok(Vec::new()), |d| {
                    read::list(d, |pair| {
                        let [day, count] = read::tuple::<2>(pair)?;
                        Ok((i64::from_json(day)?, u64::from_json(count)?))
                    })
                })?;
                Ok(EventDto {
                    first: o.req("first")?,
                    last: o.req("last")?,
                    total: o.req("total")?,
                    days,
                })
            })
        })?;
        Ok(SnapshotDto {
            seen: o.opt("seen")?,
            attrs,
            events,
        })
    }
}

struct AttrDto {
    v: Value,
    t: i64,
}

struct EventDto {
    first: i64,
    last: i64,
    total: u64,
    days: Vec<(i64, u64)>,
}

impl Signals {
    /// Parses a snapshot written by [`to_snapshot`](Self::to_snapshot), then
    /// [`prune`](Self::prune)s it against `decls` and `clock` (so undeclared, re-kinded and
    /// expired signals are gone, and day counts outside the windows too).
    ///
    /// # Errors
    ///
    /// The whole snapshot is refused — never partly trusted — when it is larger than
    /// [`MAX_SNAPSHOT_BYTES`] (checked before parsing), is not JSON or has another shape
    /// (unknown fields included), has another version than [`SNAPSHOT_VERSION`], holds a value a
    /// write would refuse (non-finite number, over-long string or list), a time outside
    /// ±[`MAX_TIMESTAMP`](super::MAX_TIMESTAMP) or more than [`MAX_CLOCK_SKEW_SECONDS`] in the
    /// future, a day count after tomorrow, or impossible counts (zero, above
    /// [`MAX_DAY_COUNT`](super::MAX_DAY_COUNT) / [`MAX_TOTAL_COUNT`](super::MAX_TOTAL_COUNT), a
    /// day above the total, days not strictly ascending, first seen after last seen).
    pub fn from_snapshot(
        text: &str,
        decls: &Declarations,
        clock: &Clock,
    ) -> Result<Signals, SnapshotError> {
        if text.len() > MAX_SNAPSHOT_BYTES {
            return Err(SnapshotError::TooLarge {
                len: text.len(),
                max: MAX_SNAPSHOT_BYTES,
            });
        }
        let malformed = |e: json::Error| SnapshotError::Malformed {
            reason: e.to_string(),
        };
        let root = json::parse(text).map_err(|e| malformed(json::Error::syntax(text, &e)))?;
        let version = read::Object::lenient(&root, "a signal snapshot", &["v"])
            .and_then(|o| o.req::<u64>("v"))
            .map_err(|e| malformed(json::Error::shape(text, &root, e)))?;
        if version != SNAPSHOT_VERSION {
            return Err(SnapshotError::UnsupportedVersion { found: version });
        }
        let dto = SnapshotDto::from_json(&root)
            .map_err(|e| malformed(json::Error::shape(text, &root, e)))?;
        let checker = Checker::new(clock);
        let mut signals = Signals::new();
        if let Some(seen) = dto.seen {
            checker.time("first-seen time of the device", None, seen)?;
            signals.first_seen = Some(seen);
        }
        for (name, attr) in dto.attrs {
            check_value(&name, &attr.v)?;
            checker.time("write time of attribute", Some(&name), attr.t)?;
            signals.attributes.insert(
                name,
                AttributeRecord {
                    value: attr.v,
                    written_at: attr.t,
                },
            );
        }
        for (name, event) in dto.events {
            let record = checker.event(&name, event)?;
            signals.events.insert(name, record);
        }
        signals.prune(decls, clock);
        Ok(signals)
    }

    /// The store as compact JSON, at most [`MAX_SNAPSHOT_BYTES`] long:
    ///
    /// ```json
    /// {"v":1,"seen":1767225600,
    ///  "attrs":{"role":{"v":"admin","t":1767225600}},
    ///  "events":{"visit":{"first":1767225600,"last":1767312000,"total":2,"days":[[20454,1],[20455,1]]}}}
    /// ```
    ///
    /// `seen` is the device's first-seen time (absent if never recorded); `t` an attribute's last write
    /// time; `first`/`last` an event's first and last occurrence; `days` its per-local-day counts as
    /// `[day, count]` pairs, oldest first. Times are Unix seconds, days local day numbers.
    ///
    /// When everything does not fit, data is left out of the text (the store in memory is not
    /// changed) in this order until it does: the oldest per-day event counts first (across all
    /// events, ties broken by event name) — they are the least useful, since conditions mostly
    /// look at recent days, and the lifetime totals and first/last times stay; then any attribute
    /// too large to fit even alone; then the least recently written attributes; then whole
    /// events, least recently seen first. The header and
    /// the device's first-seen time always fit. In practice the cap is only reached by a bundle
    /// that declares many events with long windows, or long list attributes.
    pub fn to_snapshot(&self) -> String {
        let mut plan = WritePlan::new(self);
        plan.fit(MAX_SNAPSHOT_BYTES);
        let text = plan.render();
        if text.len() <= MAX_SNAPSHOT_BYTES {
            text
        } else {
            // Unreachable if the accounting above is right; never write what cannot be read.
            header(self.first_seen) + FRAME
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

    /// Checks the instant `at`, described as `what` followed by `` `name` `` when there is a
    /// name (the description is built only for an error).
    fn time(&self, what: &str, name: Option<&str>, at: i64) -> Result<(), SnapshotError> {
        let what = || match name {
            None => what.to_owned(),
            Some(name) => format!("{what} `{name}`"),
        };
        if at.unsigned_abs() > days::MAX_TIMESTAMP.unsigned_abs() {
            return Err(SnapshotError::OutOfRange {
                what: what(),
                detail: format!(
                    "{at} is outside ±{} (the years -7999 to 9999)",
                    days::MAX_TIMESTAMP
                ),
            });
        }
        if at > self.now.saturating_add(MAX_CLOCK_SKEW_SECONDS) {
            return Err(SnapshotError::FutureTime {
                what: what(),
                at,
                now: self.now,
            });
        }
        Ok(())
    }

    fn event(&self, name: &str, dto: EventDto) -> Result<EventRecord, SnapshotError> {
        let impossible = |what: String, detail: String| SnapshotError::OutOfRange { what, detail };
        self.time("first time of event", Some(name), dto.first)?;
        self.time("last time of event", Some(name), dto.last)?;
        if dto.first > dto.last {
            return Err(impossible(
                format!("first time of event `{name}`"),
                format!("{} is after its last time {}", dto.first, dto.last),
            ));
        }
        if !(1..=MAX_TOTAL_COUNT).contains(&dto.total) {
            return Err(impossible(
                format!("total of event `{name}`"),
                format!("{} is not in 1..={MAX_TOTAL_COUNT}", dto.total),
            ));
        }
        let mut days = Vec::with_capacity(dto.days.len());
        let mut previous: Option<i64> = None;
        for (day, count) in dto.days {
            if previous.is_some_and(|p| day <= p) {
                return Err(impossible(
                    format!("days of event `{name}`"),
                    format!("day {day} is not after the day before it"),
                ));
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
                return Err(impossible(
                    format!("count of event `{name}` on day {day}"),
                    format!(
                        "{count} is not in 1..={} (the day cap or the total)",
                        MAX_DAY_COUNT.min(dto.total)
                    ),
                ));
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

/// `{"v":1,` plus `"seen":N,` when known: the part of every snapshot that always fits.
fn header(first_seen: Option<i64>) -> String {
    match first_seen {
        Some(seen) => format!("{{\"v\":{SNAPSHOT_VERSION},\"seen\":{seen},"),
        None => format!("{{\"v\":{SNAPSHOT_VERSION},"),
    }
}

/// The length of `n` pieces of total length `sum` joined by commas.
fn joined(sum: usize, n: usize) -> usize {
    sum + n.saturating_sub(1)
}

/// One event as it will be written.
struct EventPiece {
    /// `"name":{"first":F,"last":L,"total":T,"days":[`
    prefix: String,
    last_seen: i64,
    /// `[day,count]`, oldest first.
    days: Vec<(i64, String)>,
    /// Index of the first day still written (older ones are left out).
    first_kept: usize,
    /// Total length of the written day pieces.
    days_len: usize,
    kept: bool,
}

impl EventPiece {
    fn kept_days(&self) -> usize {
        self.days.len().saturating_sub(self.first_kept)
    }

    fn len(&self) -> usize {
        // prefix + days + "]}"
        self.prefix.len() + joined(self.days_len, self.kept_days()) + 2
    }
}

/// One attribute as it will be written: `"name":{"v":VALUE,"t":T}`.
struct AttrPiece {
    text: String,
    written_at: i64,
    kept: bool,
}

/// The snapshot as pieces, so leaving one out adjusts the length without re-serializing.
struct WritePlan {
    header: String,
    attrs: Vec<AttrPiece>,
    events: Vec<EventPiece>,
    attrs_len: usize,
    attrs_n: usize,
    events_len: usize,
    events_n: usize,
}

/// The fixed text around the two maps: `"attrs":{` … `},"events":{` … `}}`.
const FRAME: &str = "\"attrs\":{},\"events\":{}}";

impl WritePlan {
    fn new(signals: &Signals) -> Self {
        // Plain loops rather than iterator chains: the same work in less module code.
        let mut attrs: Vec<AttrPiece> = Vec::with_capacity(signals.attributes.len());
        let mut attrs_len = 0;
        for (name, record) in signals.attributes.iter() {
            let key = json::write::quoted(name);
            let value = record.value.to_json();
            let text = format!("{key}:{{\"v\":{value},\"t\":{}}}", record.written_at);
            attrs_len += text.len();
            attrs.push(AttrPiece {
                text,
                written_at: record.written_at,
                kept: true,
            });
        }
        let mut events: Vec<EventPiece> = Vec::with_capacity(signals.events.len());
        let mut events_len = 0;
        for (name, record) in signals.events.iter() {
            let key = json::write::quoted(name);
            let mut days: Vec<(i64, String)> = Vec::new();
            let mut days_len = 0;
            for (day, count) in record.day_counts() {
                let text = format!("[{day},{count}]");
                days_len += text.len();
                days.push((day, text));
            }
            let event = EventPiece {
                prefix: format!(
                    "{key}:{{\"first\":{},\"last\":{},\"total\":{},\"days\":[",
                    record.first_seen, record.last_seen, record.total
                ),
                last_seen: record.last_seen,
                days_len,
                days,
                first_kept: 0,
                kept: true,
            };
            events_len += event.len();
            events.push(event);
        }
        WritePlan {
            header: header(signals.first_seen),
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
            + FRAME.len()
            + joined(self.attrs_len, self.attrs_n)
            + joined(self.events_len, self.events_n)
    }

    /// Leaves data out, least useful first, until the text fits in `cap` bytes.
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
                if let Some((_, text)) = event.days.get(event.first_kept) {
                    event.days_len -= text.len();
                    event.first_kept += 1;
                }
                self.events_len = self.events_len - before + event.len();
            }
        }
        // 2. Attributes that could not be written even alone: leaving one out first spares
        //    smaller, older ones it would otherwise push out for nothing.
        let room = cap.saturating_sub(self.header.len() + FRAME.len());
        for attr in self.attrs.iter_mut().filter(|a| a.text.len() > room) {
            attr.kept = false;
            self.attrs_len -= attr.text.len();
            self.attrs_n -= 1;
        }
        // 3. Least recently written attributes.
        // Attributes are in name order, so the index breaks ties by name.
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
                self.attrs_len -= attr.text.len();
                self.attrs_n -= 1;
            }
        }
        // 4. Least recently seen events.
        // Events are in name order, so the index breaks ties by name.
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

    fn render(&self) -> String {
        let mut out = String::with_capacity(self.len());
        out.push_str(&self.header);
        out.push_str("\"attrs\":{");
        let mut first = true;
        for a in self.attrs.iter().filter(|a| a.kept) {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&a.text);
        }
        out.push_str("},\"events\":{");
        first = true;
        for event in self.events.iter().filter(|e| e.kept) {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&event.prefix);
            for (n, (_, text)) in event
                .days
                .get(event.first_kept..)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(text);
            }
            out.push_str("]}");
        }
        out.push_str("}}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000_000;

    fn future_what(text: &str) -> String {
        match Signals::from_snapshot(text, &Declarations::default(), &Clock::utc(NOW)) {
            Err(SnapshotError::FutureTime { what, .. }) => what,
            Err(other) => format!("another error: {other}"),
            Ok(_) => "accepted".to_owned(),
        }
    }

    #[test]
    fn a_time_in_the_future_is_named_with_its_attribute_or_event() {
        let f = NOW + 2 * DAY_SECONDS;
        assert_eq!(
            future_what(&format!(r#"{{"v":1,"seen":{f}}}"#)),
            "first-seen time of the device"
        );
        assert_eq!(
            future_what(&format!(
                r#"{{"v":1,"attrs":{{"role":{{"v":"a","t":{f}}}}}}}"#
            )),
            "write time of attribute `role`"
        );
        assert_eq!(
            future_what(&format!(
                r#"{{"v":1,"events":{{"signup":{{"first":{f},"last":{f},"total":1}}}}}}"#
            )),
            "first time of event `signup`"
        );
        assert_eq!(
            future_what(&format!(
                r#"{{"v":1,"events":{{"signup":{{"first":{NOW},"last":{f},"total":1}}}}}}"#
            )),
            "last time of event `signup`"
        );
    }
}
