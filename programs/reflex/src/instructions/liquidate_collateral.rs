use anchor_lang::prelude::*;
use reflex_risk::{apply_collateral_liquidation, collateral_liquidation};

use crate::constants::EXCHANGE_SEED;
use crate::controller::health::{bring_named_asset, check_post, check_pre, HealthCache, Named, PriceUse, RiskChange};
use crate::controller::liquidation::book_deficit;
use crate::error::MapRiskErr;
use crate::error::ReflexError;
use crate::events::CollateralLiquidated;
use crate::math::SafeMath;
use crate::oracle::PriceGrade;
use crate::state::{CollateralAsset, Exchange, MarginAccount, PriceFeed};
use crate::utils::ppm;

#[derive(Accounts)]
pub struct LiquidateCollateral<'info> {
    pub liquidator: Signer<'info>,
    /// The keeper's margin account: pays the quote and receives the collateral.
    #[account(
        mut,
        constraint = liquidator_account.load()?.owner == liquidator.key() @ ReflexError::NotAccountOwner,
        constraint = liquidator_account.load()?.exchange == margin_account.load()?.exchange @ ReflexError::WrongExchange,
    )]
    pub liquidator_account: AccountLoader<'info, MarginAccount>,
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// Written: its haircuts are advanced to this slot.
    #[account(
        mut,
        constraint = collateral_asset.load()?.exchange == margin_account.load()?.exchange @ ReflexError::WrongExchange,
        constraint = collateral_asset.load()?.feed == feed.key() @ ReflexError::WrongFeed,
    )]
    pub collateral_asset: AccountLoader<'info, CollateralAsset>,
    /// Refreshed from `oracle` for this slot before anything is valued.
    #[account(mut)]
    pub feed: AccountLoader<'info, PriceFeed>,
    /// CHECK: must be the feed's oracle account; read and validated by the refresh.
    pub oracle: UncheckedAccount<'info>,
    /// Written: the account's deficit, if it is insolvent, is booked here.
    #[account(
        mut,
        seeds = [EXCHANGE_SEED],
        bump = exchange.load()?.bump,
        constraint = exchange.key() == margin_account.load()?.exchange @ ReflexError::WrongExchange,
    )]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Anyone: repays a liquidatable account's quote debt from the keeper's
/// margin account and moves collateral to it at the collateral's
/// liquidation discount below the oracle price: the least amount that
/// brings liquidation-end health back to ≥ 0, never more than the debt it
/// repays, and at most `max_amount`. Both balances stay in the unified
/// vault, so no tokens move. The keeper's account must have no perp
/// positions and enough quote balance, so taking over collateral leaves it
/// without liabilities. Prices and levels are of this slot; this
/// collateral's own price must be usable. Remaining accounts: the account's
/// health accounts without this collateral and its feed.
pub fn liquidate_collateral<'info>(ctx: Context<'info, LiquidateCollateral<'info>>, max_amount: u64) -> Result<()> {
    require_keys_neq!(ctx.accounts.liquidator_account.key(), ctx.accounts.margin_account.key(), ReflexError::SelfLiquidation);
    require!(max_amount > 0, ReflexError::ZeroAmount);
    let clock = Clock::get()?;
    let mut asset = ctx.accounts.collateral_asset.load_mut()?;
    let mut feed = ctx.accounts.feed.load_mut()?;
    require!(asset.is_risk_configured(), ReflexError::CollateralRiskNotConfigured);
    bring_named_asset(&mut asset, &mut feed, &ctx.accounts.oracle, &clock)?;
    feed.grade_at(clock.unix_timestamp).ok_or(ReflexError::StalePrice)?;
    let mut margin = ctx.accounts.margin_account.load_mut()?;

    let prices = PriceUse::new(&clock, PriceGrade::LiquidationOnly);
    let mut cache = HealthCache::build(&margin, ctx.remaining_accounts, &Named { market: None, asset: Some((&asset, &feed)) }, prices)?;
    let health_before = check_pre(&mut margin, &cache, RiskChange::Liquidates)?;

    let discount = ppm(asset.risk.liquidation_discount);
    let index = cache.collateral_index(asset.asset_index).ok_or(ReflexError::NothingToLiquidate)?;
    let plan = collateral_liquidation(&cache.snapshot, index, discount).map_risk_err()?.ok_or(ReflexError::NothingToLiquidate)?;
    let amount = plan.amount.min(max_amount);
    require!(amount > 0, ReflexError::NothingToLiquidate);
    let (_, quote_paid) = apply_collateral_liquidation(&cache.snapshot, index, amount, discount).map_risk_err()?;

    {
        let mut liquidator = ctx.accounts.liquidator_account.load_mut()?;
        require!(liquidator.perps_in_use().next().is_none() && liquidator.quote() >= quote_paid, ReflexError::LiquidatorCannotPay);
        liquidator.add_quote(quote_paid.safe_neg()?)?;
        liquidator.credit_collateral(asset.asset_index, amount)?;
    }
    let remaining = margin.debit_collateral(asset.asset_index, amount)?;
    margin.add_quote(quote_paid)?;

    cache.set_quote_balance(margin.quote());
    cache.set_collateral_amount(asset.asset_index, remaining)?;
    let end_after = check_post(&mut margin, &cache, health_before)?;
    book_deficit(&mut *ctx.accounts.exchange.load_mut()?, &mut margin, &cache)?;

    emit!(CollateralLiquidated {
        margin_account: ctx.accounts.margin_account.key(),
        liquidator: ctx.accounts.liquidator.key(),
        mint: asset.mint,
        amount,
        quote_paid: quote_paid.to_bits(),
        // Always measured for a liquidation.
        maintenance_before: health_before.maintenance().unwrap_or_default().to_bits(),
        liquidation_end_after: end_after.to_bits(),
    });
    Ok(())
}
