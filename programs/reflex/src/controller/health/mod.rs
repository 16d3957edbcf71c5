//! The health cache: an account's snapshot built once per instruction from
//! the accounts it touches, then updated in memory as the instruction
//! changes the account (Mango v4's `HealthCache` pattern).
//!
//! Every number in it is of the current slot (DESIGN.md sections 4 and 6):
//! building it reads the oracle account of every feed it uses
//! (`feed::refresh_lazily`, at most once per slot), then advances the
//! haircuts of every asset and the margins and funding of every market to
//! this slot. No caller can make it price with an older print than the one
//! its oracle holds at the slot's first read, nor with levels left stale.
//!
//! Remaining accounts, in this order:
//! 1. the CollateralAsset of every collateral slot in use, in slot order (writable);
//! 2. the PerpMarket of every perp slot in use, in slot order (writable);
//! 3. for every PriceFeed those assets and markets read, once each, any
//!    order: the feed (writable), then its oracle account.
//!
//! An asset or market the instruction names itself (because it writes it)
//! is left out of 1 and 2, and its feed out of 3: the instruction brings
//! them current itself ([`bring_named_market`], [`bring_named_asset`]).
//! Each account is checked: the loader checks owner and discriminator (only
//! this program creates these accounts, at their PDAs), then exchange,
//! index, feed and oracle, so a fake or substituted account cannot value an
//! account.
//!
//! **Entries without a usable price.** Collateral whose feed has no usable
//! print for the action (or whose risk is not configured) counts zero: an
//! asset that cannot be priced backs nothing, and the holder of dust of it
//! cannot make the account unliquidatable. A perp position without a usable
//! price blocks risk-increasing actions; for liquidations and reductions it
//! is valued conservatively (`reflex_risk::unpriced_perp`: the last price
//! moved against the position by the market's provisioned move, no credit
//! for gains), so the account's other entries can still be liquidated.
mod check;
mod remaining;

use anchor_lang::prelude::*;
use reflex_risk::{unpriced_perp, AccountSnapshot, CollateralEntry, Fixed, HealthLevel, OraclePrice, PerpEntry};

pub use check::{check_post, check_pre, HealthBefore, RiskChange};
pub use remaining::RemainingAccounts;
use remaining::{feed_loaders, Layout};

use super::collateral::advance_haircuts;
use super::feed::refresh_lazily;
use super::market::bring_current;
use crate::error::MapRiskErr;
use crate::error::ReflexError;
use crate::oracle::PriceGrade;
use crate::state::{CollateralAsset, MarginAccount, PerpMarket, PerpPosition, PriceFeed};
use crate::utils::ppm;

/// Which prices an action accepts: a risk-increasing action needs `Valid`,
/// reducing, closing and liquidating accept `LiquidationOnly`.
#[derive(Clone, Copy, Debug)]
pub struct PriceUse {
    /// The cluster's unix time, to age the feeds' last prints.
    pub now: i64,
    pub slot: u64,
    pub min_grade: PriceGrade,
}

impl PriceUse {
    pub fn new(clock: &Clock, min_grade: PriceGrade) -> Self {
        PriceUse { now: clock.unix_timestamp, slot: clock.slot, min_grade }
    }

    fn usable(&self, feed: &PriceFeed) -> bool {
        feed.grade_at(self.now).is_some_and(|grade| grade >= self.min_grade)
    }
}

/// Accounts the instruction names itself (and may hold mutably): they are
/// not repeated among the remaining accounts, and are already current.
#[derive(Clone, Copy, Default)]
pub struct Named<'a> {
    pub market: Option<(&'a PerpMarket, &'a PriceFeed)>,
    pub asset: Option<(&'a CollateralAsset, &'a PriceFeed)>,
}

impl<'a> Named<'a> {
    fn feed_keys(&self) -> [Option<Pubkey>; 2] {
        [self.market.map(|(market, _)| market.feed), self.asset.map(|(asset, _)| asset.feed)]
    }

    /// The named feed with address `key`, if the instruction names it.
    fn feed(&self, key: &Pubkey) -> Option<&'a PriceFeed> {
        match (self.market, self.asset) {
            (Some((market, feed)), _) if market.feed == *key => Some(feed),
            (_, Some((asset, feed))) if asset.feed == *key => Some(feed),
            _ => None,
        }
    }
}

/// Brings a market the instruction names to this slot: its feed refreshed
/// from `oracle` (lazily: an unusable print leaves the feed to age), then
/// margins and funding advanced.
pub fn bring_named_market(market: &mut PerpMarket, feed: &mut PriceFeed, oracle: &AccountInfo, clock: &Clock) -> Result<()> {
    refresh_lazily(feed, oracle, clock.slot, clock.unix_timestamp)?;
    bring_current(market, feed, clock.slot)?;
    Ok(())
}

/// Brings a collateral the instruction names to this slot: its feed
/// refreshed from `oracle`, then (if configured) its haircuts advanced.
pub fn bring_named_asset(asset: &mut CollateralAsset, feed: &mut PriceFeed, oracle: &AccountInfo, clock: &Clock) -> Result<()> {
    refresh_lazily(feed, oracle, clock.slot, clock.unix_timestamp)?;
    if asset.is_risk_configured() {
        advance_haircuts(asset, feed, clock.slot)?;
    }
    Ok(())
}

/// `amount` of `asset` as health counts it for this action: priced if the
/// feed has a usable print and the risk is configured, else zero.
pub fn collateral_entry(asset: &CollateralAsset, feed: Option<&PriceFeed>, amount: u64, prices: PriceUse) -> CollateralEntry {
    match feed {
        Some(feed) if asset.is_risk_configured() && prices.usable(feed) => asset.health_entry(feed, amount),
        _ => CollateralEntry {
            amount,
            price: OraclePrice::new(Fixed::ZERO, Fixed::ZERO),
            initial_haircut: Fixed::ONE,
            maintenance_haircut: Fixed::ONE,
            liquidation_buffer: Fixed::ZERO,
            size_factor: Fixed::ZERO,
        },
    }
}

/// `position` in `market` as health counts it for this action: priced if
/// the feed has a usable print; otherwise refused for a risk-increasing
/// action and valued conservatively for any other.
pub fn perp_entry(market: &PerpMarket, feed: &PriceFeed, position: &PerpPosition, prices: PriceUse) -> Result<PerpEntry> {
    let entry = market.health_entry(feed, position)?;
    if prices.usable(feed) {
        return Ok(entry);
    }
    if prices.min_grade == PriceGrade::Valid {
        require_usable(feed, prices)?;
    }
    unpriced_perp(&entry, ppm(market.risk.max_move_over_horizon)).map_risk_err()
}

/// Where a health cache gets the accounts it values (Mango v4's
/// `AccountRetriever`): each asset and market the margin account uses,
/// with the feed it prices from, as of this slot. The cache asks for them
/// in slot order, once each, and values them itself.
pub trait AccountRetriever {
    /// Runs `value` on the asset `asset_index` and its feed (`None` when
    /// its risk is not configured: it has no feed to read).
    fn collateral<R>(&mut self, asset_index: u16, value: impl FnOnce(&CollateralAsset, Option<&PriceFeed>) -> Result<R>) -> Result<R>;

    /// Runs `value` on the market `market_index` and its feed.
    fn perp<R>(&mut self, market_index: u16, value: impl FnOnce(&PerpMarket, &PriceFeed) -> Result<R>) -> Result<R>;
}

#[derive(Clone, Debug)]
pub struct HealthCache {
    pub snapshot: AccountSnapshot,
    /// Every entry had a usable price (none was valued at zero or conservatively).
    pub all_priced: bool,
    /// Market index of each `snapshot.perps` entry.
    perp_markets: Vec<u16>,
    /// Asset index of each `snapshot.collateral` entry.
    collateral_assets: Vec<u16>,
}

impl HealthCache {
    /// The cache over the instruction's remaining accounts (the module
    /// docs give their order), as every handler builds it.
    pub fn build<'info>(margin: &MarginAccount, remaining: &'info [AccountInfo<'info>], named: &Named, prices: PriceUse) -> Result<Self> {
        let layout = Layout::of(margin, remaining, named)?;
        let loaders = feed_loaders(layout.feed_pairs, named)?;
        let mut accounts = RemainingAccounts::new(margin, &layout, &loaders, *named, prices)?;
        HealthCache::new(margin, &mut accounts, prices)
    }

    /// The cache of `margin` from the accounts `retriever` gives: on chain
    /// the remaining accounts, each checked and brought to this slot
    /// ([`RemainingAccounts`]); off chain accounts fetched from a cluster
    /// (`reflex_sdk::health`). Either way every entry is valued here, by
    /// the same rules.
    pub fn new(margin: &MarginAccount, retriever: &mut impl AccountRetriever, prices: PriceUse) -> Result<Self> {
        let mut cache = HealthCache {
            snapshot: AccountSnapshot { quote_balance: margin.quote(), collateral: Vec::new(), perps: Vec::new() },
            all_priced: true,
            perp_markets: Vec::new(),
            collateral_assets: Vec::new(),
        };
        for slot in margin.collateral_in_use() {
            let (entry, priced) = retriever.collateral(slot.asset_index, |asset, feed| {
                let priced = asset.is_risk_configured() && feed.is_some_and(|feed| prices.usable(feed));
                Ok((collateral_entry(asset, feed, slot.amount, prices), priced))
            })?;
            cache.all_priced &= priced;
            cache.snapshot.collateral.push(entry);
            cache.collateral_assets.push(slot.asset_index);
        }
        for position in margin.perps_in_use() {
            let (entry, priced) = retriever
                .perp(position.market_index, |market, feed| Ok((perp_entry(market, feed, position, prices)?, prices.usable(feed))))?;
            cache.all_priced &= priced;
            cache.snapshot.perps.push(entry);
            cache.perp_markets.push(position.market_index);
        }
        Ok(cache)
    }

    pub fn health(&self, level: HealthLevel) -> Result<Fixed> {
        self.snapshot.health(level).map_risk_err()
    }

    /// Index in `snapshot.perps` of `market_index`'s position.
    pub fn perp_index(&self, market_index: u16) -> Option<usize> {
        self.perp_markets.iter().position(|&index| index == market_index)
    }

    /// Index in `snapshot.collateral` of `asset_index`'s balance.
    pub fn collateral_index(&self, asset_index: u16) -> Option<usize> {
        self.collateral_assets.iter().position(|&index| index == asset_index)
    }

    /// Replaces (or adds, or with `None` removes) `market_index`'s position.
    pub fn set_perp(&mut self, market_index: u16, entry: Option<PerpEntry>) {
        match (self.perp_index(market_index), entry) {
            (Some(index), Some(entry)) => self.snapshot.perps[index] = entry,
            (Some(index), None) => {
                self.snapshot.perps.remove(index);
                self.perp_markets.remove(index);
            }
            (None, Some(entry)) => {
                self.snapshot.perps.push(entry);
                self.perp_markets.push(market_index);
            }
            (None, None) => {}
        }
    }

    /// Sets `asset_index`'s balance (an asset the account holds).
    pub fn set_collateral_amount(&mut self, asset_index: u16, amount: u64) -> Result<()> {
        let index = self.collateral_index(asset_index).ok_or(ReflexError::WrongHealthAccounts)?;
        self.snapshot.collateral[index].amount = amount;
        Ok(())
    }

    pub fn set_quote_balance(&mut self, quote_balance: Fixed) {
        self.snapshot.quote_balance = quote_balance;
    }
}

/// The feed's last print is usable for this action: graded at least
/// `min_grade` at refresh and, aged against the clock now, still so.
pub fn require_usable(feed: &PriceFeed, prices: PriceUse) -> Result<()> {
    match feed.grade_at(prices.now) {
        None => err!(ReflexError::StalePrice),
        Some(grade) if grade < prices.min_grade => err!(ReflexError::PriceNotValidForAction),
        Some(_) => Ok(()),
    }
}
