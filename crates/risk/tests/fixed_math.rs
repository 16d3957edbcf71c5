//! The fixed-point primitives against f64, over their documented domains,
//! with extremes, and with invalid inputs (errors, never panics).
use proptest::prelude::*;
use reflex_risk::fixed_math::{
    decay_factor, div, div_by_int, exp, exp2, ln, mul_ceil, mul_floor, mul_saturating, pow10, ratio_floor, scale_by_pow10, sqrt,
};
use reflex_risk::{Fixed, RiskError};

const CASES: u32 = 4_000;

fn f(x: Fixed) -> f64 {
    x.to_num::<f64>()
}

/// A positive fixed-point number spread log-uniformly over the whole range,
/// from the smallest (2⁻⁴⁸) to the largest (~6e23).
fn positive_fixed() -> impl Strategy<Value = Fixed> {
    (1i32..=126, any::<u128>()).prop_map(|(bits, noise)| {
        let top = 1u128 << (bits - 1);
        Fixed::from_bits((top | (noise & (top - 1))) as i128)
    })
}

/// Any fixed-point number, its magnitude spread over every bit length (so
/// both sides of each fast path's threshold, and the extremes, are drawn).
fn any_fixed() -> impl Strategy<Value = Fixed> {
    prop_oneof![
        (0u32..=127, any::<u128>(), any::<bool>()).prop_map(|(bits, noise, negative)| {
            let magnitude = (noise >> (127 - bits)) as i128;
            Fixed::from_bits(if negative { -magnitude } else { magnitude })
        }),
        (any::<i64>(), 0u32..64).prop_map(|(whole, shift)| Fixed::from_bits(((whole >> shift) as i128) << 48)),
        (any::<i128>(), 0u32..64).prop_map(|(whole, shift)| Fixed::from_bits((whole >> (48 + shift)) << 48)),
        prop_oneof![Just(Fixed::MIN), Just(Fixed::MAX), Just(Fixed::ZERO), Just(Fixed::DELTA), Just(-Fixed::DELTA)],
        (-2i128..=2).prop_map(|offset| Fixed::from_bits((1i128 << 63) + offset)),
        (-2i128..=2).prop_map(|offset| Fixed::from_bits(-(1i128 << 63) + offset)),
        (-2i128..=2).prop_map(|offset| Fixed::from_bits((1i128 << 79) + offset)),
        (-2i128..=2).prop_map(|offset| Fixed::from_bits((1i128 << 64) + offset)),
        (-2i128..=2).prop_map(|offset| Fixed::from_bits((1i128 << 126) + offset)),
        (-2i128..=2).prop_map(|offset| Fixed::from_bits((1i128 << 80) + offset)),
        (-2i128..=2).prop_map(|offset| Fixed::from_bits((1i128 << 110) + offset)),
        // Whole numbers at the i64 edge of mul_floor's whole-number path.
        (-1i128..=1, any::<bool>()).prop_map(|(offset, negative)| {
            let whole = ((1i128 << 63) + offset) << 48;
            Fixed::from_bits(if negative { -whole } else { whole })
        }),
        (-2i128..=2).prop_map(|offset| Fixed::from_bits(-(1i128 << 64) + offset)),
        (-2i128..=2, 1u32..3).prop_map(|(offset, shift)| Fixed::from_bits((i128::MAX >> shift) + offset)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn ln_is_within_1e_12_everywhere(x in positive_fixed()) {
        let got = f(ln(x).unwrap());
        let want = f(x).ln();
        prop_assert!((got - want).abs() <= 1e-12, "ln({}) = {got}, f64 says {want}", f(x));
    }

    #[test]
    fn ln_of_price_ratios_near_one(ratio in 0.5f64..2.0) {
        // The accumulator's use: log returns of consecutive prices.
        let x = Fixed::from_num(ratio);
        let got = f(ln(x).unwrap());
        prop_assert!((got - f(x).ln()).abs() <= 1e-13);
    }

    #[test]
    fn exp2_is_within_its_bound(y in -60.0f64..78.9) {
        let y = Fixed::from_num(y);
        let got = f(exp2(y).unwrap());
        let want = f(y).exp2();
        prop_assert!((got - want).abs() <= want * 1e-12 + 2f64.powi(-47), "exp2({}) = {got}, f64 says {want}", f(y));
    }

    #[test]
    fn exp_is_within_its_bound(x in -40.0f64..54.0) {
        let x = Fixed::from_num(x);
        let got = f(exp(x).unwrap());
        let want = f(x).exp();
        prop_assert!((got - want).abs() <= want * 1e-11 + 2f64.powi(-47), "exp({}) = {got}, f64 says {want}", f(x));
    }

    #[test]
    fn sqrt_is_rounded_down(x in positive_fixed()) {
        let root = sqrt(x).unwrap();
        // Close to f64, and never above the true root: root² ≤ x wherever root² fits.
        let want = f(x).sqrt();
        prop_assert!((f(root) - want).abs() <= want * 1e-15 + 2f64.powi(-48));
        if let Some(square) = root.checked_mul(root) {
            prop_assert!(square <= x);
        }
    }

    #[test]
    fn decay_factor_matches_half_life(dt in 1u64..=10_000_000, half_life in 1u64..=1_000_000) {
        let got = f(decay_factor(dt, half_life).unwrap());
        let want = (-(dt as f64) / half_life as f64).exp2();
        prop_assert!((got - want).abs() <= want * 1e-12 + 2f64.powi(-47));
        prop_assert!((0.0..=1.0).contains(&got));
    }

    #[test]
    fn directed_rounding_brackets_the_exact_product(a in any::<i64>(), b in any::<i64>()) {
        // Operands of at most 64 bits: the exact product of the raw bits fits
        // an i128, so the exact value is known to the last bit.
        let (x, y) = (Fixed::from_bits(a as i128), Fixed::from_bits(b as i128));
        let exact_q96 = a as i128 * b as i128; // 96 fractional bits
        let floor = mul_floor(x, y).unwrap().to_bits();
        let ceil = mul_ceil(x, y).unwrap().to_bits();
        prop_assert_eq!(floor, exact_q96 >> 48);
        prop_assert_eq!(ceil, -((-exact_q96) >> 48));
    }

    #[test]
    fn fast_paths_equal_the_fixed_crate_bit_for_bit(a in any_fixed(), b in any_fixed()) {
        // mul_floor, div and sqrt take a native-integer path when the operands
        // are small enough; it must give exactly what `fixed` gives (floor for
        // the product, truncation for the quotient, floor for the root),
        // including the overflow and division-by-zero errors.
        prop_assert_eq!(mul_floor(a, b).ok(), a.checked_mul(b));
        prop_assert_eq!(mul_ceil(a, b).ok(), a.checked_neg().and_then(|n| n.checked_mul(b)).and_then(|p| p.checked_neg()));
        prop_assert_eq!(mul_saturating(a, b), a.saturating_mul(b));
        prop_assert_eq!(div(a, b).ok(), a.checked_div(b));
        let n = (b.to_bits() as u64) >> (b.to_bits() as u32 % 64);
        prop_assert_eq!(div_by_int(a, n).ok(), a.checked_div_int(n as i128));
        let root_of = a.checked_abs().unwrap_or(Fixed::MAX);
        prop_assert_eq!(sqrt(root_of).ok(), root_of.checked_sqrt());
    }

    #[test]
    fn ratio_floor_is_at_most_4_bits_below_the_exact_quotient(den in positive_fixed(), fraction in any::<u128>()) {
        // Any numerator from 0 to the denominator.
        let num = Fixed::from_bits(((den.to_bits() as u128).wrapping_mul(1) & fraction) as i128 % (den.to_bits() + 1));
        let got = ratio_floor(num, den).unwrap();
        let exact = div(num, den).unwrap();
        prop_assert!(got <= exact && exact - got <= Fixed::from_bits(5), "{num}/{den}: {got} vs {exact}");
        if den.to_bits() < 1 << 48 {
            prop_assert_eq!(got, exact, "a divisor of 48 bits or fewer divides exactly");
        }
    }

    #[test]
    fn no_primitive_panics_on_any_bits(bits in any::<i128>(), dt in any::<u64>(), half_life in any::<u64>(), e in any::<i32>()) {
        let x = Fixed::from_bits(bits);
        let _ = ln(x);
        let _ = exp2(x);
        let _ = exp(x);
        let _ = sqrt(x);
        let _ = mul_floor(x, x);
        let _ = mul_ceil(x, x);
        let _ = decay_factor(dt, half_life);
        let _ = pow10(e);
    }
}

#[test]
fn invalid_inputs_are_errors() {
    assert_eq!(ln(Fixed::ZERO), Err(RiskError::NonPositiveInput));
    assert_eq!(ln(Fixed::from_num(-3)), Err(RiskError::NonPositiveInput));
    assert_eq!(ln(Fixed::MIN), Err(RiskError::NonPositiveInput));
    assert_eq!(sqrt(Fixed::from_num(-1)), Err(RiskError::NegativeInput));
    assert_eq!(exp2(Fixed::from_num(79)), Err(RiskError::Overflow));
    assert_eq!(exp(Fixed::from_num(60)), Err(RiskError::Overflow));
    assert!(decay_factor(5, 0).is_err());
    assert!(pow10(24).is_err());
    assert_eq!(ratio_floor(Fixed::from_num(2), Fixed::ONE), Err(RiskError::NegativeInput), "a ratio above 1");
    assert_eq!(ratio_floor(-Fixed::DELTA, Fixed::ONE), Err(RiskError::NegativeInput));
    assert_eq!(ratio_floor(Fixed::ZERO, Fixed::ZERO), Err(RiskError::NegativeInput), "no divisor");
}

#[test]
fn ratio_floor_at_its_edges() {
    for den in [Fixed::DELTA, Fixed::ONE, Fixed::from_bits((1 << 48) + 1), Fixed::from_num(15_000_000_000u64), Fixed::MAX] {
        assert_eq!(ratio_floor(den, den), Ok(Fixed::ONE), "{den}/{den}");
        assert_eq!(ratio_floor(Fixed::ZERO, den), Ok(Fixed::ZERO));
        let just_below = den - Fixed::DELTA;
        let got = ratio_floor(just_below, den).unwrap();
        assert!(got < Fixed::ONE && got <= div(just_below, den).unwrap(), "{just_below}/{den}: {got}");
    }
    // A divisor whose low bits are cut rounds up: the ratio can only shrink.
    let den = Fixed::from_bits((1i128 << 100) + 1);
    let num = Fixed::from_bits(1i128 << 99);
    assert!(ratio_floor(num, den).unwrap() < Fixed::from_num(0.5));
    assert_eq!(ratio_floor(num, Fixed::from_bits(1i128 << 100)), Ok(Fixed::from_num(0.5)), "exact when nothing is cut");
}

#[test]
fn extremes_behave() {
    // The smallest and largest positive values.
    assert!((f(ln(Fixed::DELTA).unwrap()) - (-48.0 * 2f64.ln())).abs() < 1e-12);
    assert!((f(ln(Fixed::MAX).unwrap()) - f(Fixed::MAX).ln()).abs() < 1e-12);
    assert_eq!(ln(Fixed::ONE).unwrap(), Fixed::ZERO);
    // Far below the resolution, 2^y is zero, not an error.
    assert_eq!(exp2(Fixed::from_num(-1e9)).unwrap(), Fixed::ZERO);
    assert_eq!(exp2(Fixed::MIN).unwrap(), Fixed::ZERO);
    assert_eq!(exp2(Fixed::ZERO).unwrap(), Fixed::ONE);
    // A gap of 10^7 slots against a one-hour half-life decays to nothing; one slot barely decays.
    assert_eq!(decay_factor(10_000_000, 9_000).unwrap(), Fixed::ZERO);
    let one_slot = f(decay_factor(1, 9_000).unwrap());
    assert!((one_slot - (-1.0f64 / 9_000.0).exp2()).abs() < 1e-13);
    assert_eq!(pow10(6).unwrap(), Fixed::from_num(1_000_000));
    assert_eq!(sqrt(Fixed::from_num(144)).unwrap(), Fixed::from_num(12));
}

/// `ln(2^k)` is `k·ln 2` rounded to nearest (not down): the exponent's term
/// is formed with 64 fractional bits and rounded once, so no error grows
/// with `k`. Checked against ln 2 to 96 bits.
#[test]
fn ln_of_a_power_of_two_is_k_ln_2_rounded_to_nearest() {
    let ln_2_q96 = (fixed::consts::LN_2.to_bits() >> 32) as i128;
    for k in -48i128..=78 {
        let x = Fixed::from_bits(1i128 << (48 + k));
        let nearest = (k * ln_2_q96 + (1i128 << 47)) >> 48;
        assert_eq!(ln(x).unwrap().to_bits(), nearest, "ln(2^{k})");
    }
}

/// `value · 10^e` multiplies for e ≥ 0 and divides (truncating) below, for
/// |e| ≤ 38, and refuses anything further out instead of overflowing.
#[test]
fn scale_by_pow10_multiplies_up_and_divides_down_within_38() {
    assert_eq!(scale_by_pow10(Fixed::from_num(1.5), 2), Ok(Fixed::from_num(150)));
    assert_eq!(scale_by_pow10(Fixed::from_num(150), -2), Ok(Fixed::from_num(1.5)));
    assert_eq!(scale_by_pow10(Fixed::from_num(7), 0), Ok(Fixed::from_num(7)));
    assert_eq!(scale_by_pow10(Fixed::from_num(12345), -38), Ok(Fixed::ZERO));
    assert_eq!(scale_by_pow10(Fixed::ZERO, 38), Ok(Fixed::ZERO));
    assert_eq!(scale_by_pow10(Fixed::ONE, 38), Err(RiskError::Overflow));
    assert_eq!(scale_by_pow10(Fixed::ONE, 39), Err(RiskError::Overflow));
    assert_eq!(scale_by_pow10(Fixed::ONE, -39), Err(RiskError::Overflow));
}
