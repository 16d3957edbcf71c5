use anchor_lang::prelude::*;
use reflex_risk::trading::{fee, fill};
use reflex_risk::Fixed;

use crate::constants::EXCHANGE_SEED;
use crate::controller::health::{bring_named_market, check_post, check_pre, perp_entry, HealthCache, Named, PriceUse, RiskChange};
use crate::controller::params::risk_volatility;
use crate::controller::pool::{open_interest_base, record_market_value, record_open_interest_capacity};
use crate::controller::position::{change_position, increases_risk};
use crate::error::MapRiskErr;
use crate::error::ReflexError;
use crate::events::PerpFilled;
use crate::math::{overflow, safe_mul_floor, SafeMath};
use crate::oracle::PriceGrade;
use crate::state::{Exchange, MarginAccount, PerpMarket, PriceFeed};

#[derive(Accounts)]
pub struct PlacePerpOrder<'info> {
    /// The account's owner or its delegate.
    pub signer: Signer<'info>,
    #[account(mut, has_one = exchange @ ReflexError::WrongExchange)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = exchange @ ReflexError::WrongExchange, has_one = feed @ ReflexError::WrongFeed)]
    pub market: AccountLoader<'info, PerpMarket>,
    /// Refreshed from `oracle` for this slot before the fill is priced.
    #[account(mut)]
    pub feed: AccountLoader<'info, PriceFeed>,
    /// CHECK: must be the feed's oracle account; read and validated by the refresh.
    pub oracle: UncheckedAccount<'info>,
    /// Read only (flags, the pool balance the OI cap is measured against), so
    /// trades on different markets do not contend for it.
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Trades `base_delta` base native units (positive buys) against the pool at
/// the oracle price plus the spread, if the fill price is no worse than
/// `limit_price` (quote native units per whole base token). Every price and
/// level used is of this slot: the market's feed and every feed of the
/// account's other entries are read from their oracles first. Remaining
/// accounts: the account's health accounts without this market and its
/// feed (`controller::health`).
///
/// A trade that adds risk (a larger position or a flip) needs a fully valid
/// price on every feed, no reduce-only flag and no pause, room under the
/// open-interest cap, and initial health ≥ 0 afterwards. A trade that only
/// reduces accepts a price a liquidation would accept and is allowed under
/// water, as long as it leaves initial health ≥ 0 or does not lower
/// maintenance health.
pub fn place_perp_order<'info>(ctx: Context<'info, PlacePerpOrder<'info>>, base_delta: i64, limit_price: u64) -> Result<()> {
    require!(base_delta != 0 && base_delta != i64::MIN, ReflexError::InvalidSize);
    let clock = Clock::get()?;
    let exchange = ctx.accounts.exchange.load()?;
    let mut feed = ctx.accounts.feed.load_mut()?;
    let mut market = ctx.accounts.market.load_mut()?;
    let mut margin = ctx.accounts.margin_account.load_mut()?;
    require!(margin.may_trade(ctx.accounts.signer.key), ReflexError::NotOwnerOrDelegate);
    require!(market.is_trading_configured(), ReflexError::MarketTradingNotConfigured);
    bring_named_market(&mut market, &mut feed, &ctx.accounts.oracle, &clock)?;
    let grade = feed.grade_at(clock.unix_timestamp).ok_or(ReflexError::StalePrice)?;

    let oracle_price = feed.last_price.get();
    let sigma = risk_volatility(&feed)?;
    let slot = margin.perp_slot_or_open(market.market_index, market.funding_index.get())?;
    let funding_paid = market.settle_funding(&mut margin.perps[slot])?;

    let base_before = margin.perps[slot].base_size;
    let base_after = base_before.checked_add(base_delta).filter(|size| *size != i64::MIN).ok_or(ReflexError::InvalidSize)?;
    let adds_risk = increases_risk(base_before, base_after);
    if adds_risk {
        require!(!exchange.is_reduce_only() && !market.is_reduce_only(), ReflexError::ReduceOnly);
        require!(!exchange.is_paused(), ReflexError::PausedReduceOnly);
        require!(grade == PriceGrade::Valid, ReflexError::PriceNotValidForAction);
    }
    let min_grade = if adds_risk { PriceGrade::Valid } else { PriceGrade::LiquidationOnly };
    let prices = PriceUse::new(&clock, min_grade);
    let mut cache = HealthCache::build(&margin, ctx.remaining_accounts, &Named { market: Some((&market, &feed)), asset: None }, prices)?;
    let before = check_pre(&mut margin, &cache, if adds_risk { RiskChange::Raises } else { RiskChange::Reduces })?;

    // Price the fill: the volatility spread and the skew premium, which does
    // not depend on how an order is split (`reflex_risk::trading`).
    let fill = fill(&market.trading.spread_config(), sigma, oracle_price, market.skew(), base_delta).map_risk_err()?;
    let fill_price = fill.average_price(base_delta).map_risk_err()?;
    require_within_limit(fill_price, feed.base_decimals, limit_price, base_delta > 0)?;
    let quote = fill.quote;
    let spread = fill.spread;
    let fee = fee(base_delta, oracle_price, market.trading.taker_fee_rate()).map_risk_err()?;

    // Fill: the position, the fee to the pool, the open-interest cap.
    let (long_before, short_before) = (market.long_base, market.short_base);
    let change = change_position(&mut margin, slot, &mut market, base_delta, quote)?;
    margin.add_quote(fee.safe_neg()?)?;
    market.add_pool_realized(fee)?;
    record_market_value(&mut market, &feed, clock.unix_timestamp, clock.slot)?;
    let cap_base = open_interest_base(&exchange, &market, &feed)?;
    for (after, before) in [(market.long_base, long_before), (market.short_base, short_before)] {
        if after > before {
            require_open_interest_cap(&market, after, oracle_price, cap_base)?;
        }
    }
    // Utilisation after the fill, against the cap as it is now: the
    // health check below holds the trade to the add-on it causes.
    record_open_interest_capacity(&exchange, &mut market, &feed)?;

    // Health after, from the cache updated with this position and balance.
    cache.set_quote_balance(margin.quote());
    let entry = margin.perp_slot_of(market.market_index).map(|slot| perp_entry(&market, &feed, &margin.perps[slot], prices)).transpose()?;
    cache.set_perp(market.market_index, entry);
    let initial_after = check_post(&mut margin, &cache, before)?;

    emit!(PerpFilled {
        margin_account: ctx.accounts.margin_account.key(),
        market: ctx.accounts.market.key(),
        base_delta,
        base_before: change.base_before,
        base_after: change.base_after,
        oracle_price: oracle_price.to_bits(),
        fill_price: fill_price.to_bits(),
        spread: spread.to_bits(),
        skew_premium: fill.premium.to_bits(),
        quote: quote.to_bits(),
        fee: fee.to_bits(),
        funding_paid: funding_paid.to_bits(),
        realized: change.realized.to_bits(),
        long_open_interest: market.long_base,
        short_open_interest: market.short_base,
        initial_health_after: initial_after.to_bits(),
    });
    Ok(())
}

/// `limit_price` is quote native units per whole base token: a buy fills at
/// or below it, a sell at or above it.
fn require_within_limit(fill_price: Fixed, base_decimals: u8, limit_price: u64, buying: bool) -> Result<()> {
    let scale = 10u64.checked_pow(base_decimals as u32).ok_or_else(|| overflow())?;
    let per_whole_token = safe_mul_floor(fill_price, Fixed::from_num(scale))?;
    let limit = Fixed::from_num(limit_price);
    let within = if buying { per_whole_token <= limit } else { per_whole_token >= limit };
    if !within {
        msg!("fill price {} per whole token, limit {}", per_whole_token, limit_price);
        return err!(ReflexError::LimitPriceExceeded);
    }
    Ok(())
}

/// A side that grew to `side_base` must stay, at the oracle price, within
/// `max_open_interest` of what the pool is worth to this market
/// (`controller::pool::open_interest_base`).
fn require_open_interest_cap(market: &PerpMarket, side_base: u64, oracle_price: Fixed, pool_balance: Fixed) -> Result<()> {
    let cap = safe_mul_floor(market.trading.max_open_interest_ratio(), pool_balance.max(Fixed::ZERO))?;
    let notional = safe_mul_floor(Fixed::from_num(side_base), oracle_price)?;
    if notional > cap {
        msg!("open interest {} above the cap {}", notional, cap);
        return err!(ReflexError::OpenInterestCapExceeded);
    }
    Ok(())
}
