use anchor_lang::prelude::*;
use reflex_risk::{AccumulatorConfig, VolatilityAccumulator, VolatilityPath};

use super::StoredFixed;
use crate::controller::feed::risk_error;
use crate::instructions::FeedConfig;
use crate::oracle::PriceGrade;
use crate::utils::ppm;

/// One underlying's price feed (PDA `["feed", feed_id]`): which oracle
/// account it reads, the guard rails a print must pass, and the volatility
/// accumulator (DESIGN.md sections 4 and 7).
#[account(zero_copy)]
#[derive(Debug)]
pub struct PriceFeed {
    pub exchange: Pubkey,
    /// The oracle account read: a Pyth `PriceUpdateV2` account (the push
    /// oracle updates one in place per feed).
    pub oracle: Pubkey,
    /// Pyth feed id the oracle account must carry.
    pub feed_id: [u8; 32],

    // Guard rails.
    /// Largest `conf / price` a usable print may have.
    pub max_confidence_ratio: StoredFixed,
    /// A print that moved more than this fraction since the last accepted one
    /// is accepted (clamped in the accumulator) but graded for liquidations only.
    pub max_move_per_update: StoredFixed,

    // Accumulator configuration (see `reflex_risk::AccumulatorConfig`).
    pub max_log_return: StoredFixed,
    pub seed_variance: StoredFixed,
    pub fast_half_life_slots: u64,
    pub slow_half_life_slots: u64,
    pub horizon_slots: u64,

    // Accumulator state (see `reflex_risk::VolatilityAccumulator`).
    pub last_price: StoredFixed,
    pub fast_variance: StoredFixed,
    pub slow_variance: StoredFixed,
    pub confidence_ratio: StoredFixed,
    pub last_slot: u64,
    pub updates: u64,

    // The last accepted print.
    /// Its confidence, quote native units per base native unit.
    pub last_confidence: StoredFixed,
    /// Its Pyth publish time (unix seconds).
    pub last_publish_time: i64,
    /// The slot it was posted at.
    pub last_posted_slot: u64,

    /// A print older than this many seconds is not fully valid.
    pub max_age_seconds: u32,
    /// A print older than this many seconds is unusable, even for liquidations.
    pub max_liquidation_age_seconds: u32,
    /// Decimals of the underlying token the prices are converted for.
    pub base_decimals: u8,
    pub quote_decimals: u8,
    /// `PriceGrade` of the last accepted print.
    pub last_grade: u8,
    pub bump: u8,
    /// `OracleKind` of the oracle account.
    pub oracle_kind: u8,
    /// 1 while the last accepted print is governance's fallback price
    /// (`set_fallback_price`), until the oracle's next print.
    pub fallback_price: u8,
    pub _padding: [u8; 2],
    /// The settings as governance gave them (the fields above are their
    /// fixed-point forms).
    pub config: FeedConfig,
    /// Slot in which the oracle account was last read. The feed reads its
    /// oracle at most once per slot, so every instruction of a slot prices
    /// with the same print, whatever is posted to the oracle in between.
    pub oracle_read_slot: u64,
    /// Slot of the accepted print before the last one (see
    /// `reflex_risk::VolatilityPath`).
    pub previous_slot: u64,
    /// Slot governance last changed the accumulator settings (which moves
    /// `σ_T` without a print).
    pub config_slot: u64,
    /// Governance's fallback price waiting for the feed's first read in a
    /// later slot (`set_fallback_price`), so no slot prices with two
    /// prices; `pending_fallback_time` 0: none.
    pub pending_fallback_price: StoredFixed,
    pub pending_fallback_confidence: StoredFixed,
    /// When governance posted it (unix seconds): it ages from then.
    pub pending_fallback_time: i64,
    pub _reserved: [u8; 8],
}

impl PriceFeed {
    pub const SPACE: usize = 8 + std::mem::size_of::<PriceFeed>();

    /// Installs `config` (already validated): guard rails and accumulator
    /// settings at `slot`. The accumulator's state carries on under the new settings.
    pub fn apply_config(&mut self, config: &FeedConfig, slot: u64) {
        self.config_slot = slot;
        let accumulator = config.accumulator_config();
        self.max_confidence_ratio = StoredFixed::new(ppm(config.max_confidence_ppm));
        self.max_move_per_update = StoredFixed::new(ppm(config.max_move_per_update_ppm));
        self.max_log_return = StoredFixed::new(accumulator.max_log_return);
        self.seed_variance = StoredFixed::new(accumulator.seed_variance);
        self.fast_half_life_slots = config.fast_half_life_slots;
        self.slow_half_life_slots = config.slow_half_life_slots;
        self.horizon_slots = config.horizon_slots;
        self.max_age_seconds = config.max_age_seconds;
        self.max_liquidation_age_seconds = config.max_liquidation_age_seconds;
        self.config = *config;
    }

    /// The last print's grade aged to `now` (unix seconds): its grade at
    /// refresh, lowered to `LiquidationOnly` once older than `max_age_seconds`;
    /// `None` once older than `max_liquidation_age_seconds` or if the feed
    /// has never been refreshed. A feed not refreshed stays "Valid" on paper;
    /// this is what an action may rely on.
    pub fn grade_at(&self, now: i64) -> Option<PriceGrade> {
        if self.updates == 0 {
            return None;
        }
        let age = now.saturating_sub(self.last_publish_time).max(0);
        if age > self.max_liquidation_age_seconds as i64 {
            return None;
        }
        let recorded = if self.last_grade == PriceGrade::Valid as u8 { PriceGrade::Valid } else { PriceGrade::LiquidationOnly };
        if age > self.max_age_seconds as i64 {
            return Some(PriceGrade::LiquidationOnly);
        }
        Some(recorded)
    }

    pub fn accumulator_config(&self) -> AccumulatorConfig {
        AccumulatorConfig {
            fast_half_life_slots: self.fast_half_life_slots,
            slow_half_life_slots: self.slow_half_life_slots,
            max_log_return: self.max_log_return.get(),
            horizon_slots: self.horizon_slots,
            seed_variance: self.seed_variance.get(),
        }
    }

    /// `σ_T` now and the slots it has been in force since, for advancing
    /// haircuts and margins. A change of settings counts as a change of
    /// `σ_T` whose predecessor is unknown.
    pub fn volatility_path(&self) -> Result<VolatilityPath> {
        let mut path = self.accumulator().volatility_path(&self.accumulator_config()).map_err(risk_error)?;
        if self.config_slot >= path.since {
            return Ok(VolatilityPath::constant_since(path.current, self.config_slot));
        }
        // A settings change between the last two prints: the σ_T before the
        // last print is not the one a level may remember from before it.
        path.previous_since = path.previous_since.max(self.config_slot);
        Ok(path)
    }

    pub fn accumulator(&self) -> VolatilityAccumulator {
        VolatilityAccumulator {
            last_price: self.last_price.get(),
            last_slot: self.last_slot,
            previous_slot: self.previous_slot,
            fast_variance: self.fast_variance.get(),
            slow_variance: self.slow_variance.get(),
            confidence_ratio: self.confidence_ratio.get(),
            updates: self.updates,
        }
    }

    pub fn store_accumulator(&mut self, accumulator: &VolatilityAccumulator) {
        self.last_price.set(accumulator.last_price);
        self.last_slot = accumulator.last_slot;
        self.previous_slot = accumulator.previous_slot;
        self.fast_variance.set(accumulator.fast_variance);
        self.slow_variance.set(accumulator.slow_variance);
        self.confidence_ratio.set(accumulator.confidence_ratio);
        self.updates = accumulator.updates;
    }
}
