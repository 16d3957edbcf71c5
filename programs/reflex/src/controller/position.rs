//! Changing a perp position while keeping the market's running sums (open
//! interest, quote and funding sums) equal to the sums over its positions.
use anchor_lang::prelude::*;
use reflex_risk::Fixed;

use crate::error::ReflexError;
use crate::math::SafeMath;
use crate::state::{MarginAccount, PerpMarket};

/// What a position change did.
#[derive(Clone, Copy, Debug, Default)]
pub struct PositionChange {
    pub base_before: i64,
    pub base_after: i64,
    /// Quote moved from the closed position to the account's quote balance
    /// (and from the pool's realised quote), if the position closed.
    pub realized: Fixed,
}

/// Adds `base_delta` to the position in `slot` and `quote_delta` to its
/// quote side. Funding must already be settled. A position that reaches
/// zero closes: its quote side settles into the quote balance, paid by the
/// pool (or paid to it, if negative), and the slot is freed.
pub fn change_position(
    margin: &mut MarginAccount,
    slot: usize,
    market: &mut PerpMarket,
    base_delta: i64,
    quote_delta: Fixed,
) -> Result<PositionChange> {
    let position = &mut margin.perps[slot];
    let base_before = position.base_size;
    let base_after = base_before.checked_add(base_delta).filter(|size| *size != i64::MIN).ok_or(ReflexError::InvalidSize)?;
    market.remove_position(position)?;
    position.base_size = base_after;
    let quote = position.quote_position.get().safe_add(quote_delta)?;
    position.quote_position.set(quote);
    let mut change = PositionChange { base_before, base_after, realized: Fixed::ZERO };
    if base_after == 0 {
        *position = Default::default();
        margin.add_quote(quote)?;
        market.add_pool_realized(quote.safe_neg()?)?;
        change.realized = quote;
    } else {
        market.add_position(position)?;
    }
    Ok(change)
}

/// Does going from `before` to `after` add risk: a larger size, or a flip?
pub fn increases_risk(before: i64, after: i64) -> bool {
    after.unsigned_abs() > before.unsigned_abs() || (before != 0 && after != 0 && (before > 0) != (after > 0))
}
