use anchor_lang::prelude::*;

use reflex_risk::Fixed;

use super::StoredFixed;
use crate::constants::{MAX_COLLATERAL_SLOTS, MAX_PERP_SLOTS};
use crate::error::ReflexError;
use crate::math::SafeMath;

/// A trader's cross-margin account (PDA `["margin", owner, account_id]`).
/// Collateral sits in the unified vaults; this account records the trader's
/// claim on each vault.
#[account(zero_copy)]
#[derive(Debug)]
pub struct MarginAccount {
    pub exchange: Pubkey,
    pub owner: Pubkey,
    /// May trade for the owner (never withdraw); default: none.
    pub delegate: Pubkey,
    /// Collateral balances, one slot per distinct mint, in native units.
    pub collateral: [CollateralSlot; MAX_COLLATERAL_SLOTS],
    /// Perp positions, one slot per market traded.
    pub perps: [PerpPosition; MAX_PERP_SLOTS],
    /// Signed quote balance in quote native units (fixed point, so transfers
    /// between accounts, pool and insurance are exact): realised PnL, fees,
    /// penalties and quote deposits settle here; negative is debt.
    pub quote_balance: StoredFixed,
    pub account_id: u32,
    pub bump: u8,
    /// 1 from the liquidation that found maintenance health < 0 until
    /// liquidation-end health is back to ≥ 0: keepers may continue meanwhile.
    pub being_liquidated: u8,
    pub _padding: [u8; 2],
    /// This account's part of `Exchange::booked_deficits`: what it could not
    /// repay when a liquidation or health check last valued it.
    pub booked_deficit: StoredFixed,
    pub _reserved: [u8; 112],
}

/// One perp position. `quote_position` is the position's quote side: what
/// opening it cost (negative for a long), plus proceeds of partial closes
/// and settled funding; it moves to the quote balance when the position closes.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PerpPosition {
    /// Signed size in base native units: positive long, negative short.
    pub base_size: i64,
    pub quote_position: StoredFixed,
    /// The market's funding index when funding was last settled here.
    pub funding_snapshot: StoredFixed,
    pub market_index: u16,
    /// 1 while the slot holds a position (freed when it closes).
    pub in_use: u8,
    pub _padding: [u8; 5],
}

#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CollateralSlot {
    pub amount: u64,
    /// `CollateralAsset::asset_index` of the mint held here.
    pub asset_index: u16,
    /// 1 while the slot holds a mint; a slot is freed when its amount reaches zero.
    pub in_use: u8,
    pub _padding: [u8; 5],
}

impl PerpPosition {
    pub fn is_in_use(&self) -> bool {
        self.in_use == 1
    }
}

impl CollateralSlot {
    pub fn is_in_use(&self) -> bool {
        self.in_use == 1
    }
}

impl MarginAccount {
    pub const SPACE: usize = 8 + std::mem::size_of::<MarginAccount>();

    /// A liquidation started and has not yet brought liquidation-end health
    /// back to zero: keepers may go on until it does.
    pub fn is_being_liquidated(&self) -> bool {
        self.being_liquidated == 1
    }

    pub fn quote(&self) -> Fixed {
        self.quote_balance.get()
    }

    /// Nothing left but debt: no collateral, no position, a negative quote
    /// balance. Only the insurance fund and the pool can make it whole
    /// (`settle_bankruptcy`).
    pub fn is_bankrupt(&self) -> bool {
        self.collateral_in_use().next().is_none() && self.perps_in_use().next().is_none() && self.quote() < 0
    }

    /// Adds `delta` (negative: a charge) to the quote balance.
    pub fn add_quote(&mut self, delta: Fixed) -> Result<Fixed> {
        let balance = self.quote().safe_add(delta)?;
        self.quote_balance.set(balance);
        Ok(balance)
    }

    /// May `signer` trade for this account (owner or delegate)?
    pub fn may_trade(&self, signer: &Pubkey) -> bool {
        *signer == self.owner || (*signer == self.delegate && self.delegate != Pubkey::default())
    }

    /// The in-use collateral slots, in slot order.
    pub fn collateral_in_use(&self) -> impl Iterator<Item = &CollateralSlot> {
        self.collateral.iter().filter(|slot| slot.is_in_use())
    }

    /// The in-use perp slots, in slot order.
    pub fn perps_in_use(&self) -> impl Iterator<Item = &PerpPosition> {
        self.perps.iter().filter(|slot| slot.is_in_use())
    }

    pub fn perp_slot_of(&self, market_index: u16) -> Option<usize> {
        self.perps.iter().position(|s| s.is_in_use() && s.market_index == market_index)
    }

    /// The slot of `market_index`'s position, taking a free slot (with the
    /// market's current funding index) if there is none.
    pub fn perp_slot_or_open(&mut self, market_index: u16, funding_index: Fixed) -> Result<usize> {
        if let Some(position) = self.perp_slot_of(market_index) {
            return Ok(position);
        }
        let free = self.perps.iter().position(|s| !s.is_in_use()).ok_or(ReflexError::PerpSlotsFull)?;
        self.perps[free] = PerpPosition {
            base_size: 0,
            quote_position: StoredFixed::default(),
            funding_snapshot: StoredFixed::new(funding_index),
            market_index,
            in_use: 1,
            _padding: [0; 5],
        };
        Ok(free)
    }

    /// Liabilities: an open position or quote debt. An account without any
    /// cannot have negative health, so it needs no price to withdraw.
    pub fn has_liabilities(&self) -> bool {
        self.quote() < 0 || self.perps_in_use().next().is_some()
    }

    pub fn collateral_balance(&self, asset_index: u16) -> u64 {
        self.slot_of(asset_index).map_or(0, |position| self.collateral[position].amount)
    }

    /// Index of the slot holding `asset_index`, if the account holds it.
    fn slot_of(&self, asset_index: u16) -> Option<usize> {
        self.collateral.iter().position(|s| s.is_in_use() && s.asset_index == asset_index)
    }

    /// Credits `amount` of an asset, taking a free slot if the account does
    /// not hold it yet. Returns the new balance.
    pub fn credit_collateral(&mut self, asset_index: u16, amount: u64) -> Result<u64> {
        let position = match self.slot_of(asset_index) {
            Some(position) => position,
            None => {
                let free = self.collateral.iter().position(|s| !s.is_in_use()).ok_or(ReflexError::CollateralSlotsFull)?;
                self.collateral[free] = CollateralSlot { amount: 0, asset_index, in_use: 1, _padding: [0; 5] };
                free
            }
        };
        let slot = &mut self.collateral[position];
        slot.amount = slot.amount.safe_add(amount)?;
        Ok(slot.amount)
    }

    /// Debits `amount` of an asset; frees the slot when it reaches zero.
    /// Returns the new balance.
    pub fn debit_collateral(&mut self, asset_index: u16, amount: u64) -> Result<u64> {
        let position = self.slot_of(asset_index).ok_or(ReflexError::InsufficientCollateral)?;
        let slot = &mut self.collateral[position];
        slot.amount = slot.amount.checked_sub(amount).ok_or(ReflexError::InsufficientCollateral)?;
        let remaining = slot.amount;
        if remaining == 0 {
            *slot = CollateralSlot::default();
        }
        Ok(remaining)
    }
}

// The layout is frozen: a field added, removed or resized changes this, on the
// host and on SBF alike, and so must come with a migration (see PriceFeed).
const _: () = assert!(MarginAccount::SPACE == 768);
