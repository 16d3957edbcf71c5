//! LP share accounting (DESIGN.md section 8), in integers.
//!
//! ```text
//! shares minted  = floor(amount · total_shares / pool_value)   (1:1 for the first deposit)
//! amount paid    = floor(shares · pool_value / total_shares)
//! ```
//!
//! Both round down, against the LP entering or leaving, so no sequence of
//! deposits and withdrawals can take out more than it put in, and the LPs
//! who stay never lose to rounding. Pool value is passed in (its bookkeeping
//! lives with the program), so a token donation to the vault moves nothing.
use crate::error::{RiskError, RiskResult};

/// Shares to mint for depositing `amount` into a pool worth `pool_value`
/// with `total_shares` outstanding.
pub fn shares_for_deposit(amount: u64, pool_value: u64, total_shares: u64) -> RiskResult<u64> {
    if total_shares == 0 {
        return Ok(amount);
    }
    if pool_value == 0 {
        // Shares exist but the pool is worth nothing (it absorbed losses):
        // new money would be shared with worthless shares. Refuse.
        return Err(RiskError::NonPositiveInput);
    }
    let shares = amount as u128 * total_shares as u128 / pool_value as u128;
    u64::try_from(shares).map_err(|_| RiskError::Overflow)
}

/// Quote to pay for redeeming `shares` of a pool worth `pool_value` with
/// `total_shares` outstanding.
pub fn amount_for_shares(shares: u64, pool_value: u64, total_shares: u64) -> RiskResult<u64> {
    if shares > total_shares {
        return Err(RiskError::NoSuchEntry);
    }
    if total_shares == 0 {
        return Ok(0);
    }
    let amount = shares as u128 * pool_value as u128 / total_shares as u128;
    u64::try_from(amount).map_err(|_| RiskError::Overflow)
}

/// Traders' unrealised PnL in one market, seen from the pool: what the pool
/// would pay if every position closed at `price`, funding included.
///
/// ```text
/// pnl = (long − short)·p + Σ quote_position − ((long − short)·I − Σ size·I_position)
/// ```
///
/// `quote_position_sum` and `funding_snapshot_sum` are the market's running
/// sums over open positions.
pub fn traders_unrealized_pnl(
    long_base: u64,
    short_base: u64,
    quote_position_sum: crate::Fixed,
    funding_snapshot_sum: crate::Fixed,
    funding_index: crate::Fixed,
    price: crate::Fixed,
) -> RiskResult<crate::Fixed> {
    use crate::fixed_math::{add, mul_floor, sub};
    let net = long_base as i128 - short_base as i128;
    let net = crate::Fixed::checked_from_num(net).ok_or(RiskError::Overflow)?;
    let value = mul_floor(net, price)?;
    let funding = sub(mul_floor(net, funding_index)?, funding_snapshot_sum)?;
    sub(add(value, quote_position_sum)?, funding)
}
