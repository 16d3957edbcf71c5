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
