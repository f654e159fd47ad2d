//! The local signal store: attributes, events and the device's first-seen time.

use crate::prelude::*;
use thiserror::Error;

use super::days;
use super::event::EventRecord;
use super::{builtin, Declarations};
use crate::bundle::limits::{MAX_LIST_ITEMS, MAX_STRING_BYTES};
use crate::bundle::SignalKind;
use crate::map::StrMap;
use crate::time::{Clock, DAY_SECONDS};
use crate::value::{Value, ValueKind};

/// Why the store refused a write. Nothing is stored when a write fails.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignalError {
    /// The bundle does not declare the signal (governance: undeclared signals are never stored).
    #[error("signal `{name}` is not declared in the bundle, so it is not stored")]
    Undeclared {
        /// The signal name.
        name: String,
    },
    /// The name is a built-in attribute or event, which only the SDK itself produces.
    #[error("signal `{name}` is built in and read-only")]
    BuiltIn {
        /// The signal name.
        name: String,
    },
    /// The value has another shape than the declaration.
    #[error("signal `{name}` is declared as {declared}, but the value is a {given}")]
    WrongKind {
        /// The signal name.
        name: String,
        /// The declared shape.
        declared: ValueKind,
        /// The shape of the rejected value.
        given: ValueKind,
    },
    /// An attribute write names an event.
    #[error("signal `{name}` is declared as an event: record it with track(), not set()")]
    IsEvent {
        /// The signal name.
        name: String,
    },
    /// An event write names an attribute.
    #[error(
        "signal `{name}` is declared as a {declared} attribute, not an event: write it with set()"
    )]
    NotEvent {
        /// The signal name.
        name: String,
        /// The declared shape.
        declared: ValueKind,
    },
    /// A string value (or a list element) is longer than the limit.
    #[error("signal `{name}`: a string of {len} bytes is longer than the {max}-byte limit")]
    StringTooLong {
        /// The signal name.
        name: String,
        /// The length of the offending string in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A list value has too many elements.
    #[error("signal `{name}`: a list of {len} items is longer than the {max}-item limit")]
    ListTooLong {
        /// The signal name.
        name: String,
        /// The number of items given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A number is NaN or infinite.
    #[error("signal `{name}`: the number is not finite (NaN and infinities cannot be stored)")]
    NonFinite {
        /// The signal name.
        name: String,
    },
}

impl SignalError {
    /// A stable snake_case code for this refusal (exposed to JavaScript as `error.code`; the
    /// message may be reworded, the code will not):
    ///
    /// | code | variant |
    /// |---|---|
    /// | `undeclared_signal` | [`SignalError::Undeclared`] |
    /// | `builtin_signal` | [`SignalError::BuiltIn`] |
    /// | `wrong_kind` | [`SignalError::WrongKind`] |
    /// | `signal_is_event` | [`SignalError::IsEvent`] |
    /// | `signal_not_event` | [`SignalError::NotEvent`] |
    /// | `string_too_long` | [`SignalError::StringTooLong`] |
    /// | `list_too_long` | [`SignalError::ListTooLong`] |
    /// | `non_finite_number` | [`SignalError::NonFinite`] |
    pub fn code(&self) -> &'static str {
        match self {
            SignalError::Undeclared { .. } => "undeclared_signal",
            SignalError::BuiltIn { .. } => "builtin_signal",
            SignalError::WrongKind { .. } => "wrong_kind",
            SignalError::IsEvent { .. } => "signal_is_event",
            SignalError::NotEvent { .. } => "signal_not_event",
            SignalError::StringTooLong { .. } => "string_too_long",
            SignalError::ListTooLong { .. } => "list_too_long",
            SignalError::NonFinite { .. } => "non_finite_number",
        }
    }
}

/// A stored attribute value and when it was last written.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeRecord {
    pub(crate) value: Value,
    pub(crate) written_at: i64,
}

impl AttributeRecord {
    /// The value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// When the value was last written (Unix seconds). The TTL counts from here.
    pub fn written_at(&self) -> i64 {
        self.written_at
    }
}

/// The local signal store.
///
/// It holds declared attributes (with their last write time), declared and built-in events (see
/// [`EventRecord`]) and the time this device was first seen. It never reads a clock: every call
/// that depends on time takes a [`Clock`], and "days" are the device's local days.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signals {
    pub(crate) attributes: StrMap<AttributeRecord>,
    pub(crate) events: StrMap<EventRecord>,
    pub(crate) first_seen: Option<i64>,
}

impl Signals {
    /// An empty store: no attributes, no events, never seen.
    pub fn new() -> Self {
        Signals::default()
    }

    /// Writes attribute `name`, replacing any previous value, and stamps it with `clock.now`
    /// (which restarts its TTL).
    ///
    /// # Errors
    ///
    /// Nothing is stored and a [`SignalError`] says why when: `name` is a built-in
    /// ([`SignalError::BuiltIn`]); the bundle does not declare it ([`SignalError::Undeclared`]);
    /// it is declared as an event ([`SignalError::IsEvent`]) or as another shape
    /// ([`SignalError::WrongKind`]); a string or list element is longer than
    /// [`MAX_STRING_BYTES`] ([`SignalError::StringTooLong`]); a list has more than
    /// [`MAX_LIST_ITEMS`] items ([`SignalError::ListTooLong`]); a number is not finite
    /// ([`SignalError::NonFinite`]).
    pub fn set(
        &mut self,
        decls: &Declarations,
        name: &str,
        value: Value,
        clock: &Clock,
    ) -> Result<(), SignalError> {
        let named = || name.to_owned();
        // The declaration is looked up first: `Declarations` never holds an *attribute* under a
        // built-in name, so a declared attribute needs no scan of the built-in names (this runs
        // for every attribute a server-side engine sets per visitor). Anything else gets the
        // checks in their documented order.
        let decl = decls.get(name).filter(|d| d.kind.value_kind().is_some());
        let Some(decl) = decl else {
            if builtin::is_reserved(name) {
                return Err(SignalError::BuiltIn { name: named() });
            }
            return Err(match decls.get(name) {
                None => SignalError::Undeclared { name: named() },
                Some(_) => SignalError::IsEvent { name: named() },
            });
        };
        let declared = decl
            .kind
            .value_kind()
            .ok_or_else(|| SignalError::IsEvent { name: named() })?;
        if value.kind() != declared {
            return Err(SignalError::WrongKind {
                name: named(),
                declared,
                given: value.kind(),
            });
        }
        check_value(name, &value)?;
        let record = AttributeRecord {
            value,
            written_at: clock.now,
        };
        // Overwrite in place when present: no new key, no tree rebalancing.
        match self.attributes.get_mut(name) {
            Some(slot) => *slot = record,
            None => {
                self.attributes.insert(named(), record);
            }
        }
        Ok(())
    }

    /// Removes attribute `name`. Returns whether it was stored. Events are not affected.
    pub fn unset(&mut self, name: &str) -> bool {
        self.attributes.remove(name).is_some()
    }

    /// Records one occurrence of event `event` at `clock.now`: updates its first/last seen time,
    /// its lifetime total and today's count, and drops its day counts that fell out of the
    /// declared window. Built-in events (`visit`, `page_view`) are recorded like declared ones.
    ///
    /// # Errors
    ///
    /// [`SignalError::Undeclared`] when the bundle does not declare `event`;
    /// [`SignalError::NotEvent`] when it declares it as an attribute. Nothing is recorded then.
    pub fn track(
        &mut self,
        decls: &Declarations,
        event: &str,
        clock: &Clock,
    ) -> Result<(), SignalError> {
        let decl = decls.get(event).ok_or_else(|| SignalError::Undeclared {
            name: event.to_owned(),
        })?;
        if let Some(declared) = decl.kind.value_kind() {
            return Err(SignalError::NotEvent {
                name: event.to_owned(),
                declared,
            });
        }
        let today = days::today(clock);
        match self.events.get_mut(event) {
            Some(record) => record.record(clock.now, today),
            None => {
                self.events
                    .insert(event.to_owned(), EventRecord::first(clock.now, today));
            }
        }
        if let Some(record) = self.events.get_mut(event) {
            record.trim_window(today, decl.window_days);
        }
        Ok(())
    }

    /// Records that this device was seen at `clock.now`, unless a first-seen time is already
    /// stored (the first call wins; later calls change nothing).
    pub fn mark_seen(&mut self, clock: &Clock) {
        self.first_seen.get_or_insert(clock.now);
    }

    /// Drops everything the declarations no longer allow or that has expired:
    ///
    /// - attributes and events whose name is not declared, or is declared with another kind
    ///   (a bundle that changes `plan` from string to number starts from a clean slate);
    /// - attributes whose TTL has passed since they were last written, and events whose TTL has
    ///   passed since they last happened (TTLs are exact: `ttl_days × 86 400` seconds);
    /// - per-day event counts older than the event's window.
    ///
    /// The device's first-seen time is kept: it is a built-in, not subject to a bundle's TTLs.
    pub fn prune(&mut self, decls: &Declarations, clock: &Clock) {
        let now = days::clamp_instant(clock.now);
        let alive = |written: i64, ttl_days: u32| {
            let ttl = i64::from(ttl_days) * DAY_SECONDS;
            now.saturating_sub(days::clamp_instant(written)) < ttl
        };
        self.attributes.retain(|name, record| {
            decls.get(name).is_some_and(|decl| {
                decl.kind.value_kind() == Some(record.value.kind())
                    && alive(record.written_at, decl.ttl_days)
            })
        });
        let today = days::today(clock);
        self.events.retain(|name, record| match decls.get(name) {
            Some(decl) if decl.kind == SignalKind::Event => {
                if !alive(record.last_seen, decl.ttl_days) {
                    return false;
                }
                record.trim_window(today, decl.window_days);
                true
            }
            _ => false,
        });
    }

    /// The time this device was first seen (Unix seconds), if [`mark_seen`](Self::mark_seen) was
    /// ever called.
    pub fn first_seen(&self) -> Option<i64> {
        self.first_seen
    }

    /// The current value of an attribute.
    pub fn attribute(&self, name: &str) -> Option<&Value> {
        self.attributes.get(name).map(|record| &record.value)
    }

    /// The stored attribute with its last write time.
    pub fn attribute_record(&self, name: &str) -> Option<&AttributeRecord> {
        self.attributes.get(name)
    }

    /// Every stored attribute, by name in ascending order.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, &AttributeRecord)> {
        self.attributes.iter()
    }

    /// What the store knows about `name`, if the event was ever recorded (and not pruned).
    pub fn event(&self, name: &str) -> Option<&EventRecord> {
        self.events.get(name)
    }

    /// Every stored event, by name in ascending order.
    pub fn events(&self) -> impl Iterator<Item = (&str, &EventRecord)> {
        self.events.iter()
    }

    /// The lifetime number of visits: the total of the built-in `visit` event (the `visits`
    /// built-in attribute).
    pub fn visits(&self) -> u64 {
        self.event(builtin::VISIT).map_or(0, EventRecord::total)
    }

    /// How many times `event` happened in the last `days` local days, today included: the sum of
    /// the counts for local days in `(today - days, today]`. `days = 1` is today only, `0` counts
    /// nothing. Only the event's window is kept, so a longer look-back sees only the window. An
    /// event never recorded counts `0`.
    pub fn event_count(&self, event: &str, days: u32, clock: &Clock) -> u64 {
        self.event(event)
            .map_or(0, |record| record.count_in(days::today(clock), days))
    }

    /// Whole local days since `event` last happened (`0` = today, `1` = yesterday); `None` if
    /// never. A last occurrence "in the future" (the device clock moved backwards) counts as
    /// today, so the answer is never negative.
    pub fn days_since_event(&self, event: &str, clock: &Clock) -> Option<i64> {
        let record = self.event(event)?;
        Some(days_since(clock, record.last_seen))
    }

    /// Whole local days since this device was first seen (`0` = today); `None` if never
    /// recorded. Never negative, like [`days_since_event`](Self::days_since_event).
    pub fn days_since_first_seen(&self, clock: &Clock) -> Option<i64> {
        self.first_seen.map(|at| days_since(clock, at))
    }
}

/// `local_day(now) - local_day(at)`, at least 0.
fn days_since(clock: &Clock, at: i64) -> i64 {
    (days::today(clock) - days::day_of(clock, at)).max(0)
}

/// Checks the limits every stored value respects (also applied to snapshots).
pub(crate) fn check_value(name: &str, value: &Value) -> Result<(), SignalError> {
    let too_long = |s: &str| {
        (s.len() > MAX_STRING_BYTES).then(|| SignalError::StringTooLong {
            name: name.to_owned(),
            len: s.len(),
            max: MAX_STRING_BYTES,
        })
    };
    match value {
        Value::Bool(_) => Ok(()),
        Value::Number(n) if n.is_finite() => Ok(()),
        Value::Number(_) => Err(SignalError::NonFinite {
            name: name.to_owned(),
        }),
        Value::String(s) => too_long(s).map_or(Ok(()), Err),
        Value::List(items) => {
            if items.len() > MAX_LIST_ITEMS {
                return Err(SignalError::ListTooLong {
                    name: name.to_owned(),
                    len: items.len(),
                    max: MAX_LIST_ITEMS,
                });
            }
            items
                .iter()
                .find_map(|item| too_long(item))
                .map_or(Ok(()), Err)
        }
    }
}
