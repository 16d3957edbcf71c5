use anchor_lang::prelude::*;

use super::admin_only::*;
use crate::error::ReflexError;
use crate::events::FeedConfigSet;
use crate::state::FeedConfig;
use crate::state::PriceFeed;

#[derive(Accounts)]
pub struct SetFeedConfig<'info> {
    pub governance: AdminOnly<'info>,
    #[account(mut, constraint = feed.load()?.exchange == governance.exchange.key() @ ReflexError::WrongExchange)]
    pub feed: AccountLoader<'info, PriceFeed>,
}

/// Admin: replaces a feed's guard rails and accumulator settings (validated
/// as at listing). The accumulator's variances carry on under the new
/// half-lives; the next refresh uses the new guard rails. A new horizon or
/// return clamp moves `σ_T` now, and haircuts and margins follow it from
/// this slot on at their slew rates (no earlier slot counts). Refused if
/// the feed's robust estimator settings would no longer fit the new half-lives.
pub fn set_feed_config(ctx: Context<SetFeedConfig>, config: FeedConfig) -> Result<()> {
    config.validate()?;
    let mut feed = ctx.accounts.feed.load_mut()?;
    // The robust estimator's half-lives are ordered against these.
    PriceFeed::check_robust(&feed.robust_config, &config)?;
    let old = feed.config;
    feed.apply_config(&config, Clock::get()?.slot);
    // The horizon and the clamp enter the robust σ_T too.
    feed.update_robust_sigma()?;
    emit!(FeedConfigSet { feed: ctx.accounts.feed.key(), old, new: config });
    Ok(())
}
