use anchor_lang::prelude::*;

use crate::controller::collateral::advance_haircuts;
use crate::controller::feed::refresh;
use crate::error::ReflexError;
use crate::events::CollateralHaircutsUpdated;
use crate::state::{CollateralAsset, PriceFeed};

/// Permissionless crank: refreshes the collateral's feed for this slot, then
/// moves the live haircuts toward the feed's risk volatility.
#[derive(Accounts)]
pub struct RefreshCollateral<'info> {
    #[account(
        mut,
        constraint = collateral_asset.load()?.is_risk_configured() @ ReflexError::CollateralRiskNotConfigured,
        constraint = collateral_asset.load()?.feed == feed.key() @ ReflexError::WrongFeed,
    )]
    pub collateral_asset: AccountLoader<'info, CollateralAsset>,
    #[account(mut)]
    pub feed: AccountLoader<'info, PriceFeed>,
    /// CHECK: must be the feed's oracle account; read and validated by `refresh`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn refresh_collateral(ctx: Context<RefreshCollateral>) -> Result<()> {
    let clock = Clock::get()?;
    let mut feed = ctx.accounts.feed.load_mut()?;
    refresh(&mut feed, &ctx.accounts.oracle, clock.slot, clock.unix_timestamp)?;
    let mut asset = ctx.accounts.collateral_asset.load_mut()?;
    let state = advance_haircuts(&mut asset, &feed, clock.slot)?;
    emit!(CollateralHaircutsUpdated {
        collateral_asset: ctx.accounts.collateral_asset.key(),
        slot: clock.slot,
        initial_haircut: state.initial.to_bits(),
        maintenance_haircut: state.maintenance.to_bits(),
        initial_haircut_at_use: asset.initial_haircut_at_use(&feed).to_bits(),
    });
    Ok(())
}
