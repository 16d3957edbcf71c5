use anchor_lang::prelude::*;

use crate::controller::feed::risk_error;
use crate::controller::health::snapshot;
use crate::events::HealthComputed;
use crate::state::MarginAccount;

/// Read-only: computes a margin account's health at all three levels and
/// emits it. Remaining accounts: for each collateral slot in use, in slot
/// order, its CollateralAsset and that asset's PriceFeed. Prices are the
/// feeds' last accepted ones (crank them first for this slot's).
#[derive(Accounts)]
pub struct ComputeHealth<'info> {
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

pub fn compute_health<'info>(ctx: Context<'info, ComputeHealth<'info>>) -> Result<()> {
    let margin = ctx.accounts.margin_account.load()?;
    let health = snapshot(&margin, ctx.remaining_accounts)?.summary().map_err(risk_error)?;
    emit!(HealthComputed {
        margin_account: ctx.accounts.margin_account.key(),
        initial: health.initial.to_bits(),
        maintenance: health.maintenance.to_bits(),
        liquidation_end: health.liquidation_end.to_bits(),
    });
    Ok(())
}
