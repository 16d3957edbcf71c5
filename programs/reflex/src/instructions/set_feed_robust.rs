use anchor_lang::prelude::*;

use super::set_feed_config::SetFeedConfig;
use crate::events::FeedRobustSet;
use crate::state::{PriceFeed, RobustFeedConfig};

/// Admin: turns a feed's cadence-robust estimator on (settings checked
/// against the feed's own half-lives), re-tunes it, or turns it off (all
/// zero). Turned on, it starts from the baseline accumulator's history;
/// from then on every accepted print updates both, and haircuts and margins
/// on the feed follow the robust `σ_T` (initial levels the fast one if
/// `split`). `σ_T` may jump: the levels follow from this slot on at their
/// slew rates, as after `set_feed_config`.
pub fn set_feed_robust(ctx: Context<SetFeedConfig>, config: RobustFeedConfig) -> Result<()> {
    let mut feed = ctx.accounts.feed.load_mut()?;
    PriceFeed::check_robust(&config, &feed.config)?;
    let old = feed.robust_config;
    feed.apply_robust(&config, Clock::get()?.slot);
    feed.update_robust_sigma()?;
    emit!(FeedRobustSet { feed: ctx.accounts.feed.key(), old, new: config });
    Ok(())
}
