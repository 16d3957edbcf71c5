use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenInterface};

use crate::constants::{COLLATERAL_SEED, EXCHANGE_SEED, VAULT_SEED};
use crate::error::ReflexError;
use crate::events::CollateralListed;
use crate::state::{CollateralAsset, Exchange};
use crate::utils::create_token_account_pda;
use crate::validation::mint::require_supported_mint;

/// The admin's authority over the exchange and the mint to list. A separate
/// struct because Anchor checks a nested struct's constraints before it
/// creates the outer struct's `init` accounts: a non-admin or a duplicate
/// listing fails with its own error instead of "account already in use".
#[derive(Accounts)]
pub struct ListingAuthority<'info> {
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
}

#[derive(Accounts)]
pub struct ListCollateral<'info> {
    pub listing: ListingAuthority<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(
        init,
        payer = payer,
        space = CollateralAsset::SPACE,
        seeds = [COLLATERAL_SEED, listing.mint.key().as_ref()],
        bump,
    )]
    pub collateral_asset: AccountLoader<'info, CollateralAsset>,
    /// The unified vault: one token account per mint, owned by the
    /// CollateralAsset PDA, holding every trader's deposits of that mint.
    /// Created by the handler (Anchor's `token::mint` wants the mint as a
    /// field of this struct, and here it sits in `listing`).
    /// CHECK: address fixed by the seeds; created and initialised below.
    #[account(mut, seeds = [VAULT_SEED, listing.mint.key().as_ref()], bump)]
    pub vault: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn list_collateral(ctx: Context<ListCollateral>, deposit_cap: u64) -> Result<()> {
    let listing = &ctx.accounts.listing;
    require_supported_mint(&listing.mint.to_account_info())?;

    let asset_index = listing.exchange.load_mut()?.register_collateral(listing.mint.key())?;

    let mint_key = listing.mint.key();
    let vault_seeds: &[&[u8]] = &[VAULT_SEED, mint_key.as_ref(), &[ctx.bumps.vault]];
    create_token_account_pda(
        &ctx.accounts.payer,
        &ctx.accounts.vault,
        &listing.mint,
        ctx.accounts.collateral_asset.to_account_info(),
        &listing.token_program,
        vault_seeds,
        &ctx.accounts.system_program,
    )?;

    let mut asset = ctx.accounts.collateral_asset.load_init()?;
    asset.exchange = listing.exchange.key();
    asset.mint = listing.mint.key();
    asset.token_program = listing.token_program.key();
    asset.vault = ctx.accounts.vault.key();
    asset.deposit_cap = deposit_cap;
    asset.asset_index = asset_index;
    asset.decimals = listing.mint.decimals;
    asset.bump = ctx.bumps.collateral_asset;
    asset.vault_bump = ctx.bumps.vault;

    emit!(CollateralListed {
        collateral_asset: ctx.accounts.collateral_asset.key(),
        mint: asset.mint,
        vault: asset.vault,
        token_program: asset.token_program,
        asset_index,
        decimals: asset.decimals,
        deposit_cap,
    });
    Ok(())
}
