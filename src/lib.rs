#![doc = include_str!("../README.md")]
//!
//! ## Crate map
//!
//! Client-side personalization: a signed rule bundle is verified in the browser, evaluated against
//! signals that never leave the device, and decides which variant of each page block and onboarding
//! path this device sees — and why.
//!
//! This crate is the pure core (no browser types) plus, on `wasm32`, a thin browser adapter in
//! [`web`](crate). The native `pathwise` tool (feature `cli`) runs the same core, so
//! `pathwise explain` gives the answer the browser would give.
//!
//! The layers, in the order data flows through them:
//!
//! - [`envelope`]: DSSE envelope verification against pinned Ed25519 keys, then the payload's
//!   site, expiry and version checks.
//! - [`json`]: the one JSON reader and writer (strict, small, with precise errors).
//! - [`bundle`]: the bundle format (its types), parsing under size/depth caps, and validation
//!   that reports every problem with its JSON path.
//! - [`signals`]: the local signal store (attributes and per-day event counts) with TTL pruning and
//!   a versioned, size-capped snapshot.
//! - [`condition`]: the condition language and its total evaluator.
//! - [`bucketing`]: deterministic murmur3-based bucketing.
//! - [`engine`]: a bundle compiled into an index, deciding slots with a reason for every candidate.
//! - [`report`]: what is measured and sent — the exposure ledger, the bounded outbox, batching
//!   under 60 KB, sampling, and the beacon payload (no install id, no signal values).
//! - [`scenario`] and [`lint`]: a device's history as data (golden corpus, `pathwise explain`),
//!   and warnings for bundle authors.
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod bucketing;
pub mod bundle;
pub mod condition;
pub mod engine;
pub mod envelope;
pub mod json;
pub mod lint;
pub mod map;
pub mod pattern;
pub mod report;
pub mod scenario;
pub mod signals;
pub mod time;
pub mod value;

#[cfg(target_arch = "wasm32")]
pub mod web;
