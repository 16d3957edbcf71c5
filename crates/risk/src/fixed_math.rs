//! Fixed-point primitives on [`Fixed`] (I80F48: 80 integer bits, 48
//! fractional bits, range ±6.0e23, resolution 2⁻⁴⁸ ≈ 3.6e-15).
//!
//! Why I80F48: it is what Mango v4 uses on-chain, it is plain 128-bit integer
//! arithmetic (bit-identical on the host and on SBPF, no floats), and its
//! range holds any u64 token amount times any realistic price while its
//! resolution keeps per-slot variances of calm markets (~1e-10) to better than
//! one part in 10⁴.
//!
//! Rounding of the `fixed` crate, relied on throughout: multiplication rounds
//! toward −∞; division truncates toward zero. [`mul_floor`] and [`mul_ceil`]
//! make the direction explicit where a value must round against an account.
//!
//! Error bounds (absolute unless stated), checked by property tests against
//! `f64` over the stated domains:
//! - [`ln`]: |error| ≤ 1e-12 for every positive input (2⁻⁴⁸ ..= 6e23).
//! - [`exp2`]: relative error ≤ 1e-12 plus 2⁻⁴⁷ absolute, for inputs ≤ 78
//!   (larger inputs overflow with an error; inputs below −49 give 0).
//! - [`exp`]: relative error ≤ 1e-11 plus 2⁻⁴⁷ absolute, for inputs ≤ 54.
//! - [`sqrt`]: correctly rounded down (error < 2⁻⁴⁸) for every input ≥ 0.
use crate::error::{RiskError, RiskResult};
use crate::fixed_tables::{EXP2_STEP, INV_CENTER, LN_CENTER, TABLE_SIZE};
use crate::Fixed;

/// ln 2 with 64 fractional bits (the top 64 bits of `fixed::consts::LN_2`).
const LN_2_Q64: i128 = 0xb172_17f7_d1cf_79ab;
const FRACTION_BITS: u32 = 48;

/// `1/n` rounded down, for the series below. A fixed-point division costs
/// tens of times a multiplication on SBPF (a 256-by-128-bit software
/// division), so series coefficients are multiplied, never divided.
const fn reciprocal(n: i128) -> Fixed {
    Fixed::from_bits((1i128 << FRACTION_BITS) / n)
}

/// `1/1 … 1/7`: coefficients of the `ln(1 + t)` series in [`ln`].
const LN_SERIES: [Fixed; 7] = [reciprocal(1), reciprocal(2), reciprocal(3), reciprocal(4), reciprocal(5), reciprocal(6), reciprocal(7)];

/// `1/0! … 1/5!`: coefficients of the `e^z` series in [`exp2`].
const EXP_SERIES: [Fixed; 6] = [reciprocal(1), reciprocal(1), reciprocal(2), reciprocal(6), reciprocal(24), reciprocal(120)];

/// Bits of the fractional part that index the lookup tables (64 entries).
const TABLE_BITS: u32 = TABLE_SIZE.trailing_zeros();

/// `a · b` rounded toward −∞ (never above the exact product).
///
/// Bit for bit what the `fixed` crate's multiplication gives (tested in
/// `tests/fixed_math.rs`), at about a third of its cost on SBPF in the two
/// cases that are nearly all of the protocol's products: both operands under
/// 32,768 in magnitude (ratios, per-unit prices, volatilities: their bits
/// fit 63 bits, so the product is one 128-bit integer product instead of a
/// 256-bit one), and a whole number times such an operand
/// (`mul_floor_wide`: a token amount or a size times a price).
#[inline]
pub fn mul_floor(a: Fixed, b: Fixed) -> RiskResult<Fixed> {
    let (x, y) = (a.to_bits(), b.to_bits());
    if let Some(bits) = small_product(x, y) {
        return Ok(Fixed::from_bits(bits));
    }
    match mul_floor_wide(x, y) {
        Some(bits) => Ok(Fixed::from_bits(bits)),
        None => a.checked_mul(b).ok_or(RiskError::Overflow),
    }
}

/// [`mul_floor`]'s first cheap case: both operands' bits under 2⁶³.
#[inline(always)]
fn small_product(x: i128, y: i128) -> Option<i128> {
    // |x·y| < 2¹²⁶ fits; the arithmetic shift rounds toward −∞.
    (x.unsigned_abs() < 1 << 63 && y.unsigned_abs() < 1 << 63).then(|| ((x as i64 as i128) * (y as i64 as i128)) >> FRACTION_BITS)
}

/// [`mul_floor`]'s other cheap case: an integer-valued operand (a token
/// amount or a size as `Fixed::from_num`) under 2⁶³ times bits under 2⁶³.
/// The product is then exact (no rounding) and one 128-bit product. `None`
/// when neither holds.
#[inline(never)]
fn mul_floor_wide(x: i128, y: i128) -> Option<i128> {
    const FRACTION: i128 = (1 << FRACTION_BITS) - 1;
    for (integer, other) in [(x, y), (y, x)] {
        let whole = integer >> FRACTION_BITS;
        if integer & FRACTION == 0 && whole.unsigned_abs() < 1 << 63 && other.unsigned_abs() < 1 << 63 {
            return Some((whole as i64 as i128) * (other as i64 as i128));
        }
    }
    None
}

/// [`mul_floor`], saturating at the range's ends instead of failing (what
/// `Fixed::saturating_mul` gives, bit for bit).
pub fn mul_saturating(a: Fixed, b: Fixed) -> Fixed {
    mul_floor(a, b).unwrap_or_else(|_| a.saturating_mul(b))
}

/// `a · b` rounded toward +∞ (never below the exact product).
pub fn mul_ceil(a: Fixed, b: Fixed) -> RiskResult<Fixed> {
    let negated = a.checked_neg().ok_or(RiskError::Overflow)?;
    mul_floor(negated, b)?.checked_neg().ok_or(RiskError::Overflow)
}

pub fn add(a: Fixed, b: Fixed) -> RiskResult<Fixed> {
    a.checked_add(b).ok_or(RiskError::Overflow)
}

pub fn sub(a: Fixed, b: Fixed) -> RiskResult<Fixed> {
    a.checked_sub(b).ok_or(RiskError::Overflow)
}

/// `a / b`, truncated toward zero; dividing by zero is an overflow. Bit for
/// bit the `fixed` crate's division (tested); a numerator under 2³¹ in
/// magnitude divides as one 128-bit integer division instead of a 256-bit one.
pub fn div(a: Fixed, b: Fixed) -> RiskResult<Fixed> {
    match small_quotient(a.to_bits(), b.to_bits()) {
        Some(bits) => Ok(Fixed::from_bits(bits)),
        None => a.checked_div(b).ok_or(RiskError::Overflow),
    }
}

/// [`div`]'s cheap case: a nonzero divisor and numerator bits under 2⁷⁹.
#[inline(always)]
fn small_quotient(x: i128, y: i128) -> Option<i128> {
    // `x·2⁴⁸` fits an i128, and integer division truncates toward zero as
    // the crate's does; the quotient's magnitude is at most x·2⁴⁸.
    (y != 0 && x.unsigned_abs() < 1 << 79).then(|| (x << FRACTION_BITS) / y)
}

/// `a / n` for an integer `n > 0`, truncated toward zero: exactly
/// `Fixed::checked_div_int`, as a 64-bit division when `a`'s bits fit
/// (non-negative and under 2⁶³, as variances and slot counts under 32,768 are).
#[inline]
pub fn div_by_int(a: Fixed, n: u64) -> RiskResult<Fixed> {
    match small_int_quotient(a.to_bits(), n) {
        Some(bits) => Ok(Fixed::from_bits(bits)),
        None => a.checked_div_int(n as i128).ok_or(RiskError::Overflow),
    }
}

/// [`div_by_int`]'s cheap case: `n > 0` and bits non-negative under 2⁶³.
#[inline(always)]
fn small_int_quotient(bits: i128, n: u64) -> Option<i128> {
    (n != 0 && (0..1 << 63).contains(&bits)).then(|| (bits as u64 / n) as i128)
}

/// `num / den` for `0 ≤ num ≤ den`, `den > 0`: a lower bound of the exact
/// quotient, less than 2⁻⁴⁶ + 2⁻⁴⁸ (five steps) below it, and never above
/// it nor above 1. For ratios that must round against an account (a depth
/// over a deposit value) where the 256-bit division [`div`] would cost a
/// thousand CU on SBPF for the last bits: the divisor is cut to its top 48 bits
/// rounded up and the numerator by the same shift rounded down (so the
/// ratio can only shrink), and the quotient's 48 fractional bits come from
/// three 64-bit divisions. Exact when `den`'s bits fit 48 bits.
pub fn ratio_floor(num: Fixed, den: Fixed) -> RiskResult<Fixed> {
    let (n, d) = (num.to_bits(), den.to_bits());
    if n < 0 || d <= 0 || n > d {
        return Err(RiskError::NegativeInput);
    }
    if n == d {
        return Ok(Fixed::ONE);
    }
    let (n, d) = (n as u128, d as u128);
    let shift = (u128::BITS - d.leading_zeros()).saturating_sub(FRACTION_BITS);
    let cut = d & ((1u128 << shift) - 1) != 0;
    // d >> shift < 2⁴⁸, so the rounded-up divisor is at most 2⁴⁸, and the
    // numerator, no larger than the divisor before the cut, is no larger after.
    let divisor = ((d >> shift) as u64) + cut as u64;
    let mut remainder = (n >> shift) as u64;
    if remainder >= divisor {
        return Ok(Fixed::ONE);
    }
    // Long division in base 2¹⁶: remainder < divisor ≤ 2⁴⁸, so
    // remainder·2¹⁶ fits a u64 and each digit is under 2¹⁶.
    let mut quotient = 0u64;
    for _ in 0..3 {
        let widened = remainder << 16;
        quotient = (quotient << 16) | (widened / divisor);
        remainder = widened % divisor;
    }
    Ok(Fixed::from_bits(quotient as i128))
}

/// Natural logarithm of `x > 0`.
///
/// Write `x = m · 2^k` with `m ∈ [1, 2)`, and `m = c · (1 + t)` where
/// `c = 1 + j/64` is the table center just below `m`, so `t ∈ [0, 1/64)`:
///
/// ```text
/// ln x = k·ln 2 + ln c + ln(1 + t),   ln(1 + t) = t − t²/2 + t³/3 − … − t⁸/8…
/// ```
///
/// `ln c` and `1/c` come from 64-entry tables (`t = m·(1/c) − 1`, no
/// division), and seven series terms reach 2⁻⁴⁸ (`t⁸/8 < 5e-16`). `k·ln 2`
/// uses a 64-fractional-bit ln 2 so large exponents add no error. Eight
/// multiplications in all: division is what costs on SBPF.
pub fn ln(x: Fixed) -> RiskResult<Fixed> {
    if x <= 0 {
        return Err(RiskError::NonPositiveInput);
    }
    let k = x.int_log2();
    let m = if k >= 0 { x >> k as u32 } else { x << (-k) as u32 };
    let index = ((m - Fixed::ONE).to_bits() >> (FRACTION_BITS - TABLE_BITS)) as usize;
    let t = sub(mul_floor(m, Fixed::from_bits(INV_CENTER[index]))?, Fixed::ONE)?;
    // Horner: ln(1 + t) = t·(1 − t·(1/2 − t·(1/3 − … − t/7))).
    let mut series = LN_SERIES[6];
    for coefficient in LN_SERIES[..6].iter().rev() {
        series = sub(*coefficient, mul_floor(t, series)?)?;
    }
    let ln_1_plus_t = mul_floor(t, series)?;
    // k·ln 2 in Q64, rounded to nearest Q48.
    let k_ln2_q64 = LN_2_Q64 * k as i128;
    let k_ln2 = Fixed::from_bits((k_ln2_q64 + (1 << 15)) >> (64 - FRACTION_BITS));
    add(add(k_ln2, Fixed::from_bits(LN_CENTER[index]))?, ln_1_plus_t)
}

/// `2^y`. Inputs above 78 overflow (the result would exceed the range);
/// inputs below −49 return 0 (the result is under half the resolution).
///
/// Split `y = n + j/64 + r` with integer `n`, table index `j` and
/// `r ∈ [0, 1/64)`; then `2^y = 2^n · 2^(j/64) · e^(r·ln 2)`, with `2^(j/64)`
/// from a 64-entry table and `e^z` (`z < 0.011`) by six series terms
/// (`z⁶/6! < 3e-15`), then a shift by `n`. Seven multiplications.
pub fn exp2(y: Fixed) -> RiskResult<Fixed> {
    if y >= 79 {
        return Err(RiskError::Overflow);
    }
    // (At exactly −49 the steps below also give 0: 2⁻⁴⁹ is half the
    // resolution and the final shift drops it, so `<` and `<=` agree; the
    // mutation test lists this as an equivalent mutant, `.cargo/mutants.toml`.)
    if y < -49 {
        return Ok(Fixed::ZERO);
    }
    let n = y.floor();
    let f = y - n; // exact: the fractional bits of y
    let n: i32 = n.to_num();
    let shift = FRACTION_BITS - TABLE_BITS;
    let index = (f.to_bits() >> shift) as usize;
    let r = Fixed::from_bits(f.to_bits() & ((1 << shift) - 1));
    let z = mul_floor(r, Fixed::LN_2)?;
    // Horner: e^z = 1 + z·(1 + z·(1/2 + z·(1/6 + z·(1/24 + z/120)))).
    let mut series = EXP_SERIES[5];
    for coefficient in EXP_SERIES[..5].iter().rev() {
        series = add(*coefficient, mul_floor(z, series)?)?;
    }
    let two_pow_f = mul_floor(Fixed::from_bits(EXP2_STEP[index]), series)?;
    if n >= 0 {
        two_pow_f.checked_shl(n as u32).filter(|r| (*r >> n as u32) == two_pow_f).ok_or(RiskError::Overflow)
    } else {
        Ok(two_pow_f >> (-n) as u32)
    }
}

/// `e^x = 2^{x·log₂e}`.
pub fn exp(x: Fixed) -> RiskResult<Fixed> {
    exp2(mul_floor(x, Fixed::LOG2_E)?)
}

/// Square root of `x ≥ 0`, rounded down.
pub fn sqrt(x: Fixed) -> RiskResult<Fixed> {
    if x < 0 {
        return Err(RiskError::NegativeInput);
    }
    match small_root(x.to_bits()) {
        Some(bits) => Ok(Fixed::from_bits(bits)),
        None => x.checked_sqrt().ok_or(RiskError::Overflow),
    }
}

/// [`sqrt`]'s cheap case, `0 ≤ x < 2³²`: the bits shifted by 48 fit a
/// u128, and its integer square root is ⌊sqrt(x)·2⁴⁸⌋, the crate's
/// correctly rounded-down root, at a fifth of the cost on SBPF.
#[inline(always)]
fn small_root(bits: i128) -> Option<i128> {
    (0..1 << 80).contains(&bits).then(|| ((bits as u128) << FRACTION_BITS).isqrt() as i128)
}

/// `λ^dt` for the EWMA with half-life `half_life` slots: `λ = 2^{−1/H}`, so
/// `λ^dt = 2^{−dt/H}`, computed in one `exp2` (no repeated multiplication,
/// so a gap of 10⁷ slots costs the same as one slot).
pub fn decay_factor(dt: u64, half_life: u64) -> RiskResult<Fixed> {
    if half_life == 0 {
        return Err(RiskError::InvalidConfig(crate::error::ConfigError::ZeroHalfLife));
    }
    let exponent = div_by_int(Fixed::from_num(dt), half_life)?;
    exp2(-exponent)
}

/// `value · 10^exponent`: multiplies, or divides by an exact power of ten
/// (truncating), so `value` loses no more than the final rounding.
pub fn scale_by_pow10(value: Fixed, exponent: i32) -> RiskResult<Fixed> {
    if !(-38..=38).contains(&exponent) {
        return Err(RiskError::Overflow);
    }
    let power = 10i128.pow(exponent.unsigned_abs());
    if exponent >= 0 {
        value.checked_mul_int(power).ok_or(RiskError::Overflow)
    } else {
        value.checked_div_int(power).ok_or(RiskError::Overflow)
    }
}

/// `10^exponent` as a fixed-point number, for |exponent| ≤ 23 (beyond that
/// the value leaves the range or the resolution).
pub fn pow10(exponent: i32) -> RiskResult<Fixed> {
    if !(-23..=23).contains(&exponent) {
        return Err(RiskError::Overflow);
    }
    let magnitude = 10i128.pow(exponent.unsigned_abs());
    if exponent >= 0 {
        Fixed::checked_from_num(magnitude).ok_or(RiskError::Overflow)
    } else {
        div(Fixed::ONE, Fixed::from_num(magnitude))
    }
}

/// The cheap paths are taken where they are documented to be: the results
/// are checked against the `fixed` crate in `tests/fixed_math.rs`, where a
/// path that is never taken would still pass (the crate computes the same
/// bits, only dearer on SBPF).
#[cfg(test)]
mod cheap_paths {
    use super::*;

    const TOP: i128 = (1 << 63) - 1;

    #[test]
    fn small_products_up_to_2_pow_63() {
        assert!(small_product(TOP, -TOP).is_some());
        assert!(small_product(-TOP, TOP).is_some());
        assert_eq!(small_product(1 << 63, 1), None);
        assert_eq!(small_product(1, -(1 << 63)), None);
    }

    #[test]
    fn whole_numbers_times_small_operands() {
        let whole = TOP << FRACTION_BITS;
        assert_eq!(mul_floor_wide(whole, TOP), Some(TOP * TOP));
        assert_eq!(mul_floor_wide(TOP, -whole), Some(-TOP * TOP));
        assert_eq!(mul_floor_wide((1 << 63) << FRACTION_BITS, 1), None, "a whole part of 2^63 does not fit an i64");
        assert_eq!(mul_floor_wide(whole, 1 << 63), None);
        assert_eq!(mul_floor_wide(whole | 1, whole | 1), None, "neither is whole");
    }

    #[test]
    fn small_quotients_up_to_2_pow_79() {
        assert_eq!(small_quotient((1 << 79) - 1, 1 << 48), Some((1 << 79) - 1));
        assert_eq!(small_quotient(-((1 << 79) - 1), 3), Some((-((1 << 79) - 1) << FRACTION_BITS) / 3));
        assert_eq!(small_quotient(1 << 79, 1), None);
        assert_eq!(small_quotient(1, 0), None);
        assert_eq!(small_int_quotient(TOP, 7), Some(TOP / 7));
        assert_eq!(small_int_quotient(1 << 63, 7), None);
        assert_eq!(small_int_quotient(-1, 7), None);
        assert_eq!(small_int_quotient(1, 0), None);
    }

    #[test]
    fn small_roots_below_2_pow_32() {
        assert_eq!(small_root(1 << 48), Some(1 << 48));
        assert_eq!(small_root((1 << 80) - 1), Some((((1u128 << 80) - 1) << FRACTION_BITS).isqrt() as i128));
        assert_eq!(small_root(1 << 80), None);
    }
}
