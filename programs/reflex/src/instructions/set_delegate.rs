use anchor_lang::prelude::*;

use crate::error::ReflexError;
use crate::events::DelegateSet;
use crate::state::MarginAccount;

#[derive(Accounts)]
pub struct SetDelegate<'info> {
    pub owner: Signer<'info>,
    #[account(mut, has_one = owner @ ReflexError::NotAccountOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

/// Owner: names a delegate who may trade for the account but never
/// withdraw; the default key (all zeros) removes it.
pub fn set_delegate(ctx: Context<SetDelegate>, delegate: Pubkey) -> Result<()> {
    let mut margin = ctx.accounts.margin_account.load_mut()?;
    let old = margin.delegate;
    margin.delegate = delegate;
    emit!(DelegateSet { margin_account: ctx.accounts.margin_account.key(), old, new: delegate });
    Ok(())
}
