use anchor_lang::prelude::*;

use super::admin_only::*;
use crate::events::AdminProposed;

#[derive(Accounts)]
pub struct ProposeAdmin<'info> {
    pub governance: AdminOnly<'info>,
}

/// Admin: proposes `new_admin`, who becomes admin only by accepting, so a
/// mistyped key cannot take the exchange out of anyone's hands. Proposing
/// the default key withdraws a proposal.
pub fn propose_admin(ctx: Context<ProposeAdmin>, new_admin: Pubkey) -> Result<()> {
    let mut exchange = ctx.accounts.governance.exchange.load_mut()?;
    let old_pending = exchange.pending_admin;
    exchange.pending_admin = new_admin;
    emit!(AdminProposed { admin: exchange.admin, old_pending, new_pending: new_admin });
    Ok(())
}
