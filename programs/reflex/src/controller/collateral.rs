use anchor_lang::prelude::*;
use reflex_risk::FeedbackState;

use crate::error::ReflexError;
use crate::state::{CollateralAsset, PriceFeed};

/// Advances the asset's live haircuts to `slot` from the feed's current risk
/// volatility (DESIGN.md section 5): initial tightens at once, maintenance
/// moves at the slew rates for the slots spent under the current `σ_T`.
pub fn advance_haircuts(asset: &mut CollateralAsset, feed: &PriceFeed, slot: u64) -> Result<FeedbackState> {
    require!(asset.is_risk_configured(), ReflexError::CollateralRiskNotConfigured);
    let mut state = asset.haircut_state();
    state.advance(&asset.risk.haircut.to_config(), feed.volatility_path()?, slot);
    asset.store_haircut_state(&state);
    Ok(state)
}
