use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use reflex_risk::Fixed;

use crate::constants::EXCHANGE_SEED;
use crate::controller::health::{check_post, check_pre, HealthCache, Named, PriceUse, RiskChange};
use crate::controller::liquidation::repay_booked_deficit;
use crate::controller::token;
use crate::error::ReflexError;
use crate::events::QuoteMoved;
use crate::math::SafeMath;
use crate::oracle::PriceGrade;
use crate::state::{Exchange, MarginAccount};

/// The exchange's quote vault and what moves tokens in and out of it.
#[derive(Accounts)]
pub struct QuoteVault<'info> {
    /// Written by `deposit_quote` (a repaid booked deficit).
    #[account(
        mut,
        seeds = [EXCHANGE_SEED],
        bump = exchange.load()?.bump,
        has_one = quote_vault @ ReflexError::WrongVault,
        has_one = quote_mint @ ReflexError::WrongMint,
        constraint = exchange.load()?.quote_token_program == token_program.key() @ ReflexError::WrongTokenProgram,
    )]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut)]
    pub quote_vault: InterfaceAccount<'info, TokenAccount>,
    pub quote_mint: InterfaceAccount<'info, Mint>,
    pub token_program: Interface<'info, TokenInterface>,
}

impl<'info> QuoteVault<'info> {
    /// Moves `amount` quote tokens from `source` (signed by `authority`)
    /// into the quote vault (`controller::token::receive`).
    pub fn receive(&self, source: AccountInfo<'info>, authority: AccountInfo<'info>, amount: u64) -> Result<()> {
        token::receive(&self.token_program, &self.quote_mint, self.quote_vault.to_account_info(), source, authority, amount)
    }

    /// Pays `amount` quote tokens from the quote vault to `destination`,
    /// signed by the exchange, the vault's owner (`controller::token::pay`).
    /// Used by trader and LP withdrawals alike; the exchange must not be
    /// borrowed by the caller.
    pub fn pay(&self, destination: AccountInfo<'info>, amount: u64) -> Result<()> {
        let bump = self.exchange.load()?.bump;
        let signer_seeds: &[&[&[u8]]] = &[&[EXCHANGE_SEED, &[bump]]];
        token::pay(
            &self.token_program,
            &self.quote_mint,
            self.quote_vault.to_account_info(),
            self.exchange.to_account_info(),
            signer_seeds,
            destination,
            amount,
        )
    }
}

#[derive(Accounts)]
pub struct DepositQuote<'info> {
    /// Anyone may pay quote into an account: it can only reduce its debt.
    pub payer: Signer<'info>,
    #[account(mut, constraint = margin_account.load()?.exchange == vault.exchange.key() @ ReflexError::WrongExchange)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    pub vault: QuoteVault<'info>,
    #[account(mut, constraint = source.mint == vault.quote_mint.key() @ ReflexError::WrongMint)]
    pub source: InterfaceAccount<'info, TokenAccount>,
}

/// Pays `amount` quote tokens into an account's quote balance (repaying its
/// debt first) and its booked deficit by as much. Needs no price and is
/// allowed even while paused. Paid by the owner, it ends a liquidation in
/// progress, like a collateral deposit: the next one must again find
/// maintenance health < 0 (a third party's payment does not, so nobody but
/// the owner can cut a liquidation short).
pub fn deposit_quote(ctx: Context<DepositQuote>, amount: u64) -> Result<()> {
    require!(amount > 0, ReflexError::ZeroAmount);
    ctx.accounts.vault.receive(ctx.accounts.source.to_account_info(), ctx.accounts.payer.to_account_info(), amount)?;
    let after = {
        let mut margin = ctx.accounts.margin_account.load_mut()?;
        if margin.owner == ctx.accounts.payer.key() {
            margin.being_liquidated = 0;
        }
        repay_booked_deficit(&mut *ctx.accounts.vault.exchange.load_mut()?, &mut margin, Fixed::from_num(amount))?;
        margin.add_quote(Fixed::from_num(amount))?
    };
    emit!(QuoteMoved { margin_account: ctx.accounts.margin_account.key(), amount: amount as i64, quote_balance_after: after.to_bits() });
    Ok(())
}

#[derive(Accounts)]
pub struct WithdrawQuote<'info> {
    /// Only the owner moves an account's funds (a delegate cannot).
    pub owner: Signer<'info>,
    #[account(
        mut,
        has_one = owner @ ReflexError::NotAccountOwner,
        constraint = margin_account.load()?.exchange == vault.exchange.key() @ ReflexError::WrongExchange,
    )]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(constraint = !vault.exchange.load()?.is_paused() @ ReflexError::ExchangePaused)]
    pub vault: QuoteVault<'info>,
    #[account(mut, constraint = destination.mint == vault.quote_mint.key() @ ReflexError::WrongMint)]
    pub destination: InterfaceAccount<'info, TokenAccount>,
}

/// Owner: takes `amount` of a positive quote balance out as tokens (never
/// borrows). With open positions, initial health must stay ≥ 0 at fully
/// valid prices. Remaining accounts: the account's health accounts.
pub fn withdraw_quote<'info>(ctx: Context<'info, WithdrawQuote<'info>>, amount: u64) -> Result<()> {
    require!(amount > 0, ReflexError::ZeroAmount);
    let clock = Clock::get()?;
    let after = {
        let mut margin = ctx.accounts.margin_account.load_mut()?;
        let after = margin.quote().safe_sub(Fixed::from_num(amount))?;
        require!(after >= 0, ReflexError::InsufficientQuoteBalance);
        if margin.has_liabilities() {
            let prices = PriceUse::new(&clock, PriceGrade::Valid);
            let mut cache = HealthCache::build(&margin, ctx.remaining_accounts, &Named::default(), prices)?;
            let before = check_pre(&mut margin, &cache, RiskChange::Raises)?;
            cache.set_quote_balance(after);
            check_post(&mut margin, &cache, before)?;
        }
        margin.quote_balance.set(after);
        after
    };
    ctx.accounts.vault.pay(ctx.accounts.destination.to_account_info(), amount)?;
    emit!(QuoteMoved {
        margin_account: ctx.accounts.margin_account.key(),
        amount: 0i64.saturating_sub_unsigned(amount),
        quote_balance_after: after.to_bits()
    });
    Ok(())
}
