use anchor_lang::prelude::*;
use reflex_risk::{validate_market, validate_market_ext};

use crate::constants::EXCHANGE_SEED;
use crate::controller::params;
use crate::controller::pool::record_open_interest_capacity;
use crate::error::ReflexError;
use crate::events::{MarketRiskExtSet, MarketRiskSet};
use crate::state::{Exchange, MarketRiskExtPpm, MarketRiskPpm, PerpMarket, PriceFeed};
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
/// rejected unless `reflex_risk::validate_market` accepts them and they
/// still meet the market's gap floor (`validate_market_ext`). The live
/// ratios move into the new settings through the slew (`params::install`).
pub fn set_market_risk(ctx: Context<SetMarketRisk>, risk: MarketRiskPpm) -> Result<()> {
    params::require_consistent(validate_market(&risk.to_config()))?;
    let slot = Clock::get()?.slot;
    let feed = ctx.accounts.feed.load()?;
    let mut market = ctx.accounts.market.load_mut()?;
    params::require_consistent_ext(validate_market_ext(&risk.to_config(), &market.risk_ext.to_ext()))?;
    let old = market.risk;
    let state = params::install(Some((market.margin_state(), old.margin.to_config())), &risk.margin.to_config(), &feed, slot)?;
    params::require_penalty_below_live(ppm(risk.liquidation_penalty), &state)?;
    market.risk = risk;
    market.record_governed_bases();
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

/// Admin: sets a market's gap allowance and open-interest scaling, rejected
/// unless the market's margin bounds meet the gap floor and the scaling is
/// well formed (`reflex_risk::validate_market_ext`; a shortfall is logged
/// with its size). Measures the open-interest capacity now, so the add-on
/// is right from this slot on; the add-on applies at use, on top of the
/// live initial ratio (`PerpMarket::initial_margin_at_use`).
pub fn set_market_risk_ext(ctx: Context<SetMarketRisk>, ext: MarketRiskExtPpm) -> Result<()> {
    let exchange = ctx.accounts.exchange.load()?;
    let feed = ctx.accounts.feed.load()?;
    let mut market = ctx.accounts.market.load_mut()?;
    params::require_consistent_ext(validate_market_ext(&market.risk.to_config(), &ext.to_ext()))?;
    let old = market.risk_ext;
    market.risk_ext = ext;
    let capacity = record_open_interest_capacity(&exchange, &mut market, &feed)?;
    emit!(MarketRiskExtSet { market: ctx.accounts.market.key(), old, new: ext, open_interest_capacity: capacity.to_bits() });
    Ok(())
}
