//! Anti-procyclicality (EMIR RTS 153/2013 Art. 28): margin that rises
//! less in stress because part of it was held in calm.
//!
//! ```text
//! floor  = min(upper, (1 + b) · target(σ_long))
//! level  = max(target(σ), floor)
//! ```
//!
//! In calm `σ ≈ σ_long`, so the level is the buffered `(1 + b)·target`
//! (Art. 28(1)(a): a buffer of at least 25%); when `σ` rises the buffer is
//! released first, so the level moves only once `target(σ)` passes the
//! floor; and the floor itself follows a long look-back (Art. 28(1)(c)), so
//! it never falls to what the last calm week alone would allow.
use crate::error::RiskResult;
use crate::fixed_math::{add, mul_ceil};
use crate::params::LevelCurve;
use crate::Fixed;

/// The level's target with the buffer `b` held over the long look-back's target.
pub fn apc_target(curve: &LevelCurve, sigma: Fixed, sigma_long: Fixed, buffer: Fixed) -> RiskResult<Fixed> {
    let floor = mul_ceil(add(Fixed::ONE, buffer.max(Fixed::ZERO))?, curve.target(sigma_long))?.min(curve.upper);
    Ok(curve.target(sigma).max(floor))
}
