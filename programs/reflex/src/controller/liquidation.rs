//! What a liquidation leaves the books with: the deficits an insolvent
//! account books and unbooks (DESIGN.md section 9, invariant 3). Who may be
//! liquidated is health policy (`controller::health::check`).
use anchor_lang::prelude::*;
use reflex_risk::Fixed;

use super::health::HealthCache;
use crate::error::MapRiskErr;
use crate::math::SafeMath;
use crate::state::{Exchange, MarginAccount};

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
