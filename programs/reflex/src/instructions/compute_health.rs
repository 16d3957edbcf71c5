use anchor_lang::prelude::*;

use crate::controller::feed::risk_error;
use crate::controller::health::{HealthCache, Named, PriceUse};
use crate::events::HealthComputed;
use crate::oracle::PriceGrade;
use crate::state::MarginAccount;

/// Anyone: computes a margin account's health at all three levels at this
/// slot's prices and levels (refreshing the feeds, assets and markets it
/// reads, as every pricing instruction does) and emits it. The margin
/// account itself is only read. Remaining accounts: its health accounts
/// (`controller::health`). Entries without a usable price are valued as a
/// liquidation values them.
#[derive(Accounts)]
pub struct ComputeHealth<'info> {
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

pub fn compute_health<'info>(ctx: Context<'info, ComputeHealth<'info>>) -> Result<()> {
    let margin = ctx.accounts.margin_account.load()?;
    let prices = PriceUse::new(&Clock::get()?, PriceGrade::LiquidationOnly);
    let cache = HealthCache::build(&margin, ctx.remaining_accounts, &Named::default(), prices)?;
    let health = cache.snapshot.summary().map_err(risk_error)?;
    emit!(HealthComputed {
        margin_account: ctx.accounts.margin_account.key(),
        initial: health.initial.to_bits(),
        maintenance: health.maintenance.to_bits(),
        liquidation_end: health.liquidation_end.to_bits(),
    });
    Ok(())
}
