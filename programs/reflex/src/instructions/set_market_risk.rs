use anchor_lang::prelude::*;
use reflex_risk::validate_market;

use crate::constants::EXCHANGE_SEED;
use crate::controller::params;
use crate::error::ReflexError;
use crate::events::MarketRiskSet;
use crate::state::{Exchange, MarketRiskPpm, PerpMarket, PriceFeed};
use crate::utils::ppm;

#[derive(Accounts)]
pub struct SetMarketRisk<'info> {
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump, has_one = admin @ ReflexError::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    pub admin: Signer<'info>,
    #[account(mut, has_one = exchange @ ReflexError::WrongExchange, has_one = feed @ ReflexError::WrongFeed)]
    pub market: AccountLoader<'info, PerpMarket>,
    pub feed: AccountLoader<'info, PriceFeed>,
}

/// Admin: replaces a market's margin curves, bounds and liquidation terms,
/// rejected unless `reflex_risk::validate_market` accepts them. The live
/// ratios move into the new settings through the slew (`params::install`).
pub fn set_market_risk(ctx: Context<SetMarketRisk>, risk: MarketRiskPpm) -> Result<()> {
    params::require_consistent(validate_market(&risk.to_config()))?;
    let slot = Clock::get()?.slot;
    let feed = ctx.accounts.feed.load()?;
    let mut market = ctx.accounts.market.load_mut()?;
    let old = market.risk;
    let state = params::install(Some((market.margin_state(), old.margin.to_config())), &risk.margin.to_config(), &feed, slot)?;
    params::require_penalty_below_live(ppm(risk.liquidation_penalty), &state)?;
    market.risk = risk;
    market.store_margin_state(&state);

    emit!(MarketRiskSet {
        market: ctx.accounts.market.key(),
        old,
        new: risk,
        initial_margin_ratio: state.initial.to_bits(),
        maintenance_margin_ratio: state.maintenance.to_bits(),
    });
    Ok(())
}
