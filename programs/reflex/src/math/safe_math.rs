//! `SafeMath` (after Drift v2's `math/safe_math.rs`): checked operations that
//! fail with `MathOverflow` and log the file and line of the caller, so an
//! overflow in a transaction's logs points at the line that overflowed
//! instead of at nothing.
use anchor_lang::prelude::*;
use reflex_risk::fixed_math::mul_floor;
use reflex_risk::Fixed;

use crate::error::ReflexError;

pub trait SafeMath: Sized {
    fn safe_add(self, rhs: Self) -> Result<Self>;
    fn safe_sub(self, rhs: Self) -> Result<Self>;
    /// `-self`; for an unsigned type only zero negates.
    fn safe_neg(self) -> Result<Self>;
}

/// The error every failed operation returns, with where it was called from
/// (call it from a closure, not as a function pointer, to keep the line).
#[track_caller]
#[inline(never)]
#[cold]
pub fn overflow() -> Error {
    let caller = core::panic::Location::caller();
    msg!("arithmetic overflow at {}:{}", caller.file(), caller.line());
    error!(ReflexError::MathOverflow)
}

macro_rules! safe_math {
    ($($t:ty),*) => {$(
        impl SafeMath for $t {
            #[track_caller]
            #[inline(always)]
            fn safe_add(self, rhs: Self) -> Result<Self> {
                self.checked_add(rhs).ok_or_else(overflow)
            }

            #[track_caller]
            #[inline(always)]
            fn safe_sub(self, rhs: Self) -> Result<Self> {
                self.checked_sub(rhs).ok_or_else(overflow)
            }

            #[track_caller]
            #[inline(always)]
            fn safe_neg(self) -> Result<Self> {
                self.checked_neg().ok_or_else(overflow)
            }
        }
    )*};
}

safe_math!(u16, u32, u64, u128, i64, i128, Fixed);

/// `a · b` rounded toward −∞ (the risk crate's [`mul_floor`]), failing
/// with the caller's location.
#[track_caller]
#[inline(always)]
pub fn safe_mul_floor(a: Fixed, b: Fixed) -> Result<Fixed> {
    mul_floor(a, b).map_err(|_| overflow())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_fail_named_instead_of_wrapping() {
        assert_eq!(2u64.safe_add(3).unwrap(), 5);
        assert!(u64::MAX.safe_add(1).is_err());
        assert!(0u64.safe_sub(1).is_err());
        assert!(i128::MIN.safe_neg().is_err());
        assert_eq!(0u64.safe_neg().unwrap(), 0);
        assert!(1u64.safe_neg().is_err());
        assert!(Fixed::MAX.safe_add(Fixed::DELTA).is_err());
        assert_eq!(Fixed::ONE.safe_sub(Fixed::ONE).unwrap(), Fixed::ZERO);
        assert!(safe_mul_floor(Fixed::MAX, Fixed::from_num(2)).is_err());
        let error = u64::MAX.safe_add(1).unwrap_err();
        assert_eq!(error, error!(ReflexError::MathOverflow));
    }
}
