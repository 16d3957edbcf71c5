use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};
use reflex_risk::pool::{amount_for_shares, shares_for_deposit};
use reflex_risk::Fixed;

use crate::constants::EXCHANGE_SEED;
use crate::controller::feed::risk_error;
use crate::controller::pool::{require_covered, valuation};
use crate::error::ReflexError;
use crate::events::{LiquidityAdded, LiquidityRemoved};
use crate::utils::pay_from_quote_vault;
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

/// Whole quote units of a fixed-point value: rounded up or down, 0 if negative.
fn whole_units(value: Fixed, round_up: bool) -> u64 {
    let rounded = if round_up { value.checked_ceil() } else { Some(value.floor()) };
    rounded.and_then(|units| units.checked_to_num::<u64>()).unwrap_or(if value > 0 { u64::MAX } else { 0 })
}

/// LP: deposits `amount` quote tokens into the pool for shares priced at
/// the pool's value including traders' unrealised PnL (valued up, so the
/// depositor gets shares rounded down), of this slot. Remaining accounts:
/// every listed market with its feed and the feed's oracle, in market order
/// (`controller::pool`).
pub fn lp_deposit<'info>(ctx: Context<'info, LpLiquidity<'info>>, amount: u64) -> Result<()> {
    require!(amount > 0, ReflexError::ZeroAmount);
    let accounts = &ctx.accounts;
    let clock = Clock::get()?;
    let (shares, pool_value, lp_shares) = {
        let mut exchange = accounts.exchange.load_mut()?;
        let valuation = valuation(&exchange, &accounts.exchange.key(), ctx.remaining_accounts, &clock)?;
        let value_before = whole_units(valuation.value, true);
        let shares = shares_for_deposit(amount, value_before, exchange.lp_shares).map_err(|_| error!(ReflexError::PoolHasNoValue))?;
        require!(shares > 0, ReflexError::DepositTooSmallForAShare);
        let balance = exchange.pool_balance.get().checked_add(Fixed::from_num(amount)).ok_or(ReflexError::MathOverflow)?;
        exchange.pool_balance.set(balance);
        exchange.lp_shares = exchange.lp_shares.checked_add(shares).ok_or(ReflexError::MathOverflow)?;
        let value_after = valuation.value.checked_add(Fixed::from_num(amount)).ok_or(ReflexError::MathOverflow)?;
        (shares, whole_units(value_after, false), exchange.lp_shares)
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
    emit!(LiquidityAdded { lp_position: accounts.lp_position.key(), amount, shares, pool_value, lp_shares });
    Ok(())
}

/// LP: redeems `shares` for quote tokens at the pool's value (valued down,
/// against the withdrawer). Refused if the pool left behind would not cover
/// a market's open interest under its cap, or if the vault lacks the cash
/// (part of the pool's value may be traders' debt not yet repaid).
/// Remaining accounts as for `lp_deposit`.
pub fn lp_withdraw<'info>(ctx: Context<'info, LpLiquidity<'info>>, shares: u64) -> Result<()> {
    require!(shares > 0, ReflexError::ZeroAmount);
    let accounts = &ctx.accounts;
    let clock = Clock::get()?;
    let mut position = accounts.lp_position.load_mut()?;
    require!(shares <= position.shares, ReflexError::InsufficientShares);
    let (amount, pool_value, lp_shares, bump) = {
        let mut exchange = accounts.exchange.load_mut()?;
        let valuation = valuation(&exchange, &accounts.exchange.key(), ctx.remaining_accounts, &clock)?;
        let amount = amount_for_shares(shares, whole_units(valuation.value, false), exchange.lp_shares).map_err(risk_error)?;
        let cash = accounts.quote_vault.amount as i128 - exchange.insurance_fund.get().ceil().to_num::<i128>();
        require!(amount as i128 <= cash, ReflexError::PoolCashInsufficient);
        let balance = exchange.pool_balance.get().checked_sub(Fixed::from_num(amount)).ok_or(ReflexError::MathOverflow)?;
        require_covered(&valuation.markets, balance)?;
        exchange.pool_balance.set(balance);
        exchange.lp_shares = exchange.lp_shares.checked_sub(shares).ok_or(ReflexError::MathOverflow)?;
        let value_after = valuation.value.checked_sub(Fixed::from_num(amount)).ok_or(ReflexError::MathOverflow)?;
        (amount, whole_units(value_after, false), exchange.lp_shares, exchange.bump)
    };
    position.shares = position.shares.checked_sub(shares).ok_or(ReflexError::MathOverflow)?;
    if amount > 0 {
        pay_from_quote_vault(
            &accounts.token_program,
            &accounts.quote_vault,
            &accounts.quote_mint,
            accounts.exchange.to_account_info(),
            bump,
            accounts.lp_token_account.to_account_info(),
            amount,
        )?;
    }
    emit!(LiquidityRemoved { lp_position: accounts.lp_position.key(), amount, shares, pool_value, lp_shares });
    Ok(())
}
