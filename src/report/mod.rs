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
//! - [`sampling`]: optional deterministic sampling per device.
//! - [`reporter`]: the façade the page runtime drives.
//!
//! Holding events until they are sent, cutting them into batches under 60 KB and retrying is
//! the browser shell's (js/outbox.js, js/report.js): transport bookkeeping, which the collector
//! checks again on arrival ([`payload::Batch::parse`]).

pub mod ledger;
pub mod payload;
pub mod reporter;
pub mod sampling;

pub use ledger::{Exposure, ExposureLedger, LedgerError};
pub use reporter::{Recorded, Reporter};
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
