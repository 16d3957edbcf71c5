use anchor_lang::prelude::*;

use crate::error::ReflexError;

/// One listed collateral mint (PDA `["collateral", mint]`). It is also the
/// token authority of the mint's unified vault, so only this program, signing
/// with these seeds, can move tokens out of the vault.
#[account(zero_copy)]
#[derive(Debug)]
pub struct CollateralAsset {
    pub exchange: Pubkey,
    pub mint: Pubkey,
    /// SPL Token or Token-2022: the program that owns `mint` and `vault`.
    pub token_program: Pubkey,
    /// PDA `["vault", mint]`.
    pub vault: Pubkey,
    /// Sum of every margin account's balance of this mint, in native units.
    /// Equals the vault's token balance (token conservation).
    pub total_deposits: u64,
    /// Deposits are refused once `total_deposits` would exceed this.
    pub deposit_cap: u64,
    /// Position in `Exchange::collateral_mints`.
    pub asset_index: u16,
    pub decimals: u8,
    pub bump: u8,
    pub vault_bump: u8,
    pub _padding: [u8; 3],
    /// Room for the haircut parameters, bounds and feed of later versions.
    pub _reserved: [u8; 256],
}

impl CollateralAsset {
    pub const SPACE: usize = 8 + std::mem::size_of::<CollateralAsset>();

    pub fn add_deposit(&mut self, amount: u64) -> Result<u64> {
        let total = self.total_deposits.checked_add(amount).ok_or(ReflexError::MathOverflow)?;
        require!(total <= self.deposit_cap, ReflexError::DepositCapExceeded);
        self.total_deposits = total;
        Ok(total)
    }

    pub fn remove_deposit(&mut self, amount: u64) -> Result<u64> {
        // Cannot underflow while the conservation invariant holds; a checked
        // subtraction turns a broken invariant into an error, not a wrap.
        self.total_deposits =
            self.total_deposits.checked_sub(amount).ok_or(ReflexError::MathOverflow)?;
        Ok(self.total_deposits)
    }
}
