use anchor_lang::prelude::*;

use crate::constants::EXCHANGE_SEED;
use crate::error::ReflexError;
use crate::events::PausedChanged;
use crate::state::Exchange;

#[derive(Accounts)]
pub struct Pause<'info> {
    #[account(
        mut,
        seeds = [EXCHANGE_SEED],
        bump = exchange.load()?.bump,
        constraint = {
            let exchange = exchange.load()?;
            authority.key() == exchange.guardian || authority.key() == exchange.admin
        } @ ReflexError::NotGuardian,
    )]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The guardian or the admin.
    pub authority: Signer<'info>,
}

/// Guardian or admin: pauses the exchange. While paused, deposits and
/// withdrawals are refused; price cranks go on, so the state is current the
/// moment the admin unpauses. Only the admin unpauses.
pub fn pause(ctx: Context<Pause>) -> Result<()> {
    let mut exchange = ctx.accounts.exchange.load_mut()?;
    let was_paused = exchange.is_paused();
    exchange.paused = 1;
    emit!(PausedChanged { by: ctx.accounts.authority.key(), was_paused, paused: true });
    Ok(())
}
