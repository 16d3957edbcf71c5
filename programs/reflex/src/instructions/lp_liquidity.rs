use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;
use reflex_risk::pool::ShareValue;
use reflex_risk::Fixed;

use super::quote_balance::*;
use crate::constants::{LOCKED_LP_SHARES, LP_EXECUTION_WINDOW_SLOTS};
use crate::controller::pool::{require_covered, valuation};
use crate::error::MapRiskErr;
use crate::error::ReflexError;
use crate::events::{LiquidityAdded, LiquidityRemoved, LpRequestCancelled, LpRequested};
use crate::math::SafeMath;
use crate::state::{Exchange, LpPosition, LpRequestKind};

/// The accounts `lp_deposit` and `lp_withdraw` move quote tokens with:
/// the exchange's quote vault (`QuoteVault`, shared with the quote-balance
/// instructions), the LP's position and its token account.
#[derive(Accounts)]
pub struct LpLiquidity<'info> {
    pub owner: Signer<'info>,
    /// Does not exist until `initialize_pool` (Anchor then refuses its vault as not initialized).
    #[account(constraint = !vault.exchange.load()?.is_paused() @ ReflexError::ExchangePaused)]
    pub vault: QuoteVault<'info>,
    #[account(
        mut,
        has_one = owner @ ReflexError::NotLpOwner,
        constraint = lp_position.load()?.exchange == vault.exchange.key() @ ReflexError::WrongExchange,
    )]
    pub lp_position: AccountLoader<'info, LpPosition>,
    /// The LP's quote token account (source or destination).
    #[account(mut, constraint = lp_token_account.mint == vault.quote_mint.key() @ ReflexError::WrongMint)]
    pub lp_token_account: InterfaceAccount<'info, TokenAccount>,
}

/// The LP's own accounts, to cancel a request (no pool valuation needed).
#[derive(Accounts)]
pub struct LpLiquidityNoPool<'info> {
    pub owner: Signer<'info>,
    pub vault: QuoteVault<'info>,
    #[account(
        mut,
        has_one = owner @ ReflexError::NotLpOwner,
        constraint = lp_position.load()?.exchange == vault.exchange.key() @ ReflexError::WrongExchange,
    )]
    pub lp_position: AccountLoader<'info, LpPosition>,
    /// Where a cancelled deposit's tokens go back to.
    #[account(mut, constraint = lp_token_account.mint == vault.quote_mint.key() @ ReflexError::WrongMint)]
    pub lp_token_account: InterfaceAccount<'info, TokenAccount>,
}

/// Permissionless execution of a pending LP request.
#[derive(Accounts)]
pub struct ExecuteLpRequest<'info> {
    #[account(constraint = !vault.exchange.load()?.is_paused() @ ReflexError::ExchangePaused)]
    pub vault: QuoteVault<'info>,
    #[account(mut, constraint = lp_position.load()?.exchange == vault.exchange.key() @ ReflexError::WrongExchange)]
    pub lp_position: AccountLoader<'info, LpPosition>,
    /// The token account a withdrawal pays into (the one named at request).
    #[account(mut, constraint = destination.mint == vault.quote_mint.key() @ ReflexError::WrongMint)]
    pub destination: InterfaceAccount<'info, TokenAccount>,
}

/// Whole quote units of a fixed-point value: rounded up or down, 0 if negative.
fn whole_units(value: Fixed, round_up: bool) -> u64 {
    let rounded = if round_up { value.checked_ceil() } else { Some(value.floor()) };
    rounded.and_then(|units| units.checked_to_num::<u64>()).unwrap_or(if value > 0 { u64::MAX } else { 0 })
}

/// LP: deposits `amount` quote tokens. The first deposit into the pool
/// becomes shares at once, 1:1, less `LOCKED_LP_SHARES` minted to nobody.
/// Otherwise the tokens move into the
/// vault now and the request executes (`execute_lp_request`) after the
/// pool's delay, at the higher of the share value now and then: an LP
/// cannot enter just before a move it foresees. Remaining accounts: every
/// listed market in market order, each followed by its feed and the feed's
/// oracle unless it was cranked earlier in this slot (`controller::pool`).
pub fn lp_deposit<'info>(ctx: Context<'info, LpLiquidity<'info>>, amount: u64) -> Result<()> {
    require!(amount > 0, ReflexError::ZeroAmount);
    let accounts = &ctx.accounts;
    let clock = Clock::get()?;
    let mut position = accounts.lp_position.load_mut()?;
    require!(position.request().is_none(), ReflexError::LpRequestPending);
    {
        let mut exchange = accounts.vault.exchange.load_mut()?;
        let valuation = valuation(&exchange, &accounts.vault.exchange.key(), ctx.remaining_accounts, &clock)?;
        // Valued up, against the depositor.
        let now = ShareValue { pool_value: whole_units(valuation.value, true), total_shares: exchange.lp_shares };
        if exchange.lp_shares == 0 {
            // The first deposit: 1:1, less the shares locked for good.
            let shares = now
                .shares_for(amount)
                .map_err(|_| error!(ReflexError::PoolHasNoValue))?
                .checked_sub(LOCKED_LP_SHARES)
                .filter(|shares| *shares > 0)
                .ok_or(ReflexError::DepositTooSmallForAShare)?;
            mint_shares(&mut exchange, &mut position, amount, shares)?;
            exchange.lp_shares = exchange.lp_shares.safe_add(LOCKED_LP_SHARES)?;
            let pool_value = whole_units(valuation.value.safe_add(Fixed::from_num(amount))?, false);
            emit!(LiquidityAdded { lp_position: accounts.lp_position.key(), amount, shares, pool_value, lp_shares: exchange.lp_shares });
        } else {
            require!(now.pool_value > 0, ReflexError::PoolHasNoValue);
            exchange.pending_lp_deposits = exchange.pending_lp_deposits.safe_add(amount)?;
            let ready_slot = clock.slot.safe_add(exchange.lp_delay_slots)?;
            position.set_request(LpRequestKind::Deposit, amount, ready_slot, now, accounts.lp_token_account.key());
            emit!(LpRequested {
                lp_position: accounts.lp_position.key(),
                kind: LpRequestKind::Deposit,
                amount,
                ready_slot,
                pool_value: now.pool_value,
                lp_shares: now.total_shares,
            });
        }
    }
    accounts.vault.receive(accounts.lp_token_account.to_account_info(), accounts.owner.to_account_info(), amount)?;
    Ok(())
}

/// LP: asks to redeem `shares` into `lp_token_account`. The shares are
/// locked now (they no longer earn, but still bear every loss booked until
/// execution); `execute_lp_request` pays them after the pool's delay at the
/// lower of the exit share value now and then (`controller::pool`: traders'
/// unrealised losses, not yet collected, are not paid out). Remaining accounts as for
/// `lp_deposit`.
pub fn lp_withdraw<'info>(ctx: Context<'info, LpLiquidity<'info>>, shares: u64) -> Result<()> {
    require!(shares > 0, ReflexError::ZeroAmount);
    let accounts = &ctx.accounts;
    let clock = Clock::get()?;
    let mut position = accounts.lp_position.load_mut()?;
    require!(position.request().is_none(), ReflexError::LpRequestPending);
    require!(shares <= position.shares, ReflexError::InsufficientShares);
    let exchange = accounts.vault.exchange.load()?;
    let valuation = valuation(&exchange, &accounts.vault.exchange.key(), ctx.remaining_accounts, &clock)?;
    // Valued down, against the withdrawer, at the exit value.
    let now = ShareValue { pool_value: whole_units(valuation.exit_value, false), total_shares: exchange.lp_shares };
    position.shares = position.shares.safe_sub(shares)?;
    let ready_slot = clock.slot.safe_add(exchange.lp_delay_slots)?;
    position.set_request(LpRequestKind::Withdrawal, shares, ready_slot, now, accounts.lp_token_account.key());
    emit!(LpRequested {
        lp_position: accounts.lp_position.key(),
        kind: LpRequestKind::Withdrawal,
        amount: shares,
        ready_slot,
        pool_value: now.pool_value,
        lp_shares: now.total_shares,
    });
    Ok(())
}

/// Anyone, once the delay has passed and for `LP_EXECUTION_WINDOW_SLOTS`
/// after: executes an LP's pending request at
/// the share value worse for the LP of the one at request and the one now
/// (`reflex_risk::pool::ShareValue`). A withdrawal is refused, and stays
/// pending, while it would leave a market's open interest above its cap or
/// the vault without the cash. Remaining accounts as for `lp_deposit`.
pub fn execute_lp_request<'info>(ctx: Context<'info, ExecuteLpRequest<'info>>) -> Result<()> {
    let accounts = &ctx.accounts;
    let clock = Clock::get()?;
    let mut position = accounts.lp_position.load_mut()?;
    let kind = position.request().ok_or(ReflexError::NoLpRequest)?;
    require!(clock.slot >= position.request_ready_slot, ReflexError::LpRequestNotReady);
    let expiry = position.request_ready_slot.saturating_add(LP_EXECUTION_WINDOW_SLOTS);
    require!(clock.slot <= expiry, ReflexError::LpRequestExpired);
    let amount = position.request_amount;
    let mut exchange = accounts.vault.exchange.load_mut()?;
    let valuation = valuation(&exchange, &accounts.vault.exchange.key(), ctx.remaining_accounts, &clock)?;
    match kind {
        LpRequestKind::Deposit => {
            let now = ShareValue { pool_value: whole_units(valuation.value, true), total_shares: exchange.lp_shares };
            let price = position.request_value().dearer(now);
            let shares = price.shares_for(amount).map_err(|_| error!(ReflexError::PoolHasNoValue))?;
            require!(shares > 0, ReflexError::DepositTooSmallForAShare);
            exchange.pending_lp_deposits = exchange.pending_lp_deposits.safe_sub(amount)?;
            mint_shares(&mut exchange, &mut position, amount, shares)?;
            position.clear_request();
            let pool_value = whole_units(valuation.value.safe_add(Fixed::from_num(amount))?, false);
            emit!(LiquidityAdded { lp_position: accounts.lp_position.key(), amount, shares, pool_value, lp_shares: exchange.lp_shares });
        }
        LpRequestKind::Withdrawal => {
            require_keys_eq!(accounts.destination.key(), position.request_destination, ReflexError::WrongLpDestination);
            let shares = amount;
            let now = ShareValue { pool_value: whole_units(valuation.exit_value, false), total_shares: exchange.lp_shares };
            let price = position.request_value().cheaper(now);
            let paid = price.amount_for(shares).map_risk_err()?;
            let cash = (accounts.vault.quote_vault.amount as i128)
                .safe_sub(exchange.insurance_fund.get().ceil().to_num::<i128>())?
                .safe_sub(exchange.pending_lp_deposits as i128)?;
            require!(paid as i128 <= cash, ReflexError::PoolCashInsufficient);
            let balance = exchange.pool_balance.get().safe_sub(Fixed::from_num(paid))?;
            // Open-interest caps against what the pool is worth after paying,
            // or its booked balance if that is less.
            let value_after = valuation.value.safe_sub(Fixed::from_num(paid))?;
            require_covered(&valuation.markets, balance.min(value_after))?;
            exchange.pool_balance.set(balance);
            exchange.lp_shares = exchange.lp_shares.safe_sub(shares)?;
            position.clear_request();
            let pool_value = whole_units(valuation.value.safe_sub(Fixed::from_num(paid))?, false);
            let lp_shares = exchange.lp_shares;
            drop(exchange);
            if paid > 0 {
                accounts.vault.pay(accounts.destination.to_account_info(), paid)?;
            }
            emit!(LiquidityRemoved { lp_position: accounts.lp_position.key(), amount: paid, shares, pool_value, lp_shares });
        }
    }
    Ok(())
}

/// LP: withdraws its pending request before it executes: a deposit's tokens
/// come back to `lp_token_account`, a withdrawal's shares are unlocked.
/// Neither leg gained anything while pending, so cancelling costs the other
/// LPs nothing.
pub fn cancel_lp_request(ctx: Context<LpLiquidityNoPool>) -> Result<()> {
    let accounts = &ctx.accounts;
    let mut position = accounts.lp_position.load_mut()?;
    let kind = position.request().ok_or(ReflexError::NoLpRequest)?;
    let amount = position.request_amount;
    match kind {
        LpRequestKind::Withdrawal => position.shares = position.shares.safe_add(amount)?,
        LpRequestKind::Deposit => {
            {
                let mut exchange = accounts.vault.exchange.load_mut()?;
                exchange.pending_lp_deposits = exchange.pending_lp_deposits.safe_sub(amount)?;
            }
            accounts.vault.pay(accounts.lp_token_account.to_account_info(), amount)?;
        }
    }
    position.clear_request();
    emit!(LpRequestCancelled { lp_position: accounts.lp_position.key(), kind, amount });
    Ok(())
}

/// Credits `shares` for `amount` now in the pool.
fn mint_shares(exchange: &mut Exchange, position: &mut LpPosition, amount: u64, shares: u64) -> Result<()> {
    require!(shares > 0, ReflexError::DepositTooSmallForAShare);
    let balance = exchange.pool_balance.get().safe_add(Fixed::from_num(amount))?;
    exchange.pool_balance.set(balance);
    exchange.lp_shares = exchange.lp_shares.safe_add(shares)?;
    position.shares = position.shares.safe_add(shares)?;
    Ok(())
}
