//! A feed's governed settings, as passed to `list_feed` and `set_feed_config`
//! and stored in the feed.
use anchor_lang::prelude::*;
use reflex_risk::fixed_math::mul_saturating;
use reflex_risk::AccumulatorConfig;

use crate::error::{MapRiskErr, ReflexError};
use crate::utils::ppm;

/// A feed's guard rails and accumulator settings. Ratios are in parts per
/// million (1% = 10,000). Stored verbatim in the feed (Pod, no padding), so
/// governance events carry exact old and new values.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct FeedConfig {
    /// A print older than this is graded for liquidations only.
    pub max_age_seconds: u32,
    /// A print older than this is refused.
    pub max_liquidation_age_seconds: u32,
    /// Largest `conf / price` accepted, ppm.
    pub max_confidence_ppm: u32,
    /// A larger move since the last accepted print grades it for liquidations only, ppm.
    pub max_move_per_update_ppm: u32,
    /// `H_fast`, slots.
    pub fast_half_life_slots: u64,
    /// `H_slow`, slots.
    pub slow_half_life_slots: u64,
    /// `T`, the liquidation horizon, slots.
    pub horizon_slots: u64,
    /// `r_max`, the log-return clamp, ppm.
    pub max_log_return_ppm: u32,
    /// Per-slot volatility the accumulator starts from, ppm (variance is its square).
    pub seed_volatility_ppm: u32,
}

impl FeedConfig {
    pub fn accumulator_config(&self) -> AccumulatorConfig {
        let seed_volatility = ppm(self.seed_volatility_ppm);
        AccumulatorConfig {
            fast_half_life_slots: self.fast_half_life_slots,
            slow_half_life_slots: self.slow_half_life_slots,
            max_log_return: ppm(self.max_log_return_ppm),
            horizon_slots: self.horizon_slots,
            seed_variance: mul_saturating(seed_volatility, seed_volatility),
        }
    }

    pub fn validate(&self) -> Result<()> {
        require!(
            self.max_age_seconds <= self.max_liquidation_age_seconds
                && self.max_confidence_ppm <= 1_000_000
                && self.max_move_per_update_ppm <= 1_000_000,
            ReflexError::InvalidFeedConfig
        );
        self.accumulator_config().validate().map_risk_err()
    }
}
