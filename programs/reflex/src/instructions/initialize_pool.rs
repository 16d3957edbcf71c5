use anchor_lang::prelude::*;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token_2022::spl_token_2022::state::Account as SplTokenAccount;
use anchor_spl::token_interface::{self, InitializeAccount3, Mint, TokenInterface};

use super::admin_only::*;
use crate::constants::QUOTE_VAULT_SEED;
use crate::error::ReflexError;
use crate::events::PoolInitialized;
use crate::utils::create_pda_account;

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
    let exchange_info = ctx.accounts.governance.exchange.to_account_info();
    let seeds: &[&[u8]] = &[QUOTE_VAULT_SEED, &[ctx.bumps.quote_vault]];
    create_pda_account(
        &ctx.accounts.payer,
        &ctx.accounts.quote_vault,
        SplTokenAccount::LEN,
        &ctx.accounts.token_program.key(),
        seeds,
        &ctx.accounts.system_program,
    )?;
    token_interface::initialize_account3(CpiContext::new(
        ctx.accounts.token_program.key(),
        InitializeAccount3 {
            account: ctx.accounts.quote_vault.to_account_info(),
            mint: ctx.accounts.quote_mint.to_account_info(),
            authority: exchange_info,
        },
    ))?;
    let mut exchange = ctx.accounts.governance.exchange.load_mut()?;
    exchange.quote_vault = ctx.accounts.quote_vault.key();
    exchange.quote_token_program = ctx.accounts.token_program.key();
    exchange.pool_initialized = 1;
    emit!(PoolInitialized { quote_vault: exchange.quote_vault, quote_mint: exchange.quote_mint });
    Ok(())
}
