//! LP share accounting (DESIGN.md section 8), in integers.
//!
//! ```text
//! shares minted  = floor(amount · total_shares / pool_value)   (1:1 for the first deposit)
//! amount paid    = floor(shares · pool_value / total_shares)
//! ```
//!
//! Both round down, against the LP entering or leaving, so no sequence of
//! deposits and withdrawals can take out more than it put in, and the LPs
//! who stay never lose to rounding.
//!
//! Entry and exit are two steps apart (a request, then an execution a
//! governed delay later), and each executes at the share value that is
//! worse for the LP of the two ([`ShareValue::dearer`] for a deposit,
//! [`ShareValue::cheaper`] for a withdrawal): whatever the pool learns during
//! the delay (a price, a booked loss) the requester cannot profit from, and
//! shares the losses booked before execution with the LPs who stay. Pool value is passed in (its bookkeeping
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

/// A share price as a pool value (whole quote units) over the shares
/// outstanding, compared exactly by cross-multiplication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShareValue {
    pub pool_value: u64,
    pub total_shares: u64,
}

impl ShareValue {
    /// `self.pool_value / self.total_shares < other.pool_value / other.total_shares`.
    fn below(&self, other: &ShareValue) -> bool {
        (self.pool_value as u128) * (other.total_shares as u128) < (other.pool_value as u128) * (self.total_shares as u128)
    }

    /// The higher share value of the two: what a deposit pays.
    pub fn dearer(self, other: ShareValue) -> ShareValue {
        if self.below(&other) {
            other
        } else {
            self
        }
    }

    /// The lower share value of the two: what a withdrawal receives.
    pub fn cheaper(self, other: ShareValue) -> ShareValue {
        if self.below(&other) {
            self
        } else {
            other
        }
    }

    /// Shares `amount` buys at this value (rounded down; 1:1 into an empty pool).
    pub fn shares_for(&self, amount: u64) -> RiskResult<u64> {
        shares_for_deposit(amount, self.pool_value, self.total_shares)
    }

    /// Quote `shares` redeem at this value (rounded down).
    pub fn amount_for(&self, shares: u64) -> RiskResult<u64> {
        amount_for_shares(shares, self.pool_value, self.total_shares)
    }
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
