use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenInterface};

use super::admin_only::*;
use crate::constants::DEFAULT_LP_DELAY_SLOTS;
use crate::constants::QUOTE_VAULT_SEED;
use crate::error::ReflexError;
use crate::events::PoolInitialized;
use crate::utils::create_token_account_pda;

#[derive(Accounts)]
pub struct InitializePool<'info> {
    #[account(constraint = governance.exchange.load()?.pool_initialized == 0 @ ReflexError::PoolAlreadyInitialized)]
    pub governance: AdminOnly<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(
        constraint = quote_mint.key() == governance.exchange.load()?.quote_mint @ ReflexError::WrongMint,
        mint::token_program = token_program,
    )]
    pub quote_mint: InterfaceAccount<'info, Mint>,
    /// CHECK: address fixed by the seeds; created and initialised below.
    #[account(mut, seeds = [QUOTE_VAULT_SEED], bump)]
    pub quote_vault: UncheckedAccount<'info>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Admin: creates the quote vault (PDA `["quote_vault"]`, token authority
/// the Exchange) that holds the LP pool and the insurance fund.
pub fn initialize_pool(ctx: Context<InitializePool>) -> Result<()> {
    let seeds: &[&[u8]] = &[QUOTE_VAULT_SEED, &[ctx.bumps.quote_vault]];
    create_token_account_pda(
        &ctx.accounts.payer,
        &ctx.accounts.quote_vault,
        &ctx.accounts.quote_mint,
        ctx.accounts.governance.exchange.to_account_info(),
        &ctx.accounts.token_program,
        seeds,
        &ctx.accounts.system_program,
    )?;
    let mut exchange = ctx.accounts.governance.exchange.load_mut()?;
    exchange.quote_vault = ctx.accounts.quote_vault.key();
    exchange.quote_token_program = ctx.accounts.token_program.key();
    exchange.pool_initialized = 1;
    exchange.lp_delay_slots = DEFAULT_LP_DELAY_SLOTS;
    emit!(PoolInitialized { quote_vault: exchange.quote_vault, quote_mint: exchange.quote_mint });
    Ok(())
}
