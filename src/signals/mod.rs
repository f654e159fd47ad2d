//! Local signals: declared attributes and events, kept only on the device.
//!
//! - [`Declarations`] is the governance gate: what the bundle lets the store keep (its declared
//!   signals plus the built-in events `visit` and `page_view`).
//! - [`Signals`] is the store: attributes with their last write time, events with first/last seen,
//!   a lifetime total and per-local-day counts over a window, and the device's first-seen time.
//!   Writes are checked against the declarations; [`Signals::prune`] drops what expired or is no
//!   longer declared.
//! - A snapshot ([`Signals::to_snapshot`], [`Signals::from_snapshot`]) is what the browser keeps in
//!   `localStorage`: versioned, capped at [`MAX_SNAPSHOT_BYTES`], never trusted on read.
//! - [`EvalContext`] is what a condition reads: the store, the page ([`PageContext`]) and the
//!   clock, with the built-in attributes ([`builtin`]) computed on lookup.
//!
//! Time comes from a [`Clock`](crate::time::Clock) passed in; days are the device's local days.

pub mod builtin;
mod context;
pub(crate) mod days;
mod declarations;
mod event;
mod snapshot;
mod store;

pub use context::{EvalContext, PageContext};
pub use days::MAX_TIMESTAMP;
pub use declarations::{Declarations, Declared, DEFAULT_WINDOW_DAYS};
pub use event::{EventRecord, MAX_DAY_COUNT, MAX_TOTAL_COUNT};
pub use snapshot::{
    Field, SnapshotError, MAX_CLOCK_SKEW_SECONDS, MAX_SNAPSHOT_BYTES, SNAPSHOT_VERSION,
};
// The headless engine checks values it keeps outside the store with the store's rules.
pub(crate) use store::check_value;
pub use store::{AttributeRecord, SignalError, Signals};
