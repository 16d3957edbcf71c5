use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};
use reflex_risk::pool::{amount_for_shares, shares_for_deposit};

use crate::constants::EXCHANGE_SEED;
use crate::controller::feed::risk_error;
use crate::error::ReflexError;
use crate::events::{LiquidityAdded, LiquidityRemoved};
use crate::state::{Exchange, LpPosition};

/// The accounts both LP instructions move quote tokens with.
#[derive(Accounts)]
pub struct LpLiquidity<'info> {
    pub owner: Signer<'info>,
    #[account(
        mut,
        seeds = [EXCHANGE_SEED],
        bump = exchange.load()?.bump,
        has_one = quote_vault @ ReflexError::WrongVault,
        has_one = quote_mint @ ReflexError::WrongMint,
        constraint = !exchange.load()?.is_paused() @ ReflexError::ExchangePaused,
        constraint = exchange.load()?.quote_token_program == token_program.key() @ ReflexError::WrongTokenProgram,
    )]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut, has_one = owner @ ReflexError::NotLpOwner, has_one = exchange @ ReflexError::WrongExchange)]
    pub lp_position: AccountLoader<'info, LpPosition>,
    /// Does not exist until `initialize_pool` (Anchor then refuses it as not initialized).
    #[account(mut)]
    pub quote_vault: InterfaceAccount<'info, TokenAccount>,
    pub quote_mint: InterfaceAccount<'info, Mint>,
    /// The LP's quote token account (source or destination).
    #[account(mut, constraint = lp_token_account.mint == quote_mint.key() @ ReflexError::WrongMint)]
    pub lp_token_account: InterfaceAccount<'info, TokenAccount>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// LP: deposits `amount` quote tokens into the pool for shares priced at
/// the pool's value (rounded down, against the depositor).
pub fn lp_deposit(ctx: Context<LpLiquidity>, amount: u64) -> Result<()> {
    require!(amount > 0, ReflexError::ZeroAmount);
    let accounts = &ctx.accounts;
    let (shares, pool_balance, lp_shares) = {
        let mut exchange = accounts.exchange.load_mut()?;
        let shares = shares_for_deposit(amount, exchange.pool_balance, exchange.lp_shares).map_err(|_| error!(ReflexError::PoolHasNoValue))?;
        require!(shares > 0, ReflexError::DepositTooSmallForAShare);
        exchange.pool_balance = exchange.pool_balance.checked_add(amount).ok_or(ReflexError::MathOverflow)?;
        exchange.lp_shares = exchange.lp_shares.checked_add(shares).ok_or(ReflexError::MathOverflow)?;
        (shares, exchange.pool_balance, exchange.lp_shares)
    };
    let mut position = accounts.lp_position.load_mut()?;
    position.shares = position.shares.checked_add(shares).ok_or(ReflexError::MathOverflow)?;
    token_interface::transfer_checked(
        CpiContext::new(
            accounts.token_program.key(),
            TransferChecked {
                from: accounts.lp_token_account.to_account_info(),
                mint: accounts.quote_mint.to_account_info(),
                to: accounts.quote_vault.to_account_info(),
                authority: accounts.owner.to_account_info(),
            },
        ),
        amount,
        accounts.quote_mint.decimals,
    )?;
    emit!(LiquidityAdded { lp_position: accounts.lp_position.key(), amount, shares, pool_balance, lp_shares });
    Ok(())
}

/// LP: redeems `shares` for quote tokens at the pool's value (rounded down,
/// against the withdrawer). Trading will add the check that the pool left
/// behind still covers open interest.
pub fn lp_withdraw(ctx: Context<LpLiquidity>, shares: u64) -> Result<()> {
    require!(shares > 0, ReflexError::ZeroAmount);
    let accounts = &ctx.accounts;
    let mut position = accounts.lp_position.load_mut()?;
    require!(shares <= position.shares, ReflexError::InsufficientShares);
    let (amount, pool_balance, lp_shares, bump) = {
        let mut exchange = accounts.exchange.load_mut()?;
        let amount = amount_for_shares(shares, exchange.pool_balance, exchange.lp_shares).map_err(risk_error)?;
        // amount ≤ pool_balance and shares ≤ lp_shares by construction; checked anyway.
        exchange.pool_balance = exchange.pool_balance.checked_sub(amount).ok_or(ReflexError::MathOverflow)?;
        exchange.lp_shares = exchange.lp_shares.checked_sub(shares).ok_or(ReflexError::MathOverflow)?;
        (amount, exchange.pool_balance, exchange.lp_shares, exchange.bump)
    };
    position.shares = position.shares.checked_sub(shares).ok_or(ReflexError::MathOverflow)?;
    if amount > 0 {
        let signer_seeds: &[&[&[u8]]] = &[&[EXCHANGE_SEED, &[bump]]];
        token_interface::transfer_checked(
            CpiContext::new_with_signer(
                accounts.token_program.key(),
                TransferChecked {
                    from: accounts.quote_vault.to_account_info(),
                    mint: accounts.quote_mint.to_account_info(),
                    to: accounts.lp_token_account.to_account_info(),
                    authority: accounts.exchange.to_account_info(),
                },
                signer_seeds,
            ),
            amount,
            accounts.quote_mint.decimals,
        )?;
    }
    emit!(LiquidityRemoved { lp_position: accounts.lp_position.key(), amount, shares, pool_balance, lp_shares });
    Ok(())
}
