//! The health cache: an account's snapshot built once per instruction from
//! the accounts it touches, then updated in memory as the instruction
//! changes the account (Mango v4's `HealthCache` pattern).
//!
//! Remaining accounts, in this order:
//! 1. the CollateralAsset of every collateral slot in use, in slot order;
//! 2. the PerpMarket of every perp slot in use, in slot order;
//! 3. every PriceFeed those assets and markets read, once each, any order.
//!
//! An asset or market the instruction names itself (because it writes it)
//! is left out of 1 and 2; its feed comes named too. Each account is checked:
//! the loader checks owner and discriminator (only this program creates
//! these accounts, at their PDAs), then exchange, index and feed, so a fake
//! or substituted asset, market or feed cannot value an account.
use anchor_lang::prelude::*;
use reflex_risk::{AccountSnapshot, Fixed, HealthLevel, PerpEntry};

use super::feed::risk_error;
use crate::error::ReflexError;
use crate::oracle::PriceGrade;
use crate::state::{CollateralAsset, MarginAccount, PerpMarket, PriceFeed};

/// Which prices an action accepts: a risk-increasing action needs `Valid`,
/// reducing, closing and liquidating accept `LiquidationOnly`.
#[derive(Clone, Copy, Debug)]
pub struct PriceUse {
    /// The cluster's unix time, to age the feeds' last prints.
    pub now: i64,
    pub min_grade: PriceGrade,
}

/// Accounts the instruction names itself (and may hold mutably): they are
/// not repeated among the remaining accounts.
#[derive(Default)]
pub struct Named<'a> {
    pub market: Option<(&'a PerpMarket, &'a PriceFeed)>,
    pub asset: Option<(&'a CollateralAsset, &'a PriceFeed)>,
}

#[derive(Clone, Debug)]
pub struct HealthCache {
    pub snapshot: AccountSnapshot,
    /// Market index of each `snapshot.perps` entry.
    perp_markets: Vec<u16>,
    /// Asset index of each `snapshot.collateral` entry.
    collateral_assets: Vec<u16>,
}

impl HealthCache {
    pub fn build<'info>(margin: &MarginAccount, remaining: &'info [AccountInfo<'info>], named: &Named, prices: PriceUse) -> Result<Self> {
        let named_asset = named.asset.map(|(asset, _)| asset.asset_index);
        let named_market = named.market.map(|(market, _)| market.market_index);
        let asset_count = margin.collateral_in_use().filter(|slot| Some(slot.asset_index) != named_asset).count();
        let market_count = margin.perps_in_use().filter(|slot| Some(slot.market_index) != named_market).count();
        require!(remaining.len() >= asset_count + market_count, ReflexError::WrongHealthAccounts);
        let (assets, rest) = remaining.split_at(asset_count);
        let (markets, feeds) = rest.split_at(market_count);

        let mut cache = HealthCache {
            snapshot: AccountSnapshot { quote_balance: margin.quote(), collateral: Vec::new(), perps: Vec::new() },
            perp_markets: Vec::new(),
            collateral_assets: Vec::new(),
        };
        let mut asset_accounts = assets.iter();
        for slot in margin.collateral_in_use() {
            let entry = match named.asset {
                Some((asset, feed)) if asset.asset_index == slot.asset_index => {
                    require_usable(feed, prices)?;
                    asset.health_entry(feed, slot.amount)
                }
                _ => {
                    let info = asset_accounts.next().ok_or(ReflexError::WrongHealthAccounts)?;
                    let loader = AccountLoader::<CollateralAsset>::try_from(info)?;
                    let asset = loader.load()?;
                    require!(
                        asset.exchange == margin.exchange && asset.asset_index == slot.asset_index,
                        ReflexError::WrongHealthAccounts
                    );
                    require!(asset.risk_configured == 1, ReflexError::CollateralRiskNotConfigured);
                    let feed = find_feed(feeds, &asset.feed)?;
                    let feed = feed.load()?;
                    require_usable(&feed, prices)?;
                    asset.health_entry(&feed, slot.amount)
                }
            };
            cache.snapshot.collateral.push(entry);
            cache.collateral_assets.push(slot.asset_index);
        }
        let mut market_accounts = markets.iter();
        for position in margin.perps_in_use() {
            let entry = match named.market {
                Some((market, feed)) if market.market_index == position.market_index => {
                    require_usable(feed, prices)?;
                    market.health_entry(feed, position)?
                }
                _ => {
                    let info = market_accounts.next().ok_or(ReflexError::WrongHealthAccounts)?;
                    let loader = AccountLoader::<PerpMarket>::try_from(info)?;
                    let market = loader.load()?;
                    require!(
                        market.exchange == margin.exchange && market.market_index == position.market_index,
                        ReflexError::WrongHealthAccounts
                    );
                    let feed = find_feed(feeds, &market.feed)?;
                    let feed = feed.load()?;
                    require_usable(&feed, prices)?;
                    market.health_entry(&feed, position)?
                }
            };
            cache.snapshot.perps.push(entry);
            cache.perp_markets.push(position.market_index);
        }
        Ok(cache)
    }

    pub fn health(&self, level: HealthLevel) -> Result<Fixed> {
        self.snapshot.health(level).map_err(risk_error)
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

    /// After a risk-increasing action: initial health must be ≥ 0.
    pub fn require_initial_health(&self) -> Result<Fixed> {
        let initial = self.health(HealthLevel::Initial)?;
        if initial < 0 {
            msg!("initial health after the action: {}", initial);
            return err!(ReflexError::InsufficientInitialHealth);
        }
        Ok(initial)
    }
}

fn find_feed<'info>(feeds: &'info [AccountInfo<'info>], key: &Pubkey) -> Result<AccountLoader<'info, PriceFeed>> {
    let info = feeds.iter().find(|info| info.key == key).ok_or(ReflexError::WrongFeed)?;
    Ok(AccountLoader::<PriceFeed>::try_from(info)?)
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
