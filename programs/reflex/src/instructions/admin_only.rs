use anchor_lang::prelude::*;

use crate::constants::EXCHANGE_SEED;
use crate::error::ReflexError;
use crate::state::Exchange;

/// The exchange, writable, and its admin's signature: the accounts of every
/// governance instruction that changes exchange-wide settings.
#[derive(Accounts)]
pub struct AdminOnly<'info> {
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump, has_one = admin @ ReflexError::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    pub admin: Signer<'info>,
}
