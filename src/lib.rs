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
// The shipped browser module is built without std (see the `std` feature in Cargo.toml).
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

extern crate alloc;

#[cfg(all(not(feature = "std"), not(target_arch = "wasm32")))]
compile_error!("without the `std` feature this crate builds only the browser module (wasm32)");

/// What std's prelude gives and `no_std` lacks, for every module (the same items under std).
mod prelude {
    #![allow(unused_imports)]
    pub(crate) use alloc::borrow::ToOwned;
    pub(crate) use alloc::boxed::Box;
    pub(crate) use alloc::format;
    pub(crate) use alloc::string::{String, ToString};
    pub(crate) use alloc::vec;
    pub(crate) use alloc::vec::Vec;
}

/// A panic in the browser module traps: the message would go nowhere, and formatting it would
/// ship code a page never runs. (Library code does not panic; this is the backstop.)
#[cfg(all(not(feature = "std"), target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(all(not(feature = "std"), target_feature = "atomics"))]
compile_error!("the no_std browser module is single-threaded: build it without `atomics`");

#[cfg(all(not(feature = "std"), target_arch = "wasm32"))]
mod heap;

/// The allocator of the `no_std` build (see [`heap`](crate)).
#[cfg(all(not(feature = "std"), target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: heap::Allocator = heap::Allocator::new();

pub mod bucketing;
pub mod bundle;
pub mod codec;
pub mod condition;
pub mod engine;
pub mod envelope;
pub mod inflate;
pub mod json;
#[cfg(feature = "std")]
pub mod lint;
pub mod map;
pub mod pattern;
pub mod program;
pub mod report;
pub mod runtime;
pub mod scenario;
pub mod signals;
pub mod time;
pub mod value;

#[cfg(target_arch = "wasm32")]
pub mod web;
