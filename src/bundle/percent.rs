//! STUB (replaced by the validate branch).
/// STUB.
pub fn basis_points(pct: f64) -> Option<u32> {
    if (0.0..=100.0).contains(&pct) {
        Some((pct * 100.0).round() as u32)
    } else {
        None
    }
}
