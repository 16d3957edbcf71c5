use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenInterface};

use crate::constants::{COLLATERAL_SEED, EXCHANGE_SEED, VAULT_SEED};
use crate::error::ReflexError;
use crate::events::CollateralListed;
use crate::state::{CollateralAsset, Exchange};
use crate::utils::{create_token_account_pda, create_zero_copy_pda};
use crate::validation::mint::require_supported_mint;

/// The accounts are flat, each PDA's seeds naming a top-level account, so
/// a client resolves every address from the IDL alone. Nothing is created
/// before the handler runs: the admin and duplicate checks fail with their
/// own errors, never with "account already in use".
#[derive(Accounts)]
pub struct ListCollateral<'info> {
    #[account(
        mut,
        seeds = [EXCHANGE_SEED],
        bump = exchange.load()?.bump,
        has_one = admin @ ReflexError::NotAdmin,
        constraint = !exchange.load()?.is_collateral_listed(&mint.key()) @ ReflexError::CollateralAlreadyListed,
    )]
    pub exchange: AccountLoader<'info, Exchange>,
    pub admin: Signer<'info>,
    #[account(mint::token_program = token_program)]
    pub mint: InterfaceAccount<'info, Mint>,
    pub token_program: Interface<'info, TokenInterface>,
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The mint's CollateralAsset, created by the handler.
    /// CHECK: address fixed by the seeds; created and initialised below.
    #[account(mut, seeds = [COLLATERAL_SEED, mint.key().as_ref()], bump)]
    pub collateral_asset: UncheckedAccount<'info>,
    /// The unified vault: one token account per mint, owned by the
    /// CollateralAsset PDA, holding every trader's deposits of that mint.
    /// CHECK: address fixed by the seeds; created and initialised below.
    #[account(mut, seeds = [VAULT_SEED, mint.key().as_ref()], bump)]
    pub vault: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn list_collateral(ctx: Context<ListCollateral>, deposit_cap: u64) -> Result<()> {
    let accounts = &ctx.accounts;
    require_supported_mint(&accounts.mint.to_account_info())?;

    let asset_index = accounts.exchange.load_mut()?.register_collateral(accounts.mint.key())?;

    let mint_key = accounts.mint.key();
    let vault_seeds: &[&[u8]] = &[VAULT_SEED, mint_key.as_ref(), &[ctx.bumps.vault]];
    create_token_account_pda(
        &accounts.payer,
        &accounts.vault,
        &accounts.mint,
        accounts.collateral_asset.to_account_info(),
        &accounts.token_program,
        vault_seeds,
        &accounts.system_program,
    )?;
    // The asset last: its data stays borrowed while the handler fills it in,
    // so no call that passes it (the vault's authority) may follow.
    let asset_seeds: &[&[u8]] = &[COLLATERAL_SEED, mint_key.as_ref(), &[ctx.bumps.collateral_asset]];
    let mut asset = create_zero_copy_pda::<CollateralAsset>(
        &accounts.payer,
        &accounts.collateral_asset,
        CollateralAsset::SPACE,
        asset_seeds,
        &accounts.system_program,
    )?;

    asset.exchange = accounts.exchange.key();
    asset.mint = mint_key;
    asset.token_program = accounts.token_program.key();
    asset.vault = accounts.vault.key();
    asset.deposit_cap = deposit_cap;
    asset.asset_index = asset_index;
    asset.decimals = accounts.mint.decimals;
    asset.bump = ctx.bumps.collateral_asset;
    asset.vault_bump = ctx.bumps.vault;

    emit!(CollateralListed {
        collateral_asset: accounts.collateral_asset.key(),
        mint: asset.mint,
        vault: asset.vault,
        token_program: asset.token_program,
        asset_index,
        decimals: asset.decimals,
        deposit_cap,
    });
    Ok(())
}
