//! The LP pool's value (DESIGN.md section 8):
//!
//! ```text
//! value = pool_balance + Σ_markets pool_realized − Σ_markets traders' unrealised PnL
//!       − max(0, booked_deficits − insurance_fund)
//! ```
//!
//! The last term counts each trader's loss only up to what the account can
//! repay: deficits of insolvent accounts are booked when a liquidation or a
//! health check finds them (`controller::liquidation::book_deficit`) and
//! are shared by every LP still in the pool when the value is read.
//!
//! A leaving LP is paid from the exit value, which also leaves out traders'
//! unrealised losses (per market, net): the pool has not collected them yet,
//! and until a keeper closes the positions nobody knows how much of them an
//! insolvent trader can pay. A leaver thus never takes a share of a loss
//! that is not yet booked; what it leaves behind goes to the LPs who stay,
//! once collected.
//!
//! Traders' PnL includes accrued funding (see `reflex_risk::pool`). Each
//! market records its part of both values at this slot's price whenever an
//! instruction brings it to the slot with a usable price (a crank, a
//! trade, a liquidation, a health check: `record_market_value`), and
//! anything that changes it afterwards clears the record. An LP
//! instruction takes every listed market, in market order, each followed
//! by its feed and the feed's oracle when it should be brought to this
//! slot here (`[market 0, feed, oracle, market 1, market 2, feed, oracle,
//! …]`, all writable). A market with open interest counts only with a
//! record of this slot, so every price in the value is this slot's and
//! nobody chooses which print an LP enters or leaves at; a market without
//! open interest has nothing a price moves, and its last record counts.
//! Up to about ten markets fit in one transaction with their feeds; past
//! that, `refresh_market` cranks earlier in the same slot record them.
use anchor_lang::prelude::*;
use reflex_risk::Fixed;

use super::health::{bring_named_market, require_usable, PriceUse};
use crate::error::ReflexError;
use crate::math::{safe_mul_floor, SafeMath};
use crate::oracle::PriceGrade;
use crate::state::{Exchange, PerpMarket, PriceFeed};

/// One market's open interest against the cap the pool allows it.
pub struct MarketCover {
    pub market_index: u16,
    /// Notional of the larger side at the oracle price, quote native units.
    pub largest_side_notional: Fixed,
    pub max_open_interest_ratio: Fixed,
}

pub struct PoolValuation {
    /// What the pool is worth, traders' unrealised losses counted as its gain.
    pub value: Fixed,
    /// What a leaving LP is paid from: the same, but traders' unrealised
    /// losses (gains the pool has not collected, some of which an insolvent
    /// trader may never pay) count for nothing; their unrealised profits
    /// count in full. Nobody leaves with a share of money still owed.
    pub exit_value: Fixed,
    pub markets: Vec<MarketCover>,
}

pub fn valuation<'info>(
    exchange: &Exchange,
    exchange_key: &Pubkey,
    remaining: &'info [AccountInfo<'info>],
    clock: &Clock,
) -> Result<PoolValuation> {
    let count = exchange.market_count as usize;
    let mut value = exchange.pool_balance.get();
    let mut exit_value = value;
    let mut markets = Vec::with_capacity(count);
    let mut accounts = remaining.iter().peekable();
    for index in 0..count {
        let info = accounts.next().ok_or(ReflexError::WrongPoolAccounts)?;
        let market_loader = AccountLoader::<PerpMarket>::try_from(info)?;
        let mut market = market_loader.load_mut()?;
        require!(market.exchange == *exchange_key && market.market_index as usize == index, ReflexError::WrongPoolAccounts);
        let open = market.has_open_interest();
        if accounts.peek().is_some_and(|next| next.key() == market.feed) {
            let feed_info = accounts.next().ok_or(ReflexError::WrongPoolAccounts)?;
            let oracle = accounts.next().ok_or(ReflexError::WrongPoolAccounts)?;
            let feed_loader = AccountLoader::<PriceFeed>::try_from(feed_info)?;
            let mut feed = feed_loader.load_mut()?;
            bring_named_market(&mut market, &mut feed, oracle, clock)?;
            if open {
                // Valuing open positions needs a price a liquidation would accept.
                require_usable(&feed, PriceUse::new(clock, PriceGrade::LiquidationOnly))?;
            }
            record_market_value(&mut market, &feed, clock.unix_timestamp, clock.slot)?;
        }
        let current = market.pool_value_slot == clock.slot || (market.pool_value_slot != 0 && !open);
        if !current {
            msg!("market {}: its value was last recorded at slot {} (0: changed since)", index, market.pool_value_slot);
            return err!(ReflexError::PoolValueNotCurrent);
        }
        value = value.safe_add(market.pool_value.get())?;
        exit_value = exit_value.safe_add(market.pool_exit_value.get())?;
        markets.push(MarketCover {
            market_index: market.market_index,
            largest_side_notional: market.largest_side_notional.get(),
            max_open_interest_ratio: market.trading.max_open_interest_ratio(),
        });
    }
    require!(accounts.next().is_none(), ReflexError::WrongPoolAccounts);
    // Losses an insolvent account cannot repay are not the pool's to count,
    // beyond what the insurance fund will cover.
    let uncovered = uncovered_deficits(exchange)?;
    let value = value.safe_sub(uncovered)?;
    let exit_value = exit_value.safe_sub(uncovered)?.min(value);
    Ok(PoolValuation { value, exit_value, markets })
}

/// Records `market`'s part of the pool value and exit value at the feed's
/// price, for this slot. A market with open interest whose price a
/// liquidation would not accept is left unrecorded (its record stays
/// cleared or old): nobody can value it, so no LP action counts it.
pub fn record_market_value(market: &mut PerpMarket, feed: &PriceFeed, now: i64, slot: u64) -> Result<()> {
    if slot != 0 && market.pool_value_slot == slot {
        // Recorded in this slot, and nothing that moves the value changed
        // since (every such change clears the slot to 0); the feed's price
        // is the one it was recorded at, as a feed takes one print per slot.
        return Ok(());
    }
    let open = market.has_open_interest();
    let prices = PriceUse { now, slot, min_grade: PriceGrade::LiquidationOnly };
    if open && require_usable(feed, prices).is_err() {
        return Ok(());
    }
    let traders_pnl = if open { market.traders_unrealized_pnl(feed)? } else { market.quote_position_sum.get() };
    let owed_to_traders = if open { traders_pnl.max(Fixed::ZERO) } else { traders_pnl };
    let realized = market.pool_realized.get();
    let value = realized.safe_sub(traders_pnl)?;
    let exit_value = realized.safe_sub(owed_to_traders)?;
    let largest_side = Fixed::from_num(market.long_base.max(market.short_base));
    let notional = safe_mul_floor(largest_side, feed.last_price.get())?;
    market.pool_value.set(value);
    market.pool_exit_value.set(exit_value);
    market.largest_side_notional.set(notional);
    market.pool_value_slot = slot;
    Ok(())
}

/// What one market's open-interest cap is measured against, from the
/// accounts a trade reads: the pool's balance less the deficits it has
/// booked and the insurance fund cannot cover, less what this market has
/// lost to traders (realised and unrealised at this slot's price; its
/// gains do not raise the cap). A market that traders have drained has a
/// smaller cap at once; other markets' gains and losses enter when an LP
/// action values the whole pool.
pub fn open_interest_base(exchange: &Exchange, market: &PerpMarket, feed: &PriceFeed) -> Result<Fixed> {
    let market_pnl = market.pool_realized.get().safe_sub(market.traders_unrealized_pnl(feed)?)?;
    exchange.pool_balance.get().safe_sub(uncovered_deficits(exchange)?)?.safe_add(market_pnl.min(Fixed::ZERO))
}

/// Records each side's open-interest cap, `max_open_interest ·
/// open_interest_base`, as the capacity the market's utilisation add-on is
/// measured against (`PerpMarket::open_interest_add_on`) until the next
/// instruction with the pool at hand measures it again. Returns it.
pub fn record_open_interest_capacity(exchange: &Exchange, market: &mut PerpMarket, feed: &PriceFeed) -> Result<Fixed> {
    let base = open_interest_base(exchange, market, feed)?.max(Fixed::ZERO);
    let capacity = safe_mul_floor(market.trading.max_open_interest_ratio(), base)?;
    market.open_interest_capacity.set(capacity);
    Ok(capacity)
}

/// Booked deficits beyond what the insurance fund holds.
fn uncovered_deficits(exchange: &Exchange) -> Result<Fixed> {
    Ok(exchange.booked_deficits.get().safe_sub(exchange.insurance_fund.get().max(Fixed::ZERO))?.max(Fixed::ZERO))
}

/// Each market's larger side must stay within its cap of `pool_balance`.
pub fn require_covered(markets: &[MarketCover], pool_balance: Fixed) -> Result<()> {
    for market in markets {
        if market.largest_side_notional == 0 {
            continue;
        }
        let cap = safe_mul_floor(market.max_open_interest_ratio, pool_balance.max(Fixed::ZERO))?;
        if market.largest_side_notional > cap {
            msg!("market {}: open interest {} above the cap {}", market.market_index, market.largest_side_notional, cap);
            return err!(ReflexError::PoolWithdrawalUncovered);
        }
    }
    Ok(())
}
