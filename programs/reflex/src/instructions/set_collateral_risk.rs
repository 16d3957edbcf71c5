use anchor_lang::prelude::*;
use reflex_risk::{validate_collateral, validate_collateral_ext};

use crate::constants::EXCHANGE_SEED;
use crate::controller::params;
use crate::error::ReflexError;
use crate::events::{CollateralRiskExtSet, CollateralRiskSet};
use crate::state::{CollateralAsset, CollateralRiskExtPpm, CollateralRiskPpm, Exchange, PriceFeed};
use crate::utils::ppm;

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
/// haircuts start at the curves' targets on the first call; later calls move
/// them into the new settings through the slew (`params::install`). The
/// feed must price the mint's own units: its base decimals are the mint's.
/// The new bounds must still meet the collateral's gap floor.
pub fn set_collateral_risk(ctx: Context<SetCollateralRisk>, risk: CollateralRiskPpm) -> Result<()> {
    params::require_consistent(validate_collateral(&risk.to_config()))?;
    let slot = Clock::get()?.slot;
    let feed = ctx.accounts.feed.load()?;
    let mut asset = ctx.accounts.collateral_asset.load_mut()?;
    params::require_consistent_ext(validate_collateral_ext(&risk.to_config(), &asset.risk_ext.to_ext()))?;
    if feed.base_decimals != asset.decimals {
        msg!("feed base decimals {}, mint decimals {}", feed.base_decimals, asset.decimals);
        return err!(ReflexError::FeedDecimalsMismatch);
    }
    let old = asset.risk;
    let current = (asset.is_risk_configured()).then(|| (asset.haircut_state(), old.haircut.to_config()));
    let state = params::install(current, &risk.to_config().haircut, &feed, slot)?;
    params::require_penalty_below_live(ppm(risk.liquidation_discount), &state)?;
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

/// Admin: sets a configured collateral's gap allowance and deposit depth,
/// rejected unless its haircut bounds meet the gap floor over the discount
/// (`reflex_risk::validate_collateral_ext`; a shortfall is logged with its
/// size). The depth scaling applies at use, on top of the live initial
/// haircut (`CollateralAsset::initial_haircut_at_use`).
pub fn set_collateral_risk_ext(ctx: Context<SetCollateralRisk>, ext: CollateralRiskExtPpm) -> Result<()> {
    let mut asset = ctx.accounts.collateral_asset.load_mut()?;
    require!(asset.is_risk_configured(), ReflexError::CollateralRiskNotConfigured);
    require_keys_eq!(asset.feed, ctx.accounts.feed.key(), ReflexError::WrongFeed);
    params::require_consistent_ext(validate_collateral_ext(&asset.risk.to_config(), &ext.to_ext()))?;
    let old = asset.risk_ext;
    asset.risk_ext = CollateralRiskExtPpm { _padding: 0, ..ext };
    emit!(CollateralRiskExtSet { collateral_asset: ctx.accounts.collateral_asset.key(), old, new: asset.risk_ext });
    Ok(())
}
