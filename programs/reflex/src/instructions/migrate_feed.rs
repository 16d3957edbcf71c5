use anchor_lang::prelude::*;
use anchor_lang::system_program::{transfer, Transfer};
use anchor_lang::Discriminator;

use crate::error::ReflexError;
use crate::events::FeedMigrated;
use crate::state::PriceFeed;

/// A feed in the first layout, and whoever pays the rent for the second.
#[derive(Accounts)]
pub struct MigrateFeed<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// CHECK: a PriceFeed of the first layout, which Anchor's loader refuses
    /// as too short: the owner is checked here, the discriminator and the
    /// size in the handler.
    #[account(mut, owner = crate::ID @ ReflexError::NotAFirstLayoutFeed)]
    pub feed: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

/// Anyone: grows a feed listed under the first layout to the current one
/// ([`PriceFeed::V1_SPACE`] → [`PriceFeed::SPACE`]), the payer topping up
/// its rent. The appended space is zero (the robust estimator off), so the
/// feed prices exactly as before; nothing else changes. Until a feed is
/// migrated, every instruction that loads it fails with Anchor's
/// `AccountDidNotDeserialize`: governance pauses, upgrades, migrates every
/// feed, and unpauses.
pub fn migrate_feed(ctx: Context<MigrateFeed>) -> Result<()> {
    let feed = ctx.accounts.feed.to_account_info();
    let old_space = feed.data_len();
    {
        let data = feed.try_borrow_data()?;
        require!(data.len() >= 8 && data[..8] == *PriceFeed::DISCRIMINATOR, ReflexError::NotAFirstLayoutFeed);
    }
    require!(old_space != PriceFeed::SPACE, ReflexError::FeedAlreadyMigrated);
    require!(old_space == PriceFeed::V1_SPACE, ReflexError::NotAFirstLayoutFeed);
    let shortfall = Rent::get()?.minimum_balance(PriceFeed::SPACE).saturating_sub(feed.lamports());
    if shortfall > 0 {
        let accounts = Transfer { from: ctx.accounts.payer.to_account_info(), to: feed.clone() };
        transfer(CpiContext::new(ctx.accounts.system_program.key(), accounts), shortfall)?;
    }
    feed.resize(PriceFeed::SPACE)?;
    // New bytes are zero on a fresh resize; made sure of, since zero means "off".
    feed.try_borrow_mut_data()?[old_space..].fill(0);
    emit!(FeedMigrated { feed: feed.key(), old_space: old_space as u32, new_space: PriceFeed::SPACE as u32 });
    Ok(())
}
