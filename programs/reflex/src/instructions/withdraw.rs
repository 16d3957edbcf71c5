use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use super::collateral_vault::*;
use crate::constants::EXCHANGE_SEED;
use crate::controller::health::{check_post, check_pre, HealthCache, Named, PriceUse, RiskChange};
use crate::error::ReflexError;
use crate::events::CollateralWithdrawn;
use crate::oracle::PriceGrade;
use crate::state::{Exchange, MarginAccount};

#[derive(Accounts)]
pub struct Withdraw<'info> {
    /// Only the owner moves an account's funds.
    pub owner: Signer<'info>,
    #[account(mut, has_one = owner @ ReflexError::NotAccountOwner, has_one = exchange @ ReflexError::WrongExchange)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    pub collateral: CollateralVault<'info>,
    /// Any token account of the collateral's mint; the owner chooses where funds go.
    #[account(mut, constraint = destination.mint == collateral.mint.key() @ ReflexError::WrongMint)]
    pub destination: InterfaceAccount<'info, TokenAccount>,
    /// Read for the pause flag.
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump, constraint = !exchange.load()?.is_paused() @ ReflexError::ExchangePaused)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Moves `amount` native units from the unified vault to `destination`,
/// limited to the account's balance of that collateral. An account with
/// liabilities (positions or quote debt) must keep initial health ≥ 0 at
/// prices of this slot (collateral without a usable price counts zero;
/// positions need fully valid prices); remaining accounts: its health
/// accounts (this collateral included). An account without liabilities
/// needs none.
pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>, amount: u64) -> Result<()> {
    require!(amount > 0, ReflexError::ZeroAmount);
    let collateral = &ctx.accounts.collateral;

    let (asset_index, mint) = {
        let asset = collateral.collateral_asset.load()?;
        (asset.asset_index, asset.mint)
    };
    let account_balance = {
        let mut margin = ctx.accounts.margin_account.load_mut()?;
        let check = if margin.has_liabilities() {
            let prices = PriceUse::new(&Clock::get()?, PriceGrade::Valid);
            let cache = HealthCache::build(&margin, ctx.remaining_accounts, &Named::default(), prices)?;
            Some((check_pre(&mut margin, &cache, RiskChange::Raises)?, cache))
        } else {
            None
        };
        // The account's own balance is the limit; debit it before the asset
        // total so an over-withdrawal fails with InsufficientCollateral.
        let balance = margin.debit_collateral(asset_index, amount)?;
        if let Some((before, mut cache)) = check {
            cache.set_collateral_amount(asset_index, balance)?;
            check_post(&mut margin, &cache, before)?;
        }
        balance
    };
    let total_deposits = collateral.collateral_asset.load_mut()?.remove_deposit(amount)?;

    collateral.pay(ctx.accounts.destination.to_account_info(), amount)?;

    emit!(CollateralWithdrawn { margin_account: ctx.accounts.margin_account.key(), mint, amount, account_balance, total_deposits });
    Ok(())
}
