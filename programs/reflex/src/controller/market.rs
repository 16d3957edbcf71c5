use anchor_lang::prelude::*;
use reflex_risk::FeedbackState;

use super::params::risk_volatility;
use crate::state::{PerpMarket, PriceFeed};

/// Advances the market's live margin ratios to `slot` from the feed's
/// current risk volatility: initial tightens at once, maintenance moves at
/// the slew rates, both inside the governance bounds.
pub fn advance_margins(market: &mut PerpMarket, feed: &PriceFeed, slot: u64) -> Result<FeedbackState> {
    let mut state = market.margin_state();
    state.advance(&market.risk.margin.to_config(), risk_volatility(feed)?, slot);
    market.store_margin_state(&state);
    Ok(state)
}
