use anchor_lang::prelude::*;
use reflex_risk::FeedbackState;

use super::{MarketRiskPpm, StoredFixed};

/// One perpetual market (PDA `["market", market_index as u16 LE]`) on the
/// underlying of its feed, with its governed margin settings and the live
/// margin ratios that follow the feed's volatility. Trading state (open
/// interest, funding) arrives with trading.
#[account(zero_copy)]
#[derive(Debug)]
pub struct PerpMarket {
    pub exchange: Pubkey,
    pub feed: Pubkey,
    /// Display name, UTF-8, zero padded (e.g. "SOL-PERP").
    pub name: [u8; 16],
    /// Governance margin curves, bounds and liquidation terms (validated by
    /// `reflex_risk::validate_market` on every change).
    pub risk: MarketRiskPpm,
    /// Live initial margin ratio: tightens at once, loosens at the loosening rate.
    pub initial_margin_ratio: StoredFixed,
    /// Live maintenance margin ratio: moves at the slew rates, never above initial.
    pub maintenance_margin_ratio: StoredFixed,
    /// Slot the live ratios were last advanced to.
    pub margin_slot: u64,
    /// Slots of the risk steward's last change of the initial and the
    /// maintenance base (0: never).
    pub steward_changed_slots: [u64; 2],
    pub market_index: u16,
    pub bump: u8,
    /// 1 while this market is reduce-only: trades may only reduce positions.
    pub reduce_only: u8,
    pub _padding: [u8; 4],
    /// Room for open interest, funding and trading parameters.
    pub _reserved: [u8; 240],
}

impl PerpMarket {
    pub const SPACE: usize = 8 + std::mem::size_of::<PerpMarket>();

    pub fn margin_state(&self) -> FeedbackState {
        FeedbackState {
            initial: self.initial_margin_ratio.get(),
            maintenance: self.maintenance_margin_ratio.get(),
            last_slot: self.margin_slot,
        }
    }

    pub fn store_margin_state(&mut self, state: &FeedbackState) {
        self.initial_margin_ratio.set(state.initial);
        self.maintenance_margin_ratio.set(state.maintenance);
        self.margin_slot = state.last_slot;
    }
}
