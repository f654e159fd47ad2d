//! Local-day arithmetic that cannot overflow, whatever the clock or a snapshot says.
//!
//! [`Clock::local_day_of`] adds the UTC offset to the instant; for instants near the ends of
//! `i64` that addition would overflow. Instants are therefore clamped to ±[`MAX_TIMESTAMP`]
//! (the end of year 9999) first: no real clock is outside it, and it keeps every later
//! subtraction of day numbers well inside `i64`.

use crate::time::Clock;

/// The latest instant the store reasons about: 9999-12-31T23:59:59Z. Snapshots with a time
/// outside ±this are rejected; clocks outside it are clamped.
pub const MAX_TIMESTAMP: i64 = 253_402_300_799;

/// `at` clamped to ±[`MAX_TIMESTAMP`].
pub(crate) fn clamp_instant(at: i64) -> i64 {
    at.clamp(-MAX_TIMESTAMP, MAX_TIMESTAMP)
}

/// The clock with `now` clamped, so its own hour/weekday/day helpers are safe to call.
pub(crate) fn sane(clock: &Clock) -> Clock {
    Clock {
        now: clamp_instant(clock.now),
        utc_offset_minutes: clock.utc_offset_minutes,
    }
}

/// The local day number of `at` as seen by `clock`.
pub(crate) fn day_of(clock: &Clock, at: i64) -> i64 {
    clock.local_day_of(clamp_instant(at))
}

/// Today's local day number.
pub(crate) fn today(clock: &Clock) -> i64 {
    day_of(clock, clock.now)
}
