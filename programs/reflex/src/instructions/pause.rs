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

/// Guardian or admin: pauses the exchange. A pause stops what takes value
/// out or adds risk: collateral and quote withdrawals, LP deposits and
/// withdrawals, risk-increasing trades. It never stops what protects
/// solvency or lets a trader protect themselves: collateral and quote
/// deposits, reducing and closing trades, liquidations, bankruptcy
/// settlement and price cranks (so the state is current the moment the
/// admin unpauses). Only the admin unpauses.
pub fn pause(ctx: Context<Pause>) -> Result<()> {
    let mut exchange = ctx.accounts.exchange.load_mut()?;
    let was_paused = exchange.is_paused();
    exchange.paused = 1;
    emit!(PausedChanged { by: ctx.accounts.authority.key(), was_paused, paused: true });
    Ok(())
}
