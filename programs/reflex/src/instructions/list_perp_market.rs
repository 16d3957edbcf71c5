use anchor_lang::prelude::*;
use reflex_risk::validate_market;

use crate::constants::{EXCHANGE_SEED, MARKET_SEED, MAX_MARKETS};
use crate::controller::params;
use crate::error::ReflexError;
use crate::events::PerpMarketListed;
use crate::math::SafeMath;
use crate::state::{Exchange, MarketRiskPpm, PerpMarket, PriceFeed};

/// The admin and the registry's room, checked before the market account is
/// created (nested: Anchor runs these constraints first).
#[derive(Accounts)]
pub struct MarketListing<'info> {
    #[account(
        mut,
        seeds = [EXCHANGE_SEED],
        bump = exchange.load()?.bump,
        has_one = admin @ ReflexError::NotAdmin,
        constraint = exchange.load()?.market_count < MAX_MARKETS @ ReflexError::MarketRegistryFull,
    )]
    pub exchange: AccountLoader<'info, Exchange>,
    pub admin: Signer<'info>,
}

#[derive(Accounts)]
pub struct ListPerpMarket<'info> {
    pub listing: MarketListing<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(
        init,
        payer = payer,
        space = PerpMarket::SPACE,
        seeds = [MARKET_SEED, &listing.exchange.load()?.market_count.to_le_bytes()],
        bump,
    )]
    pub market: AccountLoader<'info, PerpMarket>,
    /// The feed of the market's underlying.
    #[account(constraint = feed.load()?.exchange == listing.exchange.key() @ ReflexError::WrongExchange)]
    pub feed: AccountLoader<'info, PriceFeed>,
    pub system_program: Program<'info, System>,
}

/// Admin: lists a perp market on a listed feed with its margin settings,
/// rejected unless `reflex_risk::validate_market` accepts them. The live
/// margin ratios start at the curves' targets for the feed's volatility.
pub fn list_perp_market(ctx: Context<ListPerpMarket>, name: [u8; 16], risk: MarketRiskPpm) -> Result<()> {
    params::require_consistent(validate_market(&risk.to_config()))?;
    let slot = Clock::get()?.slot;
    let feed = ctx.accounts.feed.load()?;
    let market_index = {
        let mut exchange = ctx.accounts.listing.exchange.load_mut()?;
        let index = exchange.market_count;
        exchange.market_count = index.safe_add(1)?;
        index
    };

    let mut market = ctx.accounts.market.load_init()?;
    market.exchange = ctx.accounts.listing.exchange.key();
    market.feed = ctx.accounts.feed.key();
    market.name = name;
    market.risk = risk;
    market.record_governed_bases();
    market.market_index = market_index;
    market.bump = ctx.bumps.market;
    market.funding_slot = slot;
    let state = params::install(None, &risk.margin.to_config(), &feed, slot)?;
    market.store_margin_state(&state);

    emit!(PerpMarketListed {
        market: ctx.accounts.market.key(),
        market_index,
        name,
        feed: market.feed,
        risk,
        initial_margin_ratio: state.initial.to_bits(),
        maintenance_margin_ratio: state.maintenance.to_bits(),
    });
    Ok(())
}
