//! Off-chain health: the same snapshot the program builds, from the same
//! accounts, valued by the same risk crate, so the numbers agree to the bit;
//! and the remaining accounts each instruction that checks health expects
//! (the program's `controller::health` documents their order).
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{Discriminator, InstructionData, ToAccountMetas, ZeroCopy};
use reflex::controller::health::{AccountRetriever, HealthCache, PriceUse};
use reflex::error::ReflexError;
use reflex::oracle::PriceGrade;
use reflex::state::{CollateralAsset, Exchange, MarginAccount, PerpMarket, PriceFeed};
use reflex_risk::{AccountSnapshot, Fixed, HealthLevel, HealthSummary, OraclePrice};

use crate::pda;

/// Where decoded Reflex accounts come from: the embedded SVM, an RPC client,
/// or a test's fixtures.
pub trait AccountReader {
    fn read<T: ZeroCopy + Discriminator>(&self, address: &Pubkey) -> Option<T>;

    /// The cluster's unix time, to age prints as the program does; `None`
    /// (a reader of fixtures) values every print as fresh.
    fn unix_time(&self) -> Option<i64> {
        None
    }
}

#[cfg(feature = "embedded")]
impl AccountReader for crate::embedded::Embedded {
    fn read<T: ZeroCopy + Discriminator>(&self, address: &Pubkey) -> Option<T> {
        self.load(address)
    }

    fn unix_time(&self) -> Option<i64> {
        Some(self.svm.get_sysvar::<anchor_lang::prelude::Clock>().unix_timestamp)
    }
}

/// Why health accounts could not be gathered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthError {
    /// An account the margin account refers to is missing or not decodable.
    Missing(&'static str, Pubkey),
    /// The risk crate could not value the account.
    Risk(reflex_risk::RiskError),
    /// The program's health cache refused the accounts (its error, as the
    /// program would log it).
    Program(String),
}

impl std::fmt::Display for HealthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HealthError::Missing(kind, address) => write!(f, "{kind} account {address} is missing or not a Reflex {kind}"),
            HealthError::Risk(error) => write!(f, "risk math failed: {error:?}"),
            HealthError::Program(error) => write!(f, "the program's health check refused: {error}"),
        }
    }
}

impl std::error::Error for HealthError {}

fn read<T: ZeroCopy + Discriminator>(reader: &impl AccountReader, kind: &'static str, address: &Pubkey) -> Result<T, HealthError> {
    reader.read(address).ok_or(HealthError::Missing(kind, *address))
}

/// The CollateralAsset address of a listed asset index.
pub fn asset_address(exchange: &Exchange, asset_index: u16) -> Pubkey {
    pda::collateral_asset(&exchange.collateral_mints[asset_index as usize])
}

/// The remaining accounts of an instruction that checks `margin`'s health
/// (the program's `controller::health` documents them): its assets and
/// markets in slot order, writable (without `named_market` / `named_asset`,
/// which that instruction names itself), then every feed they read, once
/// each, writable, each followed by its oracle account (without the named
/// market's or asset's feed, which the instruction also names).
pub fn health_accounts(
    reader: &impl AccountReader,
    margin: &MarginAccount,
    named_market: Option<u16>,
    named_asset: Option<u16>,
) -> Result<Vec<AccountMeta>, HealthError> {
    let exchange: Exchange = read(reader, "Exchange", &pda::exchange())?;
    let mut metas = Vec::new();
    let mut feeds: Vec<Pubkey> = Vec::new();
    let mut named_feeds: Vec<Pubkey> = Vec::new();
    for slot in margin.collateral_in_use() {
        let address = asset_address(&exchange, slot.asset_index);
        let asset: CollateralAsset = read(reader, "CollateralAsset", &address)?;
        if Some(slot.asset_index) == named_asset {
            continue;
        }
        metas.push(AccountMeta::new(address, false));
        if asset.is_risk_configured() && !feeds.contains(&asset.feed) {
            feeds.push(asset.feed);
        }
    }
    for position in margin.perps_in_use() {
        let address = pda::market(position.market_index);
        let market: PerpMarket = read(reader, "PerpMarket", &address)?;
        if Some(position.market_index) == named_market {
            continue;
        }
        metas.push(AccountMeta::new(address, false));
        if !feeds.contains(&market.feed) {
            feeds.push(market.feed);
        }
    }
    // The named market's or asset's feed comes with the instruction itself.
    if let Some(index) = named_market {
        named_feeds.push(read::<PerpMarket>(reader, "PerpMarket", &pda::market(index))?.feed);
    }
    if let Some(index) = named_asset {
        named_feeds.push(read::<CollateralAsset>(reader, "CollateralAsset", &asset_address(&exchange, index))?.feed);
    }
    for feed in feeds.iter().filter(|feed| !named_feeds.contains(feed)) {
        metas.extend(feed_metas(reader, feed)?);
    }
    Ok(metas)
}

/// A feed (writable) and its oracle account, as every pricing instruction
/// takes them.
pub fn feed_metas(reader: &impl AccountReader, feed: &Pubkey) -> Result<[AccountMeta; 2], HealthError> {
    let price_feed: PriceFeed = read(reader, "PriceFeed", feed)?;
    Ok([AccountMeta::new(*feed, false), AccountMeta::new_readonly(price_feed.oracle, false)])
}

/// The oracle account `feed` reads.
pub fn oracle_of(reader: &impl AccountReader, feed: &Pubkey) -> Result<Pubkey, HealthError> {
    Ok(read::<PriceFeed>(reader, "PriceFeed", feed)?.oracle)
}

/// `margin`'s health snapshot as `compute_health` builds it.
pub fn snapshot(reader: &impl AccountReader, margin: &MarginAccount) -> Result<AccountSnapshot, HealthError> {
    Ok(snapshot_with_feeds(reader, margin)?.0)
}

/// The snapshot and, for each of its entries (collateral first, then perps,
/// in slot order), the feed its price comes from. Built by the program's
/// own health cache (`reflex::controller::health::HealthCache::new`) over
/// the accounts as fetched ([`FetchedAccounts`]), so every entry is valued
/// by the program's code and rules for a liquidation: collateral without a
/// usable price counts zero, a position without one is valued
/// conservatively. Levels and prints are the accounts' as they stand:
/// after a crank in this slot, exactly what the program uses.
pub fn snapshot_with_feeds(reader: &impl AccountReader, margin: &MarginAccount) -> Result<(AccountSnapshot, Vec<Pubkey>), HealthError> {
    let exchange: Exchange = read(reader, "Exchange", &pda::exchange())?;
    // Without a clock every print counts as just published.
    let prices = PriceUse { now: reader.unix_time().unwrap_or(i64::MIN), slot: 0, min_grade: PriceGrade::LiquidationOnly };
    let mut accounts = FetchedAccounts { reader, exchange, feeds: Vec::new(), missing: None };
    match HealthCache::new(margin, &mut accounts, prices) {
        Ok(cache) => Ok((cache.snapshot, accounts.feeds)),
        Err(error) => Err(accounts.missing.take().unwrap_or_else(|| HealthError::Program(error.to_string()))),
    }
}

/// The program's `AccountRetriever` over accounts read from a cluster: each
/// asset and market at its address, with its feed, as it stands (the
/// program's own retriever also brings them to the slot, which the crank
/// has done). Records the feed of each entry, and which account was
/// missing if one was.
struct FetchedAccounts<'r, R: AccountReader> {
    reader: &'r R,
    exchange: Exchange,
    feeds: Vec<Pubkey>,
    missing: Option<HealthError>,
}

impl<R: AccountReader> FetchedAccounts<'_, R> {
    fn fetch<T: ZeroCopy + Discriminator>(&mut self, kind: &'static str, address: &Pubkey) -> anchor_lang::Result<T> {
        read(self.reader, kind, address).map_err(|missing| {
            self.missing = Some(missing);
            ReflexError::WrongHealthAccounts.into()
        })
    }
}

impl<R: AccountReader> AccountRetriever for FetchedAccounts<'_, R> {
    fn collateral<T>(
        &mut self,
        asset_index: u16,
        value: impl FnOnce(&CollateralAsset, Option<&PriceFeed>) -> anchor_lang::Result<T>,
    ) -> anchor_lang::Result<T> {
        let asset: CollateralAsset = self.fetch("CollateralAsset", &asset_address(&self.exchange, asset_index))?;
        self.feeds.push(asset.feed);
        if !asset.is_risk_configured() {
            return value(&asset, None);
        }
        let feed: PriceFeed = self.fetch("PriceFeed", &asset.feed)?;
        value(&asset, Some(&feed))
    }

    fn perp<T>(
        &mut self,
        market_index: u16,
        value: impl FnOnce(&PerpMarket, &PriceFeed) -> anchor_lang::Result<T>,
    ) -> anchor_lang::Result<T> {
        let market: PerpMarket = self.fetch("PerpMarket", &pda::market(market_index))?;
        self.feeds.push(market.feed);
        let feed: PriceFeed = self.fetch("PriceFeed", &market.feed)?;
        value(&market, &feed)
    }
}

/// The pool's remaining accounts for `lp_deposit`, `lp_withdraw` and
/// `execute_lp_request`: every listed market (writable) with its feed
/// (writable) and the feed's oracle, in market order, so the instruction
/// values every market at this slot itself. Fits one transaction up to
/// about ten markets; past that use [`pool_accounts_cranked`].
pub fn pool_accounts(reader: &impl AccountReader) -> Result<Vec<AccountMeta>, HealthError> {
    pool_accounts_with(reader, |_| true)
}

/// The same for markets cranked earlier in the slot: each market alone
/// except those `bring` selects, which come with their feed and oracle.
/// The cranks are [`pool_cranks`].
pub fn pool_accounts_with(reader: &impl AccountReader, bring: impl Fn(u16) -> bool) -> Result<Vec<AccountMeta>, HealthError> {
    let exchange: Exchange = read(reader, "Exchange", &pda::exchange())?;
    let mut metas = Vec::new();
    for index in 0..exchange.market_count {
        let address = pda::market(index);
        let market: PerpMarket = read(reader, "PerpMarket", &address)?;
        metas.push(AccountMeta::new(address, false));
        if bring(index) {
            metas.extend(feed_metas(reader, &market.feed)?);
        }
    }
    Ok(metas)
}

/// Every market alone: for an LP instruction sent after [`pool_cranks`] in
/// the same slot (32 markets fit one transaction this way).
pub fn pool_accounts_cranked(reader: &impl AccountReader) -> Result<Vec<AccountMeta>, HealthError> {
    pool_accounts_with(reader, |_| false)
}

/// `refresh_market` for every listed market, in groups of `per_transaction`:
/// sent in the slot of an LP instruction that takes the markets alone, they
/// record each market's part of the pool value for it.
pub fn pool_cranks(reader: &impl AccountReader, per_transaction: usize) -> Result<Vec<Vec<Instruction>>, HealthError> {
    let exchange: Exchange = read(reader, "Exchange", &pda::exchange())?;
    let mut cranks = Vec::new();
    for index in 0..exchange.market_count {
        let market: PerpMarket = read(reader, "PerpMarket", &pda::market(index))?;
        let feed: PriceFeed = read(reader, "PriceFeed", &market.feed)?;
        cranks.push(crate::instructions::refresh_market(index, &feed.feed_id, &feed.oracle));
    }
    Ok(cranks.chunks(per_transaction.max(1)).map(<[Instruction]>::to_vec).collect())
}

/// Whether keepers may liquidate `margin`, from its health: the program's
/// own rule (`reflex_risk::is_liquidatable`), with the account's mark.
pub fn is_liquidatable(margin: &MarginAccount, summary: &HealthSummary) -> bool {
    summary.is_liquidatable(margin.is_being_liquidated())
}

/// `compute_health` for `margin_account` with its health accounts.
pub fn compute_health(margin_account: &Pubkey, health_accounts: Vec<AccountMeta>) -> Instruction {
    let mut accounts =
        reflex::accounts::ComputeHealth { margin_account: *margin_account, exchange: pda::exchange() }.to_account_metas(None);
    accounts.extend(health_accounts);
    Instruction { program_id: reflex::ID, accounts, data: reflex::instruction::ComputeHealth {}.data() }
}

/// The price multiple of `feed` at which maintenance health reaches zero,
/// searched below and above the current price (None: not within 0.01x–100x).
pub fn liquidation_multiple(snapshot: &AccountSnapshot, feeds: &[Pubkey], feed: &Pubkey) -> Option<f64> {
    let health_at = |multiple: f64| -> Option<f64> {
        let mut moved = snapshot.clone();
        let scale = |price: OraclePrice| {
            OraclePrice::new(
                price.price.saturating_mul(Fixed::from_num(multiple)),
                price.confidence.saturating_mul(Fixed::from_num(multiple)),
            )
        };
        let collateral_count = moved.collateral.len();
        for (index, entry_feed) in feeds.iter().enumerate() {
            if entry_feed != feed {
                continue;
            }
            if index < collateral_count {
                moved.collateral[index].price = scale(moved.collateral[index].price);
            } else {
                moved.perps[index - collateral_count].price = scale(moved.perps[index - collateral_count].price);
            }
        }
        moved.health(HealthLevel::Maintenance).ok().map(|h| h.to_num::<f64>())
    };
    let now = health_at(1.0)?;
    if now < 0.0 {
        return Some(1.0);
    }
    // Walk away from 1 in both directions; bisect the first sign change.
    let mut best: Option<f64> = None;
    for direction in [0.97f64, 1.03] {
        let (mut inside, mut outside) = (1.0, 1.0);
        for _ in 0..160 {
            outside *= direction;
            if !(0.01..=100.0).contains(&outside) {
                break;
            }
            if health_at(outside)? < 0.0 {
                for _ in 0..40 {
                    let middle = (inside + outside) / 2.0;
                    if health_at(middle)? < 0.0 {
                        outside = middle
                    } else {
                        inside = middle
                    }
                }
                if best.is_none_or(|b: f64| (outside - 1.0).abs() < (b - 1.0).abs()) {
                    best = Some(outside);
                }
                break;
            }
            inside = outside;
        }
    }
    best
}
