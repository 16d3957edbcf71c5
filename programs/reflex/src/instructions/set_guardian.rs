use anchor_lang::prelude::*;

use super::admin_only::*;
use crate::events::GuardianSet;

#[derive(Accounts)]
pub struct SetGuardian<'info> {
    pub governance: AdminOnly<'info>,
}

/// Admin: names the guardian, a key that may pause the exchange and do
/// nothing else (a hot key for emergencies; the admin stays cold).
pub fn set_guardian(ctx: Context<SetGuardian>, guardian: Pubkey) -> Result<()> {
    let mut exchange = ctx.accounts.governance.exchange.load_mut()?;
    let old = exchange.guardian;
    exchange.guardian = guardian;
    emit!(GuardianSet { old, new: guardian });
    Ok(())
}
