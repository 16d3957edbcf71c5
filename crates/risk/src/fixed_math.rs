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

/// `1/3, 1/5, …, 1/21`: the odd reciprocals of the atanh series in [`ln`].
const ODD_RECIPROCALS: [Fixed; 10] = [
    reciprocal(3),
    reciprocal(5),
    reciprocal(7),
    reciprocal(9),
    reciprocal(11),
    reciprocal(13),
    reciprocal(15),
    reciprocal(17),
    reciprocal(19),
    reciprocal(21),
];

/// `1/1, 1/2, …, 1/16`: the Horner factors of the exponential series in [`exp2`].
const INTEGER_RECIPROCALS: [Fixed; 16] = [
    reciprocal(1),
    reciprocal(2),
    reciprocal(3),
    reciprocal(4),
    reciprocal(5),
    reciprocal(6),
    reciprocal(7),
    reciprocal(8),
    reciprocal(9),
    reciprocal(10),
    reciprocal(11),
    reciprocal(12),
    reciprocal(13),
    reciprocal(14),
    reciprocal(15),
    reciprocal(16),
];

/// `a · b` rounded toward −∞ (never above the exact product).
pub fn mul_floor(a: Fixed, b: Fixed) -> RiskResult<Fixed> {
    a.checked_mul(b).ok_or(RiskError::Overflow)
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

/// `a / b`, truncated toward zero; dividing by zero is an overflow.
pub fn div(a: Fixed, b: Fixed) -> RiskResult<Fixed> {
    a.checked_div(b).ok_or(RiskError::Overflow)
}

/// Natural logarithm of `x > 0`.
///
/// Write `x = m · 2^k` with `m ∈ [1/√2, √2)`; then `ln x = k·ln 2 + ln m`
/// and `ln m = 2·atanh(s) = 2(s + s³/3 + s⁵/5 + …)` with
/// `s = (m − 1)/(m + 1)`, `|s| ≤ 0.172`, so eleven terms reach 2⁻⁴⁸.
/// `k·ln 2` uses a 64-fractional-bit ln 2 so large exponents add no error.
pub fn ln(x: Fixed) -> RiskResult<Fixed> {
    if x <= 0 {
        return Err(RiskError::NonPositiveInput);
    }
    let mut k = x.int_log2();
    let mut m = if k >= 0 { x >> k as u32 } else { x << (-k) as u32 };
    if m > Fixed::SQRT_2 {
        m >>= 1;
        k += 1;
    }
    let s = div(sub(m, Fixed::ONE)?, add(m, Fixed::ONE)?)?;
    let s2 = mul_floor(s, s)?;
    // Horner form of s·(1 + s²/3 + s⁴/5 + … + s²⁰/21).
    let mut series = Fixed::ZERO;
    for coefficient in ODD_RECIPROCALS.iter().rev() {
        series = mul_floor(add(series, *coefficient)?, s2)?;
    }
    let ln_m = mul_floor(add(series, Fixed::ONE)?, s)?.checked_mul_int(2).ok_or(RiskError::Overflow)?;
    // k·ln 2 in Q64, rounded to nearest Q48.
    let k_ln2_q64 = LN_2_Q64 * k as i128;
    let k_ln2 = Fixed::from_bits((k_ln2_q64 + (1 << 15)) >> (64 - FRACTION_BITS));
    add(k_ln2, ln_m)
}

/// `2^y`. Inputs above 78 overflow (the result would exceed the range);
/// inputs below −49 return 0 (the result is under half the resolution).
///
/// Split `y = n + f` with integer `n` and `f ∈ [0, 1)`; `2^f = e^{f·ln 2}` by
/// its Taylor series (`f·ln 2 < 0.7`, sixteen terms reach 2⁻⁴⁸), then shift
/// by `n`.
pub fn exp2(y: Fixed) -> RiskResult<Fixed> {
    if y >= 79 {
        return Err(RiskError::Overflow);
    }
    if y < -49 {
        return Ok(Fixed::ZERO);
    }
    let n = y.floor();
    let f = y - n; // exact: the fractional bits of y
    let n: i32 = n.to_num();
    let z = mul_floor(f, Fixed::LN_2)?;
    // Horner form of Σ z^i / i!, i = 0..=16: 1 + z/1·(1 + z/2·(1 + …)).
    let mut two_pow_f = Fixed::ONE;
    for reciprocal in INTEGER_RECIPROCALS.iter().rev() {
        two_pow_f = add(Fixed::ONE, mul_floor(mul_floor(two_pow_f, z)?, *reciprocal)?)?;
    }
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
    x.checked_sqrt().ok_or(RiskError::Overflow)
}

/// `λ^dt` for the EWMA with half-life `half_life` slots: `λ = 2^{−1/H}`, so
/// `λ^dt = 2^{−dt/H}`, computed in one `exp2` (no repeated multiplication,
/// so a gap of 10⁷ slots costs the same as one slot).
pub fn decay_factor(dt: u64, half_life: u64) -> RiskResult<Fixed> {
    if half_life == 0 {
        return Err(RiskError::InvalidConfig(crate::error::ConfigError::ZeroHalfLife));
    }
    // Dividing by an integer is an i128 division, far cheaper than a fixed one.
    let exponent = Fixed::from_num(dt).checked_div_int(half_life as i128).ok_or(RiskError::Overflow)?;
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
