use anchor_lang::prelude::*;

use crate::constants::EXCHANGE_SEED;
use crate::error::ReflexError;
use crate::events::MarketTradingSet;
use crate::state::{Exchange, MarketTradingPpm, PerpMarket, PriceFeed};

#[derive(Accounts)]
pub struct SetMarketTrading<'info> {
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump, has_one = admin @ ReflexError::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    pub admin: Signer<'info>,
    #[account(mut, has_one = exchange @ ReflexError::WrongExchange, has_one = feed @ ReflexError::WrongFeed)]
    pub market: AccountLoader<'info, PerpMarket>,
    /// Funding accrues under the old settings up to now, at this feed's last price.
    pub feed: AccountLoader<'info, PriceFeed>,
}

/// Admin: sets a market's spread, fee, funding and open-interest settings;
/// the market can be traded from then on.
pub fn set_market_trading(ctx: Context<SetMarketTrading>, trading: MarketTradingPpm) -> Result<()> {
    trading.validate()?;
    let slot = Clock::get()?.slot;
    let price = ctx.accounts.feed.load()?.last_price.get();
    let mut market = ctx.accounts.market.load_mut()?;
    if market.is_trading_configured() {
        market.accrue_funding(price, slot)?;
    }
    market.funding_slot = slot;
    let old = market.trading;
    market.trading = trading;
    market.trading_configured = 1;
    emit!(MarketTradingSet { market: ctx.accounts.market.key(), old, new: trading });
    Ok(())
}
