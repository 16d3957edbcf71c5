use anchor_lang::prelude::*;

use super::admin_only::*;
use crate::events::PausedChanged;

#[derive(Accounts)]
pub struct Unpause<'info> {
    pub governance: AdminOnly<'info>,
}

/// Admin only: lifts a pause. The guardian can stop the exchange but never restart it.
pub fn unpause(ctx: Context<Unpause>) -> Result<()> {
    let mut exchange = ctx.accounts.governance.exchange.load_mut()?;
    let was_paused = exchange.is_paused();
    exchange.paused = 0;
    emit!(PausedChanged { by: ctx.accounts.governance.admin.key(), was_paused, paused: false });
    Ok(())
}
