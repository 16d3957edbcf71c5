use anchor_lang::prelude::*;

use super::admin_only::*;
use crate::constants::MAX_STEWARD_STEP_PPM;
use crate::error::ReflexError;
use crate::events::RiskStewardSet;

#[derive(Accounts)]
pub struct SetRiskSteward<'info> {
    pub governance: AdminOnly<'info>,
}

/// Admin: names the risk steward (an automated key that may move base
/// parameters inside the bounds) and its limits: the largest change per
/// step, ppm, and the fewest slots between two changes of one parameter.
/// The default key removes the steward. The limits must bound it: a step of
/// at most `MAX_STEWARD_STEP_PPM` and at least one slot between steps.
pub fn set_risk_steward(ctx: Context<SetRiskSteward>, steward: Pubkey, max_change_ppm: u32, min_slots: u32) -> Result<()> {
    require!(max_change_ppm <= MAX_STEWARD_STEP_PPM && min_slots >= 1, ReflexError::InvalidStewardLimits);
    let mut exchange = ctx.accounts.governance.exchange.load_mut()?;
    emit!(RiskStewardSet {
        old_steward: exchange.risk_steward,
        new_steward: steward,
        old_max_change_ppm: exchange.steward_max_change_ppm,
        new_max_change_ppm: max_change_ppm,
        old_min_slots: exchange.steward_min_slots,
        new_min_slots: min_slots,
    });
    exchange.risk_steward = steward;
    exchange.steward_max_change_ppm = max_change_ppm;
    exchange.steward_min_slots = min_slots;
    Ok(())
}
