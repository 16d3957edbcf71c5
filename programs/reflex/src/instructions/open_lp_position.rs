use anchor_lang::prelude::*;

use crate::constants::{EXCHANGE_SEED, LP_POSITION_SEED};
use crate::events::LpPositionOpened;
use crate::state::{Exchange, LpPosition};

#[derive(Accounts)]
pub struct OpenLpPosition<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(init, payer = owner, space = LpPosition::SPACE, seeds = [LP_POSITION_SEED, owner.key().as_ref()], bump)]
    pub lp_position: AccountLoader<'info, LpPosition>,
    pub system_program: Program<'info, System>,
}

/// Opens the signer's LP position (no shares yet).
pub fn open_lp_position(ctx: Context<OpenLpPosition>) -> Result<()> {
    let mut position = ctx.accounts.lp_position.load_init()?;
    position.exchange = ctx.accounts.exchange.key();
    position.owner = ctx.accounts.owner.key();
    position.bump = ctx.bumps.lp_position;
    emit!(LpPositionOpened { lp_position: ctx.accounts.lp_position.key(), owner: position.owner });
    Ok(())
}
