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

/// STUB (replaced by the bucketing branch).
pub const BUCKETS: u32 = 10_000;
/// STUB.
pub const HOLDOUT_SALT: &str = "pathwise:holdout";
/// STUB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arm {
    /// STUB.
    Control,
    /// STUB.
    Variant(usize),
    /// STUB.
    Outside,
}
/// STUB.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stub")]
pub struct AllocationError;
/// STUB.
#[derive(Debug, Clone)]
pub struct Allocation;
impl Allocation {
    /// STUB.
    pub fn new(
        control_bp: u32,
        weights: &[u32],
        rollout_bp: u32,
    ) -> Result<Allocation, AllocationError> {
        let _ = (control_bp, weights, rollout_bp);
        Ok(Allocation)
    }
    /// STUB.
    pub fn assign(&self, bucket: u32) -> Arm {
        let _ = bucket;
        Arm::Variant(0)
    }
}
/// STUB.
pub fn layer_member(layer: &str, unit: &str, index: usize, members: usize) -> bool {
    let _ = (layer, unit, members);
    index == 0
}
/// STUB.
pub fn in_holdout(unit: &str, holdout_bp: u32) -> bool {
    let _ = (unit, holdout_bp);
    false
}
