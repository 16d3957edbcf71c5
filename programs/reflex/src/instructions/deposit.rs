use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use super::collateral_vault::*;
use crate::constants::EXCHANGE_SEED;
use crate::error::ReflexError;
use crate::events::CollateralDeposited;
use crate::state::{Exchange, MarginAccount};

#[derive(Accounts)]
pub struct Deposit<'info> {
    /// The margin account's owner, who also signs for the source tokens.
    pub owner: Signer<'info>,
    #[account(mut, has_one = owner @ ReflexError::NotAccountOwner, has_one = exchange @ ReflexError::WrongExchange)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    pub collateral: CollateralVault<'info>,
    #[account(mut, constraint = source.mint == collateral.mint.key() @ ReflexError::WrongMint)]
    pub source: InterfaceAccount<'info, TokenAccount>,
    /// Not checked for the pause: a pause never stops an owner adding
    /// collateral to an account that may be liquidated.
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Moves `amount` native units from the owner's token account into the
/// unified vault and credits the margin account. Needs no price: adding
/// collateral can only make an account healthier, so it is allowed while
/// paused. Collateral whose risk governance has not configured yet counts
/// zero in health until it is. A deposit ends a liquidation in progress:
/// the next one must again find maintenance health < 0.
pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
    require!(amount > 0, ReflexError::ZeroAmount);
    let collateral = &ctx.accounts.collateral;

    let (asset_index, total_deposits) = {
        let mut asset = collateral.collateral_asset.load_mut()?;
        (asset.asset_index, asset.add_deposit(amount)?)
    };
    let account_balance = {
        let mut margin = ctx.accounts.margin_account.load_mut()?;
        margin.being_liquidated = 0;
        margin.credit_collateral(asset_index, amount)?
    };

    collateral.receive(ctx.accounts.source.to_account_info(), ctx.accounts.owner.to_account_info(), amount)?;

    emit!(CollateralDeposited {
        margin_account: ctx.accounts.margin_account.key(),
        mint: ctx.accounts.collateral.mint.key(),
        amount,
        account_balance,
        total_deposits,
    });
    Ok(())
}
