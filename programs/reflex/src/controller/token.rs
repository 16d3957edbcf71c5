//! Every token transfer the program makes (Drift v2's `controller/token.rs`),
//! through the token interface, so SPL Token and Token-2022 mints move the
//! same way: into a vault from a user's account, and out of a vault signed
//! by the PDA that owns it. Each checks what the vault moved: exactly the
//! amount the books record. Listing refuses mints that charge transfer fees
//! (`validation::mint`); should a token still move another amount, the
//! transaction fails with `VaultAmountMismatch` instead of the books
//! drifting from the tokens.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenInterface, TransferChecked};

use crate::error::ReflexError;

/// Moves `amount` from `source` (its owner or delegate `authority` signs)
/// into `vault`; the vault must have received exactly `amount`.
pub fn receive<'info>(
    token_program: &Interface<'info, TokenInterface>,
    mint: &InterfaceAccount<'info, Mint>,
    vault: AccountInfo<'info>,
    source: AccountInfo<'info>,
    authority: AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    let before = amount_in(&vault)?;
    transfer(token_program, mint, source, vault.clone(), authority, &[], amount)?;
    require!(amount_in(&vault)?.checked_sub(before) == Some(amount), ReflexError::VaultAmountMismatch);
    Ok(())
}

/// Pays `amount` out of `vault` to `destination`, signed by the vault's
/// owner `vault_authority` (a PDA of this program, `signer_seeds`); the
/// vault must have given exactly `amount`.
pub fn pay<'info>(
    token_program: &Interface<'info, TokenInterface>,
    mint: &InterfaceAccount<'info, Mint>,
    vault: AccountInfo<'info>,
    vault_authority: AccountInfo<'info>,
    signer_seeds: &[&[&[u8]]],
    destination: AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    let before = amount_in(&vault)?;
    transfer(token_program, mint, vault.clone(), destination, vault_authority, signer_seeds, amount)?;
    require!(before.checked_sub(amount_in(&vault)?) == Some(amount), ReflexError::VaultAmountMismatch);
    Ok(())
}

fn transfer<'info>(
    token_program: &Interface<'info, TokenInterface>,
    mint: &InterfaceAccount<'info, Mint>,
    from: AccountInfo<'info>,
    to: AccountInfo<'info>,
    authority: AccountInfo<'info>,
    signer_seeds: &[&[&[u8]]],
    amount: u64,
) -> Result<()> {
    let accounts = TransferChecked { from, mint: mint.to_account_info(), to, authority };
    token_interface::transfer_checked(CpiContext::new_with_signer(token_program.key(), accounts, signer_seeds), amount, mint.decimals)
}

/// The balance of a token account as it stands now (after a CPI): bytes
/// 64..72 of the base layout SPL Token and Token-2022 share (mint, owner,
/// amount). The caller's accounts struct has checked the account's type.
fn amount_in(account: &AccountInfo) -> Result<u64> {
    const AMOUNT: std::ops::Range<usize> = 64..72;
    let data = account.try_borrow_data()?;
    let bytes: [u8; 8] = data.get(AMOUNT).and_then(|bytes| bytes.try_into().ok()).ok_or(ReflexError::VaultAmountMismatch)?;
    Ok(u64::from_le_bytes(bytes))
}
