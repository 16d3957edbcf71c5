//! Trading against the LP pool (DESIGN.md section 8): the spread, the
//! execution price, what a fill costs, and the funding index.
//!
//! All prices are quote native units per base native unit; sizes are base
//! native units; `skew = long open interest − short open interest`.
//!
//! ```text
//! spread       s = min(s_max, s_base + k_σ·σ_T)                     the volatility part
//! buy  price     = ceil(p · (1 + s))          a buyer never pays less
//! sell price     = floor(p · (1 − s))         a seller never receives more
//! skew premium   = ceil(p · k_skew · |D(x_after) − D(x_before)|)     x = ±skew / skew_scale
//!                  D(u) = 0 (u ≤ 0), u²/2 (0 < u ≤ 1), u − 1/2 (u > 1), in skew_scale units
//! fill quote     = −ceil(Δ · buy price) − premium  for a buy of Δ,
//!                  +floor(Δ · sell price) − premium for a sell
//! funding rate   r = r_max · clamp(skew / skew_scale, −1, 1)            per slot
//! funding index  I += r · p · slots                                      quote per base unit
//! funding owed   = ceil(size · (I − I_position))                        longs pay when I rises
//! ```
//!
//! The spread widens with volatility (liquidity thins when `σ_T` rises) and
//! with the skew a trade adds. The skew premium is the integral, over the
//! skew the trade moves through, of a marginal premium `k_skew·clamp(u, 0, 1)`
//! that grows with the crowded side's size (`u` is the skew in the trade's
//! direction: `+skew/scale` for a buy, `−skew/scale` for a sell), so it
//! depends on where the skew starts and ends and not on how the trade is
//! cut: splitting an order into several fills costs no less than one fill
//! (each piece rounds against the trader). A trade that reduces the skew
//! moves through `u ≤ 0` and pays only the volatility part. The premium is
//! at most `k_skew` per unit of size. Funding moves from the crowded side
//! to the pool, which holds the other side of the skew.
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

/// The volatility part of the spread: `min(s_max, s_base + k_σ·σ_T)`.
pub fn spread(config: &SpreadConfig, risk_volatility: Fixed) -> RiskResult<Fixed> {
    let spread = add(config.base, mul_ceil(config.per_volatility, risk_volatility.max(Fixed::ZERO))?)?;
    Ok(spread.min(config.max).max(Fixed::ZERO))
}

/// `scale · D(x / scale)` for skew `x` base units in a trade's direction:
/// the skew premium's potential, in base units (see the module formula).
fn skew_potential(skew: i128, scale: u64) -> RiskResult<Fixed> {
    if skew <= 0 {
        return Ok(Fixed::ZERO);
    }
    let scale_fixed = Fixed::from_num(scale);
    if skew as u128 > scale as u128 {
        let beyond = Fixed::checked_from_num(skew - scale as i128).ok_or(RiskError::Overflow)?;
        return add(beyond, div(scale_fixed, Fixed::from_num(2))?);
    }
    // x²/(2·scale), as (x/scale)·x/2 so the square never overflows.
    let x = Fixed::checked_from_num(skew).ok_or(RiskError::Overflow)?;
    mul_floor(div(x, scale_fixed)?, div(x, Fixed::from_num(2))?)
}

/// The skew premium of a trade moving the skew from `skew_before` to
/// `skew_after`, in base units of `k_skew`-weighted size (multiply by the
/// oracle price for quote): `k_skew·|D(after) − D(before)|` along the
/// trade's direction. Zero for a trade that only reduces the skew.
pub fn skew_premium(config: &SpreadConfig, skew_before: i128, skew_after: i128) -> RiskResult<Fixed> {
    if config.skew_scale == 0 {
        return Err(RiskError::NonPositiveInput);
    }
    if config.per_skew <= 0 || skew_before == skew_after {
        return Ok(Fixed::ZERO);
    }
    // In the trade's direction, the crowded side grows with u.
    let sign = if skew_after > skew_before { 1 } else { -1 };
    let before = skew_potential(sign * skew_before, config.skew_scale)?;
    let after = skew_potential(sign * skew_after, config.skew_scale)?;
    mul_ceil(config.per_skew, sub(after, before)?.max(Fixed::ZERO))
}

/// A fill against the pool, priced as the module formula says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    /// The volatility part of the spread.
    pub spread: Fixed,
    /// Price before the skew premium, quote native per base native.
    pub price: Fixed,
    /// The skew premium paid, quote native units (≥ 0).
    pub premium: Fixed,
    /// Added to the position's quote side: negative for a buy.
    pub quote: Fixed,
}

impl Fill {
    /// The average price per base unit the fill was at, rounded against the
    /// trader (up for a buy, down for a sell), for the limit check.
    pub fn average_price(&self, base_delta: i64) -> RiskResult<Fixed> {
        let size = Fixed::from_num(base_delta.unsigned_abs());
        if base_delta > 0 {
            let paid = self.quote.checked_neg().ok_or(RiskError::Overflow)?;
            let floor = div(paid, size)?;
            Ok(if mul_floor(floor, size)? < paid { add(floor, Fixed::DELTA)? } else { floor })
        } else {
            Ok(div(self.quote, size)?.max(Fixed::ZERO))
        }
    }
}

/// Prices a fill of `base_delta` (positive buys) at `oracle_price` with the
/// market's skew at `skew_before`.
pub fn fill(config: &SpreadConfig, risk_volatility: Fixed, oracle_price: Fixed, skew_before: i128, base_delta: i64) -> RiskResult<Fill> {
    let spread = spread(config, risk_volatility)?;
    let price = execution_price(oracle_price, spread, base_delta > 0)?;
    let skew_after = skew_before.checked_add(base_delta as i128).ok_or(RiskError::Overflow)?;
    let premium = mul_ceil(skew_premium(config, skew_before, skew_after)?, oracle_price)?;
    let quote = sub(fill_quote(base_delta, price)?, premium)?;
    Ok(Fill { spread, price, premium, quote })
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
