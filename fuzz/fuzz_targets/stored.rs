//! Fuzz target `stored`: see `pathwise_fuzz::harness::stored` for what it feeds and checks, and
//! `pathwise_fuzz::mutate` for the JSON-aware mutations mixed with libFuzzer's own.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target};
use pathwise_fuzz::mutate::{mutate, Layout};

fuzz_target!(|data: &[u8]| pathwise_fuzz::harness::stored(data));

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    mutate(data, size, max_size, seed, Layout::SplitLast)
});
