//! Liquidation sizing, fee split and bankruptcy (DESIGN.md section 9).
//!
//! **Perp liquidation.** A keeper closes `Δ` base units of a position against
//! the pool at the oracle price `p`, and the account pays a penalty `c` on
//! the closed notional. Closing at the oracle price leaves the position's PnL
//! where it was (the quote position absorbs `Δ·p`), so at the
//! liquidation-end level, with `m_e = min(1, m_maint + buffer)`:
//!
//! ```text
//! H_end(Δ) = H_end(0) + Δ·p·(m_e − c)      linear in Δ
//! Δ*       = ceil(−H_end(0) / (p·(m_e − c))), at most |size|
//! ```
//!
//! `m_e > c` (the bounds check guarantees it) makes every closed unit raise
//! health, so a liquidation never lowers it. The closed form is then checked
//! once against the real health function, moving `Δ*` by one unit if the
//! fixed-point rounding put it on the wrong side; no iteration.
//!
//! The penalty is `ceil(Δ·p·c)`, but never more than the account's equity
//! (its value at oracle prices with no haircut or margin): an insolvent
//! account pays none, since it could only be paid out of the loss the
//! insurance fund and the pool then absorb.
//!
//! **Collateral liquidation.** A keeper repays quote debt and takes `Δ` native
//! units of collateral at a discount `d` below `p`: the account is credited
//! `Δ·p·(1 − d)` and loses `Δ·p·(1 − h_e)` of liquidation-end value,
//! `h_e = min(1, h_maint + buffer)`:
//!
//! `d < h_maint ≤ h_e` (the bounds check guarantees it) makes every unit
//! taken raise both levels, up to the 2⁻⁴⁸ rounding of the values moved.
//!
//! ```text
//! H_end(Δ) = H_end(0) + Δ·p·(h_e − d)
//! Δ*       = ceil(−H_end(0) / (p·(h_e − d))), at most the balance and
//!            at most what repays the debt: Δ·p·(1 − d) ≤ −quote_balance
//! ```
//!
//! **Bankruptcy.** An account with no collateral and no open position whose
//! remaining quote (balance plus realised, unsettled perp PnL) is negative is
//! bankrupt: no liquidation can help it, and the deficit goes to the
//! insurance fund and then the pool.
use crate::error::{RiskError, RiskResult};
use crate::fixed_math::{add, mul_ceil, mul_floor, sub};
use crate::health::{AccountSnapshot, HealthLevel};
use crate::Fixed;

/// How much of which position to close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerpLiquidation {
    pub perp_index: usize,
    /// Base native units to close (reduces |size|).
    pub base_to_close: u64,
    /// Penalty the account pays, quote native units: `ceil(notional · c)`.
    pub penalty: Fixed,
}

/// How much of which collateral a keeper takes, and for how much quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollateralLiquidation {
    pub collateral_index: usize,
    /// Native units of collateral the keeper receives.
    pub amount: u64,
    /// Quote the keeper pays, credited to the account: `floor(Δ·p·(1 − d))`.
    pub quote_credit: Fixed,
}

/// The state after closing `base_to_close` of perp `perp_index` at the oracle
/// price with penalty rate `penalty_rate`, and the penalty paid.
pub fn apply_perp_liquidation(
    snapshot: &AccountSnapshot,
    perp_index: usize,
    base_to_close: u64,
    penalty_rate: Fixed,
) -> RiskResult<(AccountSnapshot, Fixed)> {
    let perp = snapshot.perp(perp_index)?;
    if base_to_close > perp.base_size.unsigned_abs() {
        return Err(RiskError::NoSuchEntry);
    }
    let closed = Fixed::from_num(base_to_close);
    let price = perp.price.price;
    // Closing a long sells Δ at p (the quote position gains Δ·p); closing a
    // short buys it back (loses Δ·p). Both round against the account.
    let signed_closed = if perp.base_size > 0 { closed } else { neg(closed)? };
    let quote_position = add(perp.quote_position, mul_floor(signed_closed, price)?)?;
    // No penalty beyond what the account can pay: an insolvent account's
    // penalty would only come out of the loss socialised to the pool.
    let full_penalty = mul_ceil(mul_ceil(closed, price)?, penalty_rate)?;
    let penalty = full_penalty.min(snapshot.equity()?.max(Fixed::ZERO));
    let reduced =
        if perp.base_size > 0 { perp.base_size as i128 - base_to_close as i128 } else { perp.base_size as i128 + base_to_close as i128 };
    // |reduced| ≤ |base_size|, so it fits an i64.
    let base_size = i64::try_from(reduced).map_err(|_| RiskError::Overflow)?;

    let mut after = snapshot.clone();
    after.perps[perp_index].base_size = base_size;
    after.perps[perp_index].quote_position = quote_position;
    after.quote_balance = sub(after.quote_balance, penalty)?;
    Ok((after, penalty))
}

/// The least size of perp `perp_index` whose closing brings liquidation-end
/// health to ≥ 0, or the whole position if even that does not. `None` when
/// liquidation-end health is already ≥ 0 or the position is empty. Callers
/// decide eligibility (maintenance health < 0) before sizing.
pub fn perp_liquidation(snapshot: &AccountSnapshot, perp_index: usize, penalty_rate: Fixed) -> RiskResult<Option<PerpLiquidation>> {
    let perp = snapshot.perp(perp_index)?;
    let deficit = neg(snapshot.health(HealthLevel::LiquidationEnd)?)?;
    let size = perp.base_size.unsigned_abs();
    if deficit <= 0 || size == 0 {
        return Ok(None);
    }
    let rate = sub(perp.liquidation_end_margin_ratio(), penalty_rate)?;
    let estimate = units_to_cover(deficit, perp.price.price, rate, size);
    let healthy_after = |units: u64| -> RiskResult<bool> {
        let (after, _) = apply_perp_liquidation(snapshot, perp_index, units, penalty_rate)?;
        Ok(after.health(HealthLevel::LiquidationEnd)? >= 0)
    };
    let base_to_close = least_sufficient(estimate, size, healthy_after)?;
    let (_, penalty) = apply_perp_liquidation(snapshot, perp_index, base_to_close, penalty_rate)?;
    Ok(Some(PerpLiquidation { perp_index, base_to_close, penalty }))
}

/// The state after a keeper takes `amount` of collateral `collateral_index`
/// at `discount` below the oracle price, crediting the account.
pub fn apply_collateral_liquidation(
    snapshot: &AccountSnapshot,
    collateral_index: usize,
    amount: u64,
    discount: Fixed,
) -> RiskResult<(AccountSnapshot, Fixed)> {
    let entry = snapshot.collateral_entry(collateral_index)?;
    let remaining = entry.amount.checked_sub(amount).ok_or(RiskError::NoSuchEntry)?;
    let value = mul_floor(Fixed::from_num(amount), entry.price.price)?;
    let quote_credit = mul_floor(value, sub(Fixed::ONE, discount)?)?;
    let mut after = snapshot.clone();
    after.collateral[collateral_index].amount = remaining;
    after.quote_balance = add(after.quote_balance, quote_credit)?;
    Ok((after, quote_credit))
}

/// The least amount of collateral `collateral_index` a keeper must take (at
/// `discount`) to bring liquidation-end health to ≥ 0, limited by the
/// balance and by the debt it repays. `None` when health is already ≥ 0,
/// there is no quote debt, or no balance.
pub fn collateral_liquidation(
    snapshot: &AccountSnapshot,
    collateral_index: usize,
    discount: Fixed,
) -> RiskResult<Option<CollateralLiquidation>> {
    let entry = snapshot.collateral_entry(collateral_index)?;
    let deficit = neg(snapshot.health(HealthLevel::LiquidationEnd)?)?;
    let debt = neg(snapshot.quote_balance)?;
    if deficit <= 0 || debt <= 0 || entry.amount == 0 {
        return Ok(None);
    }
    let price = entry.price.price;
    // Never credit more than the debt: the most units whose credit fits it.
    let credit_fits =
        |units: u64| -> RiskResult<bool> { Ok(apply_collateral_liquidation(snapshot, collateral_index, units, discount)?.1 <= debt) };
    let repayable_estimate = units_to_cover(debt, price, sub(Fixed::ONE, discount)?, entry.amount);
    let repayable = most_fitting(repayable_estimate, entry.amount, credit_fits)?;
    let limit = repayable;
    if limit == 0 {
        return Ok(None);
    }
    let rate = sub(entry.liquidation_end_haircut(), discount)?;
    let estimate = units_to_cover(deficit, price, rate, limit);
    let healthy_after = |units: u64| -> RiskResult<bool> {
        let (after, _) = apply_collateral_liquidation(snapshot, collateral_index, units, discount)?;
        Ok(after.health(HealthLevel::LiquidationEnd)? >= 0)
    };
    let amount = least_sufficient(estimate, limit, healthy_after)?;
    let (_, quote_credit) = apply_collateral_liquidation(snapshot, collateral_index, amount, discount)?;
    Ok(Some(CollateralLiquidation { collateral_index, amount, quote_credit }))
}

/// `ceil(deficit / (price · rate))`, capped at `limit`; `limit` when a unit
/// gains nothing. Divides twice rather than by the product: `price · rate`
/// can be small enough that its 2⁻⁴⁸ resolution is a relative error of
/// 1e-11, which over 10¹¹ units is a unit or more; each quotient here is
/// large and keeps its relative precision.
fn units_to_cover(deficit: Fixed, price: Fixed, rate: Fixed, limit: u64) -> u64 {
    if price <= 0 || rate <= 0 {
        return limit;
    }
    match deficit.checked_div(price).and_then(|per_unit_of_rate| per_unit_of_rate.checked_div(rate)) {
        Some(units) => units.checked_ceil().and_then(|units| units.checked_to_num::<u64>()).map_or(limit, |units| units.min(limit)),
        None => limit,
    }
}

/// Corrects a closed-form estimate by one unit where fixed-point rounding put
/// it on the wrong side: one unit more if it falls short, one less if that
/// still suffices.
fn least_sufficient(estimate: u64, limit: u64, healthy_after: impl Fn(u64) -> RiskResult<bool>) -> RiskResult<u64> {
    if healthy_after(estimate)? {
        if estimate > 0 && healthy_after(estimate - 1)? {
            return Ok(estimate - 1);
        }
        return Ok(estimate);
    }
    Ok(estimate.saturating_add(1).min(limit))
}

/// The counterpart of [`least_sufficient`] for an upper limit: the estimate,
/// one unit less if it does not fit, one unit more if that still fits.
fn most_fitting(estimate: u64, limit: u64, fits: impl Fn(u64) -> RiskResult<bool>) -> RiskResult<u64> {
    if !fits(estimate)? {
        return Ok(estimate.saturating_sub(1));
    }
    if estimate < limit && fits(estimate + 1)? {
        return Ok(estimate + 1);
    }
    Ok(estimate)
}

/// Splits a liquidation penalty: `floor(penalty · keeper_share)` to the
/// keeper, the rest to the insurance fund (rounding favours the fund).
pub fn split_penalty(penalty: Fixed, keeper_share: Fixed) -> RiskResult<(Fixed, Fixed)> {
    if penalty < 0 || !(Fixed::ZERO..=Fixed::ONE).contains(&keeper_share) {
        return Err(RiskError::NegativeInput);
    }
    let keeper = mul_floor(penalty, keeper_share)?;
    Ok((keeper, sub(penalty, keeper)?))
}

/// The deficit of a bankrupt account, or `None` if it is not bankrupt: it has
/// no collateral and no open position, and its quote balance plus realised
/// perp PnL (`quote_position − unsettled_funding` of closed positions) is
/// negative.
pub fn bankruptcy_deficit(snapshot: &AccountSnapshot) -> RiskResult<Option<Fixed>> {
    if snapshot.collateral.iter().any(|entry| entry.amount > 0) || snapshot.perps.iter().any(|perp| perp.base_size != 0) {
        return Ok(None);
    }
    let mut equity = snapshot.quote_balance;
    for perp in &snapshot.perps {
        equity = add(equity, sub(perp.quote_position, perp.unsettled_funding)?)?;
    }
    if equity < 0 {
        return Ok(Some(neg(equity)?));
    }
    Ok(None)
}

fn neg(value: Fixed) -> RiskResult<Fixed> {
    value.checked_neg().ok_or(RiskError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_sufficient_moves_the_estimate_by_one_unit_at_most() {
        let needs = |least: u64| move |units: u64| Ok(units >= least);
        assert_eq!(least_sufficient(5, 10, needs(5)).unwrap(), 5, "exact");
        assert_eq!(least_sufficient(5, 10, needs(4)).unwrap(), 4, "one too many");
        assert_eq!(least_sufficient(5, 10, needs(6)).unwrap(), 6, "one short");
        assert_eq!(least_sufficient(10, 10, needs(11)).unwrap(), 10, "held to the limit");
        assert_eq!(least_sufficient(0, 10, needs(0)).unwrap(), 0, "nothing needed: no unit below zero to try");
        assert_eq!(least_sufficient(0, 10, needs(1)).unwrap(), 1);
    }

    #[test]
    fn most_fitting_moves_the_estimate_by_one_unit_at_most() {
        let fits_up_to = |most: u64| move |units: u64| Ok(units <= most);
        assert_eq!(most_fitting(5, 10, fits_up_to(5)).unwrap(), 5, "exact");
        assert_eq!(most_fitting(5, 10, fits_up_to(6)).unwrap(), 6, "one more fits");
        assert_eq!(most_fitting(5, 10, fits_up_to(4)).unwrap(), 4, "one too many");
        assert_eq!(most_fitting(10, 10, fits_up_to(20)).unwrap(), 10, "held to the limit");
        assert_eq!(most_fitting(0, 10, fits_up_to(0)).unwrap(), 0);
    }

    #[test]
    fn a_unit_that_gains_nothing_needs_the_whole_limit() {
        let limit = 1_000;
        for (price, rate) in [(Fixed::ZERO, Fixed::ONE), (Fixed::ONE, Fixed::ZERO), (-Fixed::ONE, Fixed::ONE), (Fixed::ONE, -Fixed::ONE)] {
            assert_eq!(units_to_cover(Fixed::from_num(10), price, rate, limit), limit, "price {price}, rate {rate}");
        }
        // Both negative: their product is positive, but a unit still gains nothing.
        assert_eq!(units_to_cover(Fixed::from_num(10), -Fixed::ONE, -Fixed::ONE, limit), limit);
        // Either one alone, whatever the sign of the deficit the quotient would see.
        assert_eq!(units_to_cover(Fixed::from_num(-10), -Fixed::ONE, Fixed::ONE, limit), limit);
        assert_eq!(units_to_cover(Fixed::from_num(-10), Fixed::ONE, -Fixed::ONE, limit), limit);
        assert_eq!(units_to_cover(Fixed::from_num(10), Fixed::ONE, Fixed::from_num(0.5), limit), 20);
    }
}
