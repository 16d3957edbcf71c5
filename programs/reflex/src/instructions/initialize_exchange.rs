use anchor_lang::prelude::*;
use anchor_spl::token_interface::Mint;

use crate::constants::EXCHANGE_SEED;
use crate::error::ReflexError;
use crate::events::ExchangeInitialized;
use crate::program::Reflex;
use crate::state::Exchange;
use crate::validation::mint::require_supported_mint;

#[derive(Accounts)]
pub struct InitializeExchange<'info> {
    /// The program's upgrade authority: becomes the exchange admin and pays
    /// for the account. Requiring it means nobody can front-run a fresh
    /// deployment and make themselves admin.
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(init, payer = admin, space = Exchange::SPACE, seeds = [EXCHANGE_SEED], bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The settlement token (SPL Token or Token-2022).
    pub quote_mint: InterfaceAccount<'info, Mint>,
    #[account(constraint = program.programdata_address()? == Some(program_data.key()) @ ReflexError::WrongProgramData)]
    pub program: Program<'info, Reflex>,
    /// The program's ProgramData: `[program id]` under the upgradeable
    /// loader (seeds given so a client derives it from the IDL).
    #[account(
        seeds = [program.key().as_ref()],
        bump,
        seeds::program = anchor_lang::solana_program::bpf_loader_upgradeable::ID,
        constraint = program_data.upgrade_authority_address == Some(admin.key()) @ ReflexError::NotUpgradeAuthority,
    )]
    pub program_data: Account<'info, ProgramData>,
    pub system_program: Program<'info, System>,
}

pub fn initialize_exchange(ctx: Context<InitializeExchange>) -> Result<()> {
    // The quote token will sit in pool and insurance vaults: same rules as collateral.
    require_supported_mint(&ctx.accounts.quote_mint.to_account_info())?;
    let mut exchange = ctx.accounts.exchange.load_init()?;
    exchange.admin = ctx.accounts.admin.key();
    exchange.quote_mint = ctx.accounts.quote_mint.key();
    exchange.quote_decimals = ctx.accounts.quote_mint.decimals;
    exchange.bump = ctx.bumps.exchange;

    emit!(ExchangeInitialized { exchange: ctx.accounts.exchange.key(), admin: exchange.admin, quote_mint: exchange.quote_mint });
    Ok(())
}
