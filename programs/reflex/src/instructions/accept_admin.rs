use anchor_lang::prelude::*;

use crate::constants::EXCHANGE_SEED;
use crate::error::ReflexError;
use crate::events::AdminTransferred;
use crate::state::Exchange;

#[derive(Accounts)]
pub struct AcceptAdmin<'info> {
    #[account(
        mut,
        seeds = [EXCHANGE_SEED],
        bump = exchange.load()?.bump,
        constraint = exchange.load()?.pending_admin == new_admin.key() @ ReflexError::NotPendingAdmin,
    )]
    pub exchange: AccountLoader<'info, Exchange>,
    pub new_admin: Signer<'info>,
}

/// The proposed admin: accepts, completing the two-step transfer.
pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
    let mut exchange = ctx.accounts.exchange.load_mut()?;
    let old = exchange.admin;
    exchange.admin = ctx.accounts.new_admin.key();
    exchange.pending_admin = Pubkey::default();
    emit!(AdminTransferred { old, new: exchange.admin });
    Ok(())
}
