use anchor_lang::prelude::*;
use reflex_risk::FeedbackState;

use crate::state::{PerpMarket, PriceFeed};

/// Advances the market's live margin ratios to `slot` for the feed's risk
/// volatility `σ_T`: initial tightens at once, maintenance moves at the slew
/// rates for the slots spent under the current `σ_T` (see
/// `reflex_risk::FeedbackState::advance`).
pub fn advance_margins(market: &mut PerpMarket, feed: &PriceFeed, slot: u64) -> Result<FeedbackState> {
    let mut state = market.margin_state();
    state.advance(&market.risk.margin.to_config(), feed.volatility_path()?, slot);
    market.store_margin_state(&state);
    Ok(state)
}

/// Brings a market up to `slot` before it is traded, valued or liquidated
/// in (the feed already refreshed for this slot): margins advanced, funding
/// accrued at the feed's price (a market without trading settings accrues
/// none).
pub fn bring_current(market: &mut PerpMarket, feed: &PriceFeed, slot: u64) -> Result<FeedbackState> {
    let state = advance_margins(market, feed, slot)?;
    if market.is_trading_configured() {
        market.accrue_funding(feed.last_price.get(), slot)?;
    } else {
        market.funding_slot = slot;
    }
    Ok(state)
}
