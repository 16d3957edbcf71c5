use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::COLLATERAL_SEED;
use crate::controller::token;
use crate::error::ReflexError;
use crate::state::CollateralAsset;

/// A listed collateral with its vault, mint and token program, checked to
/// belong together. Shared by every instruction that moves collateral tokens.
/// The asset's identity is proven by its owner and discriminator (only
/// `list_collateral` creates one); the rest must match what it recorded.
#[derive(Accounts)]
pub struct CollateralVault<'info> {
    #[account(
        mut,
        has_one = mint @ ReflexError::WrongMint,
        has_one = vault @ ReflexError::WrongVault,
        has_one = token_program @ ReflexError::WrongTokenProgram,
    )]
    pub collateral_asset: AccountLoader<'info, CollateralAsset>,
    #[account(mut)]
    pub vault: InterfaceAccount<'info, TokenAccount>,
    pub mint: InterfaceAccount<'info, Mint>,
    pub token_program: Interface<'info, TokenInterface>,
}

impl<'info> CollateralVault<'info> {
    /// Moves `amount` of the collateral from `source` (signed by
    /// `authority`) into the vault (`controller::token::receive`).
    pub fn receive(&self, source: AccountInfo<'info>, authority: AccountInfo<'info>, amount: u64) -> Result<()> {
        token::receive(&self.token_program, &self.mint, self.vault.to_account_info(), source, authority, amount)
    }

    /// Pays `amount` of the collateral from the vault to `destination`,
    /// signed by the asset, the vault's owner (`controller::token::pay`).
    pub fn pay(&self, destination: AccountInfo<'info>, amount: u64) -> Result<()> {
        let bump = self.collateral_asset.load()?.bump;
        let mint = self.mint.key();
        let signer_seeds: &[&[&[u8]]] = &[&[COLLATERAL_SEED, mint.as_ref(), &[bump]]];
        token::pay(
            &self.token_program,
            &self.mint,
            self.vault.to_account_info(),
            self.collateral_asset.to_account_info(),
            signer_seeds,
            destination,
            amount,
        )
    }
}
