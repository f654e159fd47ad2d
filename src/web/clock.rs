//! The device clock as the core wants it.

use js_sys::{Date, Function};
use wasm_bindgen::JsValue;

use crate::time::Clock;

/// Now: `now()` from the options if given (tests, the demo's fake clock), else `Date.now()`;
/// the UTC offset is the browser's for that instant.
///
/// JavaScript's `getTimezoneOffset()` is minutes *behind* UTC (UTC+2 gives `-120`), while
/// [`Clock::utc_offset_minutes`] is minutes *ahead* (`120`), hence the negation.
pub(crate) fn now(now_fn: Option<&Function>) -> Clock {
    let ms = now_fn
        .and_then(|f| f.call0(&JsValue::UNDEFINED).ok())
        .and_then(|v| v.as_f64())
        .filter(|ms| ms.is_finite())
        .unwrap_or_else(Date::now);
    let offset = -Date::new(&JsValue::from_f64(ms)).get_timezone_offset();
    Clock {
        // `as` saturates: an absurd clock gives an absurd but harmless time, never a trap.
        now: floor(ms / 1000.0),
        utc_offset_minutes: if offset.is_finite() { offset as i32 } else { 0 },
    }
}

/// `x.floor() as i64` (saturating), without std's `floor`.
pub(crate) fn floor(x: f64) -> i64 {
    let t = x as i64;
    if (t as f64) > x {
        t.saturating_sub(1)
    } else {
        t
    }
}
