//! A feed's cadence-robust estimator (`reflex_risk::mechanism::robust`):
//! the second layout version of [`super::PriceFeed`] appends its settings
//! and state (`migrate_feed` grows a first-version account; all zero means
//! off, and the baseline accumulator prices as before).
use anchor_lang::prelude::*;
use bytemuck::{Pod, Zeroable};
use reflex_risk::mechanism::{RobustConfig, RobustVolatility};
use reflex_risk::{AccumulatorConfig, VolatilityAccumulator};

use super::StoredFixed;
use crate::utils::ppm;

/// Governance's settings of a feed's robust estimator (`set_feed_robust`),
/// on top of the feed's own half-lives, horizon, clamp and seed. All zero:
/// off. Stored verbatim (Pod, no padding).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct RobustFeedConfig {
    /// `G`: slots per sampling cell (0: the estimator is off).
    pub grid_slots: u64,
    /// `H_init`: the half-life initial levels follow, at most the feed's fast half-life.
    pub initial_half_life_slots: u64,
    /// `H_long`: the long look-back, at least the feed's slow half-life.
    pub long_half_life_slots: u64,
    /// `H_conf`: half-life of the confidence average.
    pub confidence_half_life_slots: u64,
    /// `w`: weight of the range term against the diffusive term, ppm.
    pub range_weight_ppm: u32,
    /// 1: initial levels follow `σ_init` and maintenance `σ_maint` (split
    /// time constants); 0: both follow `σ_maint`.
    pub split: u32,
}

impl RobustFeedConfig {
    pub fn is_on(&self) -> bool {
        self.grid_slots != 0
    }

    pub fn splits(&self) -> bool {
        self.split == 1
    }

    /// The estimator's settings, the feed's own (`feed`) completing them.
    pub fn to_config(&self, feed: &AccumulatorConfig) -> RobustConfig {
        RobustConfig {
            grid_slots: self.grid_slots,
            initial_half_life_slots: self.initial_half_life_slots,
            fast_half_life_slots: feed.fast_half_life_slots,
            slow_half_life_slots: feed.slow_half_life_slots,
            long_half_life_slots: self.long_half_life_slots,
            confidence_half_life_slots: self.confidence_half_life_slots,
            horizon_slots: feed.horizon_slots,
            max_log_return: feed.max_log_return,
            range_weight: ppm(self.range_weight_ppm),
            seed_variance: feed.seed_variance,
        }
    }
}

/// The estimator's state as stored (see `reflex_risk::mechanism::RobustVolatility`).
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RobustFeedState {
    pub last_price: StoredFixed,
    pub anchor_price: StoredFixed,
    pub previous_anchor_price: StoredFixed,
    pub initial_variance: StoredFixed,
    pub fast_variance: StoredFixed,
    pub slow_variance: StoredFixed,
    pub long_variance: StoredFixed,
    pub confidence_ratio: StoredFixed,
    pub last_slot: u64,
    pub anchor_slot: u64,
    pub updates: u64,
}

impl RobustFeedState {
    pub fn get(&self) -> RobustVolatility {
        RobustVolatility {
            last_price: self.last_price.get(),
            last_slot: self.last_slot,
            anchor_price: self.anchor_price.get(),
            anchor_slot: self.anchor_slot,
            previous_anchor_price: self.previous_anchor_price.get(),
            initial_variance: self.initial_variance.get(),
            fast_variance: self.fast_variance.get(),
            slow_variance: self.slow_variance.get(),
            long_variance: self.long_variance.get(),
            confidence_ratio: self.confidence_ratio.get(),
            updates: self.updates,
        }
    }

    pub fn set(&mut self, state: &RobustVolatility) {
        self.last_price.set(state.last_price);
        self.last_slot = state.last_slot;
        self.anchor_price.set(state.anchor_price);
        self.anchor_slot = state.anchor_slot;
        self.previous_anchor_price.set(state.previous_anchor_price);
        self.initial_variance.set(state.initial_variance);
        self.fast_variance.set(state.fast_variance);
        self.slow_variance.set(state.slow_variance);
        self.long_variance.set(state.long_variance);
        self.confidence_ratio.set(state.confidence_ratio);
        self.updates = state.updates;
    }

    /// The estimator started from the baseline accumulator's history, for a
    /// feed that has prints when governance turns it on: the last print is
    /// the first anchor, the fast variance seeds the initial one and the
    /// slow variance the long one, so `σ_T` carries on instead of restarting
    /// from the seed (no print before this one is replayed).
    pub fn seeded_from(accumulator: &VolatilityAccumulator) -> RobustVolatility {
        if accumulator.updates == 0 {
            return RobustVolatility::default();
        }
        RobustVolatility {
            last_price: accumulator.last_price,
            last_slot: accumulator.last_slot,
            anchor_price: accumulator.last_price,
            anchor_slot: accumulator.last_slot,
            previous_anchor_price: accumulator.last_price,
            initial_variance: accumulator.fast_variance,
            fast_variance: accumulator.fast_variance,
            slow_variance: accumulator.slow_variance,
            long_variance: accumulator.slow_variance,
            confidence_ratio: accumulator.confidence_ratio,
            updates: 1,
        }
    }
}
