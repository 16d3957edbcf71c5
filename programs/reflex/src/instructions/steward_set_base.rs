use anchor_lang::prelude::*;
use reflex_risk::{validate_collateral, validate_market};

use crate::constants::EXCHANGE_SEED;
use crate::controller::params;
use crate::controller::steward::change_base;
use crate::error::ReflexError;
use crate::events::StewardBaseChanged;
use crate::state::RiskLevel;
use crate::state::{CollateralAsset, Exchange, PerpMarket, PriceFeed};
use crate::utils::ppm;

/// The exchange and the steward's signature.
#[derive(Accounts)]
pub struct StewardOnly<'info> {
    #[account(
        seeds = [EXCHANGE_SEED],
        bump = exchange.load()?.bump,
        constraint = exchange.load()?.risk_steward == steward.key() && steward.key() != Pubkey::default() @ ReflexError::NotRiskSteward,
    )]
    pub exchange: AccountLoader<'info, Exchange>,
    pub steward: Signer<'info>,
}

#[derive(Accounts)]
pub struct StewardSetCollateralBase<'info> {
    pub authority: StewardOnly<'info>,
    #[account(
        mut,
        constraint = collateral_asset.load()?.exchange == authority.exchange.key() @ ReflexError::WrongExchange,
        constraint = collateral_asset.load()?.is_risk_configured() @ ReflexError::CollateralRiskNotConfigured,
        constraint = collateral_asset.load()?.feed == feed.key() @ ReflexError::WrongFeed,
    )]
    pub collateral_asset: AccountLoader<'info, CollateralAsset>,
    pub feed: AccountLoader<'info, PriceFeed>,
}

/// Risk steward: moves a collateral's initial or maintenance haircut base
/// inside the bounds, capped and spaced (see `controller::steward`).
pub fn steward_set_collateral_base(ctx: Context<StewardSetCollateralBase>, level: RiskLevel, base_ppm: u32) -> Result<()> {
    let slot = Clock::get()?.slot;
    let exchange = ctx.accounts.authority.exchange.load()?;
    let feed = ctx.accounts.feed.load()?;
    let mut asset = ctx.accounts.collateral_asset.load_mut()?;
    let mut risk = asset.risk;
    let mut changed_slots = asset.steward_changed_slots;
    let old = change_base(&exchange, &mut risk.haircut, &mut changed_slots, level, base_ppm, slot)?;
    params::require_consistent(validate_collateral(&risk.to_config()))?;
    let state = params::install(Some((asset.haircut_state(), asset.risk.haircut.to_config())), &risk.haircut.to_config(), &feed, slot)?;
    params::require_penalty_below_live(ppm(risk.liquidation_discount), &state)?;
    asset.risk = risk;
    asset.steward_changed_slots = changed_slots;
    asset.store_haircut_state(&state);
    emit!(StewardBaseChanged { target: ctx.accounts.collateral_asset.key(), level, old_base_ppm: old, new_base_ppm: base_ppm });
    Ok(())
}

#[derive(Accounts)]
pub struct StewardSetMarketBase<'info> {
    pub authority: StewardOnly<'info>,
    #[account(
        mut,
        constraint = market.load()?.exchange == authority.exchange.key() @ ReflexError::WrongExchange,
        constraint = market.load()?.feed == feed.key() @ ReflexError::WrongFeed,
    )]
    pub market: AccountLoader<'info, PerpMarket>,
    pub feed: AccountLoader<'info, PriceFeed>,
}

/// Risk steward: moves a market's initial or maintenance margin base inside
/// the bounds, capped and spaced (see `controller::steward`).
pub fn steward_set_market_base(ctx: Context<StewardSetMarketBase>, level: RiskLevel, base_ppm: u32) -> Result<()> {
    let slot = Clock::get()?.slot;
    let exchange = ctx.accounts.authority.exchange.load()?;
    let feed = ctx.accounts.feed.load()?;
    let mut market = ctx.accounts.market.load_mut()?;
    let mut risk = market.risk;
    let mut changed_slots = market.steward_changed_slots;
    let old = change_base(&exchange, &mut risk.margin, &mut changed_slots, level, base_ppm, slot)?;
    params::require_consistent(validate_market(&risk.to_config()))?;
    let state = params::install(Some((market.margin_state(), market.risk.margin.to_config())), &risk.margin.to_config(), &feed, slot)?;
    params::require_penalty_below_live(ppm(risk.liquidation_penalty), &state)?;
    market.risk = risk;
    market.steward_changed_slots = changed_slots;
    market.store_margin_state(&state);
    emit!(StewardBaseChanged { target: ctx.accounts.market.key(), level, old_base_ppm: old, new_base_ppm: base_ppm });
    Ok(())
}
