use anchor_lang::prelude::*;
use reflex_risk::{apply_perp_liquidation, perp_liquidation, split_penalty};

use crate::constants::EXCHANGE_SEED;
use crate::controller::health::{bring_named_market, check_post, check_pre, perp_entry, HealthCache, Named, PriceUse, RiskChange};
use crate::controller::liquidation::book_deficit;
use crate::controller::pool::record_market_value;
use crate::controller::position::change_position;
use crate::error::MapRiskErr;
use crate::error::ReflexError;
use crate::events::PerpLiquidated;
use crate::math::SafeMath;
use crate::oracle::PriceGrade;
use crate::state::{Exchange, MarginAccount, PerpMarket, PriceFeed};
use crate::utils::ppm;

#[derive(Accounts)]
pub struct LiquidatePerp<'info> {
    pub liquidator: Signer<'info>,
    /// The keeper's own margin account: its share of the penalty lands here.
    #[account(
        mut,
        constraint = liquidator_account.load()?.owner == liquidator.key() @ ReflexError::NotAccountOwner,
        has_one = exchange @ ReflexError::WrongExchange,
    )]
    pub liquidator_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = exchange @ ReflexError::WrongExchange)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = exchange @ ReflexError::WrongExchange, has_one = feed @ ReflexError::WrongFeed)]
    pub market: AccountLoader<'info, PerpMarket>,
    /// Refreshed from `oracle` for this slot before anything is valued.
    #[account(mut)]
    pub feed: AccountLoader<'info, PriceFeed>,
    /// CHECK: must be the feed's oracle account; read and validated by the refresh.
    pub oracle: UncheckedAccount<'info>,
    /// Written: the insurance fund's share of the penalty.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Anyone: closes part of a liquidatable account's position in this market
/// against the pool at the oracle price: the least size that brings
/// liquidation-end health back to ≥ 0 (`reflex_risk::perp_liquidation`,
/// closed form), or the whole position if that is not enough, and at most
/// `max_base`. The account pays the market's penalty on the closed notional,
/// split between the keeper and the insurance fund, and never more than the
/// account's equity. Prices and levels are of this slot. Entries without a
/// usable price do not block it: collateral counts zero, other positions are
/// valued conservatively (`controller::health`); only this market's own
/// price must be usable. Remaining accounts: the account's health accounts
/// without this market and its feed.
pub fn liquidate_perp<'info>(ctx: Context<'info, LiquidatePerp<'info>>, max_base: u64) -> Result<()> {
    require_keys_neq!(ctx.accounts.liquidator_account.key(), ctx.accounts.margin_account.key(), ReflexError::SelfLiquidation);
    require!(max_base > 0, ReflexError::InvalidSize);
    let clock = Clock::get()?;
    let mut feed = ctx.accounts.feed.load_mut()?;
    let mut market = ctx.accounts.market.load_mut()?;
    let mut margin = ctx.accounts.margin_account.load_mut()?;
    bring_named_market(&mut market, &mut feed, &ctx.accounts.oracle, &clock)?;
    feed.grade_at(clock.unix_timestamp).ok_or(ReflexError::StalePrice)?;

    let oracle_price = feed.last_price.get();
    let slot = margin.perp_slot_of(market.market_index).ok_or(ReflexError::NothingToLiquidate)?;
    market.settle_funding(&mut margin.perps[slot])?;

    let prices = PriceUse::new(&clock, PriceGrade::LiquidationOnly);
    let mut cache = HealthCache::build(&margin, ctx.remaining_accounts, &Named { market: Some((&market, &feed)), asset: None }, prices)?;
    let health_before = check_pre(&mut margin, &cache, RiskChange::Liquidates)?;

    let penalty_rate = ppm(market.risk.liquidation_penalty);
    let index = cache.perp_index(market.market_index).ok_or(ReflexError::NothingToLiquidate)?;
    let plan = perp_liquidation(&cache.snapshot, index, penalty_rate).map_risk_err()?.ok_or(ReflexError::NothingToLiquidate)?;
    let base_closed = plan.base_to_close.min(max_base);
    require!(base_closed > 0, ReflexError::NothingToLiquidate);
    let (after, penalty) = apply_perp_liquidation(&cache.snapshot, index, base_closed, penalty_rate).map_risk_err()?;

    // Apply the model's result to the accounts: the position's size and
    // quote side, the penalty out of the quote balance.
    let before = &cache.snapshot.perps[index];
    let quote_delta = after.perps[index].quote_position.safe_sub(before.quote_position)?;
    let base_delta = after.perps[index].base_size.safe_sub(before.base_size)?;
    let change = change_position(&mut margin, slot, &mut market, base_delta, quote_delta)?;
    record_market_value(&mut market, &feed, clock.unix_timestamp, clock.slot)?;
    margin.add_quote(penalty.safe_neg()?)?;
    let (keeper_share, insurance_share) = split_penalty(penalty, market.trading.keeper_penalty_share()).map_risk_err()?;
    ctx.accounts.liquidator_account.load_mut()?.add_quote(keeper_share)?;
    let mut exchange = ctx.accounts.exchange.load_mut()?;
    let insurance = exchange.insurance_fund.get().safe_add(insurance_share)?;
    exchange.insurance_fund.set(insurance);

    cache.set_quote_balance(margin.quote());
    let entry = margin.perp_slot_of(market.market_index).map(|slot| perp_entry(&market, &feed, &margin.perps[slot], prices)).transpose()?;
    cache.set_perp(market.market_index, entry);
    let end_after = check_post(&mut margin, &cache, health_before)?;
    book_deficit(&mut exchange, &mut margin, &cache)?;

    emit!(PerpLiquidated {
        margin_account: ctx.accounts.margin_account.key(),
        liquidator: ctx.accounts.liquidator.key(),
        market: ctx.accounts.market.key(),
        market_index: market.market_index,
        base_closed,
        base_after: change.base_after,
        oracle_price: oracle_price.to_bits(),
        penalty: penalty.to_bits(),
        keeper_share: keeper_share.to_bits(),
        insurance_share: insurance_share.to_bits(),
        // Always measured for a liquidation.
        maintenance_before: health_before.maintenance().unwrap_or_default().to_bits(),
        liquidation_end_after: end_after.to_bits(),
    });
    Ok(())
}
