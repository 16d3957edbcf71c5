//! Governance's answers to a dead oracle, so one feed can never freeze the
//! protocol: point the feed at another source of the same Pyth feed id, or,
//! while the feed has no usable price at all, post a documented price of
//! its own. A governance price is graded for liquidations only: positions
//! can be reduced, closed and liquidated, collateral seized, bankruptcies
//! settled and LPs enter and leave at it, but nobody adds risk at it. It
//! ages like any print (re-post it, or it goes unusable again), and the
//! first newer print of the oracle takes over.
use anchor_lang::prelude::*;

use super::admin_only::*;
use crate::controller::feed::{post_fallback_print, refresh_lazily};
use crate::error::ReflexError;
use crate::events::{FallbackPriceSet, FeedOracleSet};
use crate::oracle::OracleKind;
use crate::state::PriceFeed;

#[derive(Accounts)]
pub struct SetFeedOracle<'info> {
    pub governance: AdminOnly<'info>,
    #[account(mut, constraint = feed.load()?.exchange == governance.exchange.key() @ ReflexError::WrongExchange)]
    pub feed: AccountLoader<'info, PriceFeed>,
    /// CHECK: the new oracle account; checked to be of `oracle_kind` and to
    /// carry the feed's id.
    pub oracle: UncheckedAccount<'info>,
}

/// Admin: the feed reads `oracle` from the next slot on (a fallback source
/// for the same feed id: another Pyth price update account); only prints
/// newer than the last accepted one are taken.
pub fn set_feed_oracle(ctx: Context<SetFeedOracle>, oracle_kind: OracleKind) -> Result<()> {
    let mut feed = ctx.accounts.feed.load_mut()?;
    require_keys_neq!(ctx.accounts.oracle.key(), feed.oracle, ReflexError::WrongOracleAccount);
    oracle_kind.read(&ctx.accounts.oracle, &feed.feed_id)?;
    let old_oracle = feed.oracle;
    feed.oracle = ctx.accounts.oracle.key();
    feed.oracle_kind = oracle_kind.to_stored();
    // Read from the next slot on: this slot keeps the price it has.
    feed.oracle_read_slot = Clock::get()?.slot;
    emit!(FeedOracleSet { feed: ctx.accounts.feed.key(), old_oracle, new_oracle: feed.oracle, oracle_kind });
    Ok(())
}

#[derive(Accounts)]
pub struct SetFallbackPrice<'info> {
    pub governance: AdminOnly<'info>,
    #[account(mut, constraint = feed.load()?.exchange == governance.exchange.key() @ ReflexError::WrongExchange)]
    pub feed: AccountLoader<'info, PriceFeed>,
    /// CHECK: the feed's oracle, read first so a live print that nobody
    /// cranked is seen; checked by `refresh_lazily`.
    pub oracle: UncheckedAccount<'info>,
}

/// Admin, only while the feed has no usable price from its oracle (its
/// last print older than `max_liquidation_age_seconds`, or governance's own
/// price standing): posts `price ± confidence` (Pyth's form: mantissas at
/// `exponent`), within the feed's confidence limit, as a print graded for
/// liquidations only, from the feed's first read in a later slot.
pub fn set_fallback_price(ctx: Context<SetFallbackPrice>, price: i64, confidence: u64, exponent: i32) -> Result<()> {
    let clock = Clock::get()?;
    let mut feed = ctx.accounts.feed.load_mut()?;
    refresh_lazily(&mut feed, &ctx.accounts.oracle, clock.slot, clock.unix_timestamp)?;
    let dead_since = feed.last_publish_time;
    let (native, native_confidence) = post_fallback_print(&mut feed, price, confidence, exponent, clock.unix_timestamp)?;
    emit!(FallbackPriceSet {
        feed: ctx.accounts.feed.key(),
        price: native.to_bits(),
        confidence: native_confidence.to_bits(),
        last_oracle_publish_time: dead_since,
        usable_until: clock.unix_timestamp.saturating_add(feed.max_liquidation_age_seconds as i64),
    });
    Ok(())
}
