//! Trading against the LP pool (DESIGN.md section 8): the spread, the
//! execution price, what a fill costs, and the funding index.
//!
//! All prices are quote native units per base native unit; sizes are base
//! native units; `skew = long open interest − short open interest`.
//!
//! ```text
//! spread       s = min(s_max, s_base + k_σ·σ_T + k_skew·max(0, |skew_after| − |skew_before|) / skew_scale)
//! buy  price     = ceil(p · (1 + s))          a buyer never pays less
//! sell price     = floor(p · (1 − s))         a seller never receives more
//! fill quote     = −ceil(Δ · buy price)  for a buy of Δ,  +floor(Δ · sell price) for a sell
//! funding rate   r = r_max · clamp(skew / skew_scale, −1, 1)            per slot
//! funding index  I += r · p · slots                                      quote per base unit
//! funding owed   = ceil(size · (I − I_position))                        longs pay when I rises
//! ```
//!
//! The spread widens with volatility (liquidity thins when `σ_T` rises) and
//! with the skew a trade adds; a trade that reduces the skew pays only the
//! volatility part. Funding moves from the crowded side to the pool, which
//! holds the other side of the skew.
use crate::error::{RiskError, RiskResult};
use crate::fixed_math::{add, div, mul_ceil, mul_floor, sub};
use crate::Fixed;

/// A market's spread settings, as fractions of the oracle price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpreadConfig {
    pub base: Fixed,
    /// `k_σ`: spread per unit of `σ_T`.
    pub per_volatility: Fixed,
    /// `k_skew`: spread when a trade adds one `skew_scale` of skew.
    pub per_skew: Fixed,
    pub max: Fixed,
    /// Base native units of skew at which funding reaches its maximum rate.
    pub skew_scale: u64,
}

/// `s` from the formula above. `skew_before`/`skew_after` in base native units.
pub fn spread(config: &SpreadConfig, risk_volatility: Fixed, skew_before: i128, skew_after: i128) -> RiskResult<Fixed> {
    if config.skew_scale == 0 {
        return Err(RiskError::NonPositiveInput);
    }
    let mut spread = add(config.base, mul_ceil(config.per_volatility, risk_volatility.max(Fixed::ZERO))?)?;
    let added = skew_after.unsigned_abs().saturating_sub(skew_before.unsigned_abs());
    if added > 0 && config.per_skew > 0 {
        let added = Fixed::checked_from_num(added).ok_or(RiskError::Overflow)?;
        let fraction = div(added, Fixed::from_num(config.skew_scale))?;
        spread = add(spread, mul_ceil(config.per_skew, fraction)?)?;
    }
    Ok(spread.min(config.max).max(Fixed::ZERO))
}

/// The price a trade of direction `buying` fills at, given spread `s`.
pub fn execution_price(oracle_price: Fixed, spread: Fixed, buying: bool) -> RiskResult<Fixed> {
    if buying {
        mul_ceil(oracle_price, add(Fixed::ONE, spread)?)
    } else {
        Ok(mul_floor(oracle_price, sub(Fixed::ONE, spread)?)?.max(Fixed::ZERO))
    }
}

/// The quote a fill of `base_delta` (positive buys) at `price` adds to the
/// position's quote side: negative for a buy, positive for a sell, both
/// rounded against the trader.
pub fn fill_quote(base_delta: i64, price: Fixed) -> RiskResult<Fixed> {
    let size = Fixed::from_num(base_delta.unsigned_abs());
    if base_delta >= 0 {
        mul_ceil(size, price)?.checked_neg().ok_or(RiskError::Overflow)
    } else {
        mul_floor(size, price)
    }
}

/// `ceil(|Δ| · p · rate)`: the taker fee of a fill, quote native units.
pub fn fee(base_delta: i64, oracle_price: Fixed, rate: Fixed) -> RiskResult<Fixed> {
    mul_ceil(mul_ceil(Fixed::from_num(base_delta.unsigned_abs()), oracle_price)?, rate)
}

/// How much the funding index moves over `slots` at oracle price `price`
/// for a market with `skew` base units of net long interest.
pub fn funding_index_delta(skew: i128, skew_scale: u64, max_rate_per_slot: Fixed, price: Fixed, slots: u64) -> RiskResult<Fixed> {
    if skew == 0 || slots == 0 || max_rate_per_slot == 0 {
        return Ok(Fixed::ZERO);
    }
    if skew_scale == 0 {
        return Err(RiskError::NonPositiveInput);
    }
    let scale = skew_scale as i128;
    let imbalance = if skew.abs() >= scale {
        Fixed::from_num(skew.signum())
    } else {
        // |skew| < scale ≤ u64::MAX, so both fit.
        div(Fixed::from_num(skew as i64), Fixed::from_num(skew_scale))?
    };
    let rate = mul_floor(max_rate_per_slot, imbalance)?;
    mul_floor(mul_floor(rate, price)?, Fixed::checked_from_num(slots).ok_or(RiskError::Overflow)?)
}

/// Funding a position of `base_size` owes since its last settlement at
/// `snapshot` (negative: owed to it), rounded up, against the position.
pub fn funding_owed(base_size: i64, index: Fixed, snapshot: Fixed) -> RiskResult<Fixed> {
    mul_ceil(Fixed::from_num(base_size), sub(index, snapshot)?)
}
