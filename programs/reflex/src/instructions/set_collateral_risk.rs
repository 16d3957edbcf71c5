use anchor_lang::prelude::*;
use reflex_risk::validate_collateral;

use crate::constants::EXCHANGE_SEED;
use crate::controller::params;
use crate::error::ReflexError;
use crate::events::CollateralRiskSet;
use crate::state::{CollateralAsset, CollateralRiskPpm, Exchange, PriceFeed};

#[derive(Accounts)]
pub struct SetCollateralRisk<'info> {
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump, has_one = admin @ ReflexError::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    pub admin: Signer<'info>,
    #[account(mut, has_one = exchange @ ReflexError::WrongExchange)]
    pub collateral_asset: AccountLoader<'info, CollateralAsset>,
    /// The feed of this collateral's underlying.
    #[account(has_one = exchange @ ReflexError::WrongExchange)]
    pub feed: AccountLoader<'info, PriceFeed>,
}

/// Admin: sets the haircut bounds, curves and liquidation terms of a
/// collateral and the feed they follow. Rejected unless
/// `reflex_risk::validate_collateral` accepts them: bounds under which a
/// keeper could not keep the protocol solvent never take effect. The live
/// haircuts start at the curves' targets on the first call; later calls keep
/// them and clamp them into the new bounds.
pub fn set_collateral_risk(ctx: Context<SetCollateralRisk>, risk: CollateralRiskPpm) -> Result<()> {
    params::require_consistent(validate_collateral(&risk.to_config()))?;
    let slot = Clock::get()?.slot;
    let risk_volatility = params::risk_volatility(&*ctx.accounts.feed.load()?)?;

    let mut asset = ctx.accounts.collateral_asset.load_mut()?;
    let old = asset.risk;
    let current = (asset.risk_configured == 1).then(|| asset.haircut_state());
    let state = params::install(current, &risk.to_config().haircut, risk_volatility, slot);
    asset.risk = risk;
    asset.feed = ctx.accounts.feed.key();
    asset.risk_configured = 1;
    asset.store_haircut_state(&state);

    emit!(CollateralRiskSet {
        collateral_asset: ctx.accounts.collateral_asset.key(),
        feed: asset.feed,
        old,
        new: risk,
        initial_haircut: state.initial.to_bits(),
        maintenance_haircut: state.maintenance.to_bits(),
    });
    Ok(())
}
