//! The volatility accumulator (DESIGN.md section 4).
//!
//! On an update at slot `t` with a valid price `p_t`, after the last accepted
//! `(p_s, s)`:
//!
//! ```text
//! dt   = t − s                              (slots, ≥ 1)
//! r    = clamp(ln(p_t / p_s), −r_max, r_max) (one print's influence is bounded)
//! v    = r² / dt                            (per-slot variance sample)
//! var ← λ^dt · var + (1 − λ^dt) · v,  λ = 2^(−1/H)   for H = H_fast and H_slow
//! c    = conf_t / p_t                       (the oracle's own uncertainty)
//! σ_T  = sqrt(max(var_fast, var_slow) · T) + min(c, r_max)
//! ```
//!
//! `σ_T` is the risk volatility over the liquidation horizon `T` (slots a
//! keeper needs to act). Taking the larger of the two EWMAs makes it rise
//! quickly in a spike (the fast one) and stay up through a day of clustered
//! volatility (the slow one). One print's confidence, like its return, moves
//! `σ_T` by at most `r_max`: a print whose interval is wide but still under
//! the feed's confidence cap cannot push the levels further than one
//! clamped return could. The stored last price is the real `p_t`, not the
//! clamped one, so a jump is not replayed on the next update. Everything is
//! fixed point: the same inputs give bit-identical state on every machine.
//!
//! Precision (checked against an f64 reference): variances to a relative
//! 1e-6 or an absolute ~1e-13, whichever is larger; so `σ_T` to a relative
//! 1e-7, and to `sqrt(T·1e-13)` absolute near zero volatility (4e-6 for
//! `T` = 150 slots), far below the granularity of any margin ratio.
use crate::error::{ConfigError, RiskError, RiskResult};
use crate::fixed_math::{add, decay_factor, div, div_by_int, ln, mul_floor, sqrt, sub};
use crate::Fixed;

/// Governed settings of one feed's accumulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccumulatorConfig {
    /// `H_fast`: half-life of the fast EWMA in slots (about an hour: 9,000).
    pub fast_half_life_slots: u64,
    /// `H_slow`: half-life of the slow EWMA in slots (about a day: 216,000).
    pub slow_half_life_slots: u64,
    /// `r_max`: the largest log return one update may contribute.
    pub max_log_return: Fixed,
    /// `T`: the liquidation horizon in slots.
    pub horizon_slots: u64,
    /// Per-slot variance both EWMAs start from, so a new feed does not
    /// start at zero volatility.
    pub seed_variance: Fixed,
}

impl AccumulatorConfig {
    pub fn validate(&self) -> RiskResult<()> {
        if self.fast_half_life_slots == 0 || self.slow_half_life_slots == 0 {
            return Err(ConfigError::ZeroHalfLife.into());
        }
        if self.slow_half_life_slots < self.fast_half_life_slots {
            return Err(ConfigError::SlowFasterThanFast.into());
        }
        if self.max_log_return <= 0 {
            return Err(ConfigError::NonPositiveReturnClamp.into());
        }
        if self.horizon_slots == 0 {
            return Err(ConfigError::ZeroHorizon.into());
        }
        if self.seed_variance < 0 {
            return Err(ConfigError::NegativeSeedVariance.into());
        }
        Ok(())
    }
}

/// One feed's accumulator state. `Default` is the state before any update.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VolatilityAccumulator {
    /// Last accepted price (quote native per base native), unclamped.
    pub last_price: Fixed,
    /// Slot of the last accepted price.
    pub last_slot: u64,
    /// Slot of the accepted price before it (0 before the second update):
    /// `σ_T` was constant from this slot until `last_slot`, which lets a
    /// level that last moved in between replay the slots it missed.
    pub previous_slot: u64,
    /// Fast EWMA of the per-slot variance.
    pub fast_variance: Fixed,
    /// Slow EWMA of the per-slot variance.
    pub slow_variance: Fixed,
    /// `c = conf / price` of the last accepted price.
    pub confidence_ratio: Fixed,
    /// Accepted updates so far; zero means no price yet.
    pub updates: u64,
}

/// What an update did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// The first price: stored, variances set to the seed.
    Initialized,
    /// A later slot: variances moved.
    Updated,
    /// Same slot as the last update: nothing changed (at most one update per slot).
    SameSlot,
}

impl VolatilityAccumulator {
    /// Feeds one oracle price. Rejects non-positive prices, negative
    /// confidence and slots older than the last update, leaving the state
    /// untouched on any error.
    pub fn update(&mut self, config: &AccumulatorConfig, price: Fixed, confidence: Fixed, slot: u64) -> RiskResult<UpdateOutcome> {
        config.validate()?;
        let confidence_ratio = print_confidence_ratio(price, confidence)?;
        if self.updates == 0 {
            *self = VolatilityAccumulator {
                last_price: price,
                last_slot: slot,
                previous_slot: 0,
                fast_variance: config.seed_variance,
                slow_variance: config.seed_variance,
                confidence_ratio,
                updates: 1,
            };
            return Ok(UpdateOutcome::Initialized);
        }
        if slot < self.last_slot {
            return Err(RiskError::SlotWentBackwards);
        }
        if slot == self.last_slot {
            return Ok(UpdateOutcome::SameSlot);
        }
        let dt = slot - self.last_slot;
        let log_return = clamped_log_return(price, self.last_price, config.max_log_return)?;
        let sample = variance_sample(log_return, dt)?;
        let fast_variance = ewma(self.fast_variance, sample, decay_factor(dt, config.fast_half_life_slots)?)?;
        let slow_variance = ewma(self.slow_variance, sample, decay_factor(dt, config.slow_half_life_slots)?)?;
        *self = VolatilityAccumulator {
            last_price: price,
            last_slot: slot,
            previous_slot: self.last_slot,
            fast_variance,
            slow_variance,
            confidence_ratio,
            updates: self.updates.saturating_add(1),
        };
        Ok(UpdateOutcome::Updated)
    }

    /// The risk volatility and the slots it has been in force since, for
    /// advancing parameters ([`crate::FeedbackState::advance`]).
    pub fn volatility_path(&self, config: &AccumulatorConfig) -> RiskResult<VolatilityPath> {
        let current = self.risk_volatility(config)?;
        Ok(VolatilityPath { current, initial: current, since: self.last_slot, previous_since: self.previous_slot })
    }

    /// `σ_T = sqrt(max(var_fast, var_slow) · T) + min(c, r_max)`: the fractional price
    /// move to provision for over the liquidation horizon. Before the first
    /// update it is 0; callers must not price with a feed that has no
    /// accepted price (`updates == 0`).
    pub fn risk_volatility(&self, config: &AccumulatorConfig) -> RiskResult<Fixed> {
        let variance = self.fast_variance.max(self.slow_variance);
        let horizon_variance = mul_floor(variance, Fixed::from_num(config.horizon_slots))?;
        add(sqrt(horizon_variance)?, self.confidence_ratio.min(config.max_log_return))
    }
}

/// What a parameter needs to know of its feed's `σ_T` history to move slot
/// by slot: the current value, the slot it took effect (the last update),
/// and the slot the one before took effect. `σ_T` changes only at updates.
/// With split time constants ([`crate::mechanism::robust`]) initial levels
/// follow a faster `σ_T` than maintenance; otherwise both are `current`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolatilityPath {
    /// The `σ_T` maintenance levels (and spreads) follow.
    pub current: Fixed,
    /// The `σ_T` initial levels follow (at least `current` when split).
    pub initial: Fixed,
    pub since: u64,
    pub previous_since: u64,
}

impl VolatilityPath {
    /// A `σ_T` that has been in force since `since` (and, before that, unknown).
    pub fn constant_since(current: Fixed, since: u64) -> Self {
        VolatilityPath { current, initial: current, since, previous_since: since }
    }

    /// The same values, in force since `since` (and, before that, unknown).
    pub fn restarted_at(self, since: u64) -> Self {
        VolatilityPath { since, previous_since: since, ..self }
    }
}

/// A print's `conf / price`, after refusing a non-positive price or a
/// negative confidence (shared with [`crate::mechanism::robust`]).
pub(crate) fn print_confidence_ratio(price: Fixed, confidence: Fixed) -> RiskResult<Fixed> {
    if price <= 0 {
        return Err(RiskError::NonPositiveInput);
    }
    if confidence < 0 {
        return Err(RiskError::NegativeInput);
    }
    div(confidence, price)
}

/// `clamp(ln(price / reference), −clamp, clamp)`: one sample's bounded log return.
pub(crate) fn clamped_log_return(price: Fixed, reference: Fixed, clamp: Fixed) -> RiskResult<Fixed> {
    Ok(ln(div(price, reference)?)?.clamp(-clamp, clamp))
}

/// `r² / dt`: a per-slot variance sample from a return over `dt` slots.
pub(crate) fn variance_sample(log_return: Fixed, dt: u64) -> RiskResult<Fixed> {
    div_by_int(mul_floor(log_return, log_return)?, dt)
}

/// `λ·var + (1 − λ)·sample`, written `var + (1 − λ)(sample − var)` so that
/// with `0 ≤ λ ≤ 1` the result stays between `var` and `sample`.
pub(crate) fn ewma(variance: Fixed, sample: Fixed, decay: Fixed) -> RiskResult<Fixed> {
    let weight = sub(Fixed::ONE, decay)?;
    add(variance, mul_floor(weight, sub(sample, variance)?)?)
}
