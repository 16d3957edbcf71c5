use anchor_lang::prelude::*;

use crate::controller::feed::{refresh, Refresh};
use crate::events::FeedRefreshed;
use crate::state::PriceFeed;

/// Permissionless crank: anyone may refresh any feed, at most once per slot.
#[derive(Accounts)]
pub struct RefreshFeed<'info> {
    #[account(mut)]
    pub feed: AccountLoader<'info, PriceFeed>,
    /// CHECK: must be the feed's oracle account; read and validated by `refresh`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn refresh_feed(ctx: Context<RefreshFeed>) -> Result<()> {
    let clock = Clock::get()?;
    let mut feed = ctx.accounts.feed.load_mut()?;
    if let Refresh::Updated(grade) = refresh(&mut feed, &ctx.accounts.oracle, clock.slot, clock.unix_timestamp)? {
        emit!(FeedRefreshed {
            feed: ctx.accounts.feed.key(),
            slot: clock.slot,
            price: feed.last_price.get().to_bits(),
            confidence: feed.last_confidence.get().to_bits(),
            fast_variance: feed.fast_variance.get().to_bits(),
            slow_variance: feed.slow_variance.get().to_bits(),
            grade: grade as u8,
        });
    }
    Ok(())
}
