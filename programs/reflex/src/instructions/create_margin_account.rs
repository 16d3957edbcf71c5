use anchor_lang::prelude::*;

use crate::constants::{EXCHANGE_SEED, MARGIN_ACCOUNT_SEED};
use crate::events::MarginAccountCreated;
use crate::state::{Exchange, MarginAccount};

#[derive(Accounts)]
#[instruction(account_id: u32)]
pub struct CreateMarginAccount<'info> {
    /// Owns the new account and pays its rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(
        init,
        payer = owner,
        space = MarginAccount::SPACE,
        seeds = [MARGIN_ACCOUNT_SEED, owner.key().as_ref(), &account_id.to_le_bytes()],
        bump,
    )]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    pub system_program: Program<'info, System>,
}

/// `account_id` lets one owner keep several isolated margin accounts.
pub fn create_margin_account(ctx: Context<CreateMarginAccount>, account_id: u32) -> Result<()> {
    let mut account = ctx.accounts.margin_account.load_init()?;
    account.exchange = ctx.accounts.exchange.key();
    account.owner = ctx.accounts.owner.key();
    account.account_id = account_id;
    account.bump = ctx.bumps.margin_account;

    emit!(MarginAccountCreated { margin_account: ctx.accounts.margin_account.key(), owner: account.owner, account_id });
    Ok(())
}
