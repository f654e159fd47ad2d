//! The fuzz targets' bodies live in [`harness`], a single file that `tests/fuzz_regressions.rs`
//! in the root crate also includes (`#[path]`), so a committed crasher is replayed through exactly
//! the code the fuzzer ran.

pub mod harness;
pub mod mutate;
