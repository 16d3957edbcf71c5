use anchor_lang::prelude::*;
use reflex_risk::{FeedbackState, Fixed};

use crate::state::PerpMarket;

/// Advances the market's live margin ratios to `slot` for the feed's risk
/// volatility `σ_T`: initial tightens at once, maintenance moves at the slew
/// rates, both inside the governance bounds.
pub fn advance_margins(market: &mut PerpMarket, risk_volatility: Fixed, slot: u64) -> FeedbackState {
    let mut state = market.margin_state();
    state.advance(&market.risk.margin.to_config(), risk_volatility, slot);
    market.store_margin_state(&state);
    state
}

/// Brings a market up to `slot` before it is traded or liquidated in:
/// margins advanced for `σ_T`, funding accrued at `price` (a market without
/// trading settings accrues none).
pub fn bring_current(market: &mut PerpMarket, risk_volatility: Fixed, price: Fixed, slot: u64) -> Result<FeedbackState> {
    let state = advance_margins(market, risk_volatility, slot);
    if market.trading_configured == 1 {
        market.accrue_funding(price, slot)?;
    } else {
        market.funding_slot = slot;
    }
    Ok(state)
}
