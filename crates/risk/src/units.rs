//! Integer settings as fractions: parts per million and per billion.
use crate::Fixed;

/// Parts per million as a fraction: instruction arguments carry ratios as
/// integers (exact, readable in an explorer), the state as fixed point.
///
/// Exactly `Fixed::from_num(value) / 1_000_000` (rounded down), computed with
/// two 64-bit divisions: health converts several settings per entry, and a
/// 128-bit division costs ~1,450 CU on SBF where a 64-bit one costs one.
#[inline]
pub fn ppm(value: u32) -> Fixed {
    // value·2⁴⁸ / 10⁶ = value·2⁴² / 15625
    fraction(value, 42, 15_625)
}

/// Parts per billion as a fraction (for size factors, typically ~1e-6):
/// exactly `Fixed::from_num(value) / 1_000_000_000` rounded down.
#[inline]
pub fn ppb(value: u32) -> Fixed {
    // value·2⁴⁸ / 10⁹ = value·2³⁹ / 1953125
    fraction(value, 39, 1_953_125)
}

/// `floor(value · 2^shift / odd_divisor)` as fixed-point bits, in two steps
/// of `shift / 2` bits so every intermediate fits a u64
/// (`value < 2³²`, `odd_divisor < 2²¹`, `shift ≤ 42`).
#[inline]
fn fraction(value: u32, shift: u32, odd_divisor: u64) -> Fixed {
    let first = shift.div_ceil(2);
    let second = shift - first;
    let widened = (value as u64) << first;
    let (quotient, remainder) = (widened / odd_divisor, widened % odd_divisor);
    let bits = (quotient << second) + ((remainder << second) / odd_divisor);
    Fixed::from_bits(bits as i128)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_fixed_point_division() {
        let mut value: u32 = 0;
        let samples = (0..200_000u32).chain([u32::MAX, u32::MAX - 1, 999_999, 1_000_000, 1_000_001]);
        for step in samples {
            value = value.wrapping_mul(2_654_435_761).wrapping_add(step);
            for v in [value, step] {
                assert_eq!(ppm(v), Fixed::from_num(v) / 1_000_000, "ppm({v})");
                assert_eq!(ppb(v), Fixed::from_num(v) / 1_000_000_000, "ppb({v})");
            }
        }
    }
}
