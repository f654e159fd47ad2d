//! Fuzz target `program`: arbitrary bytes read as a program and as a signed (deflated) payload,
//! and every slot of what reads decided; see `pathwise_fuzz::harness::program`. Byte-level
//! mutations only (libFuzzer's own): the seeds are compiled golden bundles, raw and deflated.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pathwise_fuzz::harness::program(data));
