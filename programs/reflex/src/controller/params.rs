use anchor_lang::prelude::*;
use reflex_risk::{BoundsError, FeedbackConfig, FeedbackState, Fixed};

use super::feed::risk_error;
use crate::state::PriceFeed;

/// Turns the risk crate's consistency check into the program's error,
/// logging which rule the bounds broke (the error code alone says only
/// InconsistentBounds).
pub fn require_consistent(check: std::result::Result<(), BoundsError>) -> Result<()> {
    check.map_err(|reason| {
        msg!("rejected bounds: {:?}", reason);
        risk_error(reason.into())
    })
}

/// The feed's `σ_T` as it stands (callers refresh the feed first when they
/// need this slot's value).
pub fn risk_volatility(feed: &PriceFeed) -> Result<Fixed> {
    feed.accumulator().risk_volatility(&feed.accumulator_config()).map_err(risk_error)
}

/// The live levels of a parameter once governance installs `config`: at the
/// curves' targets for a new parameter; otherwise advanced to `slot` under
/// the new curves, which clamps them into the new bounds at once.
pub fn install(current: Option<FeedbackState>, config: &FeedbackConfig, risk_volatility: Fixed, slot: u64) -> FeedbackState {
    match current {
        Some(mut state) => {
            state.advance(config, risk_volatility, slot);
            state
        }
        None => FeedbackState::new(config, risk_volatility, slot),
    }
}
