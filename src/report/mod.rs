//! Measurement: what is reported, when, and in which form.
//!
//! An **exposure** is recorded when a variant (or, for a control, the default) is actually
//! rendered; a **conversion** when one of the rule's goal events is tracked after an exposure.
//! Both are reported in batches by beacon, carrying no install id, no signal name or value, no URL
//! and no user agent: only which rule showed which variant in which slot, and the minute.
//!
//! The pieces, each pure (no browser types, no clock, no randomness — the caller passes them in):
//!
//! - [`payload`]: the beacon body, the contract with the collector.
//! - [`ledger`]: what this device has already reported, so each exposure and conversion is sent
//!   at most once per device, across reloads.
//! - [`outbox`]: the bounded outbox of events waiting to be sent, persisted for the next page,
//!   cut into batches, then confirmed or failed.
//! - [`batch`]: a batch's body, its exact size under the limit, and batch ids.
//! - [`sampling`]: optional deterministic sampling per device.
//! - [`reporter`]: the façade the browser layer drives.
//!
//! The browser layer is then a thin loop:
//!
//! ```text
//! page load     Reporter::restore(stored ledger, stored outbox)
//! rendered      reporter.on_rendered(&program, &decision, now)
//! track(event)  reporter.on_tracked(&program, event, now)
//! hide/flush    for b in reporter.batches(site, random16)?:
//!                   sendBeacon(b.body) ? confirm(b.id) : fetch(keepalive) → confirm / fail
//! after each    store reporter.snapshot()
//! ```

pub mod batch;
pub mod ledger;
pub mod outbox;
pub mod payload;
pub mod reporter;
pub mod sampling;

pub use batch::PendingBatch;
pub use ledger::{Exposure, ExposureLedger, LedgerError};
pub use outbox::{Outbox, OutboxError};
pub use reporter::{Reporter, ReporterSnapshot, RestoreProblem};
pub use sampling::sampled;

/// The payload's JSON Schema (draft 2020-12), as published next to the SDK
/// (`pkg/beacon.schema.json`) so a collector can validate bodies without this crate.
///
/// Generated from the [`payload::Batch`] type itself, so it cannot drift from what the SDK sends.
#[cfg(feature = "schema")]
pub fn payload_schema() -> serde_json::Value {
    schemars::schema_for!(payload::Batch).to_value()
}
#[cfg(feature = "std")]
pub mod stats;
