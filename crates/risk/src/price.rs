//! From an oracle print to the units the rest of the crate uses.
//!
//! Every price in this crate is **quote native units per base native unit**
//! (for SOL/USDC at $150 with 9 and 6 decimals: 150·10⁶/10⁹ = 0.15), so a
//! token amount in native units times a price is a value in quote native
//! units with no further scaling. Precision: values keep 48 fractional bits,
//! so a price per native unit should stay above ~1e-9 (markets on tokens
//! worth less per native unit should trade in lots).
use crate::error::{RiskError, RiskResult};
use crate::fixed_math::scale_by_pow10;
use crate::Fixed;

/// Converts an oracle price `mantissa · 10^exponent` (quote per whole base
/// token, as Pyth reports it) to quote native units per base native unit.
pub fn native_price(mantissa: i64, exponent: i32, base_decimals: u8, quote_decimals: u8) -> RiskResult<Fixed> {
    if mantissa <= 0 {
        return Err(RiskError::NonPositiveInput);
    }
    let scale = exponent.checked_add(quote_decimals as i32 - base_decimals as i32).ok_or(RiskError::Overflow)?;
    scale_by_pow10(Fixed::from_num(mantissa), scale)
}

/// Converts an oracle confidence interval (same exponent as its price) to
/// quote native units per base native unit.
pub fn native_confidence(confidence: u64, exponent: i32, base_decimals: u8, quote_decimals: u8) -> RiskResult<Fixed> {
    let scale = exponent.checked_add(quote_decimals as i32 - base_decimals as i32).ok_or(RiskError::Overflow)?;
    scale_by_pow10(Fixed::from_num(confidence), scale)
}
