use anchor_lang::prelude::*;

use crate::controller::feed::refresh;
use crate::controller::market::bring_current;
use crate::controller::pool::record_market_value;
use crate::error::ReflexError;
use crate::events::MarketMarginsUpdated;
use crate::state::{PerpMarket, PriceFeed};

/// Permissionless crank: refreshes the market's feed for this slot, then
/// moves the live margin ratios toward the feed's risk volatility, accrues
/// funding and records the market's part of the pool value for this slot
/// (what LP instructions read when they do not bring the market themselves).
#[derive(Accounts)]
pub struct RefreshMarket<'info> {
    #[account(mut, has_one = feed @ ReflexError::WrongFeed)]
    pub market: AccountLoader<'info, PerpMarket>,
    #[account(mut)]
    pub feed: AccountLoader<'info, PriceFeed>,
    /// CHECK: must be the feed's oracle account; read and validated by `refresh`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn refresh_market(ctx: Context<RefreshMarket>) -> Result<()> {
    let clock = Clock::get()?;
    let mut feed = ctx.accounts.feed.load_mut()?;
    refresh(&mut feed, &ctx.accounts.oracle, clock.slot, clock.unix_timestamp)?;
    let mut market = ctx.accounts.market.load_mut()?;
    let state = bring_current(&mut market, &feed, clock.slot)?;
    record_market_value(&mut market, &feed, clock.unix_timestamp, clock.slot)?;
    emit!(MarketMarginsUpdated {
        market: ctx.accounts.market.key(),
        slot: clock.slot,
        initial_margin_ratio: state.initial.to_bits(),
        maintenance_margin_ratio: state.maintenance.to_bits(),
        open_interest_add_on: market.open_interest_add_on(&feed).to_bits(),
    });
    Ok(())
}
