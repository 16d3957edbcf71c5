//! A cadence-robust risk volatility.
//!
//! The baseline accumulator ([`crate::VolatilityAccumulator`]) takes one
//! variance sample per print, `r²/dt`. Whoever posts prints chooses how a
//! move is split: a 10% fall posted as one print adds `0.011/1` to the
//! per-slot variance, posted as ten one-slot prints it adds ten samples of
//! `0.0001`, a tenth as much, so a crash posted in small steps looks calm.
//! And `σ_T` adds the confidence of the last print alone, so one wide print
//! moves it at once. This estimator removes both choices:
//!
//! ```text
//! grid        cells of G slots; a cell's close is its last print
//! sample      when a cell closes: r = clamp(ln(close / anchor)), v = r² / (cells between them · G),
//!             then the close is the new anchor
//! variances   EWMA of v with half-lives H_init < H_fast ≤ H_slow ≤ H_long, decay 2^(−dt/H)
//! range       R = max(|ln(p / anchor)|, |ln(p / previous anchor)|), at most r_max
//! confidence  c̄ ← EWMA(conf / p) with half-life H_conf
//! σ_init      = max(sqrt(max(v_init, v_fast, v_slow)·T), w·R) + min(c̄, r_max)
//! σ_maint     = max(sqrt(max(v_fast, v_slow)·T),         w·R) + min(c̄, r_max)
//! σ_long      = sqrt(v_long·T) + min(c̄, r_max)
//! ```
//!
//! **Cadence.** Prints inside one cell change nothing but the last price:
//! the variances see one return per closed cell, timed in whole cells,
//! whatever the number of prints and wherever in the cell they fell, and
//! the range depends only on the anchors (earlier closes) and the current price. So any
//! split of a move within a cell gives bit-identical state once the cell
//! has closed, and the same `σ_T` at every print (tested in
//! `tests/mechanism.rs`). A move that straddles a cell boundary is seen as
//! two returns `a + b = r` whose squares sum to at least `r²/2`; the range
//! term sees the whole move while it is within one cell of the anchors.
//!
//! **Two time constants.** Initial levels follow `σ_init`, whose fastest
//! EWMA has a half-life of minutes, so a spike blocks new leverage at once;
//! maintenance follows the slower `σ_maint` (and, in the feedback rule, the
//! slew), so positions are not closed on the first minutes of a spike.
//! `σ_init ≥ σ_maint` always, so maintenance never asks for more.
use crate::accumulator::{clamped_log_return, ewma, print_confidence_ratio, variance_sample};
use crate::error::{ConfigError, RiskError, RiskResult};
use crate::fixed_math::{add, decay_factor, mul_floor, sqrt};
use crate::Fixed;

/// Governed settings of the robust estimator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RobustConfig {
    /// `G`: slots per sampling cell (a minute: 150).
    pub grid_slots: u64,
    /// `H_init`: the fast half-life initial levels follow (minutes).
    pub initial_half_life_slots: u64,
    /// `H_fast`: the fast half-life maintenance follows (about an hour).
    pub fast_half_life_slots: u64,
    /// `H_slow`: the slow half-life (about a day).
    pub slow_half_life_slots: u64,
    /// `H_long`: the look-back of the anti-procyclicality floor (weeks).
    pub long_half_life_slots: u64,
    /// `H_conf`: half-life of the confidence average.
    pub confidence_half_life_slots: u64,
    /// `T`: the liquidation horizon in slots.
    pub horizon_slots: u64,
    /// `r_max`: the largest log return one sample (and the range) may count.
    pub max_log_return: Fixed,
    /// `w`: weight of the range term against the diffusive term.
    pub range_weight: Fixed,
    /// Per-slot variance every EWMA starts from.
    pub seed_variance: Fixed,
}

impl RobustConfig {
    pub fn validate(&self) -> RiskResult<()> {
        let half_lives = [
            self.initial_half_life_slots,
            self.fast_half_life_slots,
            self.slow_half_life_slots,
            self.long_half_life_slots,
            self.confidence_half_life_slots,
            self.grid_slots,
        ];
        if half_lives.contains(&0) {
            return Err(ConfigError::ZeroHalfLife.into());
        }
        if self.initial_half_life_slots > self.fast_half_life_slots
            || self.fast_half_life_slots > self.slow_half_life_slots
            || self.slow_half_life_slots > self.long_half_life_slots
        {
            return Err(ConfigError::SlowFasterThanFast.into());
        }
        if self.max_log_return <= 0 {
            return Err(ConfigError::NonPositiveReturnClamp.into());
        }
        if self.horizon_slots == 0 {
            return Err(ConfigError::ZeroHorizon.into());
        }
        if self.seed_variance < 0 || self.range_weight < 0 {
            return Err(ConfigError::NegativeSeedVariance.into());
        }
        // A cell longer than the fastest half-life would freeze it between
        // samples; without the range term a move inside a cell is unseen
        // until the cell closes; a confidence average slower than the
        // fastest half-life would hide a widening oracle.
        if self.grid_slots > self.initial_half_life_slots
            || self.confidence_half_life_slots > self.initial_half_life_slots
            || self.range_weight <= 0
            || self.range_weight > 1
        {
            return Err(ConfigError::RobustOutOfRange.into());
        }
        Ok(())
    }
}

/// The estimator's state. `Default` is the state before any print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RobustVolatility {
    pub last_price: Fixed,
    pub last_slot: u64,
    /// Close of the last cell sampled (the return since is not yet counted), and its slot.
    pub anchor_price: Fixed,
    pub anchor_slot: u64,
    /// The anchor before it (the range looks back that far).
    pub previous_anchor_price: Fixed,
    pub initial_variance: Fixed,
    pub fast_variance: Fixed,
    pub slow_variance: Fixed,
    pub long_variance: Fixed,
    /// `c̄`: the smoothed `conf / price`.
    pub confidence_ratio: Fixed,
    pub updates: u64,
}

/// The estimator's three outputs (fractions of price over the horizon).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RobustSigma {
    /// What initial levels follow: the fastest reaction.
    pub initial: Fixed,
    /// What maintenance levels follow: the hour and the day, never above `initial`.
    pub maintenance: Fixed,
    /// The long look-back, for the anti-procyclicality floor.
    pub long: Fixed,
}

impl RobustVolatility {
    /// Feeds one print; rejects non-positive prices, negative confidence
    /// and older slots without changing the state. At most one print per
    /// slot counts (a second one in the same slot is ignored).
    pub fn update(&mut self, config: &RobustConfig, price: Fixed, confidence: Fixed, slot: u64) -> RiskResult<()> {
        config.validate()?;
        let confidence_ratio = print_confidence_ratio(price, confidence)?;
        if self.updates == 0 {
            let seed = config.seed_variance;
            *self = RobustVolatility {
                last_price: price,
                last_slot: slot,
                anchor_price: price,
                anchor_slot: slot,
                previous_anchor_price: price,
                initial_variance: seed,
                fast_variance: seed,
                slow_variance: seed,
                long_variance: seed,
                confidence_ratio,
                updates: 1,
            };
            return Ok(());
        }
        if slot < self.last_slot {
            return Err(RiskError::SlotWentBackwards);
        }
        if slot == self.last_slot {
            return Ok(());
        }
        let mut next = *self;
        let decay = decay_factor(slot - self.last_slot, config.confidence_half_life_slots)?;
        next.confidence_ratio = ewma(self.confidence_ratio, confidence_ratio, decay)?;
        let grid = config.grid_slots;
        if slot / grid > self.last_slot / grid {
            // The previous cell has closed at `last_price`: one sample from
            // the close before it, timed in whole cells so that where in a
            // cell the prints fell does not matter.
            let cells = self.last_slot / grid - self.anchor_slot / grid;
            if cells > 0 {
                let dt = cells.saturating_mul(grid);
                let r = clamped_log_return(self.last_price, self.anchor_price, config.max_log_return)?;
                let sample = variance_sample(r, dt)?;
                let step = |variance: Fixed, half_life: u64| -> RiskResult<Fixed> { ewma(variance, sample, decay_factor(dt, half_life)?) };
                next.initial_variance = step(self.initial_variance, config.initial_half_life_slots)?;
                next.fast_variance = step(self.fast_variance, config.fast_half_life_slots)?;
                next.slow_variance = step(self.slow_variance, config.slow_half_life_slots)?;
                next.long_variance = step(self.long_variance, config.long_half_life_slots)?;
                next.previous_anchor_price = self.anchor_price;
                next.anchor_price = self.last_price;
                next.anchor_slot = self.last_slot;
            }
        }
        next.last_price = price;
        next.last_slot = slot;
        next.updates = self.updates.saturating_add(1);
        *self = next;
        Ok(())
    }

    /// `R`: the largest move of the current price from the two anchors.
    pub fn range(&self, config: &RobustConfig) -> RiskResult<Fixed> {
        if self.updates == 0 {
            return Ok(Fixed::ZERO);
        }
        let from_anchor = clamped_log_return(self.last_price, self.anchor_price, config.max_log_return)?.abs();
        let from_previous = clamped_log_return(self.last_price, self.previous_anchor_price, config.max_log_return)?.abs();
        Ok(from_anchor.max(from_previous))
    }

    /// The three `σ_T` values (see the module docs). Zero before any print.
    pub fn sigma(&self, config: &RobustConfig) -> RiskResult<RobustSigma> {
        let (initial, maintenance) = self.level_sigmas(config)?;
        if self.updates == 0 {
            return Ok(RobustSigma { initial, maintenance, long: Fixed::ZERO });
        }
        let confidence = self.confidence_ratio.min(config.max_log_return);
        let long = add(diffusive(self.long_variance, config)?, confidence)?;
        Ok(RobustSigma { initial, maintenance, long })
    }

    /// `(σ_init, σ_maint)` alone, as [`RobustVolatility::sigma`] computes
    /// them, without the long look-back's square root (what a program that
    /// runs no anti-procyclicality floor needs). Zero before any print.
    pub fn level_sigmas(&self, config: &RobustConfig) -> RiskResult<(Fixed, Fixed)> {
        if self.updates == 0 {
            return Ok((Fixed::ZERO, Fixed::ZERO));
        }
        let directional = mul_floor(config.range_weight, self.range(config)?)?;
        let confidence = self.confidence_ratio.min(config.max_log_return);
        let slow = self.fast_variance.max(self.slow_variance);
        let slow_diffusive = diffusive(slow, config)?;
        let maintenance = add(slow_diffusive.max(directional), confidence)?;
        // The same square root when the initial variance does not lead.
        let initial_diffusive = if self.initial_variance > slow { diffusive(self.initial_variance, config)? } else { slow_diffusive };
        let initial = add(initial_diffusive.max(directional), confidence)?;
        Ok((initial, maintenance))
    }
}

/// `sqrt(v·T)`: a per-slot variance over the horizon.
fn diffusive(variance: Fixed, config: &RobustConfig) -> RiskResult<Fixed> {
    sqrt(mul_floor(variance, Fixed::from_num(config.horizon_slots))?)
}
