use anchor_lang::prelude::*;
use anchor_spl::token_interface::Mint;

use crate::constants::EXCHANGE_SEED;
use crate::events::ExchangeInitialized;
use crate::state::Exchange;

#[derive(Accounts)]
pub struct InitializeExchange<'info> {
    /// Becomes the exchange admin, and pays for the account.
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(init, payer = admin, space = Exchange::SPACE, seeds = [EXCHANGE_SEED], bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The settlement token (SPL Token or Token-2022).
    pub quote_mint: InterfaceAccount<'info, Mint>,
    pub system_program: Program<'info, System>,
}

pub fn initialize_exchange(ctx: Context<InitializeExchange>) -> Result<()> {
    let mut exchange = ctx.accounts.exchange.load_init()?;
    exchange.admin = ctx.accounts.admin.key();
    exchange.quote_mint = ctx.accounts.quote_mint.key();
    exchange.quote_decimals = ctx.accounts.quote_mint.decimals;
    exchange.bump = ctx.bumps.exchange;

    emit!(ExchangeInitialized {
        exchange: ctx.accounts.exchange.key(),
        admin: exchange.admin,
        quote_mint: exchange.quote_mint,
    });
    Ok(())
}
