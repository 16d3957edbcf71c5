use anchor_lang::prelude::*;

use crate::constants::{EXCHANGE_SEED, FEED_SEED};
use crate::error::ReflexError;
use crate::events::FeedListed;
use crate::oracle::OracleKind;
use crate::state::{Exchange, FeedConfig, PriceFeed};

/// The admin and the registry check. Anchor runs a nested struct's
/// constraints in field order, so these run before [`NewFeed`] creates the
/// account: a duplicate fails with its own error, not "already in use".
/// (The outer struct declares no `#[instruction]`: if it did, Anchor would
/// hand the nested structs the instruction data past `feed_id`.)
#[derive(Accounts)]
#[instruction(feed_id: [u8; 32])]
pub struct FeedListing<'info> {
    #[account(
        mut,
        seeds = [EXCHANGE_SEED],
        bump = exchange.load()?.bump,
        has_one = admin @ ReflexError::NotAdmin,
        constraint = !exchange.load()?.is_feed_listed(&feed_id) @ ReflexError::FeedAlreadyListed,
    )]
    pub exchange: AccountLoader<'info, Exchange>,
    pub admin: Signer<'info>,
}

#[derive(Accounts)]
pub struct ListFeed<'info> {
    pub listing: FeedListing<'info>,
    pub new_feed: NewFeed<'info>,
}

#[derive(Accounts)]
#[instruction(feed_id: [u8; 32])]
pub struct NewFeed<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(init, payer = payer, space = PriceFeed::SPACE, seeds = [FEED_SEED, feed_id.as_ref()], bump)]
    pub feed: AccountLoader<'info, PriceFeed>,
    /// The oracle account this feed will read; checked to be of
    /// `oracle_kind` and for `feed_id`.
    /// CHECK: validated by `OracleKind::read`.
    pub oracle: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

/// `base_decimals`: decimals of the underlying token, so prices convert to
/// quote native units per base native unit.
/// `oracle_kind` says how to read `oracle`; for a legacy Pyth price account
/// `feed_id` must be the account's address.
pub fn list_feed(ctx: Context<ListFeed>, feed_id: [u8; 32], base_decimals: u8, oracle_kind: OracleKind, config: FeedConfig) -> Result<()> {
    let new_feed = &ctx.accounts.new_feed;
    config.validate()?;
    oracle_kind.read(&new_feed.oracle, &feed_id)?;
    let quote_decimals = {
        let mut exchange = ctx.accounts.listing.exchange.load_mut()?;
        exchange.register_feed(feed_id)?;
        exchange.quote_decimals
    };

    let mut feed = new_feed.feed.load_init()?;
    feed.exchange = ctx.accounts.listing.exchange.key();
    feed.oracle = new_feed.oracle.key();
    feed.feed_id = feed_id;
    feed.apply_config(&config, Clock::get()?.slot);
    feed.base_decimals = base_decimals;
    feed.quote_decimals = quote_decimals;
    feed.bump = ctx.bumps.new_feed.feed;
    feed.oracle_kind = oracle_kind.to_stored();

    emit!(FeedListed { feed: new_feed.feed.key(), feed_id, oracle: feed.oracle, base_decimals, oracle_kind, config });
    Ok(())
}
