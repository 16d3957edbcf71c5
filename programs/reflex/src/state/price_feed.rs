use anchor_lang::prelude::*;
use reflex_risk::mechanism::{RobustConfig, RobustVolatility};
use reflex_risk::{AccumulatorConfig, Fixed, VolatilityAccumulator, VolatilityPath};

use super::FeedConfig;
use super::{RobustFeedConfig, RobustFeedState, StoredFixed};
use crate::error::MapRiskErr;
use crate::error::ReflexError;
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

    // Layout version 2 (appended: `migrate_feed` grows a version-1 account,
    // whose new space reads as zero, the robust estimator off).
    /// Settings of the cadence-robust estimator (`set_feed_robust`).
    pub robust_config: RobustFeedConfig,
    /// Its state, updated with every accepted print while it is on.
    pub robust: RobustFeedState,
    /// Its `σ_T` for initial and maintenance levels, recomputed at every
    /// accepted print and change of settings (`update_robust_sigma`), so
    /// that pricing reads them instead of taking square roots and
    /// logarithms for every market and collateral on the feed.
    pub robust_sigma_initial: StoredFixed,
    pub robust_sigma_maintenance: StoredFixed,
    pub _reserved_v2: [u8; 32],
}

// The layouts are frozen: the first is what `migrate_feed` accepts, the
// second what every feed is after it.
const _: () = assert!(PriceFeed::V1_SPACE == 440 && PriceFeed::SPACE == 696);

impl PriceFeed {
    pub const SPACE: usize = 8 + std::mem::size_of::<PriceFeed>();

    /// The feed's last price is governance's fallback, not an oracle print.
    pub fn is_fallback_price(&self) -> bool {
        self.fallback_price == 1
    }
    /// Size of a feed listed under the first layout (before the robust estimator).
    pub const V1_SPACE: usize = 8 + std::mem::offset_of!(PriceFeed, robust_config);

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
    /// haircuts and margins: the robust estimator's while it is on
    /// (maintenance's, and initial's if split), the baseline accumulator's
    /// otherwise. A change of settings counts as a change of `σ_T` whose
    /// predecessor is unknown.
    pub fn volatility_path(&self) -> Result<VolatilityPath> {
        let mut path = if self.robust_config.is_on() {
            let maintenance = self.robust_sigma_maintenance.get();
            let initial = if self.robust_config.splits() { self.robust_sigma_initial.get() } else { maintenance };
            // Both estimators take the same prints: the baseline's slots are the prints'.
            VolatilityPath { current: maintenance, initial, since: self.last_slot, previous_since: self.previous_slot }
        } else {
            self.accumulator().volatility_path(&self.accumulator_config()).map_risk_err()?
        };
        if self.config_slot >= path.since {
            return Ok(path.restarted_at(self.config_slot));
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

    /// Recomputes the cached robust `σ_T` pair from the state and settings
    /// (zero while the estimator is off).
    pub fn update_robust_sigma(&mut self) -> Result<()> {
        let (initial, maintenance) = if self.robust_config.is_on() {
            self.robust.get().level_sigmas(&self.robust_settings()).map_risk_err()?
        } else {
            (Fixed::ZERO, Fixed::ZERO)
        };
        self.robust_sigma_initial.set(initial);
        self.robust_sigma_maintenance.set(maintenance);
        Ok(())
    }

    /// The robust estimator's settings, the feed's own completing them.
    pub fn robust_settings(&self) -> RobustConfig {
        self.robust_config.to_config(&self.accumulator_config())
    }

    /// `config` for this feed under `feed_config`: all zero (off), or
    /// `split` 0 or 1 with settings the risk crate accepts against the
    /// feed's half-lives (`H_init ≤ H_fast ≤ H_slow ≤ H_long`, all positive).
    pub fn check_robust(config: &RobustFeedConfig, feed_config: &FeedConfig) -> Result<()> {
        if !config.is_on() {
            require!(*config == RobustFeedConfig::default(), ReflexError::InvalidRobustConfig);
            return Ok(());
        }
        require!(config.split <= 1, ReflexError::InvalidRobustConfig);
        config.to_config(&feed_config.accumulator_config()).validate().map_err(|_| error!(ReflexError::InvalidRobustConfig))
    }

    /// Installs `config` (checked) at `slot`. Turned on, the estimator
    /// starts from the baseline accumulator's history; turned off, its
    /// state is cleared; re-tuned, its state carries on.
    pub fn apply_robust(&mut self, config: &RobustFeedConfig, slot: u64) {
        let state = match (self.robust_config.is_on(), config.is_on()) {
            (false, true) => RobustFeedState::seeded_from(&self.accumulator()),
            (_, false) => RobustVolatility::default(),
            (true, true) => self.robust.get(),
        };
        self.robust.set(&state);
        self.robust_config = *config;
        self.config_slot = slot;
    }
}
