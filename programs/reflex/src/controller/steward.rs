use anchor_lang::prelude::*;

use crate::error::ReflexError;
use crate::state::{Exchange, FeedbackPpm, RiskLevel};

/// Moves one base parameter as the risk steward asked, inside its limits:
/// the new base stays within the level's governance bounds, moves at most
/// `steward_max_change_ppm` from the old one, and comes at least
/// `steward_min_slots` after the steward's last change of the same
/// parameter. Returns the old base. The caller then runs the full bounds
/// check on the result (a base change can still break `initial ≥ maintenance`).
pub fn change_base(
    exchange: &Exchange,
    feedback: &mut FeedbackPpm,
    changed_slots: &mut [u64; 2],
    level: RiskLevel,
    new_base: u32,
    slot: u64,
) -> Result<u32> {
    let curve = match level {
        RiskLevel::Initial => &mut feedback.initial,
        RiskLevel::Maintenance => &mut feedback.maintenance,
    };
    require!((curve.lower..=curve.upper).contains(&new_base), ReflexError::StewardOutsideBounds);
    require!(curve.base.abs_diff(new_base) <= exchange.steward_max_change_ppm, ReflexError::StewardChangeTooLarge);
    let last = changed_slots[level.index()];
    require!(last == 0 || slot >= last.saturating_add(exchange.steward_min_slots as u64), ReflexError::StewardChangeTooSoon);
    let old = curve.base;
    curve.base = new_base;
    changed_slots[level.index()] = slot;
    Ok(old)
}
