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
//! **The slew holds in time.** A level moves at most one slot's rate for
//! each slot of the target it moved toward, whenever it is advanced.
//! `σ_T` only changes at feed updates, so a level remembers the `σ_T` it
//! last moved under: advanced after a gap in which the feed took one new
//! print, it replays the slots before that print under the old `σ_T` and
//! the slots since under the new one, exactly as if it had been cranked
//! every slot. After a gap with several prints the targets in between are
//! not known, so only the slots since the last print count: a level left
//! uncranked banks no credit that one later advance could spend at once.
//! Moving slower than the target is the conservative side of "at most
//! `tighten_per_slot` per slot"; keepers crank every slot, so in practice
//! nothing is lost.
//!
//! **Governance moves levels through the slew too.** Targets always lie in
//! the bounds, and levels only move toward them, so a level outside new
//! bounds walks into them: [`FeedbackState::install`] lets initial tighten
//! at once and moves nothing else; the following advances do the rest at
//! the slew rates. A level is thus always inside its bounds, or between
//! where it stood when the bounds changed and the new bounds.
use crate::accumulator::VolatilityPath;
use crate::error::RiskResult;
use crate::fixed_math::{add, mul_floor, mul_saturating, sqrt, sub};
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
        let raw = self.base.saturating_add(mul_saturating(self.sensitivity, risk_volatility));
        // Not `Ord::clamp`, which panics when lower > upper; validated bounds never are.
        raw.min(self.upper).max(self.lower)
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
    /// The `σ_T` the levels last moved toward (in force until the feed's
    /// next update): maintenance's, and initial's (equal unless split).
    pub risk_volatility: Fixed,
    pub initial_volatility: Fixed,
}

impl FeedbackState {
    /// Both levels at their targets for `risk_volatility` (a new listing
    /// starts where the curves put it).
    pub fn new(config: &FeedbackConfig, risk_volatility: Fixed, slot: u64) -> Self {
        FeedbackState::starting(config, VolatilityPath::constant_since(risk_volatility, slot), slot)
    }

    /// Both levels at their targets for the path's current values (initial
    /// at its own `σ_T` when split).
    pub fn starting(config: &FeedbackConfig, path: VolatilityPath, slot: u64) -> Self {
        let initial = config.initial.target(path.initial);
        let maintenance = config.maintenance.target(path.current).min(initial);
        FeedbackState { initial, maintenance, last_slot: slot, risk_volatility: path.current, initial_volatility: path.initial }
    }

    /// Moves both levels to `slot` along the feed's `σ_T` history `path`
    /// (see the module docs for which slots count): initial tightens at
    /// once and loosens at `loosen_per_slot`, maintenance moves at the slew
    /// rates, and stays under initial. A call that lets no slot pass still
    /// lets the initial level tighten, which needs none.
    pub fn advance(&mut self, config: &FeedbackConfig, path: VolatilityPath, slot: u64) {
        if path.since > self.last_slot {
            if path.previous_since <= self.last_slot {
                // One print since the last advance: the slots before it were
                // spent under the σ_T these levels remember.
                self.step(
                    config,
                    self.initial_volatility,
                    self.risk_volatility,
                    path.since.saturating_sub(1).saturating_sub(self.last_slot),
                );
            }
            // Slots before the print that are not replayed are not spent.
            self.last_slot = self.last_slot.max(path.since.saturating_sub(1));
        }
        self.step(config, path.initial, path.current, slot.saturating_sub(self.last_slot));
        self.risk_volatility = path.current;
        self.initial_volatility = path.initial;
        self.last_slot = self.last_slot.max(slot);
    }

    /// `slots` slots toward the targets for `initial_volatility` (initial)
    /// and `risk_volatility` (maintenance).
    fn step(&mut self, config: &FeedbackConfig, initial_volatility: Fixed, risk_volatility: Fixed, slots: u64) {
        if slots == 0 {
            // Maintenance cannot move in no time, so its target is not needed
            // (a level advanced again in the slot it is at: every health
            // computation after a crank).
            self.hold(config.initial.target(initial_volatility));
            return;
        }
        self.step_toward(config, config.initial.target(initial_volatility), config.maintenance.target(risk_volatility), slots);
    }

    /// What [`FeedbackState::step_toward`] does when no slot passes: both
    /// slews are zero, so maintenance stays and initial can only tighten
    /// (to its target, at once).
    fn hold(&mut self, initial_target: Fixed) {
        self.initial = self.initial.max(initial_target);
        self.maintenance = self.maintenance.min(self.initial);
    }

    /// `slots` slots toward given targets, under the same rule as
    /// [`FeedbackState::advance`]: initial tightens at once and loosens at
    /// `loosen_per_slot`, maintenance moves at the slew rates and stays
    /// under initial. For targets the curves alone do not give (a
    /// utilisation add-on, an anti-procyclicality floor, a second `σ_T`; see
    /// [`crate::mechanism`]); callers keep the targets inside the bounds.
    pub fn step_toward(&mut self, config: &FeedbackConfig, initial_target: Fixed, maintenance_target: Fixed, slots: u64) {
        if slots == 0 {
            self.hold(initial_target);
            return;
        }
        let dt = Fixed::saturating_from_num(slots);
        let loosen = mul_saturating(config.loosen_per_slot.max(Fixed::ZERO), dt);
        let tighten = mul_saturating(config.tighten_per_slot.max(Fixed::ZERO), dt);

        let initial = if initial_target >= self.initial { initial_target } else { initial_target.max(self.initial.saturating_sub(loosen)) };

        let maintenance = if maintenance_target >= self.maintenance {
            maintenance_target.min(self.maintenance.saturating_add(tighten))
        } else {
            maintenance_target.max(self.maintenance.saturating_sub(loosen))
        };

        self.initial = initial;
        self.maintenance = maintenance.min(initial);
    }

    /// Governance replaces `old` by `new` at `slot`: the levels first catch
    /// up to `slot` under the settings that were in force, then the new
    /// settings take over with no time spent under them, so only the initial
    /// level may move (tightening at once); maintenance and any loosening
    /// follow at the slew rates from the next slot on.
    pub fn install(&mut self, old: &FeedbackConfig, new: &FeedbackConfig, path: VolatilityPath, slot: u64) {
        self.advance(old, path, slot);
        self.step(new, path.initial, path.current, 0);
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
