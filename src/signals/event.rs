//! One event's history: first and last time seen, a lifetime total, and per-local-day counts.

use crate::prelude::*;
/// Most occurrences of one event counted on one local day. Further occurrences that day are not
/// counted. No person triggers an event this often; the cap keeps a runaway script from growing
/// numbers that a snapshot reader would (rightly) reject as absurd.
pub const MAX_DAY_COUNT: u64 = 100_000;
/// Most occurrences of one event counted over its lifetime (see [`MAX_DAY_COUNT`]).
pub const MAX_TOTAL_COUNT: u64 = 100_000_000;

/// What the store knows about one event.
///
/// Times are Unix seconds; per-day counts are keyed by *local* day number (see
/// [`Clock::local_day_of`](crate::time::Clock::local_day_of)) as computed with the UTC offset in
/// force when the event happened, so an evening visit stays on the evening's day even if the
/// device later travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub(crate) first_seen: i64,
    pub(crate) last_seen: i64,
    pub(crate) total: u64,
    /// `(local day, count)`, ascending by day, each day once.
    pub(crate) days: Vec<(i64, u64)>,
}

impl EventRecord {
    /// A record of one occurrence at `at`, on local day `day`.
    pub(crate) fn first(at: i64, day: i64) -> Self {
        EventRecord {
            first_seen: at,
            last_seen: at,
            total: 1,
            days: vec![(day, 1)],
        }
    }

    fn find(&self, day: i64) -> Result<usize, usize> {
        self.days.binary_search_by_key(&day, |(d, _)| *d)
    }

    /// When the event first happened (Unix seconds).
    pub fn first_seen(&self) -> i64 {
        self.first_seen
    }

    /// When the event last happened (Unix seconds): the time of the latest recorded occurrence,
    /// even if the device clock has since moved backwards.
    pub fn last_seen(&self) -> i64 {
        self.last_seen
    }

    /// How many times the event happened in this record's lifetime (capped at
    /// [`MAX_TOTAL_COUNT`]). Not limited to the window: day counts age out, the total does not.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The count for local day `day`; `0` for a day outside the kept window.
    pub fn day_count(&self, day: i64) -> u64 {
        self.find(day)
            .ok()
            .and_then(|i| self.days.get(i))
            .map_or(0, |(_, count)| *count)
    }

    /// The kept per-day counts as `(local day, count)`, oldest day first. Days without an
    /// occurrence are absent.
    pub fn day_counts(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        self.days.iter().copied()
    }

    /// Records one more occurrence at `at`, on local day `day`.
    pub(crate) fn record(&mut self, at: i64, day: i64) {
        self.first_seen = self.first_seen.min(at);
        self.last_seen = at;
        self.total = self.total.saturating_add(1).min(MAX_TOTAL_COUNT);
        match self.find(day) {
            Ok(i) => {
                if let Some((_, count)) = self.days.get_mut(i) {
                    *count = count.saturating_add(1).min(MAX_DAY_COUNT);
                }
            }
            Err(i) => self.days.insert(i, (day, 1)),
        }
    }

    /// Drops the day counts older than the `window_days` local days ending with `today`.
    pub(crate) fn trim_window(&mut self, today: i64, window_days: u32) {
        let oldest_kept = today - i64::from(window_days) + 1;
        self.days.retain(|(day, _)| *day >= oldest_kept);
    }

    /// The sum of the counts for the local days in `(today - days, today]`.
    pub(crate) fn count_in(&self, today: i64, days: u32) -> u64 {
        if days == 0 {
            return 0;
        }
        let oldest = today - i64::from(days) + 1;
        self.days
            .iter()
            .filter(|(day, _)| (oldest..=today).contains(day))
            .fold(0u64, |sum, (_, count)| sum.saturating_add(*count))
    }
}
