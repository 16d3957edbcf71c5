use anchor_lang::prelude::*;

use crate::constants::EXCHANGE_SEED;
use crate::controller::health::{HealthCache, Named, PriceUse};
use crate::controller::liquidation::book_deficit_at;
use crate::error::MapRiskErr;
use crate::error::ReflexError;
use crate::events::HealthComputed;
use crate::oracle::PriceGrade;
use crate::state::{Exchange, MarginAccount};

/// Anyone: computes a margin account's health at all three levels at this
/// slot's prices and levels (refreshing the feeds, assets and markets it
/// reads, as every pricing instruction does) and emits it. The margin
/// account's balances are only read; if it is insolvent its deficit is
/// booked (`controller::liquidation::book_deficit`), which anyone may
/// thus do for any account. Remaining accounts: its health accounts
/// (`controller::health`). Entries without a usable price are valued as a
/// liquidation values them.
#[derive(Accounts)]
pub struct ComputeHealth<'info> {
    /// Written only to book its deficit if it is insolvent.
    #[account(mut, has_one = exchange @ ReflexError::WrongExchange)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// Written: an insolvent account's deficit is booked here, so the
    /// pool's value stops counting the loss it cannot repay.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
}

pub fn compute_health<'info>(ctx: Context<'info, ComputeHealth<'info>>) -> Result<()> {
    let mut margin = ctx.accounts.margin_account.load_mut()?;
    let prices = PriceUse::new(&Clock::get()?, PriceGrade::LiquidationOnly);
    let cache = HealthCache::build(&margin, ctx.remaining_accounts, &Named::default(), prices)?;
    let health = cache.snapshot.summary().map_risk_err()?;
    book_deficit_at(&mut *ctx.accounts.exchange.load_mut()?, &mut margin, &cache, health.equity)?;
    emit!(HealthComputed {
        margin_account: ctx.accounts.margin_account.key(),
        initial: health.initial.to_bits(),
        maintenance: health.maintenance.to_bits(),
        liquidation_end: health.liquidation_end.to_bits(),
    });
    Ok(())
}
