//! Who may be liquidated, and what a liquidation must leave behind
//! (DESIGN.md section 9, invariant 3).
use anchor_lang::prelude::*;
use reflex_risk::{Fixed, HealthLevel};

use super::health::HealthCache;
use crate::error::MapRiskErr;
use crate::error::ReflexError;
use crate::math::SafeMath;
use crate::state::{Exchange, MarginAccount};

/// Health when a liquidation step starts.
pub struct LiquidationStart {
    pub maintenance: Fixed,
    pub liquidation_end: Fixed,
}

/// An account is liquidatable while maintenance health is negative, and,
/// once a liquidation has started, until liquidation-end health is back to
/// ≥ 0 (the buffer keeps it from being liquidated again next slot). Marks
/// the account as being liquidated.
pub fn require_liquidatable(margin: &mut MarginAccount, cache: &HealthCache) -> Result<LiquidationStart> {
    let maintenance = cache.health(HealthLevel::Maintenance)?;
    let liquidation_end = cache.health(HealthLevel::LiquidationEnd)?;
    if !reflex_risk::is_liquidatable(maintenance, liquidation_end, margin.is_being_liquidated()) {
        return err!(ReflexError::AccountHealthy);
    }
    margin.being_liquidated = 1;
    Ok(LiquidationStart { maintenance, liquidation_end })
}

/// After a step: liquidation-end health must not have fallen (the risk
/// crate's sizing guarantees it; checked so a broken invariant fails the
/// transaction instead of harming the account). Clears the flag once
/// liquidation-end health is ≥ 0. Returns it.
pub fn finish(margin: &mut MarginAccount, cache: &HealthCache, start: &LiquidationStart) -> Result<Fixed> {
    let liquidation_end = cache.health(HealthLevel::LiquidationEnd)?;
    if liquidation_end < start.liquidation_end {
        msg!("liquidation-end health would fall from {} to {}", start.liquidation_end, liquidation_end);
        return err!(ReflexError::LiquidationWouldLowerHealth);
    }
    if liquidation_end >= 0 {
        margin.being_liquidated = 0;
    }
    Ok(liquidation_end)
}

/// After an owner's action on an account marked as being liquidated: the
/// mark goes once liquidation-end health is back to ≥ 0 (Mango v4 clears
/// it when the account recovers), so keepers cannot go on liquidating an
/// account its owner has restored.
pub fn recover_if_restored(margin: &mut MarginAccount, cache: &HealthCache) -> Result<()> {
    if margin.is_being_liquidated() && cache.health(HealthLevel::LiquidationEnd)? >= 0 {
        margin.being_liquidated = 0;
    }
    Ok(())
}

/// Books what `margin` could not repay, valued as `cache` values it, into
/// the exchange's deficits (replacing what was booked for it before): the
/// pool's value counts a trader's loss only up to what the account can pay,
/// from the moment a keeper or anyone's health check finds it insolvent.
///
/// While an entry has no usable price its value is a conservative guess, so
/// a booking may then only fall, never rise: nobody can book fake deficits
/// during an oracle outage to move the share price.
pub fn book_deficit(exchange: &mut Exchange, margin: &mut MarginAccount, cache: &HealthCache) -> Result<Fixed> {
    book_deficit_at(exchange, margin, cache, cache.snapshot.equity().map_risk_err()?)
}

/// [`book_deficit`] with the account's equity already computed (by
/// `AccountSnapshot::summary`, with its health).
pub fn book_deficit_at(exchange: &mut Exchange, margin: &mut MarginAccount, cache: &HealthCache, equity: Fixed) -> Result<Fixed> {
    let mut deficit = equity.safe_neg()?.max(Fixed::ZERO);
    if !cache.all_priced {
        deficit = deficit.min(margin.booked_deficit.get());
    }
    let total = exchange.booked_deficits.get().safe_sub(margin.booked_deficit.get())?.safe_add(deficit)?;
    exchange.booked_deficits.set(total.max(Fixed::ZERO));
    margin.booked_deficit.set(deficit);
    Ok(deficit)
}

/// Repaying `amount` of an account's debt lowers its booked deficit by as
/// much (a deposit can only make it solvent sooner).
pub fn repay_booked_deficit(exchange: &mut Exchange, margin: &mut MarginAccount, amount: Fixed) -> Result<()> {
    let repaid = amount.max(Fixed::ZERO).min(margin.booked_deficit.get());
    margin.booked_deficit.set(margin.booked_deficit.get().safe_sub(repaid)?);
    exchange.booked_deficits.set(exchange.booked_deficits.get().safe_sub(repaid)?.max(Fixed::ZERO));
    Ok(())
}

/// Takes `margin`'s booked deficit back out of the exchange's (its debt is
/// being settled for real).
pub fn unbook_deficit(exchange: &mut Exchange, margin: &mut MarginAccount) -> Result<()> {
    let total = exchange.booked_deficits.get().safe_sub(margin.booked_deficit.get())?;
    exchange.booked_deficits.set(total.max(Fixed::ZERO));
    margin.booked_deficit.set(Fixed::ZERO);
    Ok(())
}
