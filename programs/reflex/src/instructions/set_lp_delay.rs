use anchor_lang::prelude::*;

use super::admin_only::*;
use crate::constants::MAX_LP_DELAY_SLOTS;
use crate::error::ReflexError;
use crate::events::LpDelaySet;

#[derive(Accounts)]
pub struct SetLpDelay<'info> {
    pub governance: AdminOnly<'info>,
}

/// Admin: sets the slots between an LP request and its execution, at least
/// one (so no request executes in the slot it was made) and at most a day.
/// Requests already pending keep the ready slot they were given.
pub fn set_lp_delay(ctx: Context<SetLpDelay>, slots: u64) -> Result<()> {
    require!((1..=MAX_LP_DELAY_SLOTS).contains(&slots), ReflexError::InvalidLpDelay);
    let mut exchange = ctx.accounts.governance.exchange.load_mut()?;
    emit!(LpDelaySet { old_slots: exchange.lp_delay_slots, new_slots: slots });
    exchange.lp_delay_slots = slots;
    Ok(())
}
