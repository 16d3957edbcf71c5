//! Building an account's health snapshot from the accounts it touches.
//!
//! The caller passes, for every collateral slot in use (in slot order), the
//! slot's CollateralAsset and that asset's PriceFeed, as remaining accounts.
//! Each is checked (owner and discriminator by the loader, then exchange,
//! asset index, configured risk and feed), so a fake asset or feed cannot
//! value an account. Perp positions join the snapshot with trading.
use anchor_lang::prelude::*;
use reflex_risk::{AccountSnapshot, Fixed};

use crate::error::ReflexError;
use crate::state::{CollateralAsset, MarginAccount, PriceFeed};

pub fn snapshot<'info>(margin: &MarginAccount, remaining: &'info [AccountInfo<'info>]) -> Result<AccountSnapshot> {
    let slots: Vec<_> = margin.collateral.iter().filter(|slot| slot.in_use == 1).collect();
    require!(remaining.len() == 2 * slots.len(), ReflexError::WrongHealthAccounts);
    let mut collateral = Vec::with_capacity(slots.len());
    for (slot, pair) in slots.iter().zip(remaining.chunks_exact(2)) {
        let asset_loader = AccountLoader::<CollateralAsset>::try_from(&pair[0])?;
        let feed_loader = AccountLoader::<PriceFeed>::try_from(&pair[1])?;
        let asset = asset_loader.load()?;
        require!(
            asset.exchange == margin.exchange && asset.asset_index == slot.asset_index,
            ReflexError::WrongHealthAccounts
        );
        require!(asset.risk_configured == 1, ReflexError::CollateralRiskNotConfigured);
        require_keys_eq!(pair[1].key(), asset.feed, ReflexError::WrongFeed);
        collateral.push(asset.health_entry(&*feed_loader.load()?, slot.amount));
    }
    Ok(AccountSnapshot { quote_balance: Fixed::from_num(margin.quote_balance), collateral, perps: Vec::new() })
}
