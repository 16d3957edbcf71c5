use anchor_lang::prelude::*;

use super::StoredFixed;
use crate::constants::{MAX_COLLATERAL_ASSETS, MAX_FEEDS};
use crate::error::ReflexError;
use crate::math::SafeMath;

/// The protocol's root account (PDA `["exchange"]`): who governs it, which
/// quote token it settles in, and the registry of everything it has listed.
/// Any account passed to an instruction is checked against this registry.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Exchange {
    pub admin: Pubkey,
    /// Proposed by the admin; becomes admin when it accepts (two-step transfer).
    pub pending_admin: Pubkey,
    /// May pause the exchange, and do nothing else.
    pub guardian: Pubkey,
    /// May move base parameters inside the bounds, capped and spaced.
    pub risk_steward: Pubkey,
    /// The mint every PnL, fee and LP share is denominated in.
    pub quote_mint: Pubkey,
    /// PDA `["quote_vault"]`: holds the LP pool and the insurance fund.
    /// Its token authority is this Exchange.
    pub quote_vault: Pubkey,
    /// SPL Token or Token-2022: owner of the quote mint and vault.
    pub quote_token_program: Pubkey,
    /// Mints of listed collateral, in listing order; a CollateralAsset's
    /// `asset_index` is its position here. Entries past `collateral_count`
    /// are zero.
    pub collateral_mints: [Pubkey; MAX_COLLATERAL_ASSETS],
    /// Pyth feed ids of listed price feeds, in listing order.
    pub feed_ids: [[u8; 32]; MAX_FEEDS],
    pub collateral_count: u16,
    pub feed_count: u16,
    /// Listed perp markets; market `i` lives at `["market", i]` for `i < market_count`.
    pub market_count: u16,
    pub quote_decimals: u8,
    pub bump: u8,
    /// 1 while paused: deposits and withdrawals are refused.
    pub paused: u8,
    /// 1 while exchange-wide reduce-only: trades may only reduce positions.
    pub reduce_only: u8,
    /// 1 once `initialize_pool` has created the quote vault.
    pub pool_initialized: u8,
    pub _padding: [u8; 1],
    /// Largest change of a base parameter the steward may make at once, ppm.
    pub steward_max_change_ppm: u32,
    /// Fewest slots between two steward changes of the same parameter.
    pub steward_min_slots: u32,
    pub _padding2: [u8; 4],
    /// Quote the LPs have put in and not taken out, less losses socialised
    /// to them (fixed point, quote native units). The pool's value adds what
    /// each market realised for it and subtracts traders' unrealised PnL
    /// (`controller::pool`). Tracked, not read from the vault, so a donation
    /// to the vault cannot move the share price.
    pub pool_balance: StoredFixed,
    /// LP shares outstanding.
    pub lp_shares: u64,
    pub _padding3: [u8; 8],
    /// Quote in the insurance fund (fixed point, quote native units).
    pub insurance_fund: StoredFixed,
    /// Deficits of insolvent accounts found by liquidations and health
    /// checks and not yet settled (quote native units): the part of
    /// traders' losses they cannot repay, which the pool's value must not
    /// count as its gain.
    pub booked_deficits: StoredFixed,
    /// Quote of LP deposits requested and not yet executed (in the vault,
    /// not in the pool).
    pub pending_lp_deposits: u64,
    /// Slots between an LP request and its execution.
    pub lp_delay_slots: u64,
    /// Room for the governance, pool and insurance fields of later versions.
    pub _reserved: [u8; 192],
}

impl Exchange {
    pub const SPACE: usize = 8 + std::mem::size_of::<Exchange>();

    /// Exchange-wide reduce-only: no order may add risk.
    pub fn is_reduce_only(&self) -> bool {
        self.reduce_only == 1
    }

    pub fn is_paused(&self) -> bool {
        self.paused == 1
    }

    pub fn listed_collateral(&self) -> &[Pubkey] {
        &self.collateral_mints[..self.collateral_count as usize]
    }

    pub fn is_collateral_listed(&self, mint: &Pubkey) -> bool {
        self.listed_collateral().contains(mint)
    }

    /// Appends `mint` to the registry and returns its asset index.
    pub fn register_collateral(&mut self, mint: Pubkey) -> Result<u16> {
        require!(!self.is_collateral_listed(&mint), ReflexError::CollateralAlreadyListed);
        let index = self.collateral_count;
        let slot = self.collateral_mints.get_mut(index as usize).ok_or(ReflexError::CollateralRegistryFull)?;
        *slot = mint;
        self.collateral_count = index.safe_add(1)?;
        Ok(index)
    }

    pub fn listed_feeds(&self) -> &[[u8; 32]] {
        &self.feed_ids[..self.feed_count as usize]
    }

    pub fn is_feed_listed(&self, feed_id: &[u8; 32]) -> bool {
        self.listed_feeds().contains(feed_id)
    }

    /// Appends `feed_id` to the registry.
    pub fn register_feed(&mut self, feed_id: [u8; 32]) -> Result<()> {
        require!(!self.is_feed_listed(&feed_id), ReflexError::FeedAlreadyListed);
        let index = self.feed_count as usize;
        *self.feed_ids.get_mut(index).ok_or(ReflexError::FeedRegistryFull)? = feed_id;
        self.feed_count = self.feed_count.safe_add(1)?;
        Ok(())
    }
}

// The layout is frozen: a field added, removed or resized changes this, on the
// host and on SBF alike, and so must come with a migration (see PriceFeed).
const _: () = assert!(Exchange::SPACE == 2576);
