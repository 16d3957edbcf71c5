use anchor_lang::prelude::*;

use crate::constants::MAX_COLLATERAL_SLOTS;
use crate::error::ReflexError;

/// A trader's cross-margin account (PDA `["margin", owner, account_id]`).
/// Collateral sits in the unified vaults; this account records the trader's
/// claim on each vault.
#[account(zero_copy)]
#[derive(Debug)]
pub struct MarginAccount {
    pub exchange: Pubkey,
    pub owner: Pubkey,
    /// Collateral balances, one slot per distinct mint, in native units.
    pub collateral: [CollateralSlot; MAX_COLLATERAL_SLOTS],
    /// Signed quote balance: realised PnL settles here; negative is debt.
    pub quote_balance: i64,
    pub account_id: u32,
    pub bump: u8,
    pub _padding: [u8; 3],
    /// Room for perp positions, delegate and liquidation flags of later versions.
    pub _reserved: [u8; 512],
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

impl MarginAccount {
    pub const SPACE: usize = 8 + std::mem::size_of::<MarginAccount>();

    pub fn collateral_balance(&self, asset_index: u16) -> u64 {
        self.slot_of(asset_index).map_or(0, |position| self.collateral[position].amount)
    }

    /// Index of the slot holding `asset_index`, if the account holds it.
    fn slot_of(&self, asset_index: u16) -> Option<usize> {
        self.collateral.iter().position(|s| s.in_use == 1 && s.asset_index == asset_index)
    }

    /// Credits `amount` of an asset, taking a free slot if the account does
    /// not hold it yet. Returns the new balance.
    pub fn credit_collateral(&mut self, asset_index: u16, amount: u64) -> Result<u64> {
        let position = match self.slot_of(asset_index) {
            Some(position) => position,
            None => {
                let free = self
                    .collateral
                    .iter()
                    .position(|s| s.in_use == 0)
                    .ok_or(ReflexError::CollateralSlotsFull)?;
                self.collateral[free] = CollateralSlot { amount: 0, asset_index, in_use: 1, _padding: [0; 5] };
                free
            }
        };
        let slot = &mut self.collateral[position];
        slot.amount = slot.amount.checked_add(amount).ok_or(ReflexError::MathOverflow)?;
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
