//! Deterministic bucketing (see DESIGN.md "Bucketing").

/// murmur3_x86_32 with seed 0 of the UTF-8 bytes of `"{salt}:{unit}"`.
pub fn hash(salt: &str, unit: &str) -> u32 {
    let _ = (salt, unit);
    0
}

/// The bucket (0..=9999) of `unit` for `salt`: `(hash as u64 * 10_000) >> 32`.
pub fn bucket(salt: &str, unit: &str) -> u32 {
    ((u64::from(hash(salt, unit)) * 10_000) >> 32) as u32
}
