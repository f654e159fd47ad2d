//! Percentages as the bundle writes them, and as the engine counts them.
//!
//! A bundle writes shares of traffic (`holdout`, `rollout`, `control`) as human percentages such as
//! `12.5` or `33.33`. Bucketing works in integer basis points (0..=10 000, one per bucket), so
//! every implementation — this crate, a JS port, a server-side checker — draws the same line. Two
//! decimals is exactly the bucket resolution: a third decimal could not be honoured, so it is
//! refused rather than silently rounded.

/// Basis points in 100 %.
pub const FULL: u32 = 10_000;

/// How far `pct * 100` may sit from a whole number and still count as one. Decimal fractions
/// such as `0.07` have no exact binary form (`0.07 * 100` is `7.000000000000001`), so an exact
/// comparison would refuse values an author wrote correctly. The tolerance is far larger than that
/// noise (about 1e-12 near 10 000) and far smaller than a third decimal (0.1 basis points).
const TOLERANCE: f64 = 1e-6;

/// Converts a percentage (0–100, at most two decimals) to basis points (0..=10 000).
///
/// `12.5` → `1250`, `33.33` → `3333`, `100` → `10000`. Returns `None` for NaN, infinities,
/// values outside 0–100, and values with more than two decimals (`12.345`).
pub fn basis_points(pct: f64) -> Option<u32> {
    if !pct.is_finite() || !(0.0..=100.0).contains(&pct) {
        return None;
    }
    let scaled = pct * 100.0;
    let whole = round(scaled);
    if (scaled - whole).abs() > TOLERANCE {
        return None;
    }
    // `whole` is in 0.0..=10_000.0 here, so the conversion is exact; `as` saturates anyway.
    let points = whole as u32;
    (points <= FULL).then_some(points)
}

/// `x.rounded()` (half away from zero) for `0 <= x < 2^64`, which is all this crate rounds;
/// `f64::round` lives in std, and the browser module is built without it.
pub(crate) fn round(x: f64) -> f64 {
    let whole = x as u64 as f64;
    // Exact: `whole <= x < whole + 1`.
    if x - whole >= 0.5 {
        whole + 1.0
    } else {
        whole
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_and_two_decimal_percentages_convert_exactly() {
        assert_eq!(basis_points(0.0), Some(0));
        assert_eq!(basis_points(-0.0), Some(0));
        assert_eq!(basis_points(1.0), Some(100));
        assert_eq!(basis_points(12.5), Some(1250));
        assert_eq!(basis_points(33.33), Some(3333));
        assert_eq!(basis_points(0.01), Some(1));
        assert_eq!(basis_points(99.99), Some(9999));
        assert_eq!(basis_points(100.0), Some(10_000));
    }

    #[test]
    fn rounding_is_std_rounding_for_what_this_crate_rounds() {
        for x in [
            0.0,
            -0.0,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            12.345,
            9999.5,
            10_000.0,
            4503599627370495.5,
            1e18,
        ] {
            assert_eq!(round(x).to_bits(), x.round().to_bits() & !(1 << 63), "{x}");
        }
    }

    #[test]
    fn binary_float_noise_is_tolerated() {
        // 0.07 * 100 = 7.000000000000001 and 0.29 * 100 = 28.999999999999996 in binary floats.
        assert_eq!(basis_points(0.07), Some(7));
        assert_eq!(basis_points(0.29), Some(29));
        assert_eq!(basis_points(0.1 + 0.2), Some(30));
        assert_eq!(basis_points(57.01), Some(5701));
        for hundredths in 0..=10_000u32 {
            let pct = f64::from(hundredths) / 100.0;
            assert_eq!(basis_points(pct), Some(hundredths), "{pct}");
        }
    }

    #[test]
    fn more_than_two_decimals_is_refused() {
        assert_eq!(basis_points(12.345), None);
        assert_eq!(basis_points(0.001), None);
        assert_eq!(basis_points(99.999), None);
        assert_eq!(basis_points(33.333_333), None);
        assert_eq!(basis_points(1.0 / 3.0), None);
    }

    #[test]
    fn out_of_range_and_non_finite_are_refused() {
        assert_eq!(basis_points(-0.01), None);
        assert_eq!(basis_points(-5.0), None);
        assert_eq!(basis_points(100.01), None);
        assert_eq!(basis_points(1e300), None);
        assert_eq!(basis_points(f64::NAN), None);
        assert_eq!(basis_points(f64::INFINITY), None);
        assert_eq!(basis_points(f64::NEG_INFINITY), None);
    }
}
