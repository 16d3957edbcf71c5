use anchor_lang::prelude::*;
use reflex_risk::price::{native_confidence, native_price};
use reflex_risk::{Fixed, UpdateOutcome};

use crate::error::{MapRiskErr, ReflexError};
use crate::oracle::{Guard, OracleKind, PriceGrade};
use crate::state::PriceFeed;

/// What a refresh did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refresh {
    /// A newer print was accepted and the accumulator moved.
    Updated(PriceGrade),
    /// The feed was already refreshed this slot, or the oracle has no newer
    /// print: nothing changed.
    Unchanged,
}

/// Refreshes `feed` from its oracle account for the current slot: reads and
/// grades the print, converts it to quote native units per base native
/// unit, and feeds it to the accumulator. The oracle is read at most once
/// per slot (`oracle_read_slot`): whatever is posted to it later in the
/// slot waits for the next one, so no sequence of instructions inside a
/// slot can choose between two prints. A print that is not newer (posted
/// at a later slot, published no earlier) than the last accepted one
/// changes nothing. Fails with the reason if the print is unusable.
pub fn refresh(feed: &mut PriceFeed, oracle: &AccountInfo, slot: u64, now: i64) -> Result<Refresh> {
    require_keys_eq!(oracle.key(), feed.oracle, ReflexError::WrongOracleAccount);
    if feed.updates > 0 && feed.oracle_read_slot >= slot {
        return Ok(Refresh::Unchanged);
    }
    feed.oracle_read_slot = slot;
    let refreshed = take_print(feed, oracle, slot, now)?;
    if refreshed == Refresh::Unchanged {
        apply_pending_fallback(feed);
    }
    Ok(refreshed)
}

/// [`refresh`] as every pricing instruction runs it on the feeds it reads:
/// an unusable print (stale, too wide, unreadable, a dead oracle) leaves the
/// feed as it was, for the grading at use to age out, instead of failing
/// the instruction, so that one feed cannot block a liquidation that does
/// not need its price. The oracle still counts as read for this slot.
pub fn refresh_lazily(feed: &mut PriceFeed, oracle: &AccountInfo, slot: u64, now: i64) -> Result<Refresh> {
    require_keys_eq!(oracle.key(), feed.oracle, ReflexError::WrongOracleAccount);
    if feed.updates > 0 && feed.oracle_read_slot >= slot {
        return Ok(Refresh::Unchanged);
    }
    feed.oracle_read_slot = slot;
    let before = *feed;
    match take_print(feed, oracle, slot, now) {
        Ok(Refresh::Unchanged) => {
            apply_pending_fallback(feed);
            Ok(Refresh::Unchanged)
        }
        Ok(refresh) => Ok(refresh),
        Err(_) => {
            // Keep the read mark, undo anything half-written.
            *feed = PriceFeed { oracle_read_slot: slot, ..before };
            apply_pending_fallback(feed);
            Ok(Refresh::Unchanged)
        }
    }
}

/// At the feed's first read in a slot after governance posted a fallback
/// price, with no newer oracle print: the fallback becomes the feed's
/// print, graded `LiquidationOnly`, aged from its posting. Neither estimator
/// takes it (σ_T does not move at a fallback); the oracle's next print is
/// measured against each one's own last price.
fn apply_pending_fallback(feed: &mut PriceFeed) {
    if feed.pending_fallback_time == 0 {
        return;
    }
    feed.last_price = feed.pending_fallback_price;
    feed.last_confidence = feed.pending_fallback_confidence;
    feed.last_publish_time = feed.pending_fallback_time;
    feed.last_grade = PriceGrade::LiquidationOnly as u8;
    feed.fallback_price = 1;
    feed.pending_fallback_time = 0;
}

/// Takes governance's price for a dead feed (see
/// `instructions::feed_fallback`): converted as an oracle print is, held to
/// the feed's confidence limit, it waits for the feed's first read in a
/// later slot (`apply_pending_fallback`), so every instruction of this
/// slot still prices as before. The accumulator takes no return from it;
/// the oracle's next print is measured against it. Returns the native price
/// and confidence.
pub fn post_fallback_print(feed: &mut PriceFeed, price: i64, confidence: u64, exponent: i32, now: i64) -> Result<(Fixed, Fixed)> {
    // The oracle gives nothing usable, or governance's own price stands
    // (which it may post again before it ages out).
    require!(feed.updates > 0 && (feed.grade_at(now).is_none() || feed.is_fallback_price()), ReflexError::FeedNotDead);
    require!(price > 0, ReflexError::InvalidOraclePrice);
    let native = native_price(price, exponent, feed.base_decimals, feed.quote_decimals).map_risk_err()?;
    let native_conf = native_confidence(confidence, exponent, feed.base_decimals, feed.quote_decimals).map_risk_err()?;
    let ratio = native_conf.checked_div(native).ok_or(ReflexError::InvalidOraclePrice)?;
    require!(ratio <= feed.max_confidence_ratio.get(), ReflexError::ConfidenceTooWide);
    feed.pending_fallback_price.set(native);
    feed.pending_fallback_confidence.set(native_conf);
    feed.pending_fallback_time = now;
    Ok((native, native_conf))
}

fn take_print(feed: &mut PriceFeed, oracle: &AccountInfo, slot: u64, now: i64) -> Result<Refresh> {
    let kind = OracleKind::from_stored(feed.oracle_kind).ok_or(ReflexError::InvalidOracleAccount)?;
    let print = kind.read(oracle, &feed.feed_id)?;
    let newer = print.posted_slot > feed.last_posted_slot && print.publish_time >= feed.last_publish_time;
    if feed.updates > 0 && !newer {
        return Ok(Refresh::Unchanged);
    }
    let price = native_price(print.price, print.exponent, feed.base_decimals, feed.quote_decimals).map_risk_err()?;
    let confidence = native_confidence(print.confidence, print.exponent, feed.base_decimals, feed.quote_decimals).map_risk_err()?;
    let guard = Guard {
        max_age_seconds: feed.max_age_seconds,
        max_liquidation_age_seconds: feed.max_liquidation_age_seconds,
        max_confidence_ratio: feed.max_confidence_ratio.get(),
        max_move_per_update: feed.max_move_per_update.get(),
    };
    let grade = guard.grade(price, confidence, print.publish_time, now, feed.last_price.get())?;

    let mut accumulator = feed.accumulator();
    let outcome = accumulator.update(&feed.accumulator_config(), price, confidence, slot).map_risk_err()?;
    if outcome == UpdateOutcome::SameSlot {
        return Ok(Refresh::Unchanged);
    }
    // The robust estimator takes the same prints (one per slot, as above).
    if feed.robust_config.is_on() {
        let mut robust = feed.robust.get();
        robust.update(&feed.robust_settings(), price, confidence, slot).map_risk_err()?;
        feed.robust.set(&robust);
        feed.update_robust_sigma()?;
    }
    feed.store_accumulator(&accumulator);
    feed.last_confidence.set(confidence);
    feed.last_publish_time = print.publish_time;
    feed.last_posted_slot = print.posted_slot;
    feed.last_grade = grade as u8;
    feed.fallback_price = 0;
    feed.pending_fallback_time = 0;
    Ok(Refresh::Updated(grade))
}
