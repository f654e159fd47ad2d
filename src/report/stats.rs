//! The statistics behind the exposure/conversion report: pure functions, no I/O.
//!
//! Everything here works on counts a collector has aggregated: per arm of a rule (the control,
//! and each variant), how many devices were **exposed** and how many **conversions** they sent.
//! The SDK sends an exposure at most once per device per (rule, variant) and a conversion at most
//! once per device per (rule, goal), so exposures count devices and, for a rule with one goal,
//! conversions count converted devices.
//!
//! # Conversion rate and its interval
//!
//! `rate = conversions / exposures`. Its 95 % interval ([`wilson_interval`]) is the **Wilson
//! score interval**, which stays inside `[0, 1]` and behaves at 0 and 100 % (where the textbook
//! `p ± z·√(p(1−p)/n)` collapses to a single point):
//!
//! ```text
//! centre = (x + z²/2) / (n + z²)
//! half   = z / (n + z²) · √( x(n − x)/n + z²/4 )
//! CI     = [centre − half, centre + half]          z = 1.959964 (95 %)
//! ```
//!
//! # Lift and its interval
//!
//! The lift of a variant is relative: `lift = p_v / p_c − 1` (+0.12 means 12 % more conversions
//! per exposed device than the control). Its 95 % interval ([`relative_lift`]) uses the delta
//! method on the log of the rate ratio (Katz's interval for a relative risk):
//!
//! ```text
//! RR     = (x_v / n_v) / (x_c / n_c)
//! SE     = √( 1/x_v − 1/n_v + 1/x_c − 1/n_c )      (standard error of ln RR)
//! CI     = [ exp(ln RR − z·SE) − 1,  exp(ln RR + z·SE) − 1 ]
//! ```
//!
//! The interval is asymmetric around the estimate, as a ratio's should be. When it cannot be
//! computed the report says why ([`LiftNote`]) rather than print a misleading number: no
//! exposures, no conversion in the control (the ratio is undefined), no conversion in the variant
//! (the estimate is −100 % but `ln 0` has no interval), more conversions than exposures (a rule
//! with several goals, or exposures that never arrived: the binomial model does not hold), or
//! every device converted in both arms (zero variance). With fewer than 5 conversions or
//! non-conversions in an arm the interval is computed but flagged as approximate.
//!
//! # Sample-ratio mismatch
//!
//! If the arms' exposure counts are far from the shares the bundle configures, something other
//! than chance is deciding who is counted where (a variant that crashes before it reports, a
//! cache serving one arm, a redirect that loses beacons), and no lift can be trusted.
//! [`sample_ratio_test`] is Pearson's chi-square goodness-of-fit test:
//!
//! ```text
//! E_i = N · s_i          (N = all exposures of the rule, s_i = expected share of arm i)
//! χ²  = Σ (O_i − E_i)² / E_i,    df = arms − 1,    p = P(χ²_df ≥ χ²)
//! ```
//!
//! and flags a mismatch when `p <` [`SRM_ALPHA`] (0.001: the test runs on every report refresh,
//! so a strict threshold keeps false alarms rare). It is not run while any `E_i` is below
//! [`SRM_MIN_EXPECTED`] (the chi-square approximation needs about 5 per arm). Exposures in an arm
//! whose expected share is zero are a mismatch by themselves.
//!
//! The expected shares ([`expected_shares`]) follow the engine exactly. Among the devices a rule
//! decides (inside its rollout), the rule's [`Allocation`] gives arm `i` the share
//! `q_i = covered_i / Σ covered` (its bucket range after rollout scaling). The global holdout
//! `h` is drawn with its own salt, independently of the rule's bucket, and a held-out device is
//! **reported as control** whatever its arm. So:
//!
//! ```text
//! s_control = h + (1 − h) · q_control
//! s_i       = (1 − h) · q_i
//! ```
//!
//! The test assumes the allocation and holdout of the served bundle held for every exposure
//! counted; changing weights, control or holdout mid-experiment shows up as a mismatch, which is
//! the right warning: the arms are no longer comparable.

use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::bucketing::{Allocation, AllocationError, Arm, BUCKETS};

/// The two-sided 95 % standard normal quantile, `Φ⁻¹(0.975)`.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A sample-ratio mismatch is reported when the chi-square p-value is below this.
pub const SRM_ALPHA: f64 = 0.001;

/// The sample-ratio test is not run while any arm expects fewer exposures than this.
pub const SRM_MIN_EXPECTED: f64 = 5.0;

/// Counts for one arm of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ArmCounts {
    /// Devices exposed to the arm.
    pub exposures: u64,
    /// Conversions reported for the arm (any goal of the rule).
    pub conversions: u64,
}

impl ArmCounts {
    /// `conversions / exposures`, or `None` without exposures.
    pub fn rate(self) -> Option<f64> {
        if self.exposures == 0 {
            None
        } else {
            Some(self.conversions as f64 / self.exposures as f64)
        }
    }
}

/// A closed interval `[low, high]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// The Wilson score interval of a conversion rate (see the module documentation), or `None`
/// without exposures, with more conversions than exposures, or for a `z` that is not a positive
/// finite number.
pub fn wilson_interval(counts: ArmCounts, z: f64) -> Option<Interval> {
    if counts.exposures == 0 || counts.conversions > counts.exposures || !(z.is_finite() && z > 0.0)
    {
        return None;
    }
    let n = counts.exposures as f64;
    let x = counts.conversions as f64;
    let z2 = z * z;
    let denominator = n + z2;
    let centre = (x + z2 / 2.0) / denominator;
    let half = z / denominator * (x * (n - x) / n + z2 / 4.0).sqrt();
    Some(Interval {
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    })
}

/// Why a lift has no interval, or why its interval deserves caution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LiftNote {
    /// The variant or the control has no exposure yet.
    NoExposures,
    /// The control has no conversion: a ratio against zero is undefined.
    NoControlConversions,
    /// The variant has no conversion: the estimate is −100 %, but `ln 0` has no interval.
    NoVariantConversions,
    /// An arm has more conversions than exposures (a rule with several goals, or exposures that
    /// were never delivered): the binomial model behind the interval does not hold.
    MoreConversionsThanExposures,
    /// Every exposed device converted in both arms: zero variance, no interval.
    AllConverted,
    /// Fewer than 5 conversions or non-conversions in an arm: the interval is approximate.
    SmallCounts,
}

impl LiftNote {
    /// A stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            LiftNote::NoExposures => "no_exposures",
            LiftNote::NoControlConversions => "no_control_conversions",
            LiftNote::NoVariantConversions => "no_variant_conversions",
            LiftNote::MoreConversionsThanExposures => "more_conversions_than_exposures",
            LiftNote::AllConverted => "all_converted",
            LiftNote::SmallCounts => "small_counts",
        }
    }

    /// A sentence for people reading the report.
    pub fn message(self) -> &'static str {
        match self {
            LiftNote::NoExposures => "no exposures in this arm or in the control yet",
            LiftNote::NoControlConversions => {
                "no conversions in the control yet: the lift is undefined"
            }
            LiftNote::NoVariantConversions => {
                "no conversions in this arm yet: no confidence interval"
            }
            LiftNote::MoreConversionsThanExposures => {
                "more conversions than exposures in an arm (several goals, or exposures not \
                 delivered): no confidence interval"
            }
            LiftNote::AllConverted => {
                "every exposed device converted in both arms: no confidence interval"
            }
            LiftNote::SmallCounts => {
                "fewer than 5 conversions or non-conversions in an arm: the interval is approximate"
            }
        }
    }
}

/// A variant's relative lift over the control.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lift {
    /// `p_v / p_c − 1`, when both rates exist and the control's is not zero.
    pub estimate: Option<f64>,
    /// The 95 % interval of the lift (see the module documentation), when it can be computed.
    pub ci95: Option<Interval>,
    /// Why there is no estimate or interval, or why the interval is approximate.
    pub note: Option<LiftNote>,
}

/// The relative lift of `variant` over `control` with its interval at `z` (use [`Z_95`]); see
/// the module documentation for the formula and for when no interval is given.
pub fn relative_lift(variant: ArmCounts, control: ArmCounts, z: f64) -> Lift {
    let none = |estimate, note| Lift {
        estimate,
        ci95: None,
        note: Some(note),
    };
    let (Some(p_v), Some(p_c)) = (variant.rate(), control.rate()) else {
        return none(None, LiftNote::NoExposures);
    };
    if control.conversions == 0 {
        return none(None, LiftNote::NoControlConversions);
    }
    let estimate = p_v / p_c - 1.0;
    if variant.conversions > variant.exposures || control.conversions > control.exposures {
        return none(Some(estimate), LiftNote::MoreConversionsThanExposures);
    }
    if variant.conversions == 0 {
        return none(Some(estimate), LiftNote::NoVariantConversions);
    }
    let (x_v, n_v) = (variant.conversions as f64, variant.exposures as f64);
    let (x_c, n_c) = (control.conversions as f64, control.exposures as f64);
    let variance = 1.0 / x_v - 1.0 / n_v + 1.0 / x_c - 1.0 / n_c;
    let usable = variance > 0.0 && z.is_finite() && z > 0.0;
    if !usable {
        return none(Some(estimate), LiftNote::AllConverted);
    }
    let spread = z * variance.sqrt();
    let log_ratio = (p_v / p_c).ln();
    let small = [
        variant.conversions,
        control.conversions,
        variant.exposures - variant.conversions,
        control.exposures - control.conversions,
    ]
    .iter()
    .any(|&c| c < 5);
    Lift {
        estimate: Some(estimate),
        ci95: Some(Interval {
            low: (log_ratio - spread).exp() - 1.0,
            high: (log_ratio + spread).exp() - 1.0,
        }),
        note: small.then_some(LiftNote::SmallCounts),
    }
}

/// The outcome of [`sample_ratio_test`].
#[derive(Debug, Clone, PartialEq)]
pub enum SampleRatio {
    /// The chi-square test ran.
    Tested {
        /// Pearson's χ² statistic.
        statistic: f64,
        /// Degrees of freedom (tested arms − 1).
        df: u32,
        /// `P(χ²_df ≥ statistic)`.
        p_value: f64,
    },
    /// Exposures arrived in arms whose expected share is zero (their indices): a mismatch
    /// without any test.
    UnexpectedArms(Vec<usize>),
    /// Some arm expects fewer than [`SRM_MIN_EXPECTED`] exposures: not tested yet.
    TooFewExposures {
        /// The smallest expected count.
        min_expected: f64,
    },
    /// Fewer than two arms expect traffic: nothing to compare.
    NotEnoughArms,
}

impl SampleRatio {
    /// Whether the observed split contradicts the configured one: a p-value below
    /// [`SRM_ALPHA`], or exposures in an arm that should have none.
    pub fn mismatch(&self) -> bool {
        match self {
            SampleRatio::Tested { p_value, .. } => *p_value < SRM_ALPHA,
            SampleRatio::UnexpectedArms(arms) => !arms.is_empty(),
            SampleRatio::TooFewExposures { .. } | SampleRatio::NotEnoughArms => false,
        }
    }
}

/// Pearson's chi-square goodness-of-fit test of observed exposure counts against expected shares
/// (see the module documentation). `arms` holds `(observed, expected share)` per arm; shares are
/// normalised by their sum, so they need not add up to exactly 1. An arm with a share of zero
/// (or a share that is not a finite positive number) takes no part in the test; if it has
/// exposures, the result is [`SampleRatio::UnexpectedArms`].
pub fn sample_ratio_test(arms: &[(u64, f64)]) -> SampleRatio {
    let expects = |share: f64| share.is_finite() && share > 0.0;
    let unexpected: Vec<usize> = arms
        .iter()
        .enumerate()
        .filter(|(_, &(observed, share))| observed > 0 && !expects(share))
        .map(|(i, _)| i)
        .collect();
    if !unexpected.is_empty() {
        return SampleRatio::UnexpectedArms(unexpected);
    }
    let tested: Vec<(f64, f64)> = arms
        .iter()
        .filter(|(_, share)| expects(*share))
        .map(|&(observed, share)| (observed as f64, share))
        .collect();
    if tested.len() < 2 {
        return SampleRatio::NotEnoughArms;
    }
    let total: f64 = tested.iter().map(|(o, _)| o).sum();
    let share_sum: f64 = tested.iter().map(|(_, s)| s).sum();
    let expected: Vec<f64> = tested.iter().map(|(_, s)| total * s / share_sum).collect();
    let min_expected = expected.iter().copied().fold(f64::INFINITY, f64::min);
    // Written so that a NaN (impossible with finite shares) also declines the test.
    let enough = min_expected >= SRM_MIN_EXPECTED;
    if !enough {
        return SampleRatio::TooFewExposures { min_expected };
    }
    let statistic: f64 = tested
        .iter()
        .zip(&expected)
        .map(|((o, _), e)| (o - e) * (o - e) / e)
        .sum();
    // tested.len() >= 2; more arms than u32::MAX cannot be allocated.
    let df = u32::try_from(tested.len() - 1).unwrap_or(u32::MAX);
    SampleRatio::Tested {
        statistic,
        df,
        p_value: chi_square_survival(statistic, df),
    }
}

/// `P(X ≥ statistic)` for `X` chi-square distributed with `df` degrees of freedom (the survival
/// function), from [`statrs`]'s chi-square distribution (the regularized upper incomplete gamma
/// function `Q(df/2, statistic/2)`). `df = 0` or a statistic that is not positive gives 1; an
/// infinite statistic gives 0.
pub fn chi_square_survival(statistic: f64, df: u32) -> f64 {
    if df == 0 || statistic.is_nan() || statistic <= 0.0 {
        return 1.0;
    }
    if statistic == f64::INFINITY {
        return 0.0;
    }
    // `new` refuses only a degree of freedom that is not a positive finite number; `df >= 1`.
    ChiSquared::new(f64::from(df)).map_or(1.0, |distribution| {
        distribution.sf(statistic).clamp(0.0, 1.0)
    })
}

/// The share of a rule's exposures each arm should receive (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedShares {
    /// The control's share, including the global holdout.
    pub control: f64,
    /// Each variant's share, in the rule's variant order.
    pub variants: Vec<f64>,
}

/// Expected exposure shares for a rule with a control share of `control_bp`, variant `weights`
/// and a rollout of `rollout_bp` (all as the engine compiles them, basis points of 10 000), in a
/// bundle with a global holdout of `holdout_bp`. Held-out devices are reported as control, so
/// `control = h + (1 − h)·q_control` and `variant_i = (1 − h)·q_i` (see the module
/// documentation). A rule whose rollout covers no bucket gets all-zero shares.
///
/// # Errors
///
/// The [`AllocationError`] of [`Allocation::new`] for shares it refuses.
pub fn expected_shares(
    control_bp: u32,
    weights: &[u32],
    rollout_bp: u32,
    holdout_bp: u32,
) -> Result<ExpectedShares, AllocationError> {
    let allocation = Allocation::new(control_bp, weights, rollout_bp)?;
    let covered = |arm| {
        allocation.covered(arm).map_or(0.0, |range| {
            f64::from(range.end.saturating_sub(range.start))
        })
    };
    let control = covered(Arm::Control);
    let variants: Vec<f64> = (0..weights.len())
        .map(|i| covered(Arm::Variant(i)))
        .collect();
    let total = control + variants.iter().sum::<f64>();
    if total <= 0.0 {
        return Ok(ExpectedShares {
            control: 0.0,
            variants: vec![0.0; weights.len()],
        });
    }
    let h = f64::from(holdout_bp.min(BUCKETS)) / f64::from(BUCKETS);
    Ok(ExpectedShares {
        control: h + (1.0 - h) * control / total,
        variants: variants.iter().map(|v| (1.0 - h) * v / total).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values computed independently in Python with the closed forms of the chi-square
    // survival function (df 1: erfc(√(x/2)); df 2: e^{−x/2}; df 3: erfc(√(x/2)) + √(2x/π)e^{−x/2};
    // even df: e^{−x/2} Σ_{i<df/2} (x/2)^i / i!) and the interval formulas of the module docs.

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance * expected.abs().max(1e-300),
            "{actual} is not within {tolerance} (relative) of {expected}"
        );
    }

    #[test]
    fn chi_square_survival_matches_closed_forms() {
        close(
            chi_square_survival(3.84, 1),
            0.050_043_521_248_705_09,
            1e-10,
        );
        close(
            chi_square_survival(10.5, 2),
            0.005_247_518_399_181_385,
            1e-10,
        );
        close(chi_square_survival(7.0, 3), 0.071_897_772_496_465_13, 1e-10);
        close(
            chi_square_survival(23.2093, 10),
            0.009_999_831_639_612_164,
            1e-10,
        );
        close(chi_square_survival(3.0, 10), 0.981_424_063_777_859_3, 1e-10);
        close(chi_square_survival(0.5, 4), 0.973_500_978_839_256_1, 1e-10);
        close(
            chi_square_survival(36.0, 1),
            1.973_175_290_075_402_4e-9,
            1e-8,
        );
        assert_eq!(chi_square_survival(0.0, 3), 1.0);
        assert_eq!(chi_square_survival(f64::INFINITY, 3), 0.0);
        assert_eq!(chi_square_survival(5.0, 0), 1.0);
    }

    /// Published critical values (the chi-square table's 0.95 and 0.999 quantiles, and the normal
    /// table's 0.975 quantile): the survival function at each must give back its tail probability.
    #[test]
    fn distributions_agree_with_published_critical_values() {
        for (statistic, df, tail) in [
            (3.841_458_820_694_124, 1, 0.05),
            (5.991_464_547_107_979, 2, 0.05),
            (10.827_566_170_662_733, 1, 0.001),
            (13.815_510_557_964_274, 2, 0.001),
            (16.266_236_196_238_13, 3, 0.001),
            (18.466_826_952_903_15, 4, 0.001),
            (20.515_005_652_432_873, 5, 0.001),
            (29.588_298_445_074_418, 10, 0.001),
        ] {
            close(chi_square_survival(statistic, df), tail, 1e-8);
        }
        let normal = statrs::distribution::Normal::standard();
        close(normal.inverse_cdf(0.975), Z_95, 1e-12);
    }

    #[test]
    fn sample_ratio_two_arms_at_half_and_half() {
        // 5100 / 4900 against 50/50: χ² = 2·100²/5000 = 4, p = erfc(√2).
        let SampleRatio::Tested {
            statistic,
            df,
            p_value,
        } = sample_ratio_test(&[(5100, 0.5), (4900, 0.5)])
        else {
            panic!("not tested")
        };
        close(statistic, 4.0, 1e-12);
        assert_eq!(df, 1);
        close(p_value, 0.045_500_263_896_358_396, 1e-10);
        assert!(!sample_ratio_test(&[(5100, 0.5), (4900, 0.5)]).mismatch());
        // 5300 / 4700: χ² = 36, p ≈ 2e-9: a mismatch.
        let srm = sample_ratio_test(&[(5300, 0.5), (4700, 0.5)]);
        assert!(srm.mismatch(), "{srm:?}");
    }

    #[test]
    fn sample_ratio_three_arms_with_holdout_shares() {
        let shares = expected_shares(2000, &[1, 1], 10_000, 500).unwrap();
        close(shares.control, 0.24, 1e-12);
        close(shares.variants[0], 0.38, 1e-12);
        close(shares.variants[1], 0.38, 1e-12);
        let SampleRatio::Tested {
            statistic,
            df,
            p_value,
        } = sample_ratio_test(&[
            (2400, shares.control),
            (3900, shares.variants[0]),
            (3700, shares.variants[1]),
        ])
        else {
            panic!("not tested")
        };
        close(statistic, 5.263_157_894_736_842_5, 1e-10);
        assert_eq!(df, 2);
        close(p_value, 0.071_964_743_941_722_96, 1e-10);
    }

    #[test]
    fn sample_ratio_refuses_to_guess_and_flags_impossible_arms() {
        assert_eq!(
            sample_ratio_test(&[(3, 0.5), (1, 0.5)]),
            SampleRatio::TooFewExposures { min_expected: 2.0 }
        );
        assert_eq!(
            sample_ratio_test(&[(100, 1.0), (0, 0.0)]),
            SampleRatio::NotEnoughArms
        );
        let unexpected = sample_ratio_test(&[(100, 0.5), (100, 0.5), (1, 0.0)]);
        assert_eq!(unexpected, SampleRatio::UnexpectedArms(vec![2]));
        assert!(unexpected.mismatch());
    }

    #[test]
    fn expected_shares_follow_rollout_rounding_and_zero_weights() {
        // The Allocation docs' example: control 2000, weights [1, 2, 7], rollout 50 %:
        // covered 1000 / 400 / 800 / 2800 of 5000.
        let s = expected_shares(2000, &[1, 2, 7], 5000, 0).unwrap();
        close(s.control, 0.2, 1e-12);
        close(s.variants[0], 0.08, 1e-12);
        close(s.variants[1], 0.16, 1e-12);
        close(s.variants[2], 0.56, 1e-12);
        let z = expected_shares(0, &[1, 0], 10_000, 0).unwrap();
        assert_eq!(z.control, 0.0);
        assert_eq!(z.variants, vec![1.0, 0.0]);
        let nobody = expected_shares(1000, &[1], 0, 500).unwrap();
        assert_eq!(nobody.control, 0.0);
        assert!(expected_shares(0, &[0], 10_000, 0).is_err());
    }

    #[test]
    fn lift_interval_matches_the_log_ratio_formula() {
        let control = ArmCounts {
            exposures: 1000,
            conversions: 100,
        };
        let variant = ArmCounts {
            exposures: 1000,
            conversions: 130,
        };
        let lift = relative_lift(variant, control, Z_95);
        close(lift.estimate.unwrap(), 0.3, 1e-12);
        let ci = lift.ci95.unwrap();
        close(ci.low, 0.016_984_270_971_045_49, 1e-9);
        close(ci.high, 0.661_775_947_022_602_3, 1e-9);
        assert_eq!(lift.note, None);
    }

    #[test]
    fn lift_without_interval_says_why() {
        let c = |exposures, conversions| ArmCounts {
            exposures,
            conversions,
        };
        let case = |v, k| relative_lift(v, k, Z_95);
        let l = case(c(0, 0), c(10, 1));
        assert_eq!((l.estimate, l.note), (None, Some(LiftNote::NoExposures)));
        let l = case(c(10, 3), c(10, 0));
        assert_eq!(
            (l.estimate, l.note),
            (None, Some(LiftNote::NoControlConversions))
        );
        let l = case(c(10, 0), c(10, 2));
        assert_eq!(
            (l.estimate, l.ci95, l.note),
            (Some(-1.0), None, Some(LiftNote::NoVariantConversions))
        );
        let l = case(c(10, 12), c(10, 2));
        assert_eq!(
            (l.ci95, l.note),
            (None, Some(LiftNote::MoreConversionsThanExposures))
        );
        let l = case(c(10, 10), c(20, 20));
        assert_eq!(
            (l.estimate, l.ci95, l.note),
            (Some(0.0), None, Some(LiftNote::AllConverted))
        );
        let l = case(c(50, 4), c(50, 8));
        assert!(l.ci95.is_some());
        assert_eq!(l.note, Some(LiftNote::SmallCounts));
    }

    #[test]
    fn wilson_interval_matches_formula_and_handles_zero() {
        let ci = wilson_interval(
            ArmCounts {
                exposures: 100,
                conversions: 10,
            },
            Z_95,
        )
        .unwrap();
        close(ci.low, 0.055_229_137_060_675_08, 1e-9);
        close(ci.high, 0.174_365_661_504_913_45, 1e-9);
        let zero = wilson_interval(
            ArmCounts {
                exposures: 20,
                conversions: 0,
            },
            Z_95,
        )
        .unwrap();
        assert!(zero.low.abs() < 1e-12);
        close(zero.high, 0.161_125_158_052_819_35, 1e-9);
        assert_eq!(wilson_interval(ArmCounts::default(), Z_95), None);
        assert_eq!(
            wilson_interval(
                ArmCounts {
                    exposures: 1,
                    conversions: 2
                },
                Z_95
            ),
            None
        );
    }
}
