//! Fuzz target `stored`: the four snapshots a page reads back from local storage (signals, render
//! history, exposure ledger, outbox); see `pathwise_fuzz::harness::stored`. Byte-level mutations
//! only (libFuzzer's own): the snapshots are binary.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pathwise_fuzz::harness::stored(data));
