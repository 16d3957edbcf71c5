use anchor_lang::prelude::*;
use reflex_risk::validate_market;

use crate::constants::{EXCHANGE_SEED, MARKET_SEED, MAX_MARKETS};
use crate::controller::params;
use crate::error::ReflexError;
use crate::events::PerpMarketListed;
use crate::math::SafeMath;
use crate::state::{Exchange, MarketRiskPpm, PerpMarket, PriceFeed};
use crate::utils::create_zero_copy_pda;

/// `market_index` must be the exchange's market count (markets are
/// numbered in listing order): taking it as an argument lets a client
/// derive the market's address from the IDL alone. The accounts are flat
/// and the market is created by the handler, so the admin, registry and
/// index checks fail with their own errors, never "account already in use".
#[derive(Accounts)]
#[instruction(market_index: u16)]
pub struct ListPerpMarket<'info> {
    #[account(
        mut,
        seeds = [EXCHANGE_SEED],
        bump = exchange.load()?.bump,
        has_one = admin @ ReflexError::NotAdmin,
        constraint = exchange.load()?.market_count < MAX_MARKETS @ ReflexError::MarketRegistryFull,
        constraint = exchange.load()?.market_count == market_index @ ReflexError::WrongMarketIndex,
    )]
    pub exchange: AccountLoader<'info, Exchange>,
    pub admin: Signer<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    /// CHECK: address fixed by the seeds; created and initialised below.
    #[account(mut, seeds = [MARKET_SEED, &market_index.to_le_bytes()], bump)]
    pub market: UncheckedAccount<'info>,
    /// The feed of the market's underlying.
    #[account(constraint = feed.load()?.exchange == exchange.key() @ ReflexError::WrongExchange)]
    pub feed: AccountLoader<'info, PriceFeed>,
    pub system_program: Program<'info, System>,
}

/// Admin: lists a perp market on a listed feed with its margin settings,
/// rejected unless `reflex_risk::validate_market` accepts them. The live
/// margin ratios start at the curves' targets for the feed's volatility.
pub fn list_perp_market(ctx: Context<ListPerpMarket>, market_index: u16, name: [u8; 16], risk: MarketRiskPpm) -> Result<()> {
    params::require_consistent(validate_market(&risk.to_config()))?;
    let slot = Clock::get()?.slot;
    let feed = ctx.accounts.feed.load()?;
    {
        let mut exchange = ctx.accounts.exchange.load_mut()?;
        exchange.market_count = market_index.safe_add(1)?;
    }
    let index_bytes = market_index.to_le_bytes();
    let seeds: &[&[u8]] = &[MARKET_SEED, &index_bytes, &[ctx.bumps.market]];
    let accounts = &ctx.accounts;
    let mut market =
        create_zero_copy_pda::<PerpMarket>(&accounts.payer, &accounts.market, PerpMarket::SPACE, seeds, &accounts.system_program)?;
    market.exchange = ctx.accounts.exchange.key();
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
