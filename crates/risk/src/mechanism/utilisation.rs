//! Utilisation feedback: "collateral utilisation ratios inform protocol
//! risk parameters".
//!
//! - **Open interest.** A market's initial (and, if governance wants it,
//!   maintenance) margin rises with its open interest against the pool's
//!   capacity, as dYdX v4 scales initial margin with open interest:
//!   `add_on = max_add_on · clamp((u − u_lo) / (u_hi − u_lo), 0, 1)` with
//!   `u = largest side's notional / capacity`. The more of the pool one
//!   side already uses, the more margin new leverage on it needs.
//! - **Deposit depth.** A collateral's weight shrinks once its total
//!   deposits pass a governed depth, as Mango v4 scales deposit weights:
//!   `1 − h' = (1 − h) · min(1, depth / deposits)`. Past the depth, the
//!   collateral could not all be sold near the oracle price.
//!
//! Both apply at use, on top of the live levels (which follow `σ_T`
//! through the slew): the add-on is as current as the open interest and
//! the pool it is measured from, and it never holds a level above its
//! governed upper bound ([`margin_with_add_on`]). Both are rounded against
//! the account: add-ons up, weights down.
use crate::error::{RiskError, RiskResult};
use crate::fixed_math::{div, mul_ceil, mul_floor, ratio_floor, sub};
use crate::Fixed;

/// Governed open-interest scaling of one market's margin. All zero (the
/// `Default`): no add-on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenInterestScaling {
    /// Utilisation below which nothing is added.
    pub lower: Fixed,
    /// Utilisation at which the whole add-on applies.
    pub upper: Fixed,
    /// The add-on at and above `upper` (a fraction of notional).
    pub max_add_on: Fixed,
}

impl OpenInterestScaling {
    /// No add-on at any utilisation.
    pub const OFF: OpenInterestScaling = OpenInterestScaling { lower: Fixed::ONE, upper: Fixed::ONE, max_add_on: Fixed::ZERO };
}

/// The margin add-on at `largest_side_notional` against `capacity` (both
/// quote native units). A market with no capacity counts as fully used.
pub fn open_interest_add_on(scaling: &OpenInterestScaling, largest_side_notional: Fixed, capacity: Fixed) -> RiskResult<Fixed> {
    if largest_side_notional < 0 || capacity < 0 || scaling.max_add_on < 0 {
        return Err(RiskError::NegativeInput);
    }
    if scaling.max_add_on == 0 || largest_side_notional == 0 {
        return Ok(Fixed::ZERO);
    }
    if capacity == 0 {
        return Ok(scaling.max_add_on);
    }
    // Below the lower bound, settled by a product instead of the division (a
    // 256-bit one here, the costliest operation of a health entry): in bits,
    // N ≤ ⌊L·C/2⁴⁸⌋ gives N·2⁴⁸ ≤ L·C, so ⌊N·2⁴⁸/C⌋ ≤ L, exactly the test
    // below; where the product does not settle it, the division does.
    if mul_floor(scaling.lower, capacity).is_ok_and(|bound| largest_side_notional <= bound) {
        return Ok(Fixed::ZERO);
    }
    let utilisation = div(largest_side_notional, capacity)?;
    if utilisation <= scaling.lower {
        return Ok(Fixed::ZERO);
    }
    if utilisation >= scaling.upper || scaling.upper <= scaling.lower {
        return Ok(scaling.max_add_on);
    }
    let fraction = div(sub(utilisation, scaling.lower)?, sub(scaling.upper, scaling.lower)?)?;
    Ok(mul_ceil(scaling.max_add_on, fraction)?.min(scaling.max_add_on))
}

/// The initial margin ratio a risk-increasing action is held to: the live
/// level plus the open-interest add-on, no higher than the curve's upper
/// bound (and never below the live level, whatever the bound).
pub fn margin_with_add_on(live_initial: Fixed, upper: Fixed, add_on: Fixed) -> Fixed {
    live_initial.max(live_initial.saturating_add(add_on.max(Fixed::ZERO)).min(upper))
}

/// The haircut after depth scaling: `1 − (1 − h)·min(1, depth / deposits)`,
/// rounded up (the ratio rounds down, by under five steps of 2⁻⁴⁸: `ratio_floor`).
/// `depth = 0` turns the scaling off.
pub fn deposit_haircut(haircut: Fixed, total_deposit_value: Fixed, depth: Fixed) -> RiskResult<Fixed> {
    if total_deposit_value < 0 || depth < 0 {
        return Err(RiskError::NegativeInput);
    }
    if depth == 0 || total_deposit_value <= depth {
        return Ok(haircut);
    }
    let weight = sub(Fixed::ONE, haircut)?.max(Fixed::ZERO);
    // depth / deposits rounded down (ratio_floor: under five steps low), so the
    // haircut rounds up, against the account, without a 256-bit division.
    let scaled = mul_floor(weight, ratio_floor(depth, total_deposit_value)?)?;
    sub(Fixed::ONE, scaled)
}
