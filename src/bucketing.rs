//! Deterministic bucketing (docs/design.md, "Bucketing").
//!
//! Every random-looking choice Pathwise makes — which arm of a rule a device is in, whether it is
//! inside a rule's rollout, which rule of a layer it may see, whether it is in the global holdout —
//! is a pure function of a salt and the device's anonymous unit id. The same unit therefore gets
//! the same answer on every page load, in every language that implements the few integer formulas
//! below, with no state kept and nothing sent to a server.
//!
//! The pipeline is:
//!
//! 1. [`hash`]: `h = murmur3_x86_32(seed 0, UTF-8 bytes of "{salt}:{unit}")`.
//! 2. [`bucket`]: `b = (h as u64 * 10_000) >> 32`, a bucket in `0..BUCKETS` (0..=9999).
//! 3. One of: [`Allocation::assign`] (control / variant / outside the rollout),
//!    [`layer_member`] (mutually exclusive rules) or [`in_holdout`] (global holdout).
//!
//! All shares are given in basis points (`u32`, `0..=10_000`, 1 bp = 0.01 %); converting the
//! bundle's percentages happens elsewhere. Only integer arithmetic is used, and every
//! intermediate value stays below 2^53 so a JavaScript implementation using plain `Number`s gives
//! bit-identical results. The frozen vectors in `tests/data/bucketing_vectors.json` pin steps 1–2.

use crate::prelude::*;
use core::ops::Range;

/// The number of buckets: a bucket is in `0..BUCKETS`, one per basis point.
pub const BUCKETS: u32 = 10_000;

/// The salt of the global holdout, see [`in_holdout`]. It must never change: changing it
/// reshuffles which devices are held out.
pub const HOLDOUT_SALT: &str = "pathwise:holdout";

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

/// Incremental murmur3_x86_32 (seed 0) so `hash` can feed the salt, the `:` and the unit as three
/// pieces without joining them into a temporary `String`.
#[derive(Debug, Clone, Copy)]
struct Murmur3 {
    h: u32,
    /// Bytes of a not yet complete 4-byte block, little-endian (first byte lowest).
    tail: u32,
    /// How many bytes `tail` holds, always `0..4`.
    tail_len: u32,
    /// Total input length modulo 2^32, as the reference algorithm mixes it.
    len: u32,
}

impl Murmur3 {
    fn new() -> Self {
        Murmur3 {
            h: 0,
            tail: 0,
            tail_len: 0,
            len: 0,
        }
    }

    fn scramble(k: u32) -> u32 {
        k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
    }

    fn mix_block(&mut self, k: u32) {
        self.h ^= Self::scramble(k);
        self.h = self
            .h
            .rotate_left(13)
            .wrapping_mul(5)
            .wrapping_add(0xe654_6b64);
    }

    fn push_byte(&mut self, byte: u8) {
        self.tail |= u32::from(byte) << (8 * self.tail_len);
        self.tail_len += 1;
        if self.tail_len == 4 {
            let block = self.tail;
            self.tail = 0;
            self.tail_len = 0;
            self.mix_block(block);
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        // Truncation is intended: murmur3 mixes the length modulo 2^32.
        self.len = self.len.wrapping_add(bytes.len() as u32);
        let mut rest = bytes;
        // First complete a block that the previous piece left partly filled.
        while self.tail_len != 0 {
            let Some((&byte, after)) = rest.split_first() else {
                return;
            };
            self.push_byte(byte);
            rest = after;
        }
        let mut blocks = rest.chunks_exact(4);
        for block in &mut blocks {
            if let &[b0, b1, b2, b3] = block {
                self.mix_block(u32::from_le_bytes([b0, b1, b2, b3]));
            }
        }
        for &byte in blocks.remainder() {
            self.push_byte(byte);
        }
    }

    fn finish(mut self) -> u32 {
        if self.tail_len != 0 {
            self.h ^= Self::scramble(self.tail);
        }
        let mut h = self.h ^ self.len;
        h ^= h >> 16;
        h = h.wrapping_mul(0x85eb_ca6b);
        h ^= h >> 13;
        h = h.wrapping_mul(0xc2b2_ae35);
        h ^= h >> 16;
        h
    }
}

/// murmur3_x86_32 with seed 0 of the UTF-8 bytes of `"{salt}:{unit}"`.
///
/// The result equals what any standard MurmurHash3 x86 32-bit implementation returns (read as
/// unsigned) for the joined string, e.g. Python's `mmh3.hash(b, seed=0, signed=False)`; the frozen
/// vectors in `tests/data/bucketing_vectors.json` were produced that way.
///
/// murmur3 is hand-written here (about 30 lines) rather than taken from a crate: the common crates
/// read their input through `core::io::Read`, which would pull I/O plumbing into the wasm of every
/// page for no benefit. The three pieces are streamed block by block, so no joined `String` is
/// allocated on this hot path.
pub fn hash(salt: &str, unit: &str) -> u32 {
    Salted::new(salt).hash(unit)
}

/// The bucket (0..=9999) of `unit` for `salt`: `(hash as u64 * 10_000) >> 32`.
///
/// Multiplying then shifting (rather than `hash % 10_000`) maps the 2^32 hash values onto the
/// buckets in contiguous, equally sized runs (±1 value), with integer maths only.
pub fn bucket(salt: &str, unit: &str) -> u32 {
    to_bucket(hash(salt, unit))
}

fn to_bucket(hash: u32) -> u32 {
    // hash < 2^32, so the product is < 10_000 * 2^32 and the shifted result is < 10_000.
    ((u64::from(hash) * u64::from(BUCKETS)) >> 32) as u32
}

/// [`hash`] and [`bucket`] for one salt and many units: the hash state after `"{salt}:"`,
/// computed once. A rule's salt is fixed when the bundle is compiled, while every decision
/// hashes it again with the unit; the salt (a rule id, often 20–30 bytes) is most of the bytes
/// hashed, so keeping its state leaves only the unit to hash per decision.
#[derive(Debug, Clone, Copy)]
pub struct Salted(Murmur3);

impl Salted {
    /// The state after hashing `"{salt}:"`.
    pub fn new(salt: &str) -> Salted {
        let mut m = Murmur3::new();
        m.write(salt.as_bytes());
        m.write(b":");
        Salted(m)
    }

    /// `hash(salt, unit)`.
    pub fn hash(self, unit: &str) -> u32 {
        let mut m = self.0;
        m.write(unit.as_bytes());
        m.finish()
    }

    /// `bucket(salt, unit)`.
    pub fn bucket(self, unit: &str) -> u32 {
        to_bucket(self.hash(unit))
    }
}

/// Which arm of a rule a bucket falls in, see [`Allocation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Arm {
    /// The rule's control group: it is part of the rule's audience and rollout but sees the
    /// default, so the rule's lift can be measured.
    Control,
    /// The variant at this index of the weight list given to [`Allocation::new`] (zero-weight
    /// variants keep their index; they are simply never returned).
    Variant(usize),
    /// Not covered by the rollout: the rule does not apply to this unit at all.
    Outside,
}

/// Why an [`Allocation`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    /// The control share is more than 10 000 basis points.
    #[error("control share is {0} basis points; it must be within 0..=10000 (0 % to 100 %)")]
    ControlOutOfRange(u32),
    /// The rollout is more than 10 000 basis points.
    #[error("rollout is {0} basis points; it must be within 0..=10000 (0 % to 100 %)")]
    RolloutOutOfRange(u32),
    /// Treated traffic exists (control below 100 %) but no variant has a positive weight.
    #[error(
        "variant weights sum to zero but control takes only {control_bp} of 10000 basis points; \
         give at least one variant a positive weight, or set control to 10000"
    )]
    ZeroWeights {
        /// The control share that leaves treated traffic to distribute.
        control_bp: u32,
    },
    /// The weights do not fit in a `u32` when added up.
    #[error(
        "variant weights overflow when summed (at weights[{index}]); their sum must be at most \
         4294967295"
    )]
    WeightSumOverflow {
        /// Index of the weight whose addition overflowed.
        index: usize,
    },
}

/// One arm's place in the bucket space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    start: u32,
    /// Width before rollout scaling.
    width: u32,
    /// Width after rollout scaling: the arm holds `start..start + covered`.
    covered: u32,
}

impl Slot {
    fn new(start: u32, width: u32, rollout_bp: u32) -> Slot {
        // width <= 10_000 and rollout_bp <= 10_000, so the product fits easily and the quotient
        // is <= width.
        let covered = u64::from(width) * u64::from(rollout_bp) / u64::from(BUCKETS);
        Slot {
            start,
            width,
            covered: covered as u32,
        }
    }

    fn contains(&self, bucket: u32) -> bool {
        bucket >= self.start && bucket - self.start < self.covered
    }

    fn range(&self) -> Range<u32> {
        self.start..self.start + self.covered
    }
}

/// How a rule's buckets are split between control, variants and "outside the rollout".
///
/// # Exact semantics
///
/// This is the specification; another implementation must reproduce it bit for bit. All values
/// are non-negative integers, divisions round down, and no intermediate exceeds 2^53.
///
/// 1. The bucket space `0..10000` is cut into consecutive **slots**, one per arm, in this order:
///    the control slot first, of width `control_bp`; then one slot per variant, in the order of
///    `weights`.
/// 2. The variants share `W = 10000 - control_bp` by weight. With `S = sum(weights)` (which must
///    fit in a `u32`), variant `i` gets `width_i = floor(W * w_i / S)`. The **last variant with a
///    non-zero weight** additionally gets the remainder `W - sum(width_i)`, so that the slots add
///    up to exactly 10 000. A variant of weight 0 has width 0.
/// 3. Slots are laid out from bucket 0: `start_control = 0`, `start_0 = control_bp`,
///    `start_{i+1} = start_i + width_i`.
/// 4. Rollout scales every slot from its start:
///    `covered_i = floor(width_i * rollout_bp / 10000)` (the same for the control slot).
/// 5. Bucket `b` is in arm `i` iff `start_i <= b < start_i + covered_i`; a bucket in no arm (and
///    any `b >= 10000`) is [`Arm::Outside`].
///
/// Example: `control_bp = 2000`, `weights = [1, 2, 7]`, `rollout_bp = 5000` gives widths
/// 2000 / 800 / 1600 / 5600 starting at 0 / 2000 / 2800 / 4400, covered ranges
/// `0..1000` (control), `2000..2400`, `2800..3600` and `4400..7200`; every other bucket is outside.
///
/// # Why it is built this way
///
/// - **Rollout is monotone**: `start_i` does not depend on the rollout and `covered_i` only grows
///   with it, so a unit inside the rollout at `p` is inside at any `q > p`, *in the same arm*.
///   Ramping a rule up never moves anyone between variants.
/// - A zero-weight variant can never be assigned, and `control_bp = 0` never gives
///   [`Arm::Control`], because their slots are empty.
/// - Arms keep their proportions at every rollout (each is scaled by the same factor, up to
///   rounding down of at most one bucket per arm).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    control_bp: u32,
    rollout_bp: u32,
    control: Slot,
    variants: Vec<Slot>,
}

impl Allocation {
    /// Builds the allocation of a rule with a control share of `control_bp`, variants weighted by
    /// `weights` and a rollout of `rollout_bp` (see the type's documentation for the exact
    /// semantics).
    ///
    /// `weights` may be empty, or all zero, only when `control_bp` is 10 000 (everything in the
    /// rollout is control).
    ///
    /// # Errors
    ///
    /// [`AllocationError::ControlOutOfRange`] / [`AllocationError::RolloutOutOfRange`] when a
    /// share exceeds 10 000 bp, [`AllocationError::WeightSumOverflow`] when the weights do not sum
    /// within a `u32`, and [`AllocationError::ZeroWeights`] when the weights sum to zero while
    /// `control_bp < 10000`.
    pub fn new(
        control_bp: u32,
        weights: &[u32],
        rollout_bp: u32,
    ) -> Result<Allocation, AllocationError> {
        if control_bp > BUCKETS {
            return Err(AllocationError::ControlOutOfRange(control_bp));
        }
        if rollout_bp > BUCKETS {
            return Err(AllocationError::RolloutOutOfRange(rollout_bp));
        }
        let mut sum: u32 = 0;
        for (index, &w) in weights.iter().enumerate() {
            sum = sum
                .checked_add(w)
                .ok_or(AllocationError::WeightSumOverflow { index })?;
        }
        if sum == 0 && control_bp < BUCKETS {
            return Err(AllocationError::ZeroWeights { control_bp });
        }

        let treated = BUCKETS - control_bp;
        let mut widths: Vec<u32> = weights
            .iter()
            .map(|&w| {
                if sum == 0 {
                    0
                } else {
                    // <= treated because w <= sum; treated * w < 10_000 * 2^32 < 2^53.
                    (u64::from(treated) * u64::from(w) / u64::from(sum)) as u32
                }
            })
            .collect();
        let assigned: u32 = widths.iter().sum(); // each floor <= its exact share, so <= treated
        if let Some(last) = weights.iter().rposition(|&w| w > 0) {
            if let Some(width) = widths.get_mut(last) {
                *width += treated.saturating_sub(assigned);
            }
        }

        let control = Slot::new(0, control_bp, rollout_bp);
        let mut start = control_bp;
        let variants = widths
            .into_iter()
            .map(|width| {
                let slot = Slot::new(start, width, rollout_bp);
                start += width; // the widths sum to `treated`, so this ends at exactly 10_000
                slot
            })
            .collect();
        Ok(Allocation {
            control_bp,
            rollout_bp,
            control,
            variants,
        })
    }

    /// The arm that `bucket` (from [`bucket`]) falls in. Buckets `>= 10000` are
    /// [`Arm::Outside`].
    pub fn assign(&self, bucket: u32) -> Arm {
        if self.control.contains(bucket) {
            return Arm::Control;
        }
        self.variants
            .iter()
            .position(|slot| slot.contains(bucket))
            .map_or(Arm::Outside, Arm::Variant)
    }

    /// The buckets currently assigned to `arm` (its slot scaled by the rollout), or `None` for
    /// [`Arm::Outside`] and for a variant index that does not exist. The range may be empty.
    ///
    /// Useful to explain a decision ("buckets 2000..2400 see variant 0").
    pub fn covered(&self, arm: Arm) -> Option<Range<u32>> {
        match arm {
            Arm::Control => Some(self.control.range()),
            Arm::Variant(i) => self.variants.get(i).map(Slot::range),
            Arm::Outside => None,
        }
    }

    /// The width of `arm`'s slot before rollout scaling (what it gets at 100 % rollout), or `None`
    /// for [`Arm::Outside`] and a variant index that does not exist.
    pub fn width(&self, arm: Arm) -> Option<u32> {
        match arm {
            Arm::Control => Some(self.control.width),
            Arm::Variant(i) => self.variants.get(i).map(|s| s.width),
            Arm::Outside => None,
        }
    }

    /// The control share this allocation was built with, in basis points.
    pub fn control_bp(&self) -> u32 {
        self.control_bp
    }

    /// The rollout this allocation was built with, in basis points.
    pub fn rollout_bp(&self) -> u32 {
        self.rollout_bp
    }

    /// The number of variants (including zero-weight ones).
    pub fn variant_count(&self) -> usize {
        self.variants.len()
    }
}

/// The arm `bucket` falls in, for a rule whose control share is `control_bp` and whose variants
/// have the given `widths` (before rollout, as [`Allocation`] computes them at signing), at a
/// rollout of `rollout_bp`: the exact semantics of [`Allocation`], from the widths alone. The
/// compiled program stores the widths, so a device never divides weights.
pub fn arm(
    bucket: u32,
    control_bp: u32,
    widths: impl Iterator<Item = u32>,
    rollout_bp: u32,
) -> Arm {
    if Slot::new(0, control_bp, rollout_bp).contains(bucket) {
        return Arm::Control;
    }
    let mut start = control_bp;
    for (i, width) in widths.enumerate() {
        if Slot::new(start, width, rollout_bp).contains(bucket) {
            return Arm::Variant(i);
        }
        start = start.saturating_add(width);
    }
    Arm::Outside
}

/// Whether `unit` belongs to member `index` of `members` in `layer` (mutually exclusive rules).
///
/// Rules that share a layer must never apply to the same unit, so their experiments do not
/// interfere. The layer name is the salt: `b = bucket(layer, unit)`, and member `k` of `n` owns
/// buckets `floor(k * 10000 / n) .. floor((k + 1) * 10000 / n)` (half-open). These ranges
/// partition `0..10000`, so every unit belongs to exactly one member of a layer. With more than
/// 10 000 members some members own no bucket.
///
/// Returns `false` when `members == 0` or `index >= members`.
pub fn layer_member(layer: &str, unit: &str, index: usize, members: usize) -> bool {
    if members == 0 || index >= members {
        return false;
    }
    // u128 so that no usize value can overflow; for any realistic member count this is the same
    // as the u64 arithmetic of the specification.
    let bound = |k: usize| (k as u128) * u128::from(BUCKETS) / (members as u128);
    let b = u128::from(bucket(layer, unit));
    bound(index) <= b && b < bound(index + 1)
}

/// Whether `unit` is in the global holdout of `holdout_bp` basis points: devices that see no rule
/// at all, to measure the combined effect of every rule.
///
/// `bucket(HOLDOUT_SALT, unit) < holdout_bp`. The fixed salt makes the holdout independent of
/// every rule; the `<` makes it monotone (growing the holdout only adds units). A `holdout_bp` of
/// 10 000 or more holds out everyone.
pub fn in_holdout(unit: &str, holdout_bp: u32) -> bool {
    bucket(HOLDOUT_SALT, unit) < holdout_bp
}
