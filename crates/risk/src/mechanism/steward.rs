//! The cascade-aware steward's rule: act before the move.
//!
//! Keepers liquidate after a fall; a cascade happens when the notional
//! whose liquidation price a plausible move reaches is more than the book
//! or the pool can absorb, because its forced sales push the price through
//! the next layer. The steward reads every account's liquidation price and
//! measures that notional *before* the move:
//!
//! ```text
//! at_risk   = Σ notional of positions whose liquidation price lies within p·(1 ± k·σ_T)
//! raise     if at_risk > absorbable:              base + step, at most upper
//! relax     if at_risk < absorbable · relax_below: base − step, at least the governed base
//! ```
//!
//! Raising base initial margin stops the layer from growing (new leverage
//! needs more margin) and, through the traders' own targets, thins it;
//! maintenance is untouched, so nobody is liquidated by the steward. On
//! chain the step goes through the risk steward's instruction, whose caps
//! and spacing bound it whatever this rule asks.
use crate::error::{RiskError, RiskResult};
use crate::fixed_math::{add, mul_floor, sub};
use crate::Fixed;

/// One position's liquidation price and notional (quote native units).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationPoint {
    pub price: Fixed,
    pub notional: Fixed,
}

/// The steward's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StewardRule {
    /// `k`: how many `σ_T` of move to look through.
    pub sigma_multiple: Fixed,
    /// The largest change of base per step (the on-chain cap).
    pub step: Fixed,
    /// Relax when the notional at risk falls below this fraction of what can be absorbed.
    pub relax_below: Fixed,
}

/// Notional whose liquidation price lies within `price · (1 ± move)`.
pub fn notional_within_move(points: &[LiquidationPoint], price: Fixed, fractional_move: Fixed) -> RiskResult<Fixed> {
    if price <= 0 || fractional_move < 0 {
        return Err(RiskError::NegativeInput);
    }
    let reach = mul_floor(price, fractional_move)?;
    let (low, high) = (sub(price, reach)?, add(price, reach)?);
    points
        .iter()
        .filter(|p| p.price > 0 && p.price >= low && p.price <= high)
        .try_fold(Fixed::ZERO, |sum, p| add(sum, p.notional.max(Fixed::ZERO)))
}

/// The base the steward asks for: `current` raised, relaxed toward
/// `governed`, or left, by at most `rule.step`, inside `[governed, upper]`.
pub fn steward_base(
    rule: &StewardRule,
    current: Fixed,
    governed: Fixed,
    upper: Fixed,
    at_risk: Fixed,
    absorbable: Fixed,
) -> RiskResult<Fixed> {
    if at_risk > absorbable {
        // Never below `current`: a base governance put above `upper` stays.
        return Ok(add(current, rule.step)?.min(upper).max(current));
    }
    if current > governed && at_risk < mul_floor(absorbable, rule.relax_below)? {
        return Ok(sub(current, rule.step)?.max(governed));
    }
    Ok(current)
}
