//! Optional deterministic sampling: a site with a lot of traffic can have only a share of its
//! devices report.
//!
//! A device is in the sample when `bucket("pathwise:sample", unit) < rate_bp`. The decision is a
//! pure function of the install id, so a device is in or out on every page and every reload (no
//! half-reported device), and the fixed salt makes it independent of every rule's assignment. The
//! `<` makes it monotone: raising the rate only adds devices.
//!
//! A device out of the sample reports nothing and **records nothing** in its
//! [`ExposureLedger`](super::ExposureLedger). Had it recorded its exposures, raising the rate
//! later would let it report conversions whose exposures were never sent; recording nothing
//! means a device that joins the sample starts like a new one, exposure first. Events already
//! queued while the device was in the sample are still delivered.

use crate::bucketing::bucket;

/// The bucketing salt of the sample.
pub const SAMPLE_SALT: &str = "pathwise:sample";

/// Whether the device `unit` reports at a sampling rate of `rate_bp` basis points (10 000 or
/// more: every device; 0: none).
pub fn sampled(unit: &str, rate_bp: u32) -> bool {
    bucket(SAMPLE_SALT, unit) < rate_bp
}
