use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

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
