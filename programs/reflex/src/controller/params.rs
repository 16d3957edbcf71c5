use anchor_lang::prelude::*;
use reflex_risk::{BoundsError, ExtError, FeedbackConfig, FeedbackState, Fixed};

use crate::error::risk_error;
use crate::error::ReflexError;
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

/// [`require_consistent`] for settings checked against the gap floor: a
/// shortfall is logged with the level needed and by how much the lowest
/// maintenance level misses it, under its own error.
pub fn require_consistent_ext(check: std::result::Result<(), ExtError>) -> Result<()> {
    match check {
        Ok(()) => Ok(()),
        Err(ExtError::Gap(gap)) => {
            msg!(
                "rejected bounds: the lowest maintenance level must be at least {} (gap allowance + penalty) and is {} short",
                gap.needed,
                gap.shortfall
            );
            err!(ReflexError::GapFloorNotCovered)
        }
        Err(ExtError::Bounds(reason)) => require_consistent(Err(reason)),
    }
}

/// The feed's `σ_T` as it stands (callers refresh the feed first when they
/// need this slot's value).
pub fn risk_volatility(feed: &PriceFeed) -> Result<Fixed> {
    Ok(feed.volatility_path()?.current)
}

/// The live levels of a parameter once governance installs `config` (the
/// settings in force before are `current`'s): at the curves' targets for a
/// new parameter; otherwise caught up to `slot` under the old settings,
/// then handed to the new ones with no time spent under them, so only the
/// initial level moves at once (tightening) and maintenance follows through
/// the slew (`reflex_risk::FeedbackState::install`).
pub fn install(
    current: Option<(FeedbackState, FeedbackConfig)>,
    config: &FeedbackConfig,
    feed: &PriceFeed,
    slot: u64,
) -> Result<FeedbackState> {
    let path = feed.volatility_path()?;
    Ok(match current {
        Some((mut state, old)) => {
            state.install(&old, config, path, slot);
            state
        }
        None => FeedbackState::starting(config, path, slot),
    })
}

/// A liquidation must raise health: the penalty (or discount) must stay
/// below the live maintenance level, which after a bounds change may still
/// be on its way into the new bounds (the bounds check covers the bounds).
pub fn require_penalty_below_live(penalty: Fixed, state: &FeedbackState) -> Result<()> {
    if penalty >= state.maintenance {
        msg!("rejected: liquidation penalty {} is not below the live maintenance level {}", penalty, state.maintenance);
        return err!(ReflexError::InconsistentBounds);
    }
    Ok(())
}
