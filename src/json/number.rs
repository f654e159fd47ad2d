//! Decimal text to `f64` and back, exactly, in a few hundred lines.
//!
//! Rust's own float parsing and printing are correct and fast, and bring about 30 KB of code and
//! tables into a WebAssembly module (Eisel-Lemire with its table of powers of five, Grisu and
//! Dragon4 with theirs). The SDK reads and writes few numbers, so it uses the textbook method
//! instead, with one small big-integer type:
//!
//! - **Reading** ([`parse`]): short inputs take the exact fast path (at most 15 digits and a power
//!   of ten up to 10^22 are both exact doubles, so one IEEE multiplication or division rounds
//!   correctly). Anything else starts from an approximation and moves it one unit in the last
//!   place at a time until the exact decimal value, compared as big integers with the midpoints
//!   between neighbouring doubles, lies within half a unit (ties to even). The result is the
//!   correctly rounded double, as `str::parse::<f64>` gives.
//! - **Writing** ([`format`]): the exact decimal expansion of the double (every double is a
//!   finite decimal) is rounded to 1, 2, … 17 significant digits until a rounding reads back as
//!   the same double, so the text is the shortest that round-trips; it is laid out as
//!   JavaScript's `Number#toString` does (`0.1`, `12.5`, `1e+21`, `5e-324`).

use crate::prelude::*;
use core::cmp::Ordering;

/// Unsigned big integer, base 2^32, least significant limb first.
#[derive(Clone, Debug)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(n: u64) -> Big {
        let mut big = Big(vec![n as u32, (n >> 32) as u32]);
        big.trim();
        big
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    /// `self = self * m + add`.
    fn mul_add(&mut self, m: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(m) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    /// `self *= 5^e`.
    fn mul_pow5(&mut self, mut e: u32) {
        const FIVE_13: u32 = 1_220_703_125;
        while e >= 13 {
            self.mul_add(FIVE_13, 0);
            e -= 13;
        }
        self.mul_add(5u32.pow(e), 0);
    }

    /// `self *= 2^bits`.
    fn shl(&mut self, bits: u32) {
        let (limbs, bits) = ((bits / 32) as usize, bits % 32);
        if bits > 0 {
            let mut carry = 0;
            for limb in &mut self.0 {
                let v = (u64::from(*limb) << bits) | carry;
                *limb = v as u32;
                carry = v >> 32;
            }
            if carry > 0 {
                self.0.push(carry as u32);
            }
        }
        if limbs > 0 && !self.0.is_empty() {
            // Whole zero limbs below (a fresh vector: `splice` costs far more module code).
            let mut shifted = vec![0; limbs];
            shifted.extend_from_slice(&self.0);
            self.0 = shifted;
        }
    }

    /// `self += other`.
    fn add(&mut self, other: &Big) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        let mut carry = 0u64;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let v = u64::from(*limb) + u64::from(other.0.get(i).copied().unwrap_or(0)) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    /// `self *= m` for a 64-bit `m`.
    fn mul_u64(&mut self, m: u64) {
        let mut high = self.clone();
        high.mul_add((m >> 32) as u32, 0);
        high.shl(32);
        self.mul_add(m as u32, 0);
        self.add(&high);
        self.trim();
    }

    /// `self /= d`; returns the remainder.
    fn div_rem(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for limb in self.0.iter_mut().rev() {
            let v = (rem << 32) | u64::from(*limb);
            *limb = (v / u64::from(d)) as u32;
            rem = v % u64::from(d);
        }
        self.trim();
        rem as u32
    }

    fn cmp(&self, other: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

/// `a·2^pa` compared with `b·2^pb`.
fn cmp_scaled(mut a: Big, pa: i32, mut b: Big, pb: i32) -> Ordering {
    if pa > pb {
        a.shl(pa.abs_diff(pb));
    } else {
        b.shl(pa.abs_diff(pb));
    }
    a.trim();
    b.trim();
    a.cmp(&b)
}

/// `x` (finite, non-negative) as `m·2^k` with an integer `m < 2^53`.
fn decompose(x: f64) -> (u64, i32) {
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1 << 52) - 1);
    if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), exp - 1075)
    }
}

/// Most significant digits kept when reading; beyond them only "something non-zero follows"
/// matters (a double is decided by at most 768 significant digits).
const MAX_DIGITS: usize = 800;

/// The double nearest to a JSON number literal (`-?digits[.digits][e±digits]`), ties to even;
/// `None` when its magnitude is too large for a double, or the text is not such a number.
///
/// **Why two functions.** Nearly every number in a bundle is short (`1000`, `95`, `12.5`), and
/// [`short`] reads those without the digit buffer of the exact path. Kept apart (the exact path
/// out of line, also in wasm-opt: the Makefile's `NO_INLINE`), the function every number goes
/// through is small, which is what V8 optimizes during a fresh module's first init.
pub fn parse(text: &str) -> Option<f64> {
    short(text).or_else(|| parse_exact(text))
}

/// A literal of at most 15 digits and no exponent (`-12`, `12.5`, `0.05`), else `None`.
///
/// Its digits, as one integer, are below 10^15 and so exact in a double, as is the power of ten
/// it is divided by: the one correctly rounded division gives the double nearest to the
/// literal, the value [`parse_exact`] finds (which strips leading and trailing zeros first:
/// the same number).
fn short(text: &str) -> Option<f64> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    if int.is_empty() || int.len() + frac.len() > 15 {
        return None;
    }
    let mut n = 0u64;
    for b in int.bytes().chain(frac.bytes()) {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    let v = n as f64 / pow10(frac.len() as u32);
    Some(if negative { -v } else { v })
}

/// [`parse`] for every literal, exactly.
#[inline(never)]
fn parse_exact(text: &str) -> Option<f64> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp_text) = match rest.bytes().position(|b| b == b'e' || b == b'E') {
        Some(at) => (rest.get(..at)?, rest.get(at + 1..)),
        None => (rest, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let mut exp: i64 = match exp_text {
        None => 0,
        Some(e) => {
            let digits = match e.as_bytes().first() {
                Some(b'+' | b'-') => e.get(1..).unwrap_or(""),
                _ => e,
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // Saturate: anything beyond a few thousand is infinite or zero anyway.
            let n = digits
                .bytes()
                .fold(0i64, |n, b| (n * 10 + i64::from(b - b'0')).min(1_000_000));
            if e.starts_with('-') {
                -n
            } else {
                n
            }
        }
    };
    // Significant digits without leading zeros, and the exponent of the last one.
    exp -= frac.len() as i64;
    let mut digits: Vec<u8> = Vec::with_capacity(int.len() + frac.len());
    for b in int.bytes().chain(frac.bytes()) {
        if b != b'0' || !digits.is_empty() {
            digits.push(b - b'0');
        }
    }
    while digits.last() == Some(&0) {
        digits.pop();
        exp += 1;
    }
    let sign = if negative { -1.0 } else { 1.0 };
    if digits.is_empty() {
        return Some(sign * 0.0);
    }
    let n = digits.len() as i64;
    if n + exp > 310 {
        return None;
    }
    if n + exp < -330 {
        return Some(sign * 0.0);
    }
    if digits.len() > MAX_DIGITS {
        let sticky = digits
            .get(MAX_DIGITS..)
            .is_some_and(|d| d.iter().any(|&x| x > 0));
        exp += (digits.len() - MAX_DIGITS - 1) as i64;
        digits.truncate(MAX_DIGITS);
        digits.push(u8::from(sticky));
    }
    let exp = exp as i32;
    // The first (up to) 19 digits, exactly, as an integer.
    let lead = digits.len().min(19);
    let mut head = 0u64;
    for &d in digits.get(..lead).unwrap_or(&[]) {
        head = head * 10 + u64::from(d);
    }
    if digits.len() <= 15 && exp.unsigned_abs() <= 22 {
        let p = pow10(exp.unsigned_abs());
        let v = head as f64;
        return Some(sign * if exp < 0 { v / p } else { v * p });
    }
    // An approximation within a few units in the last place, then exact steps.
    let mut approx = head as f64;
    let mut e = exp + (digits.len() - lead) as i32;
    while e > 0 {
        let step = e.min(22);
        approx *= pow10(step.unsigned_abs());
        e -= step;
    }
    while e < 0 {
        let step = e.max(-22);
        approx /= pow10(step.unsigned_abs());
        e -= step;
    }
    if !approx.is_finite() {
        approx = f64::MAX;
    }
    let mut d = Big(Vec::new());
    for &digit in &digits {
        d.mul_add(10, u32::from(digit));
    }
    d.trim();
    // value = d · 5^exp · 2^exp; for a negative exp, the 5^-exp moves to the other side.
    let mut left = d;
    let mut five = Big::from_u64(1);
    if exp >= 0 {
        left.mul_pow5(exp.unsigned_abs());
    } else {
        five.mul_pow5(exp.unsigned_abs());
    }
    // Compares the value with `b·2^pb`.
    let versus = |b: u64, pb: i32| {
        let mut right = five.clone();
        right.mul_u64(b);
        cmp_scaled(left.clone(), exp, right, pb)
    };
    let mut z = approx;
    for _ in 0..256 {
        let (m, k) = decompose(z);
        // Above the midpoint with the next double up?
        match versus(2 * m + 1, k - 1) {
            Ordering::Greater => {
                z = next_up(z);
                if z.is_infinite() {
                    return None;
                }
                continue;
            }
            Ordering::Equal => return Some(sign * if m % 2 == 1 { next_up(z) } else { z }),
            Ordering::Less => {}
        }
        if m == 0 {
            return Some(sign * z);
        }
        // Below the midpoint with the next double down? (Half as far at a power of two.)
        let (low, pl) = if m == 1 << 52 && k > -1074 {
            (4 * m - 1, k - 2)
        } else {
            (2 * m - 1, k - 1)
        };
        match versus(low, pl) {
            Ordering::Less => z = next_down(z),
            Ordering::Equal => return Some(sign * if m % 2 == 1 { next_down(z) } else { z }),
            Ordering::Greater => return Some(sign * z),
        }
    }
    // Unreachable: the approximation is far closer than 256 units in the last place.
    Some(sign * z)
}

/// `10^e` for `e <= 22` (every one an exact double).
fn pow10(e: u32) -> f64 {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    POW10.get(e as usize).copied().unwrap_or(1e22)
}

fn next_up(x: f64) -> f64 {
    f64::from_bits(x.to_bits() + 1)
}

fn next_down(x: f64) -> f64 {
    if x == 0.0 {
        x
    } else {
        f64::from_bits(x.to_bits() - 1)
    }
}

/// The shortest text that reads back as `x`, laid out as JavaScript's `Number#toString` lays it
/// out; `null` for NaN and the infinities (which JSON cannot write).
pub fn format(x: f64, out: &mut String) {
    if !x.is_finite() {
        out.push_str("null");
        return;
    }
    if x.is_sign_negative() {
        out.push('-');
    }
    let x = x.abs();
    if x == 0.0 {
        out.push('0');
        return;
    }
    let (digits, point) = shortest(x);
    layout(&digits, point, out);
}

/// The shortest significant digits `d` and the position `p` of the decimal point with
/// `x = 0.d × 10^p`.
fn shortest(x: f64) -> (Vec<u8>, i32) {
    // The exact decimal expansion: x = m·2^k = (m·5^-k)·10^k for k < 0.
    let (m, k) = decompose(x);
    let mut n = Big::from_u64(m);
    let mut exp = 0;
    if k >= 0 {
        n.shl(k.unsigned_abs());
    } else {
        n.mul_pow5(k.unsigned_abs());
        exp = k;
    }
    let mut exact = Vec::new();
    while !n.0.is_empty() {
        let mut chunk = n.div_rem(1_000_000_000);
        for _ in 0..9 {
            exact.push((chunk % 10) as u8);
            chunk /= 10;
        }
    }
    while exact.last() == Some(&0) {
        exact.pop();
    }
    exact.reverse();
    let point = exact.len() as i32 + exp;
    for len in 1..exact.len() {
        let down: Vec<u8> = exact.get(..len).unwrap_or(&[]).to_vec();
        let (up, up_point) = round_up(&down, point);
        let candidates = if exact.get(len).is_some_and(|&d| d >= 5) {
            [(up, up_point), (down, point)]
        } else {
            [(down, point), (up, up_point)]
        };
        for (digits, p) in candidates {
            if reads_back(&digits, p, x) {
                return (digits, p);
            }
        }
    }
    (exact, point)
}

/// `digits + 1` in the last place (carrying), and the point moved if a digit was added.
fn round_up(digits: &[u8], point: i32) -> (Vec<u8>, i32) {
    let mut up = digits.to_vec();
    for d in up.iter_mut().rev() {
        if *d == 9 {
            *d = 0;
        } else {
            *d += 1;
            return (up, point);
        }
    }
    up.insert(0, 1);
    up.pop();
    (up, point + 1)
}

fn reads_back(digits: &[u8], point: i32, x: f64) -> bool {
    let mut text = String::with_capacity(digits.len() + 8);
    push_digits(&mut text, digits);
    text.push('e');
    let e = point - digits.len() as i32;
    if e < 0 {
        text.push('-');
    }
    push_uint(&mut text, e.unsigned_abs());
    parse(&text) == Some(x)
}

/// `0.d × 10^p` written as JavaScript writes numbers.
fn layout(digits: &[u8], point: i32, out: &mut String) {
    let push = push_digits;
    let len = digits.len() as i32;
    if len <= point && point <= 21 {
        push(out, digits);
        push_zeros(out, (point - len) as usize);
    } else if 0 < point && point <= 21 {
        let (int, frac) = digits.split_at(point as usize);
        push(out, int);
        out.push('.');
        push(out, frac);
    } else if -6 < point && point <= 0 {
        out.push_str("0.");
        push_zeros(out, point.unsigned_abs() as usize);
        push(out, digits);
    } else {
        let (first, rest) = digits.split_at(1);
        push(out, first);
        if !rest.is_empty() {
            out.push('.');
            push(out, rest);
        }
        let e = point - 1;
        out.push_str(if e < 0 { "e-" } else { "e+" });
        push_uint(out, e.unsigned_abs());
    }
}

/// Decimal digits (values 0 to 9) as text.
fn push_digits(out: &mut String, digits: &[u8]) {
    for &d in digits {
        out.push(char::from(b'0' + d));
    }
}

/// `n` in decimal (without the formatting machinery).
fn push_uint(out: &mut String, mut n: u32) {
    let start = out.len();
    loop {
        // Digits from the last: each one goes before those already written.
        out.insert(start, char::from(b'0' + (n % 10) as u8));
        n /= 10;
        if n == 0 {
            break;
        }
    }
}

fn push_zeros(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push('0');
    }
}

/// `x` for messages (`{}` of a `Num`): as [`format`] writes it, and `NaN`, `Infinity` or
/// `-Infinity` (JavaScript's words) when it is not finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl core::fmt::Display for Num {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let x = self.0;
        if x.is_nan() {
            return f.write_str("NaN");
        }
        if x.is_infinite() {
            return f.write_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
        }
        let mut out = String::new();
        format(x, &mut out);
        f.write_str(&out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(x: f64) -> String {
        let mut out = String::new();
        format(x, &mut out);
        out
    }

    proptest! {
        #[test]
        fn short_literals_read_as_the_exact_path_reads_them(
            negative in any::<bool>(),
            int in "[0-9]{1,15}",
            frac in proptest::option::of("[0-9]{0,14}"),
        ) {
            let text = format!(
                "{}{int}{}",
                if negative { "-" } else { "" },
                frac.map(|f| format!(".{f}")).unwrap_or_default()
            );
            let exact = parse_exact(&text).map(f64::to_bits);
            prop_assert_eq!(parse(&text).map(f64::to_bits), exact);
            if int.len() + text.split_once('.').map_or(0, |(_, f)| f.len()) <= 15 {
                prop_assert_eq!(short(&text).map(f64::to_bits), exact);
            }
        }
    }

    #[test]
    fn short_literals_leave_everything_else_to_the_exact_path() {
        for text in [
            "1e5",
            "+1",
            ".5",
            "--1",
            "1.2.3",
            "",
            "-",
            "1234567890123456",
            "0.0000000000000001",
        ] {
            assert_eq!(short(text), None, "{text}");
        }
        assert_eq!(short("-0").map(f64::to_bits), Some((-0.0f64).to_bits()));
        assert_eq!(short("1."), parse_exact("1."));
        assert_eq!(short("0.1"), Some(0.1));
    }

    #[test]
    fn writes_numbers_as_javascript_does() {
        for (x, expected) in [
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-12.5, "-12.5"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (100.0, "100"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (f64::NAN, "null"),
            (f64::INFINITY, "null"),
        ] {
            assert_eq!(text(x), expected, "{x:e}");
        }
    }

    #[test]
    fn reads_what_str_parse_reads() {
        for s in [
            "0",
            "-0",
            "1",
            "0.1",
            "2.2250738585072011e-308",
            "2.2250738585072012e-308",
            "4.9406564584124654e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "9007199254740993",
            "9007199254740992.5",
            "0.30000000000000004",
            "123456789012345678901234567890e-10",
            "1e-400",
            "7.2057594037927933e16",
            "1448997445238699",
            "3.0540412e5",
            "2.2250738585072011360574097967091319759348195463516456480234261098884e-308",
        ] {
            assert_eq!(parse(s), s.parse::<f64>().ok(), "{s}");
        }
        assert_eq!(parse("1.7976931348623159e308"), None);
        assert_eq!(parse("1e309"), None);
        assert_eq!(parse("1e999999999999"), None);
        assert_eq!(parse("1e-999999999999"), Some(0.0));
        let long = format!("0.{}1e-300", "0".repeat(2000));
        assert_eq!(parse(&long), Some(0.0));
        let long = format!("1.{}1", "0".repeat(2000));
        assert_eq!(parse(&long), Some(1.0));
        let halfway_plus = format!("9007199254740993{}1e-{}", "0".repeat(900), 901);
        assert_eq!(parse(&halfway_plus), halfway_plus.parse::<f64>().ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        #[test]
        fn every_double_round_trips_through_the_shortest_text(bits in any::<u64>()) {
            let x = f64::from_bits(bits);
            prop_assume!(x.is_finite());
            let t = text(x);
            prop_assert_eq!(parse(&t), Some(x), "{}", t);
            prop_assert_eq!(t.parse::<f64>().ok(), Some(x), "{}", t);
            // As short as Rust's own shortest form.
            let rust = format!("{:e}", x.abs());
            let rust_digits = rust.split('e').next().unwrap().replace('.', "").len();
            let ours = t.trim_start_matches('-').split('e').next().unwrap().replace('.', "");
            let ours_digits = ours.trim_start_matches('0').trim_end_matches('0').len().max(1);
            prop_assert_eq!(ours_digits, rust_digits, "{} vs {}", t, rust);
        }

        #[test]
        fn decimal_text_reads_as_str_parse_reads_it(
            int in "[0-9]{1,25}",
            frac in proptest::option::of("[0-9]{1,25}"),
            exp in proptest::option::of(-350i32..350),
        ) {
            let mut s = int;
            if let Some(f) = frac {
                s.push('.');
                s.push_str(&f);
            }
            if let Some(e) = exp {
                s.push_str(&format!("e{e}"));
            }
            let std = s.parse::<f64>().ok().filter(|v| v.is_finite());
            prop_assert_eq!(parse(&s), std, "{}", s);
        }

        #[test]
        fn midpoints_between_doubles_round_to_even(bits in 1u64..0x7fef_ffff_ffff_ffff, hair in 0u8..3) {
            // The exact midpoint between a double and the next one up, as decimal text; with a
            // trailing `1` a hair above it, or (with the last digit lowered) a hair below.
            let (m, k) = decompose(f64::from_bits(bits));
            let mut n = Big::from_u64(2 * m + 1);
            let mut e = k - 1;
            if e >= 0 {
                n.shl(e.unsigned_abs());
                e = 0;
            } else {
                n.mul_pow5(e.unsigned_abs());
            }
            let mut digits = Vec::new();
            while !n.0.is_empty() {
                digits.push(char::from(b'0' + n.div_rem(10) as u8));
            }
            digits.reverse();
            let mut s: String = digits.into_iter().collect();
            match hair {
                1 => {
                    s.push('1');
                    e -= 1;
                }
                2 => {
                    s.push('0');
                    s.push('0');
                    e -= 2;
                    // The midpoint always ends in 5 (or is an integer ending in a non-zero
                    // digit); subtracting 1 in a new last place goes just below it.
                    let mut t: Vec<u8> = s.into_bytes();
                    let mut i = t.len();
                    loop {
                        i -= 1;
                        if t[i] == b'0' {
                            t[i] = b'9';
                        } else {
                            t[i] -= 1;
                            break;
                        }
                    }
                    s = String::from_utf8(t).unwrap();
                }
                _ => {}
            }
            let s = format!("{s}e{e}");
            prop_assert_eq!(parse(&s), s.parse::<f64>().ok(), "{}", s);
        }
    }
}
