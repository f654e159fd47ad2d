//! Bucketing: frozen cross-language vectors, the allocation spec, and statistical properties.

// A test that cannot read its fixture or build a valid allocation should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pathwise::bucketing::{
    bucket, hash, in_holdout, layer_member, Allocation, AllocationError, Arm, Salted, BUCKETS,
    HOLDOUT_SALT,
};
use proptest::prelude::*;
use serde::Deserialize;

// ---------------------------------------------------------------------------------------------
// Frozen vectors (computed by Python's mmh3, see tests/data/gen_bucketing_vectors.py)
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct VectorFile {
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    salt: String,
    unit: String,
    hash: u32,
    bucket: u32,
}

fn vectors() -> Vec<Vector> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/bucketing_vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("vector file is readable");
    let file: VectorFile = serde_json::from_str(&text).expect("vector file is valid JSON");
    file.vectors
}

#[test]
fn frozen_vectors_match_independent_murmur3() {
    let mut failures = Vec::new();
    for v in vectors() {
        let (h, b) = (hash(&v.salt, &v.unit), bucket(&v.salt, &v.unit));
        if h != v.hash || b != v.bucket {
            failures.push(format!(
                "salt {:?} unit {:?}: got hash {h} bucket {b}, expected hash {} bucket {}",
                v.salt, v.unit, v.hash, v.bucket
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn frozen_vectors_cover_the_required_cases() {
    let vs = vectors();
    assert!(vs.len() >= 24, "only {} vectors", vs.len());
    let units = || vs.iter().map(|v| v.unit.as_str());
    assert!(units().any(|u| u.contains('é')), "no 2-byte UTF-8 unit");
    assert!(units().any(|u| u.contains('日')), "no CJK unit");
    assert!(units().any(|u| u.contains('🦀')), "no emoji unit");
    assert!(vs.iter().any(|v| v.salt.is_empty()), "no empty salt");
    assert!(units().any(str::is_empty), "no empty unit");
    for len in 0..=17 {
        assert!(units().any(|u| u.len() == len), "no unit of {len} bytes");
    }
    for len in 0..4 {
        assert!(
            vs.iter().any(|v| v.salt.len() % 4 == len),
            "':' never at offset {len} of a block"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Hash and bucket
// ---------------------------------------------------------------------------------------------

/// Straightforward murmur3_x86_32 (seed 0) over one contiguous byte slice, to check that the
/// library's streaming over salt / ':' / unit gives the same result for every split.
fn murmur3_joined(data: &[u8]) -> u32 {
    let (c1, c2) = (0xcc9e_2d51_u32, 0x1b87_3593_u32);
    let mut h = 0u32;
    let blocks = data.len() / 4;
    for i in 0..blocks {
        let k = u32::from_le_bytes([
            data[4 * i],
            data[4 * i + 1],
            data[4 * i + 2],
            data[4 * i + 3],
        ]);
        h ^= k.wrapping_mul(c1).rotate_left(15).wrapping_mul(c2);
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = &data[4 * blocks..];
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, &b) in tail.iter().enumerate() {
            k |= u32::from(b) << (8 * i);
        }
        h ^= k.wrapping_mul(c1).rotate_left(15).wrapping_mul(c2);
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

proptest! {
    #[test]
    fn hash_is_deterministic_and_independent_of_where_the_colon_falls(
        salt in "\\PC{0,12}", unit in "\\PC{0,20}"
    ) {
        let h = hash(&salt, &unit);
        prop_assert_eq!(h, hash(&salt, &unit));
        prop_assert_eq!(h, murmur3_joined(format!("{salt}:{unit}").as_bytes()));
    }

    #[test]
    fn a_salt_hashed_once_serves_every_unit(
        salt in "\\PC{0,12}", units in prop::collection::vec("\\PC{0,20}", 1..4)
    ) {
        // The engine keeps one `Salted` per rule and hashes many units with it.
        let salted = Salted::new(&salt);
        for unit in &units {
            prop_assert_eq!(salted.hash(unit), murmur3_joined(format!("{salt}:{unit}").as_bytes()));
            prop_assert_eq!(salted.bucket(unit), bucket(&salt, unit));
        }
    }

    #[test]
    fn bucket_is_in_range_and_derived_from_the_hash(salt in "\\PC{0,12}", unit in "\\PC{0,40}") {
        let b = bucket(&salt, &unit);
        prop_assert!(b < BUCKETS);
        prop_assert_eq!(b, bucket(&salt, &unit));
        prop_assert_eq!(u64::from(b), (u64::from(hash(&salt, &unit)) * 10_000) >> 32);
    }
}

// ---------------------------------------------------------------------------------------------
// Allocation: the exact spec
// ---------------------------------------------------------------------------------------------

fn alloc(control: u32, weights: &[u32], rollout: u32) -> Allocation {
    Allocation::new(control, weights, rollout).expect("valid allocation")
}

#[test]
fn documented_example_has_exact_slot_boundaries() {
    let a = alloc(2000, &[1, 2, 7], 5000);
    assert_eq!(a.covered(Arm::Control), Some(0..1000));
    assert_eq!(a.covered(Arm::Variant(0)), Some(2000..2400));
    assert_eq!(a.covered(Arm::Variant(1)), Some(2800..3600));
    assert_eq!(a.covered(Arm::Variant(2)), Some(4400..7200));
    assert_eq!(a.covered(Arm::Variant(3)), None);
    assert_eq!(a.covered(Arm::Outside), None);
    let expect = [
        (0, Arm::Control),
        (999, Arm::Control),
        (1000, Arm::Outside),
        (1999, Arm::Outside),
        (2000, Arm::Variant(0)),
        (2399, Arm::Variant(0)),
        (2400, Arm::Outside),
        (2800, Arm::Variant(1)),
        (3599, Arm::Variant(1)),
        (3600, Arm::Outside),
        (4400, Arm::Variant(2)),
        (7199, Arm::Variant(2)),
        (7200, Arm::Outside),
        (9999, Arm::Outside),
    ];
    for (b, arm) in expect {
        assert_eq!(a.assign(b), arm, "bucket {b}");
    }
    assert_eq!(
        (a.control_bp(), a.rollout_bp(), a.variant_count()),
        (2000, 5000, 3)
    );
}

#[test]
fn remainder_goes_to_the_last_variant_with_nonzero_weight() {
    let a = alloc(0, &[1, 1, 1, 0], 10_000);
    let widths: Vec<_> = (0..4).map(|i| a.width(Arm::Variant(i))).collect();
    assert_eq!(widths, [Some(3333), Some(3333), Some(3334), Some(0)]);
    assert_eq!(a.assign(9999), Arm::Variant(2));
    assert_eq!(a.assign(6666), Arm::Variant(2));
    assert_eq!(a.assign(6665), Arm::Variant(1));
}

#[test]
fn all_control_needs_no_variants() {
    let a = alloc(10_000, &[], 10_000);
    assert!((0..BUCKETS).all(|b| a.assign(b) == Arm::Control));
    let a = alloc(10_000, &[0, 0], 2500);
    assert_eq!(a.assign(2499), Arm::Control);
    assert_eq!(a.assign(2500), Arm::Outside);
}

#[test]
fn buckets_beyond_the_space_are_outside() {
    let a = alloc(0, &[1], 10_000);
    assert_eq!(a.assign(9999), Arm::Variant(0));
    assert_eq!(a.assign(BUCKETS), Arm::Outside);
    assert_eq!(a.assign(u32::MAX), Arm::Outside);
}

#[test]
fn invalid_allocations_are_rejected_with_precise_errors() {
    let err = Allocation::new(10_001, &[1], 10_000).unwrap_err();
    assert_eq!(err, AllocationError::ControlOutOfRange(10_001));
    assert!(err.to_string().contains("10001") && err.to_string().contains("0..=10000"));

    let err = Allocation::new(0, &[1], 20_000).unwrap_err();
    assert_eq!(err, AllocationError::RolloutOutOfRange(20_000));
    assert!(err.to_string().contains("rollout is 20000"));

    let err = Allocation::new(9_999, &[0, 0], 10_000).unwrap_err();
    assert_eq!(err, AllocationError::ZeroWeights { control_bp: 9_999 });
    assert!(err.to_string().contains("9999"));
    assert_eq!(
        Allocation::new(0, &[], 10_000).unwrap_err(),
        AllocationError::ZeroWeights { control_bp: 0 }
    );

    let err = Allocation::new(0, &[1, u32::MAX, 1], 10_000).unwrap_err();
    assert_eq!(err, AllocationError::WeightSumOverflow { index: 1 });
    assert!(err.to_string().contains("weights[1]"));
}

#[test]
fn largest_weights_still_split_exactly() {
    let a = alloc(0, &[u32::MAX - 1, 1], 10_000);
    assert_eq!(a.width(Arm::Variant(0)), Some(9999));
    assert_eq!(a.width(Arm::Variant(1)), Some(1));
}

/// A control share and 1–6 weights (some possibly zero) that form a valid allocation.
fn valid_shape() -> impl Strategy<Value = (u32, Vec<u32>)> {
    (0u32..=10_000, prop::collection::vec(0u32..=20, 1..=6)).prop_map(|(control, mut weights)| {
        if control < 10_000 && weights.iter().all(|&w| w == 0) {
            weights[0] = 1;
        }
        (control, weights)
    })
}

proptest! {
    #[test]
    fn rollout_is_monotone_and_keeps_the_arm(
        (control, weights) in valid_shape(),
        p in 0u32..=10_000,
        q in 0u32..=10_000,
    ) {
        let (p, q) = (p.min(q), p.max(q));
        let low = alloc(control, &weights, p);
        let high = alloc(control, &weights, q);
        for b in 0..BUCKETS {
            let at_p = low.assign(b);
            if at_p != Arm::Outside {
                prop_assert_eq!(high.assign(b), at_p, "bucket {} at {} vs {}", b, p, q);
            }
        }
    }

    #[test]
    fn rollout_covers_its_share_of_buckets((control, weights) in valid_shape(), r in 0u32..=10_000) {
        let a = alloc(control, &weights, r);
        let inside = (0..BUCKETS).filter(|&b| a.assign(b) != Arm::Outside).count() as u32;
        // Each arm rounds down by less than one bucket.
        let arms = weights.len() as u32 + 1;
        prop_assert!(inside <= r && inside + arms > r, "{} inside at rollout {}", inside, r);
    }

    #[test]
    fn full_rollout_partitions_the_space_by_weight((control, weights) in valid_shape()) {
        let a = alloc(control, &weights, 10_000);
        let mut counts = vec![0u32; weights.len()];
        let mut control_count = 0;
        for b in 0..BUCKETS {
            match a.assign(b) {
                Arm::Control => control_count += 1,
                Arm::Variant(i) => counts[i] += 1,
                Arm::Outside => prop_assert!(false, "bucket {} outside at full rollout", b),
            }
        }
        prop_assert_eq!(control_count, control);
        let treated = 10_000 - control;
        let sum: u32 = weights.iter().sum();
        for (i, (&n, &w)) in counts.iter().zip(&weights).enumerate() {
            prop_assert_eq!(Some(n), a.width(Arm::Variant(i)));
            if w == 0 {
                prop_assert_eq!(n, 0);
            } else {
                let exact = f64::from(treated) * f64::from(w) / f64::from(sum);
                prop_assert!((f64::from(n) - exact).abs() < weights.len() as f64,
                    "variant {} has {} buckets, exact share {}", i, n, exact);
            }
        }
    }

    #[test]
    fn zero_weight_variants_and_zero_control_are_never_assigned(
        (_, weights) in valid_shape(),
        r in 0u32..=10_000,
    ) {
        let mut weights = weights;
        weights.push(0);
        weights.insert(0, 0);
        if weights.iter().all(|&w| w == 0) {
            weights[1] = 3;
        }
        let a = alloc(0, &weights, r);
        for b in 0..BUCKETS {
            match a.assign(b) {
                Arm::Control => prop_assert!(false, "control at bucket {} with control_bp 0", b),
                Arm::Variant(i) => prop_assert!(weights[i] > 0, "zero-weight variant {} at {}", i, b),
                Arm::Outside => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Statistics over synthetic install ids
// ---------------------------------------------------------------------------------------------

const IDS: usize = 100_000;

/// `n` deterministic synthetic install ids shaped like the real ones (128 random bits in hex),
/// drawn from splitmix64 so the statistical tests are reproducible rather than flaky.
fn synthetic_ids(n: usize) -> Vec<String> {
    let mut state = 0x5eed_f00d_9a7e_u64;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (0..n)
        .map(|_| format!("{:016x}{:016x}", next(), next()))
        .collect()
}

/// Pearson chi-square of observed counts against a uniform expectation.
fn chi_square_uniform(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    let expected = total as f64 / counts.len() as f64;
    counts
        .iter()
        .map(|&o| (o as f64 - expected).powi(2) / expected)
        .sum()
}

/// Critical value of chi-square with 99 degrees of freedom at p = 0.001 (upper tail): a
/// statistic above it would mean the buckets are non-uniform with 99.9 % confidence.
const CHI2_99_DF_P001: f64 = 148.23;
/// Critical value of chi-square with 81 degrees of freedom at p = 0.001 (upper tail), computed
/// from the regularized incomplete gamma function (Q(40.5, 126.08 / 2) = 0.001).
const CHI2_81_DF_P001: f64 = 126.08;

#[test]
fn buckets_are_uniform_chi_square_over_100_buckets() {
    let ids = synthetic_ids(IDS);
    for salt in ["hero-banner", "rule-1", "", HOLDOUT_SALT, "onboarding:v2"] {
        let mut counts = vec![0u64; 100];
        for id in &ids {
            counts[(bucket(salt, id) / 100) as usize] += 1;
        }
        let chi2 = chi_square_uniform(&counts);
        assert!(
            chi2 < CHI2_99_DF_P001,
            "salt {salt:?}: chi-square {chi2:.2} >= {CHI2_99_DF_P001} (p < 0.001)"
        );
    }
}

#[test]
fn the_uniformity_check_detects_a_biased_bucketing() {
    // Guards the test above: a bucketing that favours low buckets by ~2 % must fail it.
    let ids = synthetic_ids(IDS);
    let mut counts = vec![0u64; 100];
    for id in &ids {
        let b = bucket("hero-banner", id);
        let skewed = if b >= 9800 { b - 9800 } else { b };
        counts[(skewed / 100) as usize] += 1;
    }
    assert!(chi_square_uniform(&counts) > CHI2_99_DF_P001);
}

/// Pearson chi-square test of independence on a contingency table.
fn chi_square_independence(table: &[[u64; 10]; 10]) -> f64 {
    let total: u64 = table.iter().flatten().sum();
    let rows: Vec<u64> = table.iter().map(|r| r.iter().sum()).collect();
    let cols: Vec<u64> = (0..10).map(|j| table.iter().map(|r| r[j]).sum()).collect();
    let mut chi2 = 0.0;
    for i in 0..10 {
        for j in 0..10 {
            let expected = rows[i] as f64 * cols[j] as f64 / total as f64;
            chi2 += (table[i][j] as f64 - expected).powi(2) / expected;
        }
    }
    chi2
}

#[test]
fn two_salts_bucket_independently() {
    let ids = synthetic_ids(IDS);
    let pairs = [
        ("hero-banner", "pricing-cta"),
        ("rule-1", "rule-2"),
        ("layer:checkout", HOLDOUT_SALT),
    ];
    for (a, b) in pairs {
        let mut table = [[0u64; 10]; 10];
        for id in &ids {
            table[(bucket(a, id) / 1000) as usize][(bucket(b, id) / 1000) as usize] += 1;
        }
        let chi2 = chi_square_independence(&table);
        assert!(
            chi2 < CHI2_81_DF_P001,
            "salts {a:?} / {b:?}: chi-square {chi2:.2} >= {CHI2_81_DF_P001} (p < 0.001)"
        );
    }
    // The same salt twice is maximally dependent: the check must notice.
    let mut table = [[0u64; 10]; 10];
    for id in &ids {
        let b = (bucket("x", id) / 1000) as usize;
        table[b][b] += 1;
    }
    assert!(chi_square_independence(&table) > CHI2_81_DF_P001);
}

/// Share (in percentage points) of `ids` that `a` puts in each of control, variants..., outside.
fn arm_shares(a: &Allocation, salt: &str, ids: &[String]) -> Vec<f64> {
    let n = a.variant_count();
    let mut counts = vec![0u64; n + 2];
    for id in ids {
        let slot = match a.assign(bucket(salt, id)) {
            Arm::Control => 0,
            Arm::Variant(i) => i + 1,
            Arm::Outside => n + 1,
        };
        counts[slot] += 1;
    }
    counts
        .iter()
        .map(|&c| 100.0 * c as f64 / ids.len() as f64)
        .collect()
}

#[test]
fn weights_are_respected_within_one_point() {
    let ids = synthetic_ids(IDS);
    // 20 % control, variants 1:2:7 of the remaining 80 % = 8 %, 16 %, 56 %.
    let cases = [
        (10_000, [20.0, 8.0, 16.0, 56.0, 0.0]),
        (5_000, [10.0, 4.0, 8.0, 28.0, 50.0]),
    ];
    for (rollout, expected) in cases {
        let a = alloc(2000, &[1, 2, 7], rollout);
        let shares = arm_shares(&a, "hero-banner", &ids);
        for (i, (got, want)) in shares.iter().zip(expected).enumerate() {
            assert!(
                (got - want).abs() <= 1.0,
                "rollout {rollout}: arm {i} has {got:.2} %, expected {want} % ± 1"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Layers and holdout
// ---------------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn layer_members_partition_the_units(
        layer in "\\PC{0,12}", unit in "[0-9a-f]{32}", members in 1usize..=40
    ) {
        let owners: Vec<usize> =
            (0..members).filter(|&k| layer_member(&layer, &unit, k, members)).collect();
        prop_assert_eq!(owners.len(), 1, "unit in members {:?} of {}", owners, members);
        prop_assert!(!layer_member(&layer, &unit, members, members));
        prop_assert!(!layer_member(&layer, &unit, usize::MAX, members));
        prop_assert!(!layer_member(&layer, &unit, 0, 0));
    }

    #[test]
    fn holdout_is_monotone(unit in "[0-9a-f]{32}", p in 0u32..=10_000, q in 0u32..=10_000) {
        let (p, q) = (p.min(q), p.max(q));
        prop_assert!(!in_holdout(&unit, p) || in_holdout(&unit, q));
    }
}

#[test]
fn layer_member_owns_the_documented_bucket_range() {
    let ids = synthetic_ids(2_000);
    for id in &ids {
        let b = bucket("layer:checkout", id) as usize;
        // 3 members own [0, 3333), [3333, 6666), [6666, 10000).
        let owner = if b < 3333 {
            0
        } else if b < 6666 {
            1
        } else {
            2
        };
        for k in 0..3 {
            assert_eq!(
                layer_member("layer:checkout", id, k, 3),
                k == owner,
                "{id} bucket {b}"
            );
        }
    }
}

#[test]
fn layer_members_get_equal_shares() {
    let ids = synthetic_ids(IDS);
    let mut counts = [0u64; 3];
    for id in &ids {
        for (k, count) in counts.iter_mut().enumerate() {
            if layer_member("layer:checkout", id, k, 3) {
                *count += 1;
            }
        }
    }
    for (k, &c) in counts.iter().enumerate() {
        let share = 100.0 * c as f64 / IDS as f64;
        assert!(
            (share - 100.0 / 3.0).abs() <= 1.0,
            "member {k} has {share:.2} %"
        );
    }
}

#[test]
fn holdout_share_matches_its_basis_points() {
    let ids = synthetic_ids(IDS);
    for (bp, tolerance) in [(500u32, 0.5), (1_000, 0.5), (2_500, 1.0)] {
        let held = ids.iter().filter(|id| in_holdout(id, bp)).count();
        let share = 100.0 * held as f64 / IDS as f64;
        let want = f64::from(bp) / 100.0;
        assert!(
            (share - want).abs() <= tolerance,
            "holdout {bp} bp holds out {share:.2} %, expected {want} % ± {tolerance}"
        );
    }
    assert!(ids.iter().all(|id| !in_holdout(id, 0)));
    assert!(ids.iter().all(|id| in_holdout(id, 10_000)));
}

#[test]
fn holdout_uses_its_own_salt() {
    for id in synthetic_ids(200) {
        assert_eq!(
            in_holdout(&id, 3_000),
            bucket(HOLDOUT_SALT, &id) < 3_000,
            "{id}"
        );
    }
    assert_eq!(HOLDOUT_SALT, "pathwise:holdout");
}
