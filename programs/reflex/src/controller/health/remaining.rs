//! The health cache's accounts on chain: the instruction's remaining
//! accounts, in the order the parent module documents, each checked and
//! brought to this slot as the cache asks for it.
use std::cell::RefMut;

use anchor_lang::prelude::*;

use super::{AccountRetriever, Named, PriceUse};
use crate::controller::collateral::advance_haircuts;
use crate::controller::feed::refresh_lazily;
use crate::controller::market::bring_current;
use crate::controller::pool::record_market_value;
use crate::error::ReflexError;
use crate::state::{CollateralAsset, MarginAccount, PerpMarket, PriceFeed};

/// The remaining accounts cut into their three parts: assets and markets
/// (one per slot in use the instruction does not name), then the
/// (feed, oracle) pairs.
pub struct Layout<'info> {
    assets: &'info [AccountInfo<'info>],
    markets: &'info [AccountInfo<'info>],
    pub feed_pairs: &'info [AccountInfo<'info>],
}

impl<'info> Layout<'info> {
    pub fn of(margin: &MarginAccount, remaining: &'info [AccountInfo<'info>], named: &Named) -> Result<Self> {
        let named_asset = named.asset.map(|(asset, _)| asset.asset_index);
        let named_market = named.market.map(|(market, _)| market.market_index);
        let asset_count = margin.collateral_in_use().filter(|slot| Some(slot.asset_index) != named_asset).count();
        let market_count = margin.perps_in_use().filter(|slot| Some(slot.market_index) != named_market).count();
        require!(remaining.len() >= asset_count.saturating_add(market_count), ReflexError::WrongHealthAccounts);
        let (assets, rest) = remaining.split_at(asset_count);
        let (markets, feed_pairs) = rest.split_at(market_count);
        require!(feed_pairs.len() % 2 == 0, ReflexError::WrongHealthAccounts);
        Ok(Layout { assets, markets, feed_pairs })
    }
}

/// The loaders of the (feed, oracle) pairs' feeds, each checked to be a
/// PriceFeed (owner and discriminator) and not one the instruction names
/// (which it holds already).
pub fn feed_loaders<'info>(pairs: &'info [AccountInfo<'info>], named: &Named) -> Result<Vec<AccountLoader<'info, PriceFeed>>> {
    let named = named.feed_keys();
    pairs
        .as_chunks::<2>()
        .0
        .iter()
        .map(|pair| {
            require!(!named.contains(&Some(pair[0].key())), ReflexError::WrongHealthAccounts);
            AccountLoader::<PriceFeed>::try_from(&pair[0])
        })
        .collect()
}

/// [`AccountRetriever`] over the remaining accounts: the instruction's
/// named asset and market as they are (it brought them current), every
/// other asset and market loaded in slot order, checked against the
/// account's exchange and the slot's index, and advanced to this slot
/// (haircuts; margins, funding and the market's part of the pool value)
/// before it is valued; every feed loaded once and read from its oracle.
pub struct RemainingAccounts<'a, 'info> {
    exchange: Pubkey,
    named: Named<'a>,
    assets: std::vec::IntoIter<AccountLoader<'info, CollateralAsset>>,
    markets: std::vec::IntoIter<AccountLoader<'info, PerpMarket>>,
    feeds: FeedTable<'a>,
    prices: PriceUse,
}

impl<'a, 'info: 'a> RemainingAccounts<'a, 'info> {
    pub fn new(
        margin: &MarginAccount,
        layout: &Layout<'info>,
        loaders: &'a [AccountLoader<'info, PriceFeed>],
        named: Named<'a>,
        prices: PriceUse,
    ) -> Result<Self> {
        // Owner and discriminator of every asset and market first: once the
        // feeds are held, a feed passed where an asset belongs could no
        // longer be told apart from an account borrowed twice.
        let assets = layout.assets.iter().map(AccountLoader::try_from).collect::<Result<Vec<_>>>()?;
        let markets = layout.markets.iter().map(AccountLoader::try_from).collect::<Result<Vec<_>>>()?;
        let feeds = FeedTable::refreshed(layout.feed_pairs, loaders, &margin.exchange, prices)?;
        Ok(RemainingAccounts { exchange: margin.exchange, named, assets: assets.into_iter(), markets: markets.into_iter(), feeds, prices })
    }
}

impl AccountRetriever for RemainingAccounts<'_, '_> {
    fn collateral<R>(&mut self, asset_index: u16, value: impl FnOnce(&CollateralAsset, Option<&PriceFeed>) -> Result<R>) -> Result<R> {
        if let Some((asset, feed)) = self.named.asset.filter(|(asset, _)| asset.asset_index == asset_index) {
            return value(asset, Some(feed));
        }
        let loader = self.assets.next().ok_or(ReflexError::WrongHealthAccounts)?;
        let mut asset = loader.load_mut()?;
        require!(asset.exchange == self.exchange && asset.asset_index == asset_index, ReflexError::WrongHealthAccounts);
        if !asset.is_risk_configured() {
            return value(&asset, None);
        }
        let feed = self.feeds.get(&self.named, &asset.feed)?;
        advance_haircuts(&mut asset, feed, self.prices.slot)?;
        value(&asset, Some(feed))
    }

    fn perp<R>(&mut self, market_index: u16, value: impl FnOnce(&PerpMarket, &PriceFeed) -> Result<R>) -> Result<R> {
        if let Some((market, feed)) = self.named.market.filter(|(market, _)| market.market_index == market_index) {
            return value(market, feed);
        }
        let loader = self.markets.next().ok_or(ReflexError::WrongHealthAccounts)?;
        let mut market = loader.load_mut()?;
        require!(market.exchange == self.exchange && market.market_index == market_index, ReflexError::WrongHealthAccounts);
        let feed = self.feeds.get(&self.named, &market.feed)?;
        bring_current(&mut market, feed, self.prices.slot)?;
        record_market_value(&mut market, feed, self.prices.now, self.prices.slot)?;
        value(&market, feed)
    }
}

/// The feeds among the remaining accounts, each loaded once for the whole
/// build and read from its oracle for this slot.
struct FeedTable<'a> {
    keys: Vec<&'a Pubkey>,
    feeds: Vec<RefMut<'a, PriceFeed>>,
}

impl<'a> FeedTable<'a> {
    /// Loads and refreshes every pair's feed. A feed is listed once (the
    /// same account twice would be borrowed twice).
    fn refreshed<'info: 'a>(
        pairs: &'info [AccountInfo<'info>],
        loaders: &'a [AccountLoader<'info, PriceFeed>],
        exchange: &Pubkey,
        prices: PriceUse,
    ) -> Result<Self> {
        let mut table = FeedTable { keys: Vec::with_capacity(loaders.len()), feeds: Vec::with_capacity(loaders.len()) };
        for (pair, loader) in pairs.as_chunks::<2>().0.iter().zip(loaders) {
            if pair[0].try_borrow_mut_data().is_err() {
                msg!("feed {} is listed twice among the health accounts", pair[0].key);
                return err!(ReflexError::WrongHealthAccounts);
            }
            let mut feed = loader.load_mut()?;
            require!(feed.exchange == *exchange, ReflexError::WrongHealthAccounts);
            refresh_lazily(&mut feed, &pair[1], prices.slot, prices.now)?;
            table.keys.push(pair[0].key);
            table.feeds.push(feed);
        }
        Ok(table)
    }

    /// The feed `key`: the instruction's named one, or the table's.
    fn get<'s>(&'s self, named: &Named<'s>, key: &Pubkey) -> Result<&'s PriceFeed> {
        if let Some(feed) = named.feed(key) {
            return Ok(feed);
        }
        let index = self.keys.iter().position(|listed| *listed == key).ok_or(ReflexError::WrongFeed)?;
        Ok(&self.feeds[index])
    }
}
