//! From volatility to parameters (DESIGN.md section 5).
//!
//! Every automatic parameter (a collateral haircut `h`, a perp margin ratio
//! `m`) has an initial and a maintenance level, each following its own curve
//! inside governance bounds. For both, a higher value is tighter.
//!
//! ```text
//! target  x* = clamp(base + k·σ_T, lower, upper)
//! initial     = x*                          if x* ≥ previous   (tightens at once)
//!             = max(x*, previous − loosen·dt) otherwise        (loosens at a bounded rate)
//! maintenance = min(x*, previous + tighten·dt) if x* ≥ previous (slewed both ways)
//!             = max(x*, previous − loosen·dt)  otherwise
//! maintenance = min(maintenance, initial)
//! ```
//!
//! The asymmetry is the counter-cyclical rule: a volatility spike blocks new
//! leverage in the same slot (initial), while the requirement that decides
//! liquidations (maintenance) climbs at `tighten_per_slot`, giving existing
//! positions time to deleverage instead of being liquidated all in one slot.
//!
//! Bounds win over slew: if governance moves the bounds, the next
//! [`FeedbackState::advance`] clamps both values into them at once.
use crate::error::RiskResult;
use crate::fixed_math::{add, mul_floor, sqrt, sub};
use crate::Fixed;

/// One level's curve and bounds: `clamp(base + k·σ_T, lower, upper)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelCurve {
    pub base: Fixed,
    /// `k`: how much the level rises per unit of `σ_T`.
    pub sensitivity: Fixed,
    /// Governance bound: the level never goes below this.
    pub lower: Fixed,
    /// Governance bound: the level never goes above this.
    pub upper: Fixed,
}

impl LevelCurve {
    /// `clamp(base + k·σ_T, lower, upper)`. Saturates instead of failing on
    /// an extreme `σ_T`: the clamp makes the result the upper bound anyway.
    pub fn target(&self, risk_volatility: Fixed) -> Fixed {
        let raw = self.base.saturating_add(self.sensitivity.saturating_mul(risk_volatility));
        // Not `Ord::clamp`, which panics when lower > upper; validated bounds never are.
        raw.min(self.upper).max(self.lower)
    }

    fn clamp(&self, value: Fixed) -> Fixed {
        value.min(self.upper).max(self.lower)
    }
}

/// The two curves of one parameter and the rates the levels may move at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeedbackConfig {
    pub initial: LevelCurve,
    pub maintenance: LevelCurve,
    /// Largest rise of maintenance per slot.
    pub tighten_per_slot: Fixed,
    /// Largest fall of either level per slot.
    pub loosen_per_slot: Fixed,
}

/// The live values of one parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeedbackState {
    pub initial: Fixed,
    pub maintenance: Fixed,
    /// Slot of the last [`FeedbackState::advance`].
    pub last_slot: u64,
}

impl FeedbackState {
    /// Both levels at their targets for `risk_volatility` (a new listing
    /// starts where the curves put it).
    pub fn new(config: &FeedbackConfig, risk_volatility: Fixed, slot: u64) -> Self {
        let initial = config.initial.target(risk_volatility);
        let maintenance = config.maintenance.target(risk_volatility).min(initial);
        FeedbackState { initial, maintenance, last_slot: slot }
    }

    /// Moves both levels toward their targets for `risk_volatility` over the
    /// slots since the last call, then clamps them into the bounds and
    /// maintenance under initial. A call for the same (or an older) slot
    /// lets no time pass: the initial level may still tighten, which needs
    /// none, and the bounds are re-applied; maintenance does not move.
    pub fn advance(&mut self, config: &FeedbackConfig, risk_volatility: Fixed, slot: u64) {
        let dt = Fixed::saturating_from_num(slot.saturating_sub(self.last_slot));
        let loosen = config.loosen_per_slot.max(Fixed::ZERO).saturating_mul(dt);
        let tighten = config.tighten_per_slot.max(Fixed::ZERO).saturating_mul(dt);

        let initial_target = config.initial.target(risk_volatility);
        let initial = if initial_target >= self.initial {
            initial_target
        } else {
            initial_target.max(self.initial.saturating_sub(loosen))
        };

        let maintenance_target = config.maintenance.target(risk_volatility);
        let maintenance = if maintenance_target >= self.maintenance {
            maintenance_target.min(self.maintenance.saturating_add(tighten))
        } else {
            maintenance_target.max(self.maintenance.saturating_sub(loosen))
        };

        self.initial = config.initial.clamp(initial);
        self.maintenance = config.maintenance.clamp(maintenance).min(self.initial);
        self.last_slot = self.last_slot.max(slot);
    }
}

/// Size-scaled margin ratio for a position of notional `N` (quote native
/// units): `min(1, max(m, imf·sqrt(N)))`. Large positions need more margin
/// because they cannot be closed at the oracle price. Applied at the initial
/// level only (see [`crate::health`]).
pub fn size_scaled_margin_ratio(margin_ratio: Fixed, size_factor: Fixed, notional: Fixed) -> RiskResult<Fixed> {
    if size_factor <= 0 || notional <= 0 {
        return Ok(margin_ratio);
    }
    let premium = mul_floor(size_factor, sqrt(notional)?)?;
    Ok(margin_ratio.max(premium).min(Fixed::ONE))
}

/// Size-scaled collateral weight for a deposit of value `D` (quote native
/// units): `min(1 − h, (1 + imf)/(1 + imf·sqrt(D)))`. A concentrated deposit
/// counts for less because selling it all at once moves its price. Applied
/// at the initial level only (see [`crate::health`]).
pub fn size_scaled_collateral_weight(haircut: Fixed, size_factor: Fixed, value: Fixed) -> RiskResult<Fixed> {
    let weight = sub(Fixed::ONE, haircut)?.max(Fixed::ZERO);
    if size_factor <= 0 || value <= 0 {
        return Ok(weight);
    }
    let denominator = add(Fixed::ONE, mul_floor(size_factor, sqrt(value)?)?)?;
    let scaled = crate::fixed_math::div(add(Fixed::ONE, size_factor)?, denominator)?;
    Ok(weight.min(scaled))
}
