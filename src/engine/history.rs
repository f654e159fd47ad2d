//! The render history that frequency caps count.
//!
//! The engine is pure: it does not remember what it showed. The caller keeps a [`RenderHistory`]
//! (the browser keeps it in local storage beside the signals) and passes it to
//! [`Program::decide`](crate::program::Program::decide), which records one render each time a rule
//! decides a slot, and to [`Program::peek`](crate::program::Program::peek), which only reads it.
//!
//! Only the most recent [`MAX_RENDERS_PER_RULE`] renders of each rule are kept: a cap larger than
//! that is validated away, and older renders cannot matter to a cap window that small.

use crate::prelude::*;
use thiserror::Error;

use crate::codec::{Reader, Writer};
use crate::map::StrMap;
use crate::signals::MAX_CLOCK_SKEW_SECONDS;
use crate::time::Clock;

/// Renders kept per rule.
pub const MAX_RENDERS_PER_RULE: usize = 64;
/// Largest accepted serialized history, in bytes.
pub const MAX_HISTORY_BYTES: usize = 64 * 1024;
/// The snapshot's first bytes: a tag and the format version.
const HEAD: [u8; 2] = [b'H', 1];

/// When each rule's content was rendered on this device (Unix seconds, oldest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderHistory {
    renders: StrMap<Vec<i64>>,
}

/// Why a stored history was discarded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HistoryError {
    /// Larger than [`MAX_HISTORY_BYTES`].
    #[error("render history is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// The size seen.
        size: usize,
        /// The cap.
        limit: usize,
    },
    /// Not what this SDK writes, or another format version.
    #[error("render history is corrupt or from another format version (at byte {at})")]
    Corrupt {
        /// Where the problem was found.
        at: usize,
    },
    /// A render dated more than [`MAX_CLOCK_SKEW_SECONDS`] after the device's clock: it cannot
    /// have happened on this device, and kept it would count toward windowed caps until real
    /// time reached it. The whole history is refused, as the signal store refuses a snapshot
    /// from the future.
    #[error("render history holds a render of rule \"{rule}\" at {at}, after now ({now}) by more than a day")]
    Future {
        /// The rule whose render lies in the future.
        rule: String,
        /// When it claims to have been rendered (Unix seconds).
        at: i64,
        /// The device's clock (Unix seconds).
        now: i64,
    },
}

impl RenderHistory {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `rule`'s content was rendered at `at` (Unix seconds).
    ///
    /// The renders stay oldest first even when `at` is earlier than one already kept (the device
    /// clock was set back, or a stored render carries a future time), so the renders dropped past
    /// [`MAX_RENDERS_PER_RULE`] are always the oldest, and the history in memory is exactly what
    /// saving and loading it gives ([`from_snapshot`](Self::from_snapshot) sorts).
    pub fn record(&mut self, rule: &str, at: i64) {
        let list = self.renders.get_or_insert_with(rule, Vec::new);
        let position = list.partition_point(|&t| t <= at);
        list.insert(position, at);
        if list.len() > MAX_RENDERS_PER_RULE {
            let excess = list.len() - MAX_RENDERS_PER_RULE;
            list.drain(..excess);
        }
    }

    /// Renders of `rule` within the last `per_days` local days, today included (`None`: all kept).
    pub fn count(&self, rule: &str, per_days: Option<u32>, clock: &Clock) -> u32 {
        let Some(list) = self.renders.get(rule) else {
            return 0;
        };
        let n = match per_days {
            None => list.len(),
            Some(days) => {
                let first_day = clock.local_day() - i64::from(days) + 1;
                list.iter()
                    .filter(|&&at| clock.local_day_of(at) >= first_day)
                    .count()
            }
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Forgets rules for which `keep` returns false (e.g. rules no longer in the bundle).
    pub fn retain_rules(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.renders.retain(|rule, _| keep(rule));
    }

    /// The compact form stored by the browser ([`crate::codec`]): `H`, format `1`, then per
    /// rule its id and its renders, oldest first, as the first time (`i`) and the step from the
    /// time before (`u`) for each later one.
    pub fn to_snapshot(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(&HEAD);
        w.uint(self.renders.len() as u64);
        for (rule, times) in &self.renders {
            w.text(rule);
            w.uint(times.len() as u64);
            let mut previous = None;
            for &t in times {
                match previous {
                    None => w.int(t),
                    // Oldest first, so `t >= p`; the distance is exact even across all of i64.
                    Some(p) => w.uint(t.abs_diff(p)),
                }
                previous = Some(t);
            }
        }
        w.finish()
    }

    /// The history as JSON for a debug panel: `{"RULE":[UNIX_SECONDS, …], …}`.
    pub fn to_json(&self) -> String {
        let mut w = crate::json::Writer::new();
        w.open_object();
        for (rule, times) in &self.renders {
            w.key(rule);
            w.open_array();
            for &t in times {
                w.int(t);
            }
            w.close_array();
        }
        w.close_object();
        w.finish()
    }

    /// Reads a stored history. Anything unexpected is an error: the caller starts afresh.
    ///
    /// `clock` is the device's clock now: a render dated more than
    /// [`MAX_CLOCK_SKEW_SECONDS`] after it is refused ([`HistoryError::Future`]), the same
    /// tolerance the signal store applies to its snapshot.
    pub fn from_snapshot(bytes: &[u8], clock: &Clock) -> Result<Self, HistoryError> {
        if bytes.len() > MAX_HISTORY_BYTES {
            return Err(HistoryError::TooLarge {
                size: bytes.len(),
                limit: MAX_HISTORY_BYTES,
            });
        }
        let mut r = Reader::new(bytes);
        if r.bytes(2) != HEAD {
            return Err(HistoryError::Corrupt { at: 0 });
        }
        let latest = clock.now.saturating_add(MAX_CLOCK_SKEW_SECONDS);
        let mut history = RenderHistory::new();
        for _ in 0..r.count(3) {
            let at = r.at();
            let rule = r.text();
            let count = r.count(1);
            if count > MAX_RENDERS_PER_RULE || history.renders.contains_key(rule) {
                r.malformed(at);
            }
            let mut times = Vec::with_capacity(count);
            let mut t = 0;
            for i in 0..count {
                // The first time whole, then each as the step from the one before (never earlier).
                t = if i == 0 {
                    r.int()
                } else {
                    let step = r.uint();
                    i64::try_from(i128::from(t) + i128::from(step)).unwrap_or_else(|_| {
                        r.malformed(at);
                        0
                    })
                };
                if t > latest {
                    return Err(HistoryError::Future {
                        rule: rule.to_owned(),
                        at: t,
                        now: clock.now,
                    });
                }
                times.push(t);
            }
            if count == 0 {
                r.malformed(at);
            }
            history.renders.insert(rule.to_owned(), times);
        }
        r.end().map_err(|e| HistoryError::Corrupt { at: e.at() })?;
        Ok(history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_renders_within_local_day_window() {
        let day = 86_400;
        let clock = Clock::utc(100 * day + 3600);
        let mut h = RenderHistory::new();
        h.record("r", 97 * day);
        h.record("r", 99 * day + 10);
        h.record("r", 100 * day);
        assert_eq!(h.count("r", Some(1), &clock), 1);
        assert_eq!(h.count("r", Some(2), &clock), 2);
        assert_eq!(h.count("r", None, &clock), 3);
        assert_eq!(h.count("other", None, &clock), 0);
    }

    #[test]
    fn keeps_only_the_most_recent_renders() {
        let mut h = RenderHistory::new();
        for t in 0..(MAX_RENDERS_PER_RULE as i64 + 10) {
            h.record("r", t);
        }
        assert_eq!(
            h.count("r", None, &Clock::utc(0)),
            MAX_RENDERS_PER_RULE as u32
        );
    }

    #[test]
    fn renders_stay_oldest_first_when_the_clock_goes_back() {
        let mut h = RenderHistory::new();
        h.record("r", 500);
        h.record("r", 100); // the device clock was set back
        h.record("r", 300);
        // Saving and loading changes nothing (found by the `stored` fuzz target).
        assert_eq!(
            RenderHistory::from_snapshot(&h.to_snapshot(), &Clock::utc(1_000)),
            Ok(h.clone())
        );
        for t in 1000..(1000 + MAX_RENDERS_PER_RULE as i64 - 3) {
            h.record("r", t);
        }
        // Full: the render dropped is the oldest one, not the first one recorded.
        h.record("r", 200);
        let saved = h.to_snapshot();
        assert!(
            h.to_json().contains(r#""r":[200,300,500,1000,"#),
            "{}",
            h.to_json()
        );
        assert_eq!(
            RenderHistory::from_snapshot(&saved, &Clock::utc(2_000)),
            Ok(h)
        );
    }

    #[test]
    fn snapshot_round_trips_and_rejects_garbage() {
        let mut h = RenderHistory::new();
        h.record("hero", 5);
        let back = RenderHistory::from_snapshot(&h.to_snapshot(), &Clock::utc(1_000));
        assert_eq!(back, Ok(h));
        // The JSON form of an earlier version, text, and a foreign tag: refused.
        for garbage in [&b"{\"v\":2,\"renders\":{}}"[..], b"nope", b"L\x01\x00"] {
            assert!(matches!(
                RenderHistory::from_snapshot(garbage, &Clock::utc(0)),
                Err(HistoryError::Corrupt { .. })
            ));
        }
        let big = vec![b'x'; MAX_HISTORY_BYTES + 1];
        assert!(matches!(
            RenderHistory::from_snapshot(&big, &Clock::utc(0)),
            Err(HistoryError::TooLarge { .. })
        ));
    }

    #[test]
    fn renders_at_the_ends_of_time_survive_a_snapshot() {
        // A broken clock (found by the `decide` fuzz target's broken-clock device): the step
        // from i64::MIN to i64::MAX does not fit an i64, and is written exactly anyway.
        let mut h = RenderHistory::new();
        for t in [i64::MIN, 5, i64::MAX] {
            h.record("r", t);
        }
        let back = RenderHistory::from_snapshot(&h.to_snapshot(), &Clock::utc(i64::MAX));
        assert_eq!(back, Ok(h));
    }

    #[test]
    fn a_render_from_the_future_discards_the_history() {
        let day = 86_400;
        let mut h = RenderHistory::new();
        h.record("hero", 10 * day);
        h.record("hero", 12 * day);
        let saved = h.to_snapshot();
        // Up to a day ahead is clock skew, tolerated; the caps keep counting both renders.
        let back = RenderHistory::from_snapshot(&saved, &Clock::utc(11 * day));
        assert_eq!(
            back.map(|h| h.count("hero", None, &Clock::utc(12 * day))),
            Ok(2)
        );
        // Further ahead it cannot have happened here: refused, naming the rule and both times.
        let err = RenderHistory::from_snapshot(&saved, &Clock::utc(10 * day + 3600));
        assert_eq!(
            err,
            Err(HistoryError::Future {
                rule: "hero".into(),
                at: 12 * day,
                now: 10 * day + 3600
            })
        );
    }
}
